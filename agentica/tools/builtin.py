"""The built-in workspace tools: files, search, shell and the todo list.

``WorkspaceTools`` is a ``Tool`` whose methods are the tools models know from
agentica 1.5 (``read_file``, ``write_file``, ``edit_file``, ``ls``, ``glob``, ``grep``,
``execute``, ``write_todos``). Every file and shell operation goes through a
``Workspace``: ``LocalWorkspace`` by default, or the editor-backed workspace of
``acp_server`` so edits land in the editor's buffers. The method docstrings are the
models' documentation of each tool; the logic lives in ``files.py``, ``shell.py`` and
``todos.py``.

Example::

    from agentica import Agent
    from agentica.tools.builtin import WorkspaceTools

    agent = Agent(model="demo", tools=[WorkspaceTools("./project")])
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

import anyio

from agentica.tools import files, shell
from agentica.tools.base import CallDescription, ToolResult
from agentica.tools.function import Tool, tool
from agentica.tools.titles import command_title
from agentica.tools.todos import TODO_ITEM_SCHEMA
from agentica.tools.todos import write_todos as _write_todos
from agentica.workspace.base import Workspace

if TYPE_CHECKING:
    from agentica.tools.function import Function
    from agentica.tools.todo_item import TodoItem

WRITE_TODOS_PARAMETERS: dict[str, Any] = {
    "$defs": {"TodoItem": TODO_ITEM_SCHEMA},
    "properties": {
        "todos": {
            "description": 'Every item, in order, each `{"content": ..., "status": "pending" | '
            '"in_progress" | "completed"}`.',
            "items": {"$ref": "#/$defs/TodoItem"},
            "type": "array",
        }
    },
    "required": ["todos"],
    "type": "object",
}
"""``write_todos``'s schema as pydantic writes it for ``todos: list[TodoItem]``, declared so
building the tools needs no pydantic (``tests/agentica/test_fast_schema.py`` checks it)."""


def __getattr__(name: str) -> Any:
    if name == "TodoItem":  # The pydantic model, imported when first asked for.
        from agentica.tools.todo_item import TodoItem

        return TodoItem
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _describe_read(self: WorkspaceTools, args: dict[str, Any]) -> CallDescription:
    return files.describe_path_call(self.workspace, "Read", args, "file_path")


def _describe_write(self: WorkspaceTools, args: dict[str, Any]) -> CallDescription:
    return files.describe_path_call(self.workspace, "Write", args, "file_path")


def _describe_edit(self: WorkspaceTools, args: dict[str, Any]) -> CallDescription:
    return files.describe_path_call(self.workspace, "Edit", args, "file_path")


def _describe_ls(self: WorkspaceTools, args: dict[str, Any]) -> CallDescription:
    return files.describe_path_call(self.workspace, "List", args, "path")


def _describe_glob(self: WorkspaceTools, args: dict[str, Any]) -> CallDescription:
    return files.describe_search(self.workspace, "Find", args)


def _describe_grep(self: WorkspaceTools, args: dict[str, Any]) -> CallDescription:
    return files.describe_search(self.workspace, "Search", args)


def _describe_execute(self: WorkspaceTools, args: dict[str, Any]) -> CallDescription:
    return CallDescription(title=command_title(str(args.get("command") or "")))


def _describe_todos(self: WorkspaceTools, args: dict[str, Any]) -> CallDescription:
    items = args.get("todos")
    count = f" ({len(items)} items)" if isinstance(items, list) else ""
    return CallDescription(title=f"Update the plan{count}")


class WorkspaceTools(Tool):
    """File, search and shell tools acting on one workspace, plus a todo list.

    Args:
        workspace: Where the tools act: a ``Workspace``, or a directory for a
            ``LocalWorkspace`` (the current directory when omitted).
        command_output_limit: Bytes of command output given to the model (the last ones);
            the workspace's default when ``None``.
    """

    def __init__(
        self,
        workspace: Workspace | str | os.PathLike[str] | None = None,
        *,
        command_output_limit: int | None = None,
    ) -> None:
        super().__init__()
        if not isinstance(workspace, Workspace):
            from agentica.workspace.local import LocalWorkspace

            workspace = LocalWorkspace(os.getcwd() if workspace is None else workspace)
        self.workspace: Workspace = workspace
        self.command_output_limit = command_output_limit
        self._locks: dict[str, anyio.Lock] = {}

    @tool(kind="read", is_read_only=True, describe=_describe_read)
    async def read_file(self, file_path: str, offset: int = 0, limit: int = 500) -> str:
        """Read a text file, with line numbers (like `cat -n`).

        Read a file before editing it. Long files come in windows of `limit` lines: the
        result says when the file continues and which `offset` to pass next. Very long
        lines are cut.

        Args:
            file_path: Path of the file, relative to the workspace root or absolute.
            offset: Number of lines to skip from the start (0 reads from line 1).
            limit: Maximum number of lines to return.
        """
        return await files.read_file(self.workspace, file_path, offset, limit)

    @asynccontextmanager
    async def _file_lock(self, file_path: str) -> AsyncIterator[None]:
        """Serialise changes to one file; changes to different files run in parallel."""
        key = str(self.workspace.resolve(file_path))
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = anyio.Lock()
        async with lock:
            yield

    @tool(kind="edit", is_destructive=True, describe=_describe_write)
    async def write_file(self, file_path: str, content: str) -> ToolResult:
        """Create a file, or replace a file's whole content.

        Missing parent directories are created. To change part of an existing file,
        prefer `edit_file`.

        Args:
            file_path: Path of the file, relative to the workspace root or absolute.
            content: The complete new content of the file.
        """
        async with self._file_lock(file_path):
            return await files.write_file(self.workspace, file_path, content)

    @tool(kind="edit", describe=_describe_edit)
    async def edit_file(
        self, file_path: str, old_string: str, new_string: str, replace_all: bool = False
    ) -> ToolResult:
        """Replace exact text in an existing file.

        `old_string` must match the file exactly, including whitespace and indentation
        (copy it from `read_file` output without the line-number prefix), and must occur
        exactly once unless `replace_all` is true. Include enough surrounding lines to
        make it unique.

        Args:
            file_path: Path of the file, relative to the workspace root or absolute.
            old_string: The exact text to replace.
            new_string: The text to put in its place.
            replace_all: Replace every occurrence instead of exactly one.
        """
        async with self._file_lock(file_path):
            return await files.edit_file(
                self.workspace, file_path, old_string, new_string, replace_all
            )

    @tool(kind="read", is_read_only=True, describe=_describe_ls)
    async def ls(self, path: str = ".") -> str:
        """List a directory: sub-directories end with `/`, files show their size.

        Args:
            path: The directory, relative to the workspace root or absolute.
        """
        return await files.ls(self.workspace, path)

    @tool(kind="search", is_read_only=True, describe=_describe_glob)
    async def glob(self, pattern: str, path: str = ".") -> str:
        """Find files by name pattern; paths are relative to the workspace root, sorted.

        `*` matches within one directory level, `**` any number of directories, `{a,b}`
        either alternative: `**/*.py`, `src/**/test_*.py`, `*.{md,txt}`. Directories such
        as `.git` and `node_modules` are skipped.

        Args:
            pattern: The glob pattern, relative to `path`.
            path: The directory to search from.
        """
        return await files.glob(self.workspace, pattern, path)

    @tool(kind="search", is_read_only=True, describe=_describe_grep)
    async def grep(
        self, pattern: str, path: str = ".", limit: int = 100, glob: str | None = None
    ) -> str:
        """Search file contents with a regular expression; one `path:line: text` per match.

        The pattern uses Python `re` syntax and is searched in each line. Binary files,
        files over 2 MB and directories such as `.git` are skipped.

        Args:
            pattern: The regular expression, e.g. `def \\w+_handler` or `TODO`.
            path: A file, or a directory searched recursively.
            limit: Maximum number of matching lines to return.
            glob: Only search files matching this pattern, e.g. `*.py` (a pattern without
                `/` matches file names).
        """
        return await files.grep(self.workspace, pattern, path, limit, glob)

    # Each command runs in its own process group, so commands of one turn run in parallel.
    @tool(kind="execute", is_destructive=True, describe=_describe_execute)
    async def execute(self, command: str, timeout: float = 120) -> ToolResult:
        """Run a shell command (`/bin/sh -c`; on Windows `cmd.exe /c`) in the workspace root.

        Standard output and error are merged; the result ends with the exit code. Input
        is not available (stdin is empty), so use non-interactive flags. On timeout the
        command and every process it started are killed. Very long output keeps only its
        end.

        Args:
            command: The command line, e.g. `pytest -q tests/test_app.py`.
            timeout: Seconds before the command is killed.
        """
        return await shell.execute(self.workspace, command, timeout, self.command_output_limit)

    # ``todos`` items are validated as ``TodoItem``s when the tool runs (``todos.py``).
    @tool(kind="think", requires_approval=False, describe=_describe_todos,
          parameters=WRITE_TODOS_PARAMETERS)
    async def write_todos(self, todos: list[Any]) -> str:
        """Write the todo list that tracks a multi-step task (the user sees it as a plan).

        Send the complete list every time: it replaces the previous one. Mark an item
        `in_progress` before starting it (one at a time) and `completed` as soon as it is
        done; use it for tasks of three or more steps.

        Args:
            todos: Every item, in order, each `{"content": ..., "status": "pending" |
                "in_progress" | "completed"}`.
        """
        return await _write_todos(todos)


def workspace_tools(workspace: Workspace | str | os.PathLike[str] | None = None) -> list[Function]:
    """The built-in tools bound to ``workspace``, as ``Function`` objects."""
    return WorkspaceTools(workspace).functions()


__all__ = ["WRITE_TODOS_PARAMETERS", "TodoItem", "WorkspaceTools", "workspace_tools"]
