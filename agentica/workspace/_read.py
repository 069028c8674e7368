"""Bounded, non-blocking file I/O of ``LocalWorkspace`` (run in its worker threads).

* A file is opened with ``O_NONBLOCK`` and checked with ``fstat`` before any read, so a
  FIFO, socket or device is refused without blocking (opening a FIFO for reading
  normally waits for a writer) and nothing is swapped in between check and read.
* ``read_window`` streams the file: lines before the window are skipped chunk by chunk,
  lines in it are cut at a byte cap and the window stops at a total byte cap, so even a
  1 GiB file without a newline costs a few hundred KB of memory.
* Whole-file reads (``read_text``, used by ``edit_file``/``write_file``) refuse files
  over ``MAX_TEXT_BYTES``.
"""

from __future__ import annotations

import io
import os
import stat
import threading
from collections.abc import Callable
from io import BufferedReader
from itertools import islice
from pathlib import Path

from agentica.exceptions import ToolError
from agentica.workspace._search import Stopped
from agentica.workspace.base import DirEntry, TextWindow, WorkspaceFileNotFound

MAX_TEXT_BYTES = 16 * 1024 * 1024
"""Whole-file reads (and line ranges that would exceed it) refuse bigger files."""

_CHUNK = 64 * 1024


class FileTooLarge(ToolError):
    """The file is too large to be read whole."""


def kind_of(mode: int) -> str:
    """``a FIFO (named pipe)``, ``a socket``, … for a non-regular file's mode."""
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    return "not a regular file"


def not_regular(shown: str, mode: int) -> ToolError:
    """The error for reading or writing a FIFO, socket or device."""
    return ToolError(
        f"{shown} is {kind_of(mode)}, not a regular file; file tools only read and write "
        "regular files (use execute if you really mean to use it)"
    )


def open_regular(path: Path, shown: str) -> BufferedReader:
    """Open a regular file for reading; never blocks, refuses anything else."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except (FileNotFoundError, NotADirectoryError) as e:
        raise WorkspaceFileNotFound(f"file not found: {shown}") from e
    except IsADirectoryError as e:
        raise ToolError(f"{shown} is a directory, not a file; list it instead") from e
    except OSError as e:
        try:  # A socket cannot be opened (ENXIO): say what it is.
            mode = os.stat(path).st_mode
        except OSError:
            mode = stat.S_IFREG
        if not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):
            raise not_regular(shown, mode) from e
        raise ToolError(f"cannot read {shown}: {e.strerror or e}") from e
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise ToolError(f"{shown} is a directory, not a file; list it instead")
        if not stat.S_ISREG(mode):
            raise not_regular(shown, mode)
        os.set_blocking(fd, True)
        return open(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MiB"


def _too_large(shown: str, size: int | None = None) -> FileTooLarge:
    what = f"{shown} is {_mib(size)}" if size is not None else f"{shown} has too much text"
    return FileTooLarge(
        f"{what}, too large to load whole (limit {_mib(MAX_TEXT_BYTES)}); "
        "read it in windows with read_file (offset/limit), or use execute"
    )


def read_text(path: Path, shown: str, line: int | None, limit: int | None) -> str:
    """The file's text (UTF-8, undecodable bytes replaced, line endings kept)."""
    with open_regular(path, shown) as raw:
        size = os.fstat(raw.fileno()).st_size
        if line is None and limit is None:
            if size > MAX_TEXT_BYTES:
                raise _too_large(shown, size)
            data = raw.read(MAX_TEXT_BYTES + 1)
            if len(data) > MAX_TEXT_BYTES:  # It grew meanwhile.
                raise _too_large(shown)
            return data.decode("utf-8", errors="replace")
        start = (line or 1) - 1
        if size <= MAX_TEXT_BYTES:  # Small: universal newlines, as text files iterate.
            text = io.TextIOWrapper(raw, encoding="utf-8", errors="replace", newline="")
            stop = None if limit is None else start + limit
            return "".join(islice(text, start, stop))
        for _ in range(start):  # Big: stream, splitting at "\n" only.
            if not _skip_line(raw):
                return ""
        out: list[bytes] = []
        total = 0
        while limit is None or len(out) < limit:
            data = raw.readline(MAX_TEXT_BYTES + 1 - total)
            if not data:
                break
            total += len(data)
            if total > MAX_TEXT_BYTES:
                raise _too_large(shown)
            out.append(data)
        return b"".join(out).decode("utf-8", errors="replace")


def _skip_line(raw: BufferedReader, stop: threading.Event | None = None) -> bool:
    """Consume one line in chunks; False when already at the end of the file."""
    first = True
    while True:
        if stop is not None and stop.is_set():
            raise Stopped
        chunk = raw.readline(_CHUNK)
        if not chunk:
            return not first
        first = False
        if chunk.endswith(b"\n"):
            return True


def read_window(
    path: Path,
    shown: str,
    *,
    offset: int,
    limit: int,
    max_line_bytes: int,
    max_bytes: int,
    stop: threading.Event | None = None,
) -> TextWindow:
    """See ``Workspace.read_window``; lines end at ``\\n`` (a ``\\r`` before it is dropped).

    Raises ``Stopped`` once ``stop`` is set while skipping to ``offset``.
    """
    with open_regular(path, shown) as raw:
        for skipped in range(offset):
            if not _skip_line(raw, stop):
                return TextWindow(lines=(), total=skipped)
        lines: list[str] = []
        cut: set[int] = set()
        size = 0
        while len(lines) < limit and not (lines and size >= max_bytes):
            data = raw.readline(max_line_bytes + 1)
            if not data:
                return TextWindow(lines=tuple(lines), cut=frozenset(cut))
            number = offset + len(lines) + 1
            if data.endswith(b"\n"):
                data = data[:-1]
            elif len(data) > max_line_bytes:
                data = data[:max_line_bytes]
                cut.add(number)
                _skip_line(raw)
            text = data.decode("utf-8", errors="replace")
            text = text.rstrip("\ufffd") if number in cut else text.removesuffix("\r")
            lines.append(text)
            size += len(data) + 1
        more = bool(raw.read(1))
        return TextWindow(lines=tuple(lines), cut=frozenset(cut), more=more)


def list_dir(target: Path, shown: str, keep: Callable[[Path], bool]) -> list[DirEntry]:
    """The entries of a directory, sorted by name (``keep`` filters symlinks).

    FIFOs, sockets and devices are listed with their ``special`` kind, never opened.
    """
    if not target.exists():
        raise WorkspaceFileNotFound(f"directory not found: {shown}")
    if not target.is_dir():
        raise ToolError(f"{shown} is a file, not a directory")
    entries: list[DirEntry] = []
    with os.scandir(target) as it:
        for entry in it:
            if entry.is_symlink() and not keep(Path(entry.path)):
                continue
            special = None
            try:
                is_dir = entry.is_dir()
                info = entry.stat()
                size = info.st_size if entry.is_file() else None
                if not is_dir and not stat.S_ISREG(info.st_mode):
                    special = kind_of(info.st_mode)
            except OSError:  # A dangling symlink.
                is_dir, size = False, None
            entries.append(DirEntry(name=entry.name, is_dir=is_dir, size=size, special=special))
    return sorted(entries, key=lambda e: e.name)


def atomic_write(target: Path, shown: str, content: str) -> None:
    """Write through a temporary file and ``os.replace`` (keeping the permission bits)."""
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
        info = target.stat()
        if stat.S_ISDIR(info.st_mode):
            raise ToolError(f"cannot write {shown}: it is a directory")
        if not stat.S_ISREG(info.st_mode):
            raise not_regular(shown, info.st_mode)
        mode: int | None = stat.S_IMODE(info.st_mode)
    except FileNotFoundError:
        mode = None
    tmp = target.with_name(f".{target.name}.{os.urandom(6).hex()}.tmp")
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


__all__ = [
    "MAX_TEXT_BYTES",
    "FileTooLarge",
    "atomic_write",
    "kind_of",
    "list_dir",
    "not_regular",
    "open_regular",
    "read_text",
    "read_window",
]
