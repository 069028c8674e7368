"""``DeepAgent``: the batteries-included agent (workspace tools, sub-agents, history on)."""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from agentica.agent import Agent
from agentica.run import OutputT

if TYPE_CHECKING:
    from agentica.skills import SkillTool
    from agentica.workspace.base import Workspace

DEEP_AGENT_INSTRUCTIONS = """\
You are a capable software engineering agent working in the user's workspace.
Use the tools to inspect files before changing them: ls, glob and grep to find things,
read_file to read, edit_file for small changes, write_file for new files, execute to run
commands (tests, builds). Keep a short plan with write_todos for multi-step work.
Be concise; report what you changed."""

DEEP_AGENT_TASK_INSTRUCTIONS = """\
Delegate self-contained pieces of work (a search across many files, an independent
change) to a sub-agent with task; several task calls in one turn run in parallel."""


class DeepAgent(Agent[OutputT]):
    """The batteries-included agent: workspace tools (files, search, shell, todos), history on.

    Args:
        work_dir: Root of the workspace (default: the current directory).
        workspace: A ``Workspace`` to act on instead of a local one at ``work_dir``.
        tools: Extra tools, after the built-in ones.
        instructions: Replaces the default coding-agent instructions.
        subagents: Include the ``task`` tool (delegate work to a sub-agent, see
            ``agentica.tools.task``).
        skills: Offer the skills (``agentica.skills``) of ``~/.agentica/skills`` and
            ``<work_dir>/.agentica/skills`` (``True``), none (``False``), or those of
            the given folders (lowest precedence first): listed in the system prompt,
            loaded with the ``skill`` tool. Without any skill there is no ``skill`` tool.
        response_model: As for ``Agent`` (``DeepAgent(response_model=X)`` is a
            ``DeepAgent[X]``).
        **kwargs: As for ``Agent``.
    """

    def __init__(
        self,
        *,
        work_dir: str | os.PathLike[str] | None = None,
        workspace: Workspace | None = None,
        tools: Sequence[Any] = (),
        instructions: str | list[str] | Callable[..., Any] | None = None,
        subagents: bool = True,
        skills: bool | Sequence[str | os.PathLike[str]] = True,
        response_model: type[OutputT] | None = None,
        **kwargs: Any,
    ) -> None:
        from agentica.tools.builtin import WorkspaceTools
        from agentica.tools.task import TaskTool

        if workspace is None:
            from agentica.workspace.local import LocalWorkspace

            workspace = LocalWorkspace(os.fspath(work_dir or os.getcwd()))
        self.workspace = workspace
        kwargs.setdefault("add_history_to_context", True)
        task = TaskTool() if subagents else None
        if instructions is None:
            instructions = DEEP_AGENT_INSTRUCTIONS
            if task is not None:
                instructions += "\n" + DEEP_AGENT_TASK_INSTRUCTIONS
        skill_tool = _skill_tool(skills, work_dir or os.getcwd())
        if skill_tool is not None:
            instructions = _with_skills(instructions, skill_tool)
        super().__init__(
            tools=[
                WorkspaceTools(workspace), *([task] if task else []),
                *([skill_tool] if skill_tool else []), *tools,
            ],
            work_dir=work_dir or os.getcwd(),
            instructions=instructions,
            response_model=response_model,
            **kwargs,
        )
        if task is not None:
            task.bind(self)


def _skill_tool(
    skills: bool | Sequence[str | os.PathLike[str]], work_dir: str | os.PathLike[str]
) -> SkillTool | None:
    """The ``skill`` tool over the chosen folders, if they hold any skill."""
    if skills is False:
        return None
    from agentica.skills import SkillTool

    found = SkillTool.for_project(work_dir) if skills is True else SkillTool(skills)
    return found if found.skills else None


def _with_skills(
    base: str | list[str] | Callable[..., Any], skills: SkillTool
) -> Callable[[Agent[Any]], str]:
    """``base`` instructions followed by the skills section (looked up at every run)."""

    def instructions(agent: Agent[Any]) -> str:
        resolved: Any = base
        if callable(base):
            resolved = base(agent) if inspect.signature(base).parameters else base()
        parts = [resolved] if isinstance(resolved, str) else [str(i) for i in resolved or ()]
        return "\n\n".join(p for p in [*parts, skills.prompt()] if p)

    return instructions


__all__ = ["DEEP_AGENT_INSTRUCTIONS", "DEEP_AGENT_TASK_INSTRUCTIONS", "DeepAgent"]
