"""The ``task`` tool: delegate a self-contained piece of work to a sub-agent.

``TaskTool`` is a ``Tool`` bound to a parent agent. Each ``task`` call runs a fresh
``Agent`` (the parent's model, approver, hooks and limits; an empty history) on the
task description and returns the sub-agent's final answer as the call's result. The
sub-agent's tools are the parent's, minus ``task`` itself (no unbounded recursion), or
only the read-only ones for ``subagent_type="explore"``. Its file edits and commands
still go through the parent's approver. Each tool call of the sub-agent is reported as
a progress line of the ``task`` call (``→ Read README.md``).

``DeepAgent`` includes it by default (``DeepAgent(subagents=False)`` leaves it out)::

    from agentica import Agent
    from agentica.tools.task import TaskTool

    task = TaskTool()
    agent = Agent(model="demo", tools=[..., task])
    task.bind(agent)
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass
from typing import Any

import anyio

from agentica.agent import Agent
from agentica.events import TextContent, ToolCallStarted
from agentica.exceptions import ModelError, ToolError, UserError
from agentica.tools.base import CallDescription, current_call
from agentica.tools.decorator import tool
from agentica.tools.function import Function, Tool

logger = logging.getLogger(__name__)

TASK_TOOL_NAME = "task"
DEFAULT_SUBAGENT_MAX_TURNS = 25
PROGRESS_LINES = 20
"""Sub-agent tool calls shown in the ``task`` call's progress (the latest ones)."""

_REPORT = (
    "When you are done, reply with a concise report: what you found or changed, with file "
    "paths and line numbers where useful. That report is all the caller sees, so put every "
    "fact it needs in it; do not ask the caller questions."
)


@dataclass(frozen=True, slots=True)
class SubagentType:
    """A kind of sub-agent: which of the parent's tools it gets, and its instructions.

    Attributes:
        name: The ``subagent_type`` value.
        description: One line for the model (in the ``task`` tool's description).
        instructions: The sub-agent's system instructions.
        tools: Names of the parent's tools it may use; ``None`` means all but ``task``.
    """

    name: str
    description: str
    instructions: str
    tools: frozenset[str] | None = None


SUBAGENT_TYPES: dict[str, SubagentType] = {
    t.name: t
    for t in (
        SubagentType(
            name="general-purpose",
            description="can use every tool (read, search, edit, run commands)",
            instructions=(
                "You are a sub-agent doing one self-contained task for another agent, in "
                "the same workspace. Do the task completely with the tools. " + _REPORT
            ),
        ),
        SubagentType(
            name="explore",
            description="read-only: ls, read_file, glob, grep; for finding and reading code",
            instructions=(
                "You are a read-only sub-agent exploring a workspace for another agent: "
                "find and read what the task asks about with ls, glob, grep and read_file; "
                "you cannot change anything. " + _REPORT
            ),
            tools=frozenset({"ls", "read_file", "glob", "grep"}),
        ),
    )
}


def _shorten(text: str, limit: int = 60) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _describe_task(self: TaskTool, args: dict[str, Any]) -> CallDescription:
    description = _shorten(str(args.get("description") or ""))
    return CallDescription(title=f"Task: {description}" if description else "Task")


class TaskTool(Tool):
    """The ``task`` tool: runs a sub-agent of the agent it is bound to.

    Args:
        parent: The agent whose model, tools and approver sub-agents use; or call
            ``bind()`` once the agent exists.
        max_turns: Model calls per sub-agent run (default: the parent's, at most 25).
    """

    def __init__(self, parent: Agent[Any] | None = None, *, max_turns: int | None = None) -> None:
        super().__init__()
        self.parent = parent
        self.max_turns = max_turns

    def bind(self, parent: Agent[Any]) -> TaskTool:
        """Bind to the parent agent (returns ``self``)."""
        self.parent = parent
        return self

    def subagent(self, subagent_type: str = "general-purpose") -> Agent[str]:
        """A fresh sub-agent of the given type (empty history).

        Raises:
            ToolError: ``subagent_type`` is not one of ``SUBAGENT_TYPES``.
            UserError: The tool is not bound to a parent agent.
        """
        kind = SUBAGENT_TYPES.get(subagent_type)
        if kind is None:
            valid = ", ".join(repr(n) for n in SUBAGENT_TYPES)
            raise ToolError(f"Unknown subagent_type {subagent_type!r}; valid types: {valid}.")
        parent = self.parent
        if parent is None:
            raise UserError("TaskTool is not bound to an agent: call task_tool.bind(agent)")
        tools: list[Function] = [
            f
            for f in parent.functions
            if f.name != TASK_TOOL_NAME and (kind.tools is None or f.name in kind.tools)
        ]
        return Agent(
            model=parent.model,
            name=kind.name,
            instructions=kind.instructions,
            tools=tools,
            approver=parent.approver,
            max_turns=self.max_turns or min(parent.max_turns, DEFAULT_SUBAGENT_MAX_TURNS),
            parallel_tool_calls=parent.parallel_tool_calls,
            max_concurrency=parent.max_concurrency,
            add_history_to_context=False,
            work_dir=parent.work_dir,
            hooks=parent.hooks,
        )

    @tool(kind="think", requires_approval=False, concurrency_safe=True, describe=_describe_task)
    async def task(self, description: str, subagent_type: str = "general-purpose") -> str:
        """Delegate a self-contained task to a sub-agent and get its final report.

        The sub-agent starts with no knowledge of this conversation: describe the task
        fully (goal, relevant files, what to report back). Several `task` calls in one
        turn run in parallel. Types: `general-purpose` (can use every tool: read,
        search, edit, run commands) and `explore` (read-only: ls, read_file, glob, grep;
        for finding and reading code).

        Args:
            description: The complete task for the sub-agent, and what it should report.
            subagent_type: `general-purpose` or `explore`.
        """
        sub = self.subagent(subagent_type)
        ctx = current_call()
        lines: deque[str] = deque(maxlen=PROGRESS_LINES)
        try:
            async with sub.run_stream(description) as stream:
                async for event in stream:
                    if isinstance(event, ToolCallStarted) and ctx is not None:
                        lines.append(f"→ {event.title}")
                        await ctx.progress(content=(TextContent(text="\n".join(lines)),))
            response = stream.response
        except ModelError as e:
            raise ToolError(f"The {subagent_type} sub-agent failed: {e}") from e
        text = response.text.strip()
        if response.stop_reason == "cancelled":
            # The sub-run was cancelled from within (its approver answered "cancel"): the
            # user stopped the turn, so the parent's run ends as cancelled too.
            await self._cancel_parent()
        if response.stop_reason == "max_turns":
            note = f"[The sub-agent stopped after {sub.max_turns} turns without finishing.]"
            return f"{text}\n\n{note}" if text else note
        return text or "[The sub-agent gave no answer.]"

    async def _cancel_parent(self) -> None:
        if self.parent is not None and self.parent.is_running:
            self.parent.cancel()
            await anyio.sleep_forever()  # The parent's cancellation ends this call.
        raise ToolError("The sub-agent's run was cancelled.")


__all__ = ["SUBAGENT_TYPES", "SubagentType", "TaskTool"]
