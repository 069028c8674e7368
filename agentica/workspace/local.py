"""``LocalWorkspace``: the local disk, confined to a set of root directories.

Design notes:

* Paths are confined by resolving them first (``..`` and symlinks included, the
  file need not exist) and then checking that the result lies inside a root; a symlink
  inside the workspace that points outside is therefore refused like ``../..``.
* Writes are atomic: the text goes to a temporary file in the target's directory which
  then replaces the target with ``os.replace`` (readers see the old or the new file,
  never half of one); an existing file keeps its permission bits.
* Blocking file I/O, path resolution included, runs in a worker thread so the event
  loop stays responsive (the sync ``resolve()`` does its own on the caller's thread).
  Each workspace has its own thread limiter (``io_threads``), so one session's slow
  disk cannot take the threads another session needs; and no operation can block for
  good: files are opened with ``O_NONBLOCK`` and FIFOs, sockets and devices are refused
  (see ``_read``). Long work (a glob walk, skipping to a far ``offset``) checks a stop
  flag: a cancel returns at once and the thread gives up soon after. Resolution and
  the later ``open``/``replace`` are separate steps: a directory swapped for a symlink
  in between is not caught (accepted; the workspace is not a sandbox).
* Reads are bounded: ``read_window`` streams (lines cut at a byte cap, a total cap);
  whole-file reads refuse files over ``MAX_TEXT_BYTES``.
* ``grep`` runs in a child process (``_search.py`` as a script): Python's ``re`` cannot
  be interrupted and holds the GIL, so a catastrophic pattern would freeze the whole
  server. The child is SIGKILLed on cancellation (at once) or after ``grep_timeout``.
* Every path returned (``glob``, ``grep``) is inside the roots: a glob's literal prefix
  (``../x/*``, ``/etc/*``, ``link/*``) goes through ``resolve()``, walks do not follow
  directory symlinks and drop file symlinks pointing outside.
* Commands run under ``/bin/sh -c`` (Windows: ``cmd.exe /c``) in their own process
  group (``agentica.procs``).
  On timeout or cancellation the whole group gets SIGTERM and, after a short grace,
  SIGKILL, so background children (``cmd &``) do not outlive the call, even when the
  shell itself already exited. Output is stdout and stderr merged; only the last
  ``output_limit`` bytes are kept.
* A background child that still holds the output pipe after the shell exited
  (``server & echo started``) would make the call wait for its timeout. Instead it gets
  ``background_grace`` seconds, then its group is stopped and the output returned with
  a note saying so. A child whose output is redirected (``server > log 2>&1 &``) does
  not hold the pipe and is left running: that is the way to start a lasting process.
"""

from __future__ import annotations

import logging
import os
import stat
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

import anyio

from agentica.exceptions import ToolError
from agentica.workspace import _grep, _read, _search
from agentica.workspace._grep import GREP_TIMEOUT
from agentica.workspace._process import run_shell
from agentica.workspace.base import (
    CommandResult,
    DirEntry,
    GrepMatch,
    PathOutsideWorkspace,
    TextWindow,
    Workspace,
    WorkspaceFileNotFound,
    check_timeout,
)

T = TypeVar("T")

MAX_PATH_CHARS = 4096
"""Longer paths are refused (as the OS would, with a clearer message)."""
MAX_NAME_BYTES = 255

logger = logging.getLogger(__name__)


class LocalWorkspace(Workspace):
    """A workspace on the local disk.

    Args:
        root: The working directory; relative paths resolve against it.
        extra_roots: More directories tools may touch (absolute paths only).
        allow_outside: Accept any path, inside the roots or not (no confinement).
        kill_grace: Seconds between SIGTERM and SIGKILL when a command is stopped.
        background_grace: Seconds a background child may keep the output pipe open
            after the shell exited before its process group is stopped.
        grep_timeout: Seconds a grep may run before it is stopped with an error.
        io_threads: Worker threads this workspace's blocking file I/O may use at once.

    Example::

        ws = LocalWorkspace(".")
        text = await ws.read_text("README.md", line=1, limit=20)
        result = await ws.run_command("pytest -q", timeout=60)
    """

    def __init__(
        self,
        root: str | os.PathLike[str],
        *,
        extra_roots: Iterable[str | os.PathLike[str]] = (),
        allow_outside: bool = False,
        kill_grace: float = 1.0,
        background_grace: float = 0.5,
        grep_timeout: float = GREP_TIMEOUT,
        io_threads: int = 8,
    ) -> None:
        self.root = Path(root).expanduser().resolve()
        roots = [self.root]
        for extra in extra_roots:
            resolved = Path(extra).expanduser().resolve()
            if resolved not in roots:
                roots.append(resolved)
        self.roots = tuple(roots)
        self.allow_outside = allow_outside
        self.kill_grace = kill_grace
        self.background_grace = background_grace
        self.grep_timeout = grep_timeout
        self.io_threads = io_threads
        self._limiter: anyio.CapacityLimiter | None = None

    async def _blocking(self, fn: Callable[[], T], *, abandon: bool = False) -> T:
        """Run blocking file I/O in a thread, within this workspace's own limit."""
        if self._limiter is None:  # Created lazily: it needs a running event loop.
            self._limiter = anyio.CapacityLimiter(self.io_threads)
        return await anyio.to_thread.run_sync(fn, limiter=self._limiter, abandon_on_cancel=abandon)

    async def _stoppable(self, fn: Callable[[threading.Event], T]) -> T:
        """Long blocking work (a walk, a skip through a big file) that checks ``stop``:
        a cancel returns at once and the thread gives up at its next check."""
        stop = threading.Event()
        try:
            return await self._blocking(lambda: fn(stop), abandon=True)
        finally:
            stop.set()

    def __repr__(self) -> str:
        extra = f", extra_roots={[str(r) for r in self.roots[1:]]}" if len(self.roots) > 1 else ""
        return f"LocalWorkspace({str(self.root)!r}{extra})"

    # --- Paths ---------------------------------------------------------------------------

    def resolve(self, path: str | os.PathLike[str]) -> Path:
        """An absolute path with ``..`` and symlinks resolved, inside the roots.

        Raises:
            PathOutsideWorkspace: The path leaves every root (and ``allow_outside`` is off).
        """
        raw = os.fspath(path)
        if "\0" in raw:
            raise ToolError(f"invalid path {_clip(raw)!r}: it contains a NUL character")
        _check_length(raw)
        candidate = Path(raw)
        if raw.startswith("~"):
            try:
                candidate = candidate.expanduser()
            except RuntimeError as e:  # "~notauser", or no home directory at all.
                user = raw[1:].split("/", 1)[0]
                who = f"user {user!r} does not exist" if user else "there is no home directory"
                raise ToolError(f"cannot expand {_clip(raw)!r}: {who}") from e
        if not candidate.is_absolute():
            candidate = self.root / candidate
        try:
            resolved = candidate.resolve(strict=False)
        except (OSError, RuntimeError) as e:  # RuntimeError: a symlink loop (Python < 3.13).
            raise ToolError(f"cannot resolve path {_clip(raw)!r}: {e}") from e
        if self.allow_outside or self._inside(resolved):
            return resolved
        roots = ", ".join(str(r) for r in self.roots)
        shown = raw if str(resolved) == raw else f"{raw} (resolves to {resolved})"
        raise PathOutsideWorkspace(
            f"path {shown} is outside the workspace; allowed roots: {roots}. "
            "Use a path relative to the workspace root or an absolute path inside a root."
        )

    def _inside(self, path: Path) -> bool:
        return any(path == root or path.is_relative_to(root) for root in self.roots)

    def _keep(self, path: Path) -> bool:
        """Whether a symlink met during a walk may be reported (its target is inside)."""
        if self.allow_outside:
            return True
        try:
            return self._inside(path.resolve(strict=False))
        except (OSError, RuntimeError):
            return False

    def _relative(self, path: Path) -> str:
        try:
            return path.relative_to(self.root).as_posix() or "."
        except ValueError:
            return str(path)

    # --- Files ---------------------------------------------------------------------------

    async def read_text(
        self, path: str, *, line: int | None = None, limit: int | None = None
    ) -> str:
        """The file's text (UTF-8, undecodable bytes replaced, line endings kept).

        Args:
            path: The file.
            line: First line to return, 1-based.
            limit: Maximum number of lines to return.

        Raises:
            ToolError: Not a regular file (FIFOs, sockets and devices are never opened
                for good), or too large (``MAX_TEXT_BYTES``) for the text asked.
        """
        if line is not None and line < 1:
            raise ToolError(f"line must be >= 1 (lines are 1-based), got {line}")
        if limit is not None and limit < 0:
            raise ToolError(f"limit must be >= 0, got {limit}")
        return await self._blocking(lambda: _read.read_text(self.resolve(path), path, line, limit))

    async def read_window(
        self, path: str, *, offset: int, limit: int, max_line_bytes: int, max_bytes: int
    ) -> TextWindow:
        """See ``Workspace.read_window``: streamed, never more than the caps in memory."""
        return await self._stoppable(
            lambda stop: _read.read_window(
                self.resolve(path),
                _clip(path),
                offset=offset,
                limit=limit,
                max_line_bytes=max_line_bytes,
                max_bytes=max_bytes,
                stop=stop,
            )
        )

    async def write_text(self, path: str, content: str) -> None:
        """Create or replace the file atomically, creating missing parent directories."""
        await self._blocking(lambda: _read.atomic_write(self.resolve(path), _clip(path), content))

    async def exists(self, path: str) -> bool:
        """Whether the path exists (raises ``PathOutsideWorkspace`` outside the roots)."""
        return await self._blocking(lambda: self.resolve(path).exists())

    async def list_dir(self, path: str = ".") -> list[DirEntry]:
        """The entries of a directory, sorted by name; ``size`` is set for regular files.

        Symlinks pointing outside the roots are left out, as in ``glob``.
        """
        return await self._blocking(lambda: _read.list_dir(self.resolve(path), path, self._keep))

    async def glob(self, pattern: str, path: str = ".") -> list[str]:
        """Paths matching ``pattern`` under ``path``, relative to root, sorted.

        ``*`` and ``?`` match within one path segment, ``**`` any number of directories,
        ``{a,b}`` either alternative. Version-control and cache directories
        (``.git``, ``node_modules``, ``__pycache__``, …) are not descended into unless
        the pattern names them. An absolute pattern is split into its directory and the
        rest.
        """
        pattern = pattern.strip()
        if not pattern:
            raise ToolError("the glob pattern is empty; try `**/*.py`")
        if os.path.isabs(pattern):
            literal, rest = _search.split_literal_prefix(pattern)
            path, pattern = literal or "/", rest

        def run(stop: threading.Event) -> list[str]:
            base = self.resolve(path)
            _require_dir(base, path)
            found = _search.glob_paths(base, pattern, self._keep, self.resolve, stop)
            return sorted(self._relative(p) for p in found)

        return await self._stoppable(run)

    async def grep(
        self, pattern: str, path: str = ".", *, glob: str | None = None, limit: int = 100
    ) -> list[GrepMatch]:
        """Lines matching the regular expression ``pattern`` (Python ``re`` syntax).

        Args:
            pattern: The regular expression, searched in each line.
            path: A file or a directory searched recursively (skipping the directories
                ``glob`` skips, binary files and files over 2 MB).
            glob: Only search files matching this glob; without ``/`` it matches the
                file name (``*.py``), with ``/`` the path relative to ``path``.
            limit: Maximum number of matches returned.

        Raises:
            ToolError: The pattern is invalid, or the search took over ``grep_timeout``.
        """
        _grep.compile_regex(pattern)
        _search.file_filter(glob)  # A bad glob fails here, not in the worker.

        def locate() -> Path:
            target = self.resolve(path)
            if not target.exists():
                raise WorkspaceFileNotFound(f"path not found: {_clip(path)}")
            mode = target.stat().st_mode
            if not stat.S_ISDIR(mode) and not stat.S_ISREG(mode):
                raise _read.not_regular(_clip(path), mode)
            return target

        target = await self._blocking(locate)
        found = await _grep.run(
            pattern,
            target,
            glob=glob,
            limit=max(limit, 0),
            roots=self.roots,
            allow_outside=self.allow_outside,
            timeout=self.grep_timeout,
        )
        return [GrepMatch(path=self._relative(p), line=n, text=t) for p, n, t in found]

    # --- Commands ------------------------------------------------------------------------

    async def run_command(
        self,
        command: str,
        *,
        cwd: str | None = None,
        timeout: float = 120.0,
        output_limit: int = 64_000,
    ) -> CommandResult:
        """Run ``command`` with ``/bin/sh -c`` (Windows: ``cmd.exe /c``) in its own group.

        Args:
            command: The shell command line.
            cwd: Working directory (inside the roots); the root by default.
            timeout: Seconds before the whole process group is killed.
            output_limit: Bytes of merged stdout/stderr kept (the last ones).
        """
        check_timeout(timeout)

        def find_workdir() -> Path:
            workdir = self.resolve(cwd) if cwd else self.root
            _require_dir(workdir, cwd or ".")
            return workdir

        workdir = await self._blocking(find_workdir)
        return await run_shell(
            command,
            workdir=workdir,
            timeout=timeout,
            output_limit=output_limit,
            kill_grace=self.kill_grace,
            background_grace=self.background_grace,
        )


def _clip(text: str, width: int = 120) -> str:
    """A path cut for error messages (a model may send kilobytes of one)."""
    return text if len(text) <= width else f"{text[: width - 30]}…{text[-20:]}"


def _check_length(raw: str) -> None:
    if len(raw) > MAX_PATH_CHARS:
        raise ToolError(
            f"path is too long ({len(raw)} characters; the limit is {MAX_PATH_CHARS}): "
            f"{_clip(raw)!r}"
        )
    for name in raw.replace(os.sep, "/").split("/"):  # Windows: "\\" separates too.
        if len(name.encode("utf-8", errors="surrogateescape")) > MAX_NAME_BYTES:
            raise ToolError(
                f"path {_clip(raw)!r} has a name longer than {MAX_NAME_BYTES} bytes "
                f"({_clip(name, 40)!r}); file systems refuse such names"
            )


def _require_dir(path: Path, shown: str) -> None:
    if not path.exists():
        raise WorkspaceFileNotFound(f"directory not found: {shown}")
    if not path.is_dir():
        raise ToolError(f"{shown} is a file, not a directory")


__all__ = ["GREP_TIMEOUT", "LocalWorkspace", "PathOutsideWorkspace", "WorkspaceFileNotFound"]
