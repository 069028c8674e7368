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
  Resolution and the later ``open``/``replace`` are separate steps: a directory swapped
  for a symlink in between is not caught (accepted; the workspace is not a sandbox).
* Commands run under ``/bin/sh -c`` in a new session, hence their own process group.
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
import uuid
from collections.abc import Iterable
from itertools import islice
from pathlib import Path

import anyio

from agentica.exceptions import ToolError
from agentica.workspace import _search
from agentica.workspace._process import run_shell
from agentica.workspace.base import (
    CommandResult,
    DirEntry,
    GrepMatch,
    PathOutsideWorkspace,
    Workspace,
    WorkspaceFileNotFound,
)

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
            raise ToolError(f"invalid path {raw!r}: it contains a NUL character")
        candidate = Path(raw)
        if raw.startswith("~"):
            candidate = candidate.expanduser()
        if not candidate.is_absolute():
            candidate = self.root / candidate
        try:
            resolved = candidate.resolve(strict=False)
        except (OSError, RuntimeError) as e:  # RuntimeError: a symlink loop (Python < 3.13).
            raise ToolError(f"cannot resolve path {raw!r}: {e}") from e
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
        """
        if line is not None and line < 1:
            raise ToolError(f"line must be >= 1 (lines are 1-based), got {line}")
        if limit is not None and limit < 0:
            raise ToolError(f"limit must be >= 0, got {limit}")
        return await anyio.to_thread.run_sync(
            lambda: self._read_sync(self.resolve(path), path, line, limit)
        )

    def _read_sync(self, target: Path, shown: str, line: int | None, limit: int | None) -> str:
        try:
            handle = open(target, encoding="utf-8", errors="replace", newline="")
        except (FileNotFoundError, NotADirectoryError) as e:
            raise WorkspaceFileNotFound(f"file not found: {shown}") from e
        except IsADirectoryError as e:
            raise ToolError(f"{shown} is a directory, not a file; list it instead") from e
        except OSError as e:
            raise ToolError(f"cannot read {shown}: {e.strerror or e}") from e
        with handle:
            if line is None and limit is None:
                return handle.read()
            start = (line or 1) - 1
            stop = None if limit is None else start + limit
            return "".join(islice(handle, start, stop))

    async def write_text(self, path: str, content: str) -> None:
        """Create or replace the file atomically, creating missing parent directories."""
        await anyio.to_thread.run_sync(lambda: _atomic_write(self.resolve(path), path, content))

    async def exists(self, path: str) -> bool:
        """Whether the path exists (raises ``PathOutsideWorkspace`` outside the roots)."""
        return await anyio.to_thread.run_sync(lambda: self.resolve(path).exists())

    async def list_dir(self, path: str = ".") -> list[DirEntry]:
        """The entries of a directory, sorted by name; ``size`` is set for files."""
        return await anyio.to_thread.run_sync(lambda: _list_dir(self.resolve(path), path))

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

        def run() -> list[str]:
            base = self.resolve(path)
            _require_dir(base, path)
            found = _search.glob_paths(base, pattern, self._keep)
            return sorted(self._relative(p) for p in found)

        return await anyio.to_thread.run_sync(run)

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
        """
        regex = _search.compile_regex(pattern)
        wanted = _search.file_filter(glob)
        limit = max(limit, 0)

        def run() -> list[GrepMatch]:
            target = self.resolve(path)
            if not target.exists():
                raise WorkspaceFileNotFound(f"path not found: {path}")
            if target.is_dir():
                walked = _search.walk(target, max_depth=None, keep=self._keep)
                files = (p for rel, p, is_dir in walked if not is_dir and wanted(rel))
            else:
                files = iter([target])
            matches: list[GrepMatch] = []
            for file in files:
                if len(matches) >= limit:
                    break
                for number, text in _search.grep_file(file, regex, limit - len(matches)):
                    matches.append(GrepMatch(path=self._relative(file), line=number, text=text))
            return matches

        return await anyio.to_thread.run_sync(run)

    # --- Commands ------------------------------------------------------------------------

    async def run_command(
        self,
        command: str,
        *,
        cwd: str | None = None,
        timeout: float = 120.0,
        output_limit: int = 64_000,
    ) -> CommandResult:
        """Run ``command`` with ``/bin/sh -c`` in its own process group.

        Args:
            command: The shell command line.
            cwd: Working directory (inside the roots); the root by default.
            timeout: Seconds before the whole process group is killed.
            output_limit: Bytes of merged stdout/stderr kept (the last ones).
        """
        if timeout <= 0:
            raise ToolError(f"timeout must be > 0 seconds, got {timeout}")

        def find_workdir() -> Path:
            workdir = self.resolve(cwd) if cwd else self.root
            _require_dir(workdir, cwd or ".")
            return workdir

        workdir = await anyio.to_thread.run_sync(find_workdir)
        return await run_shell(
            command,
            workdir=workdir,
            timeout=timeout,
            output_limit=output_limit,
            kill_grace=self.kill_grace,
            background_grace=self.background_grace,
        )


def _require_dir(path: Path, shown: str) -> None:
    if not path.exists():
        raise WorkspaceFileNotFound(f"directory not found: {shown}")
    if not path.is_dir():
        raise ToolError(f"{shown} is a file, not a directory")


def _list_dir(target: Path, shown: str) -> list[DirEntry]:
    _require_dir(target, shown)
    entries: list[DirEntry] = []
    with os.scandir(target) as it:
        for entry in it:
            try:
                is_dir = entry.is_dir()
                size = None if is_dir else entry.stat().st_size
            except OSError:  # A dangling symlink.
                is_dir, size = False, None
            entries.append(DirEntry(name=entry.name, is_dir=is_dir, size=size))
    return sorted(entries, key=lambda e: e.name)


def _atomic_write(target: Path, shown: str, content: str) -> None:
    try:
        data = content.encode("utf-8")
    except UnicodeEncodeError as e:
        raise ToolError(f"cannot write {shown}: the text is not valid Unicode ({e})") from e
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except FileExistsError as e:
        raise ToolError(f"cannot write {shown}: a parent path is a file") from e
    except OSError as e:
        raise ToolError(f"cannot create the directory of {shown}: {e.strerror or e}") from e
    try:
        mode: int | None = stat.S_IMODE(target.stat().st_mode)
        if target.is_dir():
            raise ToolError(f"cannot write {shown}: it is a directory")
    except FileNotFoundError:
        mode = None
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex[:12]}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666 if mode is None else mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        if mode is not None:
            os.chmod(tmp, mode)  # The umask may have narrowed the mode given to open().
        os.replace(tmp, target)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise ToolError(f"cannot write {shown}: {e.strerror or e}") from e
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


__all__ = ["LocalWorkspace", "PathOutsideWorkspace", "WorkspaceFileNotFound"]
