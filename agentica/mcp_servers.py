"""MCP server settings and the client side of their transports (see ``agentica.mcp``).

The ``mcp`` package is imported only when a transport is opened.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias


@dataclass(frozen=True, slots=True)
class MCPServerStdio:
    """An MCP server run as a local process speaking over its stdin/stdout."""

    name: str
    command: str
    args: Sequence[str] = ()
    env: dict[str, str] | None = None
    """Variables added to the safe default environment (PATH, HOME, ...)."""
    cwd: str | None = None


@dataclass(frozen=True, slots=True)
class MCPServerHTTP:
    """An MCP server over streamable HTTP."""

    name: str
    url: str
    headers: dict[str, str] | None = None


@dataclass(frozen=True, slots=True)
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
    """Our direct child processes (Linux ``/proc``; empty elsewhere)."""
    from pathlib import Path

    pids: set[int] = set()
    try:
        for task in Path("/proc/self/task").iterdir():
            pids.update(int(p) for p in (task / "children").read_text().split())
    except OSError:
        pass
    return pids


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
    import os
    import signal

    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _has_fileno(stream: Any) -> bool:
    try:
        stream.fileno()
    except Exception:
        return False
    return True



__all__ = [
    "MCPServer",
    "MCPServerHTTP",
    "MCPServerSSE",
    "MCPServerStdio",
    "children",
    "kill_group",
    "new_group",
    "transport",
]
