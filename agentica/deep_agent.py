"""``DeepAgent``: the batteries-included agent (workspace tools, sub-agents, history on)."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from agentica.agent import Agent
from agentica.run import OutputT

if TYPE_CHECKING:
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
        super().__init__(
            tools=[WorkspaceTools(workspace), *([task] if task else []), *tools],
            work_dir=work_dir or os.getcwd(),
            instructions=instructions,
            response_model=response_model,
            **kwargs,
        )
        if task is not None:
            task.bind(self)


__all__ = ["DEEP_AGENT_INSTRUCTIONS", "DEEP_AGENT_TASK_INSTRUCTIONS", "DeepAgent"]
