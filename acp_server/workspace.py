"""``ClientWorkspace``: a local workspace that routes to the editor when it can.

When the client advertised ``fs.readTextFile`` / ``fs.writeTextFile``, reads and writes
go through ``fs/read_text_file`` / ``fs/write_text_file`` so the agent sees unsaved
buffers and its edits land in the editor. When it advertised ``terminal``, commands run
in an editor terminal (``terminal/create``), embedded in the tool call at once so the
user watches the output live. Everything else (listing, glob, grep, existence) and
every capability the client did not advertise stays local.

Paths are confined to the session's roots exactly as in ``LocalWorkspace`` (the same
``resolve()``), and every path sent to the client is absolute.

Terminal recipe (acp-spec §5.4): ``create`` -> embed -> race ``wait_for_exit`` against
the timeout -> on timeout ``kill`` -> ``output`` -> ``release``. The release always
happens, also when the call is cancelled (it runs shielded, bounded by a short timeout),
and it kills the command if it is still running.

Ordering (acp-spec §18.40, §18.54), with the session's ``ledger`` (see
``acp_server.sessions.CallLedger``): every request made during a tool call waits until
that call's ``tool_call`` update has been written, and the terminal embed is written
before ``terminal/release`` is sent. The call's final update does not mention the
terminal again (``acp_server.mapping``), so nothing refers to it after its release.

A file that exists only in the editor (an unsaved new buffer) exists for the tools too:
``exists()`` asks the editor when the file is not on disk, so ``edit_file`` works on it.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import anyio

from acp_server import wire
from acp_server.errors import RESOURCE_NOT_FOUND, RpcError
from acp_server.permissions import Requester
from agentica.events import TerminalContent, ToolCallProgress
from agentica.exceptions import ToolError
from agentica.tools.base import ToolCallContext, current_call
from agentica.workspace.base import CommandResult, WorkspaceFileNotFound
from agentica.workspace.local import LocalWorkspace

logger = logging.getLogger(__name__)

SHELL = "/bin/sh"
CREATE_TIMEOUT = 30.0
"""Seconds to wait for ``terminal/create`` (it is not interrupted by a cancel)."""
RELEASE_TIMEOUT = 5.0
"""Seconds a shielded ``terminal/release`` may take before we give up on it."""
KILL_GRACE = 0.2
"""Seconds between SIGTERM and SIGKILL of a local command's process group.

Short, so ``session/cancel`` and shutdown finish well within a second even when a
command ignores SIGTERM.
"""


class Ledger(Protocol):
    """What the workspace needs of the session's ``CallLedger``."""

    async def announced(self, call_id: str) -> None: ...

    async def emit_written(self, emit: Callable[[Any], Awaitable[None]], event: object) -> None: ...


class ClientWorkspace(LocalWorkspace):
    """A ``LocalWorkspace`` whose file I/O and commands go to the ACP client when allowed.

    Args:
        root: The session's ``cwd``.
        extra_roots: More roots (``additionalDirectories``).
        allow_outside: Accept paths outside the roots.
        conn: The connection to the client.
        session_id: The session the requests belong to.
        capabilities: The client's capabilities from ``initialize``.
        kill_grace: Seconds between SIGTERM and SIGKILL for local commands.
        ledger: The session's ``CallLedger`` (orders requests after their tool call).
    """

    def __init__(
        self,
        root: str | os.PathLike[str],
        *,
        conn: Requester,
        session_id: str,
        capabilities: wire.ClientCapabilities | None = None,
        extra_roots: tuple[str, ...] = (),
        allow_outside: bool = False,
        kill_grace: float = KILL_GRACE,
        ledger: Ledger | None = None,
    ) -> None:
        super().__init__(
            root, extra_roots=extra_roots, allow_outside=allow_outside, kill_grace=kill_grace
        )
        self.conn = conn
        self.session_id = session_id
        self.capabilities = capabilities or wire.ClientCapabilities()
        self.ledger = ledger

    def __repr__(self) -> str:
        return f"ClientWorkspace({str(self.root)!r}, session_id={self.session_id!r})"

    async def _announced(self) -> None:
        """Wait until the running tool call (if any) has been announced to the client."""
        ctx = current_call()
        if ctx is not None and self.ledger is not None:
            await self.ledger.announced(ctx.call_id)

    async def _request(self, method: str, params: dict[str, Any]) -> Any:
        await self._announced()
        return await self.conn.request(method, {"sessionId": self.session_id, **params})

    async def exists(self, path: str) -> bool:
        """Whether the path exists on disk or, failing that, as a file in the editor."""
        if await super().exists(path):
            return True
        if not self.capabilities.fs.read_text_file:
            return False
        try:  # An unsaved buffer the editor knows but the disk does not (yet).
            await self._request("fs/read_text_file", {"path": str(self.resolve(path)), "limit": 1})
        except RpcError:
            return False
        return True

    # --- Files ---------------------------------------------------------------------------

    async def read_text(
        self, path: str, *, line: int | None = None, limit: int | None = None
    ) -> str:
        """The file's text, from the editor (unsaved changes included) when it allows."""
        if not self.capabilities.fs.read_text_file:
            return await super().read_text(path, line=line, limit=limit)
        if line is not None and line < 1:
            raise ToolError(f"line must be >= 1 (lines are 1-based), got {line}")
        if limit is not None and limit < 0:
            raise ToolError(f"limit must be >= 0, got {limit}")
        if limit == 0:
            return ""
        target = self.resolve(path)
        if await anyio.Path(target).is_dir():
            raise ToolError(f"{path} is a directory, not a file; list it instead")
        params: dict[str, Any] = {"path": str(target)}
        if line is not None:
            params["line"] = line
        if limit is not None:
            params["limit"] = limit
        try:
            result = await self._request("fs/read_text_file", params)
        except RpcError as e:
            if e.code == RESOURCE_NOT_FOUND:
                raise WorkspaceFileNotFound(f"file not found: {path}") from e
            raise ToolError(f"the editor could not read {path}: {e.message}") from e
        return wire.parse(wire.ReadTextFileResult, result).content

    async def write_text(self, path: str, content: str) -> None:
        """Create or replace the file, through the editor's buffers when it allows."""
        if not self.capabilities.fs.write_text_file:
            return await super().write_text(path, content)
        target = self.resolve(path)
        if await anyio.Path(target).is_dir():
            raise ToolError(f"cannot write {path}: it is a directory")
        try:
            await self._request("fs/write_text_file", {"path": str(target), "content": content})
        except RpcError as e:
            raise ToolError(f"the editor could not write {path}: {e.message}") from e
        return None

    # --- Commands ------------------------------------------------------------------------

    async def run_command(
        self,
        command: str,
        *,
        cwd: str | None = None,
        timeout: float = 120.0,
        output_limit: int = 64_000,
    ) -> CommandResult:
        """Run ``command`` in an editor terminal when allowed, else locally."""
        if not self.capabilities.terminal:
            return await super().run_command(
                command, cwd=cwd, timeout=timeout, output_limit=output_limit
            )
        if timeout <= 0:
            raise ToolError(f"timeout must be > 0 seconds, got {timeout}")
        workdir = self.resolve(cwd) if cwd else self.root
        if not await anyio.Path(workdir).is_dir():
            raise WorkspaceFileNotFound(f"directory not found: {cwd or '.'}")
        create = wire.CreateTerminalParams(
            session_id=self.session_id,
            command=SHELL,
            args=["-c", command],
            cwd=str(workdir),
            output_byte_limit=max(output_limit, 0),
        )
        await self._announced()
        created: Any = None
        # Shielded: a cancel arriving meanwhile must not lose the terminal id, or the
        # command would never be released (the client may ignore ``$/cancel_request``).
        with anyio.CancelScope(shield=True, deadline=anyio.current_time() + CREATE_TIMEOUT) as cs:
            try:
                created = await self.conn.request("terminal/create", wire.dump(create))
            except RpcError as e:
                raise ToolError(f"the editor could not start the command: {e.message}") from e
        if cs.cancelled_caught:
            raise ToolError(f"the editor did not answer terminal/create within {CREATE_TIMEOUT}s")
        terminal_id = wire.parse(wire.CreateTerminalResult, created).terminal_id
        ids = {"terminalId": terminal_id}
        try:
            return await self._follow(terminal_id, ids, timeout)
        except RpcError as e:
            raise ToolError(f"the editor terminal failed: {e.message}") from e
        finally:
            with anyio.CancelScope(shield=True), anyio.move_on_after(RELEASE_TIMEOUT):
                try:
                    await self._request("terminal/release", ids)
                except RpcError as e:
                    logger.warning("terminal/release %s failed: %s", terminal_id, e.message)

    async def _follow(self, terminal_id: str, ids: dict[str, Any], timeout: float) -> CommandResult:
        # 1. Embed the terminal in the running tool call right away; it is written
        #    before anything else of this call (and so before the release).
        ctx = current_call()
        if ctx is not None:
            await self._embed(ctx, terminal_id)
        # 2. Race the command against the timeout; kill it when time is up.
        exit_status: wire.TerminalExitStatus | None = None
        with anyio.move_on_after(timeout) as scope:
            raw = await self._request("terminal/wait_for_exit", ids)
            exit_status = wire.parse(wire.TerminalExitStatus, raw or {})
        timed_out = scope.cancelled_caught
        if timed_out:
            await self._request("terminal/kill", ids)
        # 3. Collect the output (the client keeps the tail within outputByteLimit).
        out = wire.parse(wire.TerminalOutputResult, await self._request("terminal/output", ids))
        if exit_status is None:
            exit_status = out.exit_status or wire.TerminalExitStatus()
        return CommandResult(
            output=out.output,
            exit_code=None if timed_out else exit_status.exit_code,
            signal=exit_status.signal,
            timed_out=timed_out,
            truncated=out.truncated,
            terminal_id=terminal_id,
        )

    async def _embed(self, ctx: ToolCallContext, terminal_id: str) -> None:
        event = ToolCallProgress(
            call_id=ctx.call_id, content=(TerminalContent(terminal_id=terminal_id),)
        )
        if self.ledger is None:
            await ctx.emit(event)
        else:
            await self.ledger.emit_written(ctx.emit, event)


__all__ = ["KILL_GRACE", "ClientWorkspace", "Ledger"]
