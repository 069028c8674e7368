"""The ``Workspace`` interface: where file and shell tools act.

Built-in tools never call ``open()`` or ``subprocess`` directly; they go through a
workspace. ``LocalWorkspace`` (``agentica.workspace.local``) works on the local disk,
confined to its roots. ``acp_server`` subclasses it to route reads and writes to the
editor's ``fs/*`` methods (so edits land in open buffers) and commands to its
``terminal/*`` methods.

Paths given to a workspace may be relative (to ``root``) or absolute; every method
resolves them with ``resolve()``, which raises ``PathOutsideWorkspace`` for a path that
leaves the roots (through ``..`` or a symlink) unless the workspace was told to allow it.
"""

from __future__ import annotations

import io
import math
from abc import ABC, abstractmethod
from pathlib import Path

from agentica._records import record
from agentica.exceptions import ToolError


class PathOutsideWorkspace(ToolError):
    """A path resolves outside the workspace roots."""


class WorkspaceFileNotFound(ToolError):
    """The file or directory does not exist."""


@record
class DirEntry:
    """One entry of a directory listing."""

    name: str
    is_dir: bool
    size: int | None = None
    special: str | None = None
    """For a FIFO, socket or device: what it is (``a FIFO (named pipe)``, …)."""


@record
class GrepMatch:
    """One matching line."""

    path: str
    """Path relative to the workspace root."""
    line: int
    """1-based line number."""
    text: str


@record
class TextWindow:
    """A window of a file's lines (``Workspace.read_window``), bounded in bytes."""

    lines: tuple[str, ...]
    """The lines, without their line endings; a line over the byte cap is cut."""
    cut: frozenset[int] = frozenset()
    """1-based numbers of the lines cut at the byte cap."""
    more: bool = False
    """Whether the file goes on after the window."""
    total: int | None = None
    """The file's number of lines, when the window starts past its end."""


@record
class CommandResult:
    """How a shell command ended."""

    output: str
    """Combined stdout and stderr (possibly truncated from the start)."""
    exit_code: int | None
    """``None`` when the process was killed by a signal or timed out."""
    signal: str | None = None
    timed_out: bool = False
    truncated: bool = False
    terminal_id: str | None = None
    """Set when the command ran in an editor terminal (already embedded in the call)."""


class Workspace(ABC):
    """Where file and shell tools act. See the module docstring."""

    root: Path
    """The working directory; relative paths resolve against it."""
    roots: tuple[Path, ...]
    """Every directory tools may touch (``root`` first)."""

    @abstractmethod
    def resolve(self, path: str) -> Path:
        """An absolute, normalised path inside the roots, or ``PathOutsideWorkspace``."""

    def display_path(self, path: str | Path) -> str:
        """A short path for titles: relative to ``root`` when inside it."""
        p = Path(path)
        try:
            return str(p.relative_to(self.root)) or "."
        except ValueError:
            return str(p)

    @abstractmethod
    async def read_text(
        self, path: str, *, line: int | None = None, limit: int | None = None
    ) -> str:
        """The file's text; ``line`` (1-based) and ``limit`` select a range of lines."""

    async def read_window(
        self, path: str, *, offset: int, limit: int, max_line_bytes: int, max_bytes: int
    ) -> TextWindow:
        """Up to ``limit`` lines after the first ``offset``, each cut at ``max_line_bytes``
        bytes, stopping once ``max_bytes`` bytes were collected.

        This default reads the range with ``read_text`` (so it is only as bounded as
        that is); ``LocalWorkspace`` streams the file and never holds more than the caps.
        """
        text = await self.read_text(path, line=offset + 1, limit=limit + 1)
        lines = [line.rstrip("\r\n") for line in io.StringIO(text, newline="")]
        total = None
        if not lines and offset > 0:
            total = len(io.StringIO(await self.read_text(path), newline="").readlines())
        return window_of(
            lines,
            first=offset + 1,
            limit=limit,
            max_line_bytes=max_line_bytes,
            max_bytes=max_bytes,
            total=total,
        )

    @abstractmethod
    async def write_text(self, path: str, content: str) -> None:
        """Create or replace the file (atomically, parents created)."""

    @abstractmethod
    async def exists(self, path: str) -> bool:
        """Whether the path exists (inside the roots)."""

    @abstractmethod
    async def list_dir(self, path: str = ".") -> list[DirEntry]:
        """The entries of a directory, sorted by name."""

    @abstractmethod
    async def glob(self, pattern: str, path: str = ".") -> list[str]:
        """Paths (relative to root) matching a glob pattern such as ``**/*.py``."""

    @abstractmethod
    async def grep(
        self, pattern: str, path: str = ".", *, glob: str | None = None, limit: int = 100
    ) -> list[GrepMatch]:
        """Lines matching a regular expression, under ``path``, optionally filtered."""

    @abstractmethod
    async def run_command(
        self,
        command: str,
        *,
        cwd: str | None = None,
        timeout: float = 120.0,
        output_limit: int = 64_000,
    ) -> CommandResult:
        """Run a shell command; on timeout or cancellation kill its whole process group."""


def check_timeout(timeout: float) -> None:
    """Refuse a timeout that is not a finite number of seconds above 0."""
    if not isinstance(timeout, int | float) or not math.isfinite(timeout) or timeout <= 0:
        raise ToolError(f"timeout must be > 0 seconds (a finite number), got {timeout!r}")


def window_of(
    lines: list[str],
    *,
    first: int,
    limit: int,
    max_line_bytes: int,
    max_bytes: int,
    total: int | None = None,
    more: bool = False,
) -> TextWindow:
    """A ``TextWindow`` of lines already in memory, with the caps applied."""
    kept: list[str] = []
    cut: set[int] = set()
    size = 0
    for number, line in enumerate(lines, first):
        if len(kept) >= limit or (kept and size >= max_bytes):
            more = True
            break
        data = line.encode("utf-8", errors="replace")
        if len(data) > max_line_bytes:
            line = data[:max_line_bytes].decode("utf-8", errors="ignore")
            cut.add(number)
        kept.append(line)
        size += min(len(data), max_line_bytes) + 1
    return TextWindow(lines=tuple(kept), cut=frozenset(cut), more=more, total=total)


__all__ = [
    "CommandResult",
    "DirEntry",
    "GrepMatch",
    "PathOutsideWorkspace",
    "TextWindow",
    "Workspace",
    "WorkspaceFileNotFound",
    "check_timeout",
]
