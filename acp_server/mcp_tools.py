"""MCP servers of a session: from ``session/new`` (or load/resume) and the config file.

The editor's ``mcpServers`` (ACP shapes: stdio ``{name, command, args, env: [{name,
value}]}``, ``{type: "http" | "sse", name, url, headers: [{name, value}]}``) and the config
file's (the same list, or the common ``{"name": {"command": ..., "args": [...], "env":
{...}}}`` table) are normalised by ``parse_servers()``; ``session_mcp()`` turns them into
an ``agentica.mcp.MCPTools`` whose servers start in the background: ``session/new`` is
answered at once, the first prompt waits for them up to the startup timeout
(``before_turn()``), and a server that is not available is reported there, in the
session, and on stderr. ``close_all()`` stops them (server shutdown).

The servers of a session run in a task of their own, not in a request's: the MCP client
keeps each connection inside the task that opened it, and a session outlives the request
that created it. That task is a "system task" of the event loop (``_spawn``).

This module imports neither agentica nor ``mcp`` at import time: the config is read
before anything heavy may be imported.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from agentica.agent import Agent
    from agentica.mcp import MCPServer, MCPTools

logger = logging.getLogger(__name__)

STARTUP_TIMEOUT = 30.0
"""Seconds the first prompt waits for a session's MCP servers (``mcp_startup_timeout``)."""

class McpConfigError(ValueError):
    """An MCP server entry cannot be used."""


def _pairs(value: Any, what: str) -> dict[str, str]:
    """``[{name, value}]`` (ACP) or ``{name: value}`` (common) as a dict."""
    if value is None:
        return {}
    if isinstance(value, Mapping):
        return {str(k): str(v) for k, v in value.items()}
    if isinstance(value, list):
        out: dict[str, str] = {}
        for item in value:
            if not isinstance(item, Mapping) or "name" not in item or "value" not in item:
                raise McpConfigError(f"{what} entries need a name and a value, got {item!r}")
            out[str(item["name"])] = str(item["value"])
        return out
    raise McpConfigError(f"{what} must be a list of {{name, value}} or a table, got {value!r}")


def parse_servers(raw: Any) -> list[dict[str, Any]]:
    """Normalised server entries: ``{type, name, command, args, env}`` or ``{type, name,
    url, headers}`` (``type``: ``stdio``, ``http`` or ``sse``).

    Raises:
        McpConfigError: An entry is not usable (the message says which and why).
    """
    if raw is None:
        return []
    if isinstance(raw, Mapping):  # The common {"name": {...}} shape.
        items = [{"name": name, **spec} for name, spec in raw.items() if isinstance(spec, Mapping)]
        if len(items) != len(raw):
            raise McpConfigError("each MCP server must be a table of settings")
    elif isinstance(raw, list):
        items = list(raw)
    else:
        raise McpConfigError(f"mcpServers must be a list or a table, got {raw!r}")
    out: list[dict[str, Any]] = []
    for item in items:
        if not isinstance(item, Mapping) or not isinstance(item.get("name"), str):
            raise McpConfigError(f"an MCP server needs a name, got {item!r}")
        name = item["name"]
        kind = item.get("type") or ("http" if "url" in item else "stdio")
        if kind == "stdio":
            if not isinstance(item.get("command"), str) or not item["command"]:
                raise McpConfigError(
                    f"MCP server {name!r} needs a command (or a url for an HTTP server)"
                )
            args = item.get("args") or []
            if not isinstance(args, list):
                raise McpConfigError(f"MCP server {name!r}: args must be a list")
            env = _pairs(item.get("env"), f"MCP server {name!r} env")
            out.append({"type": "stdio", "name": name, "command": item["command"],
                        "args": [str(a) for a in args], "env": env})
        elif kind in ("http", "sse", "streamable-http", "streamable_http"):
            if not isinstance(item.get("url"), str):
                raise McpConfigError(f"MCP server {name!r} needs a url")
            headers = _pairs(item.get("headers"), f"MCP server {name!r} headers")
            out.append({"type": "sse" if kind == "sse" else "http", "name": name,
                        "url": item["url"], "headers": headers})
        else:
            raise McpConfigError(f"MCP server {name!r} has an unknown type {kind!r}")
    return out


def to_servers(entries: Iterable[Mapping[str, Any]], cwd: str | None) -> list[MCPServer]:
    """agentica server configs; a name used twice keeps the later (the editor's) entry."""
    from agentica.mcp import MCPServerHTTP, MCPServerSSE, MCPServerStdio

    by_name: dict[str, MCPServer] = {}
    for e in entries:
        server: MCPServer
        if e["type"] == "stdio":
            server = MCPServerStdio(e["name"], e["command"], tuple(e["args"]),
                                    env=dict(e["env"]) or None, cwd=cwd)
        elif e["type"] == "sse":
            server = MCPServerSSE(e["name"], e["url"], headers=dict(e["headers"]) or None)
        else:
            server = MCPServerHTTP(e["name"], e["url"], headers=dict(e["headers"]) or None)
        by_name.pop(e["name"], None)
        by_name[e["name"]] = server
    return list(by_name.values())


def session_mcp(
    configured: Iterable[Mapping[str, Any]],
    requested: list[dict[str, Any]],
    *,
    cwd: str,
    session_id: str,
    startup_timeout: float = STARTUP_TIMEOUT,
) -> MCPTools | None:
    """The session's MCP servers (config file's, then the editor's), started in the
    background (call in the event loop: their task is started here). An entry that
    cannot be used is logged and skipped.
    """
    entries = list(configured)
    for raw in requested:
        try:
            entries.extend(parse_servers([raw]))
        except McpConfigError as e:
            logger.warning("session %s: MCP server ignored: %s", session_id, e)
    if not entries:
        return None
    from agentica.mcp import MCPTools

    tools = MCPTools(to_servers(entries, cwd), startup_timeout=startup_timeout)
    tools.prepare()
    _spawn(tools, session_id)
    logger.info("session %s: starting MCP servers %s", session_id, [e["name"] for e in entries])
    return tools


def _spawn(tools: MCPTools, session_id: str) -> None:
    """Run ``tools.serve()`` in a task owned by the event loop (see the module doc)."""

    async def host() -> None:
        try:
            await tools.serve()
        except BaseException:  # A system task must not raise (trio would crash the run).
            logger.exception("session %s: MCP servers stopped unexpectedly", session_id)

    from agentica.hosting import host_task

    if host_task(host) is None:
        raise RuntimeError("MCP servers need a running asyncio or trio event loop")


async def before_turn(agent: Agent[Any] | None) -> list[str]:
    """Wait for the agent's MCP servers (each is ready or failed within its startup
    timeout); messages to show."""
    tools: MCPTools | None = getattr(agent, "mcp", None)  # Test doubles may have none.
    if tools is None:
        return []
    await tools.wait_ready()
    return tools.new_failures()


async def close_all(agents: Iterable[Agent[Any] | None]) -> None:
    """Stop the MCP servers of these agents, concurrently."""
    import anyio

    async with anyio.create_task_group() as tg:
        for agent in agents:
            tools: MCPTools | None = getattr(agent, "mcp", None)
            if tools is not None:
                tg.start_soon(tools.aclose)


def available() -> bool:
    """Whether the ``mcp`` package is installed (without importing it)."""
    from importlib.util import find_spec

    return find_spec("mcp") is not None


__all__ = [
    "STARTUP_TIMEOUT",
    "McpConfigError",
    "available",
    "before_turn",
    "close_all",
    "parse_servers",
    "session_mcp",
    "to_servers",
]
