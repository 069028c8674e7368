"""MCP server settings, their transports, tool names and results (see ``agentica.mcp``).

The ``mcp`` package is imported only when a transport is opened.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from collections.abc import Sequence
from typing import Any, TypeAlias

from agentica._records import record
from agentica.events import ImageContent, TextContent
from agentica.exceptions import ToolError
from agentica.tools.base import ToolResult

_NAME_OK = re.compile(r"[^a-zA-Z0-9_-]")
_MAX_NAME = 64


@record(kw_only=False)
class MCPServerStdio:
    """An MCP server run as a local process speaking over its stdin/stdout."""

    name: str
    command: str
    args: Sequence[str] = ()
    env: dict[str, str] | None = None
    """Variables added to the safe default environment (PATH, HOME, ...)."""
    cwd: str | None = None


@record(kw_only=False)
class MCPServerHTTP:
    """An MCP server over streamable HTTP."""

    name: str
    url: str
    headers: dict[str, str] | None = None


@record(kw_only=False)
class MCPServerSSE:
    """An MCP server over HTTP with server-sent events (the older transport)."""

    name: str
    url: str
    headers: dict[str, str] | None = None


MCPServer: TypeAlias = MCPServerStdio | MCPServerHTTP | MCPServerSSE


def transport(config: MCPServer) -> Any:
    """The ``mcp`` client transport (an async context manager) of a server."""
    if isinstance(config, MCPServerStdio):
        from mcp.client.stdio import StdioServerParameters, stdio_client

        params = StdioServerParameters(
            command=config.command, args=list(config.args), env=config.env, cwd=config.cwd
        )
        # The server's stderr goes to ours (the log); a captured sys.stderr has no fd.
        errlog = sys.stderr if _has_fileno(sys.stderr) else sys.__stderr__
        return stdio_client(params, errlog=errlog or sys.stderr)
    if isinstance(config, MCPServerSSE):
        from mcp.client.sse import sse_client

        return sse_client(config.url, headers=config.headers)
    from mcp.client.streamable_http import streamable_http_client
    from mcp.shared._httpx_utils import create_mcp_http_client

    client = create_mcp_http_client(headers=config.headers) if config.headers else None
    return streamable_http_client(config.url, http_client=client)


def children() -> set[int]:
    """Our direct child processes (``/proc`` on Linux, ``psutil`` where installed)."""
    from agentica import procs

    return procs.children()


def new_group(before: set[int], config: MCPServer) -> int | None:
    """The process group of the stdio server just started (the SDK starts it as a
    session leader), found among our new children by its arguments; None if unsure."""
    if not isinstance(config, MCPServerStdio):
        return None
    from pathlib import Path

    found = []
    for pid in children() - before:
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
            sid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[3])
        except (OSError, ValueError, IndexError):
            continue
        args = list(config.args)
        if sid == pid and argv[:-1][len(argv) - 1 - len(args):] == args:
            found.append(pid)
    return found[0] if len(found) == 1 else None


def kill_group(pgid: int | None) -> None:
    """Kill what is left of a stdio server's process group: children of a server that
    exited at stdin EOF would otherwise outlive it (the SDK kills the group only when the
    server itself does not exit)."""
    if pgid is None:
        return
    from agentica import procs

    procs.signal_group(pgid, procs.KILL)


def _has_fileno(stream: Any) -> bool:
    try:
        stream.fileno()
    except Exception:
        return False
    return True




def tool_name(server: str, tool: str, taken: set[str]) -> str:
    """``mcp__<server>__<tool>`` made valid for model APIs and unique among ``taken``."""
    name = _NAME_OK.sub("_", f"mcp__{server}__{tool}")
    if len(name) > _MAX_NAME:  # Keep it recognisable; the hash keeps it unique.
        digest = hashlib.sha1(name.encode()).hexdigest()[:8]
        name = f"{name[: _MAX_NAME - 9]}_{digest}"
    base, n = name, 2
    while name in taken:
        suffix = f"_{n}"
        name = base[: _MAX_NAME - len(suffix)] + suffix
        n += 1
    taken.add(name)
    return name


def result_of(content: Sequence[Any], structured: Any, is_error: bool) -> ToolResult:
    """An MCP ``CallToolResult``'s parts as a ``ToolResult`` (raises ``ToolError`` on error)."""
    parts: list[str] = []
    images: list[ImageContent] = []
    for item in content:
        match getattr(item, "type", None):
            case "text":
                parts.append(item.text)
            case "image" | "audio":
                size = len(item.data) * 3 // 4
                parts.append(f"[{item.type}: {item.mime_type}, {size} bytes]")
                if item.type == "image":  # Sent to the model and shown to the user.
                    images.append(ImageContent(data=item.data, mime_type=item.mime_type))
            case "resource":
                res = item.resource
                text = getattr(res, "text", None)
                if text is not None:
                    parts.append(f"[resource {res.uri}]\n{text}")
                else:
                    size = len(getattr(res, "blob", "")) * 3 // 4
                    parts.append(f"[resource {res.uri}: {res.mime_type or 'binary'}, {size} bytes]")
            case "resource_link":
                parts.append(f"[resource link {item.uri}: {item.name}]")
            case other:
                parts.append(f"[{other} content]")
    if structured is not None and not any(parts):
        parts.append(json.dumps(structured, ensure_ascii=False, default=str))
    text = "\n".join(parts)
    if is_error:
        raise ToolError(text or "The MCP tool reported an error without a message.")
    shown = (TextContent(text=text),) if text else ()
    return ToolResult(
        text=text, content=(*shown, *images), raw_output=structured, images=tuple(images)
    )


__all__ = [
    "MCPServer",
    "MCPServerHTTP",
    "MCPServerSSE",
    "MCPServerStdio",
    "children",
    "kill_group",
    "new_group",
    "result_of",
    "tool_name",
    "transport",
]
