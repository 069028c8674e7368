"""The ``task`` tool: delegate a self-contained piece of work to a sub-agent.

``TaskTool`` is a ``Tool`` bound to a parent agent. Each ``task`` call runs a fresh
``Agent`` (the parent's model unless the type names one, the run's approver, the
parent's hooks and limits; an empty history) on the task description and returns the
sub-agent's final answer as the call's result. The sub-agent's tools are the parent's,
minus ``task`` itself (no unbounded recursion), or the subset its type allows
(``explore`` is read-only). Types: ``SUBAGENT_TYPES`` plus ``types=`` (e.g. the user's
Markdown files, ``agentica.tools.subagent_types``).

The sub-agent's own tool calls join the parent's stream as tool calls of their own,
announced before they run (so before any approval, file or terminal request naming
them), with ids ``<task call id>/<call id>`` and titles saying which sub-agent made them
(``explore: Read README.md``); the ``task`` call also shows them as progress lines. Its
approvals go to the parent run's approver (``RunConfig.approver`` or the agent's).

``DeepAgent`` includes it by default (``DeepAgent(subagents=False)`` leaves it out)::

    task = TaskTool()
    agent = Agent(model="demo", tools=[..., task])
    task.bind(agent)
"""

from __future__ import annotations

import dataclasses
import logging
from collections import deque
from collections.abc import Mapping
from typing import Any

import anyio

from agentica.agent import Agent
from agentica.events import TextContent, ToolCallFinished, ToolCallProgress, ToolCallStarted
from agentica.exceptions import ModelError, ToolError, UserError
from agentica.run import RunConfig
from agentica.tools.base import ApprovalRequest, Approver, CallDescription, current_call
from agentica.tools.decorator import tool
from agentica.tools.function import Function, Tool
from agentica.tools.subagent_types import SUBAGENT_TYPES, SubagentType

logger = logging.getLogger(__name__)

TASK_TOOL_NAME = "task"
DEFAULT_SUBAGENT_MAX_TURNS = 25
PROGRESS_LINES = 20
"""Sub-agent tool calls shown in the ``task`` call's progress (the latest ones)."""


def _shorten(text: str, limit: int = 60) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _describe_task(self: TaskTool, args: dict[str, Any]) -> CallDescription:
    description = _shorten(str(args.get("description") or ""))
    kind = args.get("subagent_type")
    label = f"Task ({kind})" if kind and kind != "general-purpose" else "Task"
    return CallDescription(title=f"{label}: {description}" if description else label)


def _labelled(label: str, approver: Approver) -> Approver:
    """``approver`` seeing the sub-agent's requests titled with the sub-agent's type."""

    async def approve(request: ApprovalRequest) -> Any:
        return await approver(dataclasses.replace(request, title=f"{label}: {request.title}"))

    return approve


class TaskTool(Tool):
    """The ``task`` tool: runs a sub-agent of the agent it is bound to.

    Args:
        parent: The agent whose model, tools and approver sub-agents use; or call
            ``bind()`` once the agent exists.
        max_turns: Model calls per sub-agent run (default: the parent's, at most 25).
        types: More subagent types (a name given twice: the later one wins).
    """

    def __init__(
        self,
        parent: Agent[Any] | None = None,
        *,
        max_turns: int | None = None,
        types: Mapping[str, SubagentType] | None = None,
    ) -> None:
        super().__init__()
        self.parent = parent
        self.max_turns = max_turns
        self.types = {**SUBAGENT_TYPES, **(types or {})}

    def bind(self, parent: Agent[Any]) -> TaskTool:
        """Bind to the parent agent (returns ``self``)."""
        self.parent = parent
        return self

    def functions(self) -> list[Function]:
        """The ``task`` tool, its description listing the available types."""
        [fn] = super().functions()
        listed = "; ".join(f"`{t.name}`: {t.description}" for t in self.types.values())
        return [dataclasses.replace(fn, description=f"{fn.description}\n\nTypes: {listed}.")]

    def subagent(self, subagent_type: str = "general-purpose") -> Agent[str]:
        """A fresh sub-agent of the given type (empty history).

        Raises:
            ToolError: ``subagent_type`` is not a known type.
            UserError: The tool is not bound to a parent agent.
        """
        kind = self.types.get(subagent_type)
        if kind is None:
            valid = ", ".join(repr(n) for n in self.types)
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
            model=kind.model or parent.model,
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
        turn run in parallel.

        Args:
            description: The complete task for the sub-agent, and what it should report.
            subagent_type: One of the types listed below (default `general-purpose`).
        """
        sub = self.subagent(subagent_type)
        ctx = current_call()
        run = ctx.run if ctx is not None else None
        approver = (run.approver if run is not None else None) or sub.approver
        config = RunConfig(
            approver=_labelled(subagent_type, approver) if approver is not None else None,
            call_id_prefix=f"{ctx.call_id}/" if ctx is not None else "",
        )
        lines: deque[str] = deque(maxlen=PROGRESS_LINES)
        try:
            async with sub.run_stream(description, config=config) as stream:
                async for event in stream:
                    if ctx is None:
                        continue
                    if isinstance(event, ToolCallStarted):
                        lines.append(f"→ {event.title}")
                        titled = f"{subagent_type}: {event.title}"
                        await ctx.emit(dataclasses.replace(event, title=titled))
                        await ctx.progress(content=(TextContent(text="\n".join(lines)),))
                    elif isinstance(event, ToolCallProgress | ToolCallFinished):
                        await ctx.emit(event)
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
