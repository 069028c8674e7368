"""MCP servers as a tool source: their tools become the agent's tools.

::

    from agentica import Agent
    from agentica.mcp import MCPServerStdio

    agent = Agent(model=..., mcp_servers=[MCPServerStdio("files", "npx", ["-y", "server-fs"])])
    async with agent:              # starts the servers (concurrently), stops them on exit
        await agent.run("...")

The official ``mcp`` package (the ``agentica[mcp]`` extra) is the client; it is imported
only when servers start. Without it every server fails to start with a message saying
how to install it, and the agent runs without their tools.

Each MCP tool is offered as ``mcp__<server>__<tool>`` (only ``[a-zA-Z0-9_-]``, at most 64
characters, unique), with the server's JSON schema. A tool the server marks read-only
(``readOnlyHint``) needs no approval; the others ask the agent's approver. Results (text,
images, embedded resources, structured content) become the call's text, and images also
reach the model (when it accepts them) and the user as images; an error result
or a server that died becomes a failed call the model can read.

``MCPTools`` owns the servers: ``async with tools:`` (or ``serve()`` in a task that lives
as long as they should) starts each server in its own task, with a startup timeout; a
server that fails to start is reported in ``failures`` and the others are used.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import field
from typing import TYPE_CHECKING, Any

import anyio
import anyio.to_thread

from agentica._records import record
from agentica.exceptions import ToolError, UserError
from agentica.mcp_servers import (
    MCPServer,
    MCPServerHTTP,
    MCPServerSSE,
    MCPServerStdio,
    children,
    kill_group,
    new_group,
    result_of,
    tool_name,
    transport,
)
from agentica.tools.base import CallDescription, ToolResult
from agentica.tools.function import Function

if TYPE_CHECKING:
    from mcp.client.session import ClientSession

logger = logging.getLogger(__name__)

STARTUP_TIMEOUT = 30.0
"""Default seconds a server may take to start and list its tools."""
INSTALL_HINT = "the `mcp` package is not installed: pip install 'agentica[mcp]'"


def mcp_available() -> bool:
    """Whether the ``mcp`` package can be imported (checked without importing it)."""
    from importlib.util import find_spec

    return find_spec("mcp") is not None


@record(frozen=False, slots=False, kw_only=False, eq=False)
class _Server:
    """One server's live state (owned by its task in ``MCPTools``)."""

    config: MCPServer
    session: ClientSession | None = None
    functions: list[Function] = field(default_factory=list)
    error: str | None = None
    ready: anyio.Event | None = None
    """Set once it is ready or failed (made by ``serve()``: events need a running loop)."""
    scope: anyio.CancelScope = field(default_factory=anyio.CancelScope)
    timed_out: bool = False

    def lost(self, reason: str) -> None:
        """The server died mid-session: report it, and end its task (and process)."""
        logger.error("MCP server %r failed: %s", self.config.name, reason)
        self.error = reason
        self.session = None
        self.scope.cancel()

    @property
    def settled(self) -> bool:
        return self.ready is not None and self.ready.is_set()


class MCPTools:
    """A set of MCP servers and their tools, with the servers' lifetime.

    Args:
        servers: The servers (``MCPServerStdio`` / ``MCPServerHTTP`` / ``MCPServerSSE``).
        startup_timeout: Seconds each server may take to start and list its tools.
    """

    @classmethod
    def of(cls, servers: Sequence[MCPServer] | MCPTools) -> MCPTools | None:
        """``servers`` as an ``MCPTools`` (itself when it is one); None for no servers."""
        if isinstance(servers, MCPTools):
            return servers
        return cls(servers) if servers else None

    def __init__(
        self, servers: Sequence[MCPServer], *, startup_timeout: float = STARTUP_TIMEOUT
    ) -> None:
        names = [s.name for s in servers]
        if len(set(names)) != len(names):
            raise UserError(f"MCP server names must be unique, got {names}")
        self.startup_timeout = startup_timeout
        self._servers = [_Server(s) for s in servers]
        self._started = False
        self._stop: anyio.Event | None = None
        self._done: anyio.Event | None = None
        self._closing = False
        self._serving = False
        self._functions: list[Function] | None = None
        self._reported: set[str] = set()

    @property
    def started(self) -> bool:
        """Whether the servers were started (``serve()`` or ``async with``)."""
        return self._started

    @property
    def failures(self) -> dict[str, str]:
        """Server name -> why it is not usable (failed to start, or died)."""
        return {s.config.name: s.error for s in self._servers if s.error}

    async def __aenter__(self) -> MCPTools:
        self._tg = anyio.create_task_group()
        await self._tg.__aenter__()
        self.prepare()
        self._tg.start_soon(self.serve)
        await self.wait_ready()
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        self.close()
        await self._tg.__aexit__(*exc_info)

    def prepare(self) -> None:
        """Mark the servers as starting, so ``wait_ready()`` may be awaited before ``serve()``
        runs (call it in the event loop, then run ``serve()`` in a task)."""
        if self._started:
            return
        self._started = True
        self._stop, self._done = anyio.Event(), anyio.Event()
        for server in self._servers:
            server.ready = anyio.Event()
        if self._closing:
            self._stop.set()

    async def serve(self) -> None:
        """Run the servers until ``close()``: start them concurrently, then keep them."""
        if self._serving:
            raise UserError("these MCP servers were already started")
        self._serving = True
        self.prepare()
        assert self._done is not None
        try:
            async with anyio.create_task_group() as tg:
                for server in self._servers:
                    tg.start_soon(self._run, server)
                    tg.start_soon(self._watch_startup, server)
        finally:
            self._done.set()

    def close(self) -> None:
        """Ask every server to stop (``serve()`` returns once they have)."""
        self._closing = True
        if self._stop is not None:
            self._stop.set()

    async def aclose(self) -> None:
        """Stop the servers and wait until they are (processes and their groups ended)."""
        self.close()
        if self._done is not None:
            await self._done.wait()

    async def wait_ready(self, timeout: float | None = None) -> None:
        """Wait until every server is ready or failed (at most ``timeout`` seconds)."""
        if not self._started:
            raise UserError("the MCP servers were not started: use `async with agent:`")
        with anyio.move_on_after(timeout):
            for server in self._servers:
                assert server.ready is not None
                await server.ready.wait()

    def functions(self) -> list[Function]:
        """The tools of the servers that are ready, as Functions."""
        if self._functions is None:
            taken: set[str] = set()
            out: list[Function] = []
            for server in self._servers:
                for fn in server.functions:
                    out.append(_renamed(fn, tool_name(server.config.name, fn.name, taken)))
            if all(s.settled for s in self._servers):
                self._functions = out
            return out
        return self._functions

    def new_failures(self) -> list[str]:
        """Readable messages for failures not reported by this method before."""
        out = []
        for name, error in self.failures.items():
            if name not in self._reported:
                self._reported.add(name)
                out.append(f"MCP server {name!r} is not available: {error}")
        return out

    async def _watch_startup(self, server: _Server) -> None:
        assert server.ready is not None
        with anyio.move_on_after(self.startup_timeout):
            await server.ready.wait()
            return
        server.timed_out = True
        server.scope.cancel()

    async def _run(self, server: _Server) -> None:
        name = server.config.name
        with server.scope:
            try:
                await self._connect(server)
            except Exception as e:
                if server.error is None:  # Else already reported (``lost``).
                    server.error = _describe(e)
                    logger.error("MCP server %r failed: %s", name, server.error)
        if server.timed_out:
            server.error = f"it did not start within {self.startup_timeout:g} s"
            logger.error("MCP server %r failed: %s", name, server.error)
        elif server.error is None and not self._closing:
            server.error = "it stopped"
        server.session = None
        assert server.ready is not None
        server.ready.set()

    async def _connect(self, server: _Server) -> None:
        try:  # In a worker thread: importing the client takes ~0.5 s of the loop's time.
            await anyio.to_thread.run_sync(_import_client, server.config)
        except ImportError:
            raise RuntimeError(INSTALL_HINT) from None
        from mcp.client.session import ClientSession

        before = children()
        group: int | None = None
        try:
            async with transport(server.config) as (read, write):
                group = new_group(before, server.config)
                async with ClientSession(read, write) as s:
                    await s.initialize()
                    tools = await _list_tools(s)
                    server.functions = [_function(server, t) for t in tools]
                    server.session = s
                    assert server.ready is not None and self._stop is not None
                    server.ready.set()
                    logger.info("MCP server %r: %d tools", server.config.name, len(tools))
                    await self._stop.wait()
        finally:
            kill_group(group)


def _import_client(config: MCPServer) -> None:
    import importlib

    importlib.import_module("mcp.client.session")
    transport_module = {MCPServerStdio: "mcp.client.stdio", MCPServerSSE: "mcp.client.sse"}
    importlib.import_module(transport_module.get(type(config), "mcp.client.streamable_http"))


async def _list_tools(session: ClientSession) -> list[Any]:
    """Every tool of the server (all pages)."""
    from mcp_types import PaginatedRequestParams

    tools: list[Any] = []
    cursor: str | None = None
    while True:
        params = PaginatedRequestParams(cursor=cursor) if cursor else None
        listed = await session.list_tools(params=params)
        tools.extend(listed.tools)
        cursor = listed.next_cursor
        if not cursor:
            return tools


def _connection_closed(error: BaseException) -> bool:
    """Whether the MCP client failed because the server's connection is gone."""
    from mcp_types import CONNECTION_CLOSED

    return getattr(getattr(error, "error", None), "code", None) == CONNECTION_CLOSED or (
        getattr(error, "code", None) == CONNECTION_CLOSED
    )


def _describe(error: BaseException) -> str:
    """A one-line reason (the single exception inside exception groups)."""
    while isinstance(error, BaseExceptionGroup) and len(error.exceptions) == 1:
        error = error.exceptions[0]
    if isinstance(error, FileNotFoundError):
        return f"command not found: {error.filename or error}"
    text = str(error) or type(error).__name__
    return text if isinstance(error, RuntimeError) else f"{type(error).__name__}: {text}"


def _renamed(fn: Function, name: str) -> Function:
    from dataclasses import replace

    return replace(fn, name=name)


def _function(server: _Server, tool: Any) -> Function:
    """One MCP tool as a Function that calls it on ``server``."""
    annotations = tool.annotations
    read_only = bool(annotations and annotations.read_only_hint)
    label = tool.title or (annotations and annotations.title) or tool.name
    server_name = server.config.name
    remote = tool.name

    async def call(**arguments: Any) -> ToolResult:
        session = server.session
        if session is None:
            raise ToolError(
                f"MCP server {server_name!r} is not running: {server.error or 'not started'}; "
                f"its tool {remote!r} cannot be called."
            )
        try:
            result = await session.call_tool(remote, arguments)
        except Exception as e:
            if _connection_closed(e) and server.session is session:
                server.lost("it stopped (the connection closed)")
                raise ToolError(
                    f"MCP server {server_name!r} stopped while its tool {remote!r} ran "
                    "(the connection closed); its tools are unavailable now."
                ) from e
            raise ToolError(
                f"MCP tool {remote!r} of server {server_name!r} failed: {_describe(e)}"
            ) from e
        return result_of(result.content, getattr(result, "structured_content", None),
                         bool(getattr(result, "is_error", False)))

    def describe(args: dict[str, Any]) -> CallDescription:
        summary = ", ".join(f"{k}={v!r}" for k, v in args.items() if k != "_raw")
        if len(summary) > 60:
            summary = summary[:57] + "..."
        title = f"{label} ({server_name} MCP)"
        return CallDescription(title=f"{title}: {summary}" if summary else title)

    schema = dict(tool.input_schema or {})
    schema.setdefault("type", "object")
    return Function(
        name=remote,
        description=tool.description or label,
        parameters=schema,
        entrypoint=call,
        kind="read" if read_only else "other",
        is_read_only=read_only,
        is_destructive=bool(annotations and annotations.destructive_hint),
        requires_approval=not read_only,
        describe=describe,
    )


__all__ = [
    "INSTALL_HINT",
    "STARTUP_TIMEOUT",
    "MCPServer",
    "MCPServerHTTP",
    "MCPServerSSE",
    "MCPServerStdio",
    "MCPTools",
    "mcp_available",
    "result_of",
    "tool_name",
]
