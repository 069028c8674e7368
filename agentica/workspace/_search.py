"""Blocking helpers of ``LocalWorkspace``: glob patterns, directory walks and grep.

Everything here is synchronous. Glob walks run in a worker thread; grep runs in a
child process (this file run as a script, see ``main``) so that a slow regular
expression can be killed: Python's ``re`` cannot be interrupted and holds the GIL.
The module therefore imports only the standard library.

Glob patterns are matched by our own translation to a regular expression instead of
``pathlib.Path.glob`` so that a walk can prune heavy directories (``.git``,
``node_modules``, …) before descending into them, and so that ``{a,b}`` alternatives
(which models write often) work. Walks report directories and regular files only:
FIFOs, sockets and devices are skipped (opening a FIFO blocks until a writer comes).
"""

from __future__ import annotations

import json
import os
import re
import stat
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

SKIPPED_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        "node_modules",
        "__pycache__",
        ".venv",
        "venv",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".tox",
        ".nox",
        ".eggs",
    }
)
"""Directories a recursive walk does not descend into (unless the walk starts inside one)."""

GREP_MAX_FILE_SIZE = 2_000_000
"""Files larger than this many bytes are not searched (so no line read is larger)."""
GREP_MAX_TEXT = 2000
"""Characters of a matching line reported (the tool shows fewer)."""

_BINARY_PROBE = 8192
_MAGIC = re.compile(r"[*?\[{]")


def expand_braces(pattern: str) -> list[str]:
    """Expand ``{a,b}`` alternatives (nesting allowed): ``*.{py,md}`` -> two patterns."""
    start = pattern.find("{")
    if start < 0:
        return [pattern]
    depth = 0
    for end in range(start, len(pattern)):
        if pattern[end] == "{":
            depth += 1
        elif pattern[end] == "}":
            depth -= 1
            if depth == 0:
                break
    else:
        return [pattern]  # An unbalanced brace is taken literally.
    body, alternatives, depth, last = pattern[start + 1 : end], [], 0, 0
    for i, char in enumerate(body):
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif char == "," and depth == 0:
            alternatives.append(body[last:i])
            last = i + 1
    alternatives.append(body[last:])
    if len(alternatives) == 1:
        head, tail = pattern[: end + 1], pattern[end + 1 :]
        return [head + rest for rest in expand_braces(tail)]
    prefix, suffix = pattern[:start], pattern[end + 1 :]
    return [p for alt in alternatives for p in expand_braces(prefix + alt + suffix)]


def _segment_regex(segment: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(segment):
        char = segment[i]
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[":
            close = segment.find("]", i + 2 if segment[i + 1 : i + 2] in ("!", "]") else i + 1)
            if close < 0:
                out.append(re.escape(char))
            else:
                body = segment[i + 1 : close]
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append("[" + body.replace("\\", "\\\\") + "]")
                i = close
        else:
            out.append(re.escape(char))
        i += 1
    return "".join(out)


def glob_regex(pattern: str) -> str:
    """A regular expression (for ``fullmatch``) equivalent to a ``/``-separated glob.

    ``*`` and ``?`` stay within one path segment; a ``**`` segment matches any number
    of directories (zero included).
    """
    parts = [p for p in pattern.split("/") if p not in ("", ".")]
    out: list[str] = []
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if part == "**":
            out.append(".*" if last else "(?:[^/]+/)*")
        else:
            out.append(_segment_regex(part) + ("" if last else "/"))
    return "".join(out)


def split_literal_prefix(pattern: str) -> tuple[str, str]:
    """Split ``src/pkg/**/*.py`` into the plain directory ``src/pkg`` and the rest."""
    parts = pattern.split("/")
    literal: list[str] = []
    while len(parts) > 1 and not _MAGIC.search(parts[0]):
        literal.append(parts.pop(0))
    return "/".join(literal), "/".join(parts)


class Stopped(Exception):
    """A walk was told to stop (its caller was cancelled)."""


def walk(
    base: Path,
    *,
    max_depth: int | None,
    keep: Callable[[Path], bool],
    stop: threading.Event | None = None,
) -> Iterator[tuple[str, Path, bool]]:
    """Yield ``(relative posix path, absolute path, is_dir)`` under ``base``, sorted.

    Does not follow directory symlinks, skips ``SKIPPED_DIRS``, unreadable directories
    and anything but directories and regular files, and drops symlinks for which
    ``keep`` (the confinement check) is false. Raises ``Stopped`` once ``stop`` is set.
    """
    stack: list[tuple[Path, str, int]] = [(base, "", 1)]
    while stack:
        if stop is not None and stop.is_set():
            raise Stopped
        directory, prefix, depth = stack.pop()
        try:
            with os.scandir(directory) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError:
            continue
        subdirs: list[tuple[Path, str, int]] = []
        for entry in entries:
            path = Path(entry.path)
            if entry.is_symlink() and not keep(path):
                continue
            try:
                is_dir = entry.is_dir()
                if not is_dir and not entry.is_file():
                    continue  # A FIFO, socket, device or dangling symlink.
            except OSError:
                continue
            rel = prefix + entry.name
            yield rel, path, is_dir
            descend = is_dir and not entry.is_symlink() and entry.name not in SKIPPED_DIRS
            if descend and (max_depth is None or depth < max_depth):
                subdirs.append((path, rel + "/", depth + 1))
        stack.extend(reversed(subdirs))


def glob_paths(
    base: Path,
    pattern: str,
    keep: Callable[[Path], bool],
    start_of: Callable[[Path], Path] = lambda p: p,
    stop: threading.Event | None = None,
) -> list[Path]:
    """Absolute paths under ``base`` matching ``pattern`` (files and directories).

    ``start_of`` turns the directory a pattern's literal prefix names (``src/pkg`` of
    ``src/pkg/**/*.py``) into the real directory to walk; the workspace passes its
    ``resolve()``, which refuses a prefix leaving the roots (``..``, a symlink).
    """
    found: set[Path] = set()
    for expanded in expand_braces(pattern):
        literal, rest = split_literal_prefix(expanded.strip("/"))
        start = start_of(base / literal) if literal else base
        if not rest or not start.is_dir():
            continue
        regex = re.compile(glob_regex(rest))
        segments = [p for p in rest.split("/") if p not in ("", ".")]
        max_depth = None if "**" in segments else len(segments)
        for rel, path, _ in walk(start, max_depth=max_depth, keep=keep, stop=stop):
            if regex.fullmatch(rel):
                found.add(path)
    return sorted(found)


def file_filter(glob: str | None) -> Callable[[str], bool]:
    """A predicate on relative paths: a pattern without ``/`` matches the file name."""
    if not glob:
        return lambda _rel: True
    regexes = [re.compile(glob_regex(g)) for g in expand_braces(glob)]
    if "/" in glob:
        return lambda rel: any(r.fullmatch(rel) for r in regexes)
    return lambda rel: any(r.fullmatch(rel.rsplit("/", 1)[-1]) for r in regexes)


def grep_file(path: Path, regex: re.Pattern[str], limit: int) -> list[tuple[int, str]]:
    """Up to ``limit`` ``(1-based line, text)`` matches; nothing for binary, huge or
    non-regular files (opened without blocking, then checked, so a FIFO never blocks)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except OSError:
        return []
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > GREP_MAX_FILE_SIZE:
            return []
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(GREP_MAX_FILE_SIZE + 1)
    except OSError:
        return []
    finally:
        os.close(fd)
    if b"\0" in data[:_BINARY_PROBE] or len(data) > GREP_MAX_FILE_SIZE:
        return []
    matches: list[tuple[int, str]] = []
    for number, line in enumerate(data.decode("utf-8", errors="replace").split("\n"), 1):
        if regex.search(line):
            matches.append((number, line.rstrip("\r")[:GREP_MAX_TEXT]))
            if len(matches) >= limit:
                break
    return matches


def is_inside(path: Path, roots: list[Path]) -> bool:
    """Whether ``path`` (already resolved) lies in one of ``roots``."""
    return any(path == root or path.is_relative_to(root) for root in roots)


def grep(
    target: Path,
    regex: re.Pattern[str],
    wanted: Callable[[str], bool],
    limit: int,
    keep: Callable[[Path], bool],
) -> Iterator[tuple[Path, int, str]]:
    """``(file, line, text)`` matches under ``target`` (a file or a directory)."""
    if target.is_dir():
        walked = walk(target, max_depth=None, keep=keep)
        files: Iterator[Path] = (p for rel, p, is_dir in walked if not is_dir and wanted(rel))
    else:
        files = iter([target])
    found = 0
    for file in files:
        if found >= limit:
            return
        for number, text in grep_file(file, regex, limit - found):
            found += 1
            yield file, number, text


def main() -> None:
    """The grep worker: a JSON request on stdin, one JSON match per line on stdout.

    Request: ``{"pattern", "target", "glob", "limit", "roots", "allow_outside"}``.
    Run by ``LocalWorkspace.grep`` as ``python -I -S _search.py``; it is killed on
    timeout or cancellation.
    """
    request = json.loads(sys.stdin.read())
    roots = [Path(r) for r in request["roots"]]

    def keep(path: Path) -> bool:
        if request["allow_outside"]:
            return True
        try:
            return is_inside(path.resolve(strict=False), roots)
        except (OSError, RuntimeError):
            return False

    regex = re.compile(request["pattern"])
    wanted = file_filter(request["glob"])
    out = sys.stdout
    for file, number, text in grep(Path(request["target"]), regex, wanted, request["limit"], keep):
        out.write(json.dumps({"path": str(file), "line": number, "text": text}) + "\n")
        out.flush()  # The parent keeps what came before a timeout.


if __name__ == "__main__":
    main()
