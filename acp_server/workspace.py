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
the timeout -> on timeout ``kill`` -> ``output`` -> ``release``. The release is always
sent, also when the call is cancelled, and it kills the command if it is still running.
A cancel never waits on the client: a pending ``terminal/create`` is abandoned by the
cancelled call but keeps waiting for its answer in a background task of the connection
(at most ``CREATE_TIMEOUT`` in all); a terminal the client creates after the cancel is
killed and released as soon as its id arrives. After a cancel the release gets
``CANCEL_RELEASE_WAIT`` seconds for its answer, then we stop waiting.

Ordering (acp-spec §18.40, §18.54), with the session's ``ledger`` (see
``acp_server.ledger.CallLedger``): every request made during a tool call waits until
that call's ``tool_call`` update has been written, and the terminal embed is written
before ``terminal/release`` is sent. The call's final update does not mention the
terminal again (``acp_server.mapping``), so nothing refers to it after its release.

Only files that exist on disk are read through the editor: a missing file is reported
missing without asking (so creating a file does not make the editor log "Resource not
found"), FIFOs, sockets and devices are refused as in ``LocalWorkspace``, and files
over ``EDITOR_READ_MAX_BYTES`` are read in bounded windows from the disk.
"""

from __future__ import annotations

import inspect
import logging
import os
import stat
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import anyio

from acp_server import wire
from acp_server.errors import RESOURCE_NOT_FOUND, RequestTimeout, RpcError
from acp_server.permissions import Requester
from agentica import procs
from agentica.events import TerminalContent, ToolCallProgress
from agentica.exceptions import ToolError
from agentica.tools.base import ToolCallContext, current_call
from agentica.workspace._read import not_regular
from agentica.workspace.base import (
    CommandResult,
    TextWindow,
    Workspace,
    WorkspaceFileNotFound,
    check_timeout,
)
from agentica.workspace.local import LocalWorkspace

logger = logging.getLogger(__name__)

CREATE_TIMEOUT = 30.0
"""Seconds to wait for ``terminal/create`` before the call fails."""
RELEASE_TIMEOUT = 5.0
"""Seconds a shielded ``terminal/release`` may take before we give up on it."""
CANCEL_RELEASE_WAIT = 0.05
"""After a cancel, seconds we wait for the answer to ``terminal/release`` once sent."""
EDITOR_READ_MAX_BYTES = 1024 * 1024
"""Bigger files are read from the disk in bounded windows, not through the editor."""
KILL_GRACE = 0.2
"""Seconds between SIGTERM and SIGKILL of a local command's process group.

Short, so ``session/cancel`` and shutdown finish well within a second even when a
command ignores SIGTERM.
"""


class Ledger(Protocol):
    """What the workspace needs of the session's ``CallLedger``."""

    async def announced(self, call_id: str) -> None: ...

    async def emit_written(self, emit: Callable[[Any], Awaitable[None]], event: object) -> None: ...


class _PendingCreate:
    """A ``terminal/create`` request and its outcome, shared with the task that waits."""

    def __init__(self) -> None:
        self.done = anyio.Event()
        self.terminal_id: str | None = None
        self.error: Exception | None = None
        self.abandoned = False
        """The call was cancelled: whoever sees the terminal id releases the terminal."""


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

    async def _on_disk(self, path: str) -> os.stat_result:
        """The file's ``stat``; refuses a missing file, a directory or a non-regular file."""
        target = self.resolve(path)
        try:
            info = await self._blocking(target.stat)
        except (FileNotFoundError, NotADirectoryError) as e:
            raise WorkspaceFileNotFound(f"file not found: {path}") from e
        except OSError as e:
            raise ToolError(f"cannot read {path}: {e.strerror or e}") from e
        if stat.S_ISDIR(info.st_mode):
            raise ToolError(f"{path} is a directory, not a file; list it instead")
        if not stat.S_ISREG(info.st_mode):
            raise not_regular(path, info.st_mode)
        return info

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
        await self._on_disk(path)
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

    async def read_window(
        self, path: str, *, offset: int, limit: int, max_line_bytes: int, max_bytes: int
    ) -> TextWindow:
        """Through the editor for ordinary files; big files stream from the disk."""
        caps = {"offset": offset, "limit": limit, "max_line_bytes": max_line_bytes}
        if self.capabilities.fs.read_text_file:
            info = await self._on_disk(path)
            if info.st_size <= EDITOR_READ_MAX_BYTES:
                return await Workspace.read_window(self, path, **caps, max_bytes=max_bytes)
        return await super().read_window(path, **caps, max_bytes=max_bytes)

    async def write_text(self, path: str, content: str) -> None:
        """Create or replace the file, through the editor's buffers when it allows."""
        if not self.capabilities.fs.write_text_file:
            return await super().write_text(path, content)
        target = self.resolve(path)
        try:
            mode = (await self._blocking(target.stat)).st_mode
        except OSError:
            mode = stat.S_IFREG  # Missing: the editor creates it.
        if stat.S_ISDIR(mode):
            raise ToolError(f"cannot write {path}: it is a directory")
        if not stat.S_ISREG(mode):
            raise not_regular(path, mode)
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
        check_timeout(timeout)
        workdir = self.resolve(cwd) if cwd else self.root
        if not await self._blocking(workdir.is_dir):
            raise WorkspaceFileNotFound(f"directory not found: {cwd or '.'}")
        # The editor runs on this machine: its terminal gets our platform's shell.
        shell, *args = procs.shell_argv(command)
        create = wire.CreateTerminalParams(
            session_id=self.session_id,
            command=shell,
            args=args,
            cwd=str(workdir),
            output_byte_limit=max(output_limit, 0),
        )
        await self._announced()
        terminal_id = await self._create_terminal(wire.dump(create))
        ids = {"terminalId": terminal_id}
        cancelled = False
        try:
            return await self._follow(terminal_id, ids, timeout)
        except RpcError as e:
            raise ToolError(f"the editor terminal failed: {e.message}") from e
        except anyio.get_cancelled_exc_class():
            cancelled = True
            raise
        finally:
            with anyio.CancelScope(shield=True), anyio.move_on_after(RELEASE_TIMEOUT):
                await self._release(terminal_id, ids, cancelled=cancelled)

    async def _create_terminal(self, params: dict[str, Any]) -> str:
        """Send ``terminal/create``; the new terminal's id.

        The request runs in a background task of the connection when it offers one
        (``start_background``): a cancel stops only our wait, and a terminal the client
        creates after it is killed and released as soon as its id arrives. Without one
        the request is cancelled with the turn (the client then keeps such a terminal).
        """
        pending = _PendingCreate()
        start = getattr(self.conn, "start_background", None)
        if start is None or not start(self._await_create, params, pending):
            await self._await_create(params, pending)  # A cancel cancels the request.
        else:
            try:
                await pending.done.wait()
            except anyio.get_cancelled_exc_class():
                pending.abandoned = True
                tid = pending.terminal_id
                if tid is not None:  # Answered as the cancel came: release it now.
                    with anyio.CancelScope(shield=True), anyio.move_on_after(RELEASE_TIMEOUT):
                        await self._release(tid, {"terminalId": tid}, cancelled=True)
                raise
        if pending.error is not None:
            raise pending.error
        assert pending.terminal_id is not None
        return pending.terminal_id

    async def _await_create(self, params: dict[str, Any], pending: _PendingCreate) -> None:
        """Wait (at most ``CREATE_TIMEOUT``) for the answer to ``terminal/create``."""
        try:
            with anyio.move_on_after(CREATE_TIMEOUT) as cs:
                created = await self.conn.request("terminal/create", params)
                pending.terminal_id = wire.parse(wire.CreateTerminalResult, created).terminal_id
            if cs.cancelled_caught:
                pending.error = ToolError(
                    f"the editor did not answer terminal/create within {CREATE_TIMEOUT}s"
                )
        except RpcError as e:
            pending.error = ToolError(f"the editor could not start the command: {e.message}")
        except Exception as e:  # An unreadable answer, a closed connection.
            pending.error = e
        finally:
            pending.done.set()
        # No await since done.set(): the waiter has not run, or it gave up before.
        if pending.abandoned and pending.terminal_id is not None:
            await self._release_late(pending.terminal_id)

    async def _release_late(self, terminal_id: str) -> None:
        """Kill and release a terminal created after its call was cancelled (bounded)."""
        logger.info(
            "terminal %s was created after the call was cancelled; releasing it", terminal_id
        )
        params = {"sessionId": self.session_id, "terminalId": terminal_id}
        with anyio.move_on_after(RELEASE_TIMEOUT):
            for method in ("terminal/kill", "terminal/release"):
                try:
                    await self.conn.request(method, params)
                except Exception as e:  # The release is still worth sending after a failed kill.
                    logger.warning("%s %s after a cancel failed: %s", method, terminal_id, e)

    async def _release(self, terminal_id: str, ids: dict[str, Any], *, cancelled: bool) -> None:
        """Send ``terminal/release``; after a cancel, wait only briefly for its answer.

        The request is always sent (that is what kills the command); after a cancel only
        the wait for the answer is cut short, when the connection supports a per-request
        ``timeout`` (``acp_server.connection.Connection`` does).
        """
        await self._announced()
        params = {"sessionId": self.session_id, **ids}
        request = self.conn.request
        extra: dict[str, Any] = {}
        if cancelled and "timeout" in inspect.signature(request).parameters:
            extra["timeout"] = CANCEL_RELEASE_WAIT
        try:
            with anyio.move_on_after(CANCEL_RELEASE_WAIT if cancelled and not extra else None):
                await request("terminal/release", params, **extra)
        except RequestTimeout:
            logger.debug("terminal/release %s: no answer yet after the cancel", terminal_id)
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
            call_id=ctx.call_id, content=(TerminalContent(terminal_id=terminal_id),),
            agent=ctx.agent,
        )
        if self.ledger is None:
            await ctx.emit(event)
        else:
            await self.ledger.emit_written(ctx.emit, event)


__all__ = ["EDITOR_READ_MAX_BYTES", "KILL_GRACE", "ClientWorkspace", "Ledger"]
