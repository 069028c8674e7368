"""The file tools' logic: reading with line numbers, writing, exact-string edits, listing.

``WorkspaceTools`` (``agentica.tools.builtin``) exposes these to models; here they are
plain async functions over a ``Workspace`` so they are easy to test and reuse.
"""

from __future__ import annotations

import io
from typing import Any

from agentica.events import DiffContent, Location
from agentica.exceptions import ToolError
from agentica.tools.base import CallDescription, ToolResult
from agentica.workspace.base import DirEntry, Workspace

MAX_LINE_BYTES = 2048
"""Longer lines are cut when read (the rest is replaced by a note)."""
MAX_READ_CHARS = 100_000
"""One ``read_file`` call returns at most about this many characters."""
MAX_READ_BYTES = 256 * 1024
"""One ``read_file`` call reads at most about this many bytes of the file's lines."""
MAX_OFFSET = 10**12
"""Larger ``offset``/``limit`` values are refused (no file has that many lines)."""
MAX_LISTED = 1000
"""``ls`` and ``glob`` list at most this many paths."""
MAX_GREP_LINE_CHARS = 500
MAX_GREP_LIMIT = 2000


def split_lines(text: str) -> list[str]:
    """Lines with their endings, split exactly like iterating over a file opened with
    ``newline=""`` (the ``LocalWorkspace.read_text`` line ranges)."""
    return list(io.StringIO(text, newline=""))


def _strip_eol(line: str) -> str:
    return line.rstrip("\r\n")


def numbered(
    lines: list[str] | tuple[str, ...], first: int, cut: frozenset[int] = frozenset()
) -> tuple[str, int]:
    """``cat -n`` style text of ``lines`` numbered from ``first``, within the size cap.

    A line over ``MAX_LINE_BYTES`` bytes (or listed in ``cut``: already cut by the
    workspace) ends with a ``[line N truncated at 2 KB]`` note.
    Returns the text and how many lines fitted.
    """
    out: list[str] = []
    size = 0
    for i, line in enumerate(lines):
        number = first + i
        body = _strip_eol(line)
        data = body.encode("utf-8", errors="replace")
        if number in cut or len(data) > MAX_LINE_BYTES:
            body = data[:MAX_LINE_BYTES].decode("utf-8", errors="ignore")
            body += f"… [line {number} truncated at {MAX_LINE_BYTES // 1024} KB]"
        row = f"{number:6}\t{body}"
        if out and size + len(row) > MAX_READ_CHARS:
            return "\n".join(out), i
        out.append(row)
        size += len(row) + 1
    return "\n".join(out), len(lines)


async def read_file(ws: Workspace, file_path: str, offset: int, limit: int) -> str:
    """See ``WorkspaceTools.read_file``."""
    if offset < 0:
        raise ToolError(f"offset must be >= 0 (the number of lines to skip), got {offset}")
    if limit < 1:
        raise ToolError(f"limit must be >= 1, got {limit}")
    if offset > MAX_OFFSET or limit > MAX_OFFSET:
        raise ToolError(f"offset and limit must be at most {MAX_OFFSET}")
    shown = ws.display_path(ws.resolve(file_path))
    window = await ws.read_window(
        file_path,
        offset=offset,
        limit=limit,
        max_line_bytes=MAX_LINE_BYTES,
        max_bytes=MAX_READ_BYTES,
    )
    lines = window.lines
    if "\0" in "".join(lines[:50]):
        raise ToolError(f"{shown} looks like a binary file; it cannot be shown as text")
    if not lines:
        if offset == 0:
            return f"({shown} is empty)"
        total = window.total if window.total is not None else "fewer"
        raise ToolError(
            f"offset {offset} is past the end of {shown}, which has {total} lines; "
            f"use an offset below {total}"
        )
    text, fitted = numbered(lines, offset + 1, window.cut)
    last = offset + fitted
    if fitted < len(lines) or window.more:
        text += (
            f"\n\n[Showing lines {offset + 1}-{last} of {shown}; the file continues. "
            f"Call read_file with offset={last} to read more.]"
        )
    return text


async def write_file(ws: Workspace, file_path: str, content: str) -> ToolResult:
    """See ``WorkspaceTools.write_file``."""
    target = ws.resolve(file_path)
    shown = ws.display_path(target)
    old = await ws.read_text(file_path) if await ws.exists(file_path) else None
    count = len(split_lines(content))
    if old == content:
        text = f"{shown} already has this content ({_lines(count)}); nothing changed."
    else:
        await ws.write_text(file_path, content)
        verb = "Created" if old is None else "Overwrote"
        text = f"{verb} {shown} ({_lines(count)})."
    return ToolResult(
        text=text,
        content=(DiffContent(path=str(target), old_text=old, new_text=content),),
        locations=(Location(path=str(target)),),
    )


def _lines(count: int) -> str:
    return "1 line" if count == 1 else f"{count} lines"


async def edit_file(
    ws: Workspace, file_path: str, old_string: str, new_string: str, replace_all: bool
) -> ToolResult:
    """See ``WorkspaceTools.edit_file``."""
    target = ws.resolve(file_path)
    shown = ws.display_path(target)
    if old_string == "":
        raise ToolError(
            "old_string is empty; give the exact text to replace, "
            "or use write_file to create or overwrite a whole file"
        )
    if old_string == new_string:
        raise ToolError("old_string and new_string are identical; there is nothing to change")
    if not await ws.exists(file_path):
        raise ToolError(f"file not found: {shown}; use write_file to create a new file")
    old = await ws.read_text(file_path)
    count = old.count(old_string)
    if count == 0 and "\r\n" in old and "\n" in old_string and "\r\n" not in old_string:
        # The model usually writes "\n"; match the file's Windows line endings.
        old_string = old_string.replace("\n", "\r\n")
        new_string = new_string.replace("\r\n", "\n").replace("\n", "\r\n")
        count = old.count(old_string)
    if count == 0:
        raise ToolError(
            f"old_string was not found in {shown}. It must match the file exactly, including "
            "whitespace and indentation; read the file again and copy the text."
        )
    if count > 1 and not replace_all:
        raise ToolError(
            f"old_string occurs {count} times in {shown}; include more surrounding lines so it "
            "is unique, or pass replace_all=true to replace every occurrence."
        )
    new = (
        old.replace(old_string, new_string)
        if replace_all
        else old.replace(old_string, new_string, 1)
    )
    await ws.write_text(file_path, new)
    index = old.index(old_string)
    line = old.count("\n", 0, index) + 1
    if count == 1:
        text = f"Edited {shown}: replaced 1 occurrence at line {line}."
        text += "\n" + _snippet(new, line, new_string.count("\n") + 1)
    else:
        text = f"Edited {shown}: replaced all {count} occurrences (first at line {line})."
    return ToolResult(
        text=text,
        content=(DiffContent(path=str(target), old_text=old, new_text=new),),
        locations=(Location(path=str(target), line=line),),
    )


def _snippet(text: str, line: int, height: int, context: int = 3) -> str:
    """The edited region with a few lines around it, numbered."""
    lines = split_lines(text)
    start = max(line - context, 1)
    stop = min(line + min(height, 30) + context - 1, len(lines))
    body, _ = numbered(lines[start - 1 : stop], start)
    return "The region now reads:\n" + body if body else ""


async def ls(ws: Workspace, path: str) -> str:
    """See ``WorkspaceTools.ls``."""
    shown = ws.display_path(ws.resolve(path))
    entries = await ws.list_dir(path)
    if not entries:
        return f"({shown} is empty)"
    rows = [_entry_row(e) for e in entries[:MAX_LISTED]]
    if len(entries) > MAX_LISTED:
        rows.append(f"[… {len(entries) - MAX_LISTED} more entries not shown]")
    return "\n".join(rows)


def _entry_row(entry: DirEntry) -> str:
    if entry.is_dir:
        return f"{entry.name}/"
    if entry.special:
        return f"{entry.name}  ({entry.special}, not a regular file)"
    return entry.name if entry.size is None else f"{entry.name}  ({entry.size} bytes)"


async def glob(ws: Workspace, pattern: str, path: str) -> str:
    """See ``WorkspaceTools.glob``."""
    found = await ws.glob(pattern, path)
    if not found:
        where = ws.display_path(ws.resolve(path))
        return f"No paths match {pattern!r} under {where}."
    rows = found[:MAX_LISTED]
    if len(found) > MAX_LISTED:
        rows.append(
            f"[… {len(found) - MAX_LISTED} more paths not shown; use a narrower pattern or path]"
        )
    return "\n".join(rows)


async def grep(ws: Workspace, pattern: str, path: str, limit: int, glob: str | None) -> str:
    """See ``WorkspaceTools.grep``."""
    if limit < 1:
        raise ToolError(f"limit must be >= 1, got {limit}")
    limit = min(limit, MAX_GREP_LIMIT)
    matches = await ws.grep(pattern, path, glob=glob, limit=limit + 1)
    if not matches:
        where = ws.display_path(ws.resolve(path))
        only = f" (files matching {glob!r})" if glob else ""
        return f"No matches for {pattern!r} in {where}{only}."
    rows = []
    for m in matches[:limit]:
        text = m.text if len(m.text) <= MAX_GREP_LINE_CHARS else m.text[:MAX_GREP_LINE_CHARS] + "…"
        rows.append(f"{m.path}:{m.line}: {text}")
    if len(matches) > limit:
        rows.append(
            f"[Showing the first {limit} matches; there are more. Narrow the pattern, path or "
            "glob, or raise limit.]"
        )
    return "\n".join(rows)


# --- Call descriptions (titles shown before a call runs) ---------------------------------


def _arg(args: dict[str, Any], name: str, default: str = "") -> str:
    value = args.get(name, default)
    return default if value is None else str(value)


def _short(text: str, width: int = 80) -> str:
    first = text.strip().splitlines()[0] if text.strip() else ""
    return first if len(first) <= width and first == text.strip() else first[: width - 1] + "…"


def locate(ws: Workspace, path: str, line: int | None = None) -> tuple[Location, ...]:
    """The absolute location of ``path``, or none when it cannot be resolved."""
    try:
        return (Location(path=str(ws.resolve(path)), line=line),)
    except Exception:
        return ()


def shown_path(ws: Workspace, path: str) -> str:
    """The path as shown in titles (relative to the root when inside it)."""
    try:
        return ws.display_path(ws.resolve(path))
    except Exception:
        return path


def describe_path_call(ws: Workspace, verb: str, args: dict[str, Any], key: str) -> CallDescription:
    """``Read `src/app.py``` and its location, for tools taking one path."""
    path = _arg(args, key, ".")
    line = None
    if key == "file_path":
        try:
            line = int(args.get("offset") or 0) + 1
        except (TypeError, ValueError):
            line = None
    title = f"{verb} `{shown_path(ws, path)}`"
    if verb == "Read" and line and line > 1:
        title += f" (from line {line})"
    return CallDescription(title=title, locations=locate(ws, path, line if line != 1 else None))


def describe_search(ws: Workspace, verb: str, args: dict[str, Any]) -> CallDescription:
    """``Search `foo` in src`` / ``Find `**/*.py```."""
    pattern = _short(_arg(args, "pattern"), 60)
    path = _arg(args, "path", ".")
    title = f"{verb} `{pattern}`"
    where = shown_path(ws, path)
    if where != ".":
        title += f" in {where}"
    if args.get("glob"):
        title += f" ({args['glob']})"
    return CallDescription(title=title, locations=locate(ws, path))


def short_command(command: str) -> str:
    """A command cut to one short line for a title."""
    return _short(command)
