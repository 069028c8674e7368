"""JSON-RPC with one agent process over stdio: framing, transcript, request matching.

Design: one reader task owns the agent's stdout. Each line is decoded once and recorded
in :attr:`AgentConnection.transcript`; responses resolve the waiting request, agent
requests are served each in its own task by the :class:`ClientSide` (so a permission
prompt never blocks the stream), and notifications go to :meth:`handle_notification`.
When stdout closes, every waiter is woken with :class:`AgentExited`, so nothing can hang;
every wait is bounded by a timeout besides.

This layer knows JSON-RPC, not ACP: :class:`~.driver.AcpHarness` builds the ACP methods
and prompt turns on top of it.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable, Coroutine, Sequence
from contextlib import AsyncExitStack
from itertools import count
from typing import Any, Self, TypeVarTuple

import anyio
import anyio.abc

from .client import ClientSide
from .errors import AgentExited, AgentRpcError, HarnessTimeout, IdMismatch, RpcFault
from .launch import AgentProcess, OversizeLine
from .outcome import Message, TranscriptEntry, describe_noise

logger = logging.getLogger(__name__)

PosArgs = TypeVarTuple("PosArgs")


class _Pending:
    __slots__ = ("done", "method", "mismatch", "params", "response", "since")

    def __init__(self, method: str, params: Any, since: float) -> None:
        self.method = method
        self.params = params
        self.since = since
        self.done = anyio.Event()
        self.response: Message | None = None
        self.mismatch: Any = None
        """A response id equal to ours only as text (``"0"`` for ``0``)."""


class AgentConnection:
    """A JSON-RPC connection to one agent process, the harness playing the client.

    Enter it with ``async with`` to start the agent; leaving closes stdin, waits briefly
    and kills the agent's process group.
    """

    def __init__(
        self,
        argv: Sequence[str],
        *,
        client: ClientSide,
        env: dict[str, str] | None = None,
        process_cwd: str | os.PathLike[str] | None = None,
        timeout: float = 30.0,
        max_line_bytes: int | None = None,
        on_entry: Callable[[TranscriptEntry], None] | None = None,
        on_request: Callable[[Message, Message], None] | None = None,
        on_stderr: Callable[[bytes], None] | None = None,
    ) -> None:
        self.argv = list(argv)
        self.env = env
        self.process_cwd = process_cwd
        self.client = client
        self.timeout = timeout
        self.transcript: list[TranscriptEntry] = []
        self.messages: list[Message] = []
        """Every JSON object received, in order."""
        self.faults: list[str] = []
        """Framing problems: undecodable lines, non-objects, oversize lines, noise."""
        self.process: AgentProcess | None = None
        self.closed = anyio.Event()
        """Set when the agent's stdout reached EOF."""
        self.last_received = 0.0
        """When the last message arrived (seconds on the :meth:`now` clock)."""
        self._on_entry = on_entry
        self._on_request = on_request
        self._on_stderr = on_stderr
        self._max_line = max_line_bytes
        self._t0 = time.monotonic()
        self._ids = count(0)
        self._pending: dict[Any, _Pending] = {}
        self._arrived = anyio.Event()
        self._stack: AsyncExitStack | None = None
        self._tg: anyio.abc.TaskGroup | None = None

    # -- lifecycle ----------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        stack = AsyncExitStack()
        await stack.__aenter__()
        try:
            extra = {} if self._max_line is None else {"max_line_bytes": self._max_line}
            self.process = await AgentProcess.start(
                self.argv, cwd=self.process_cwd, env=self.env, on_stderr=self._on_stderr, **extra
            )
            stack.push_async_callback(self.process.aclose_streams)
            stack.push_async_callback(self._shutdown)
            self._tg = await stack.enter_async_context(anyio.create_task_group())
            self.client.start(self._tg)
            self._tg.start_soon(self.process.drain_stderr)
            self._tg.start_soon(self._read_loop)
        except BaseException:
            await stack.aclose()
            raise
        self._stack = stack
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        if self._tg is not None:
            with anyio.CancelScope(shield=True):
                await self.close()
                self._tg.cancel_scope.cancel()
        if self._stack is not None:
            await self._stack.__aexit__(*exc_info)

    async def close(self, *, grace: float = 2.0) -> int | None:
        """Close stdin, wait for the agent to exit, then kill its process group."""
        self.client.close()
        if self.process is None:
            return None
        return await self.process.aclose(grace=grace)

    async def _shutdown(self) -> None:
        self.client.close()
        if self.process is not None:
            await self.process.aclose(grace=0.5)

    @property
    def returncode(self) -> int | None:
        """The agent's exit status, once it exited."""
        return None if self.process is None else self.process.returncode

    def now(self) -> float:
        """Seconds since the harness started (the transcript's clock)."""
        return time.monotonic() - self._t0

    def start_soon(
        self, fn: Callable[[*PosArgs], Coroutine[Any, Any, Any]], *args: *PosArgs
    ) -> None:
        """Run ``fn(*args)`` in the connection's task group (cancelled when it closes)."""
        assert self._tg is not None, "use `async with` first"
        self._tg.start_soon(fn, *args)

    # -- reading ------------------------------------------------------------------------

    def _record(self, entry: TranscriptEntry) -> None:
        self.transcript.append(entry)
        if self._on_entry is not None:
            self._on_entry(entry)

    async def _read_loop(self) -> None:
        assert self.process is not None
        try:
            while True:
                line = await self.process.read_line()
                if line is None:
                    break
                self._handle_line(line)
        finally:
            self.closed.set()
            for pending in list(self._pending.values()):
                pending.done.set()
            self._wake()

    def _handle_line(self, line: bytes | OversizeLine) -> None:
        t = self.now()
        if isinstance(line, OversizeLine):
            assert self.process is not None
            fault = (
                f"stdout line of {line.size} bytes exceeds the limit of "
                f"{self.process.max_line_bytes} bytes; skipped (starts {line.head[:60]!r})"
            )
            self.faults.append(fault)
            self._record(
                TranscriptEntry(t, "recv", raw=line.head.decode(errors="replace"), fault=fault)
            )
            return
        text = line.decode("utf-8", errors="replace")
        if not text.strip():
            fault = "blank line on stdout"
            self.faults.append(fault)
            self._record(TranscriptEntry(t, "recv", raw=text, fault=fault))
            return
        try:
            value = json.loads(text)
        except ValueError:
            fault = describe_noise(text)
            self.faults.append(fault)
            self._record(TranscriptEntry(t, "recv", raw=text[:2000], fault=fault))
            return
        if not isinstance(value, dict):
            fault = f"stdout line is JSON but not an object: {text[:80]!r}"
            self.faults.append(fault)
            self._record(TranscriptEntry(t, "recv", message=value, raw=text[:2000], fault=fault))
            return
        self._record(TranscriptEntry(t, "recv", message=value))
        self.last_received = t
        self.messages.append(value)
        self._dispatch(value, t)
        self._wake()

    def _wake(self) -> None:
        self._arrived.set()
        self._arrived = anyio.Event()

    def _dispatch(self, msg: Message, t: float) -> None:
        method = msg.get("method")
        if isinstance(method, str):
            if "id" in msg:
                self.start_soon(self._serve, msg)
            else:
                self.handle_notification(method, msg.get("params"), t)
            return
        if "result" in msg or "error" in msg:
            pending = self._pending.get(msg.get("id"))
            if pending is not None:
                pending.response = msg
                pending.done.set()
                self.note_response(pending.method, pending.params, msg)
                return
            # An id that matches one of ours only once both are text: it does not echo.
            rid = msg.get("id")
            for key, waiting in self._pending.items():
                if rid is not None and type(key) is not type(rid) and str(key) == str(rid):
                    waiting.mismatch = rid
                    waiting.done.set()

    def note_response(self, method: str, params: Any, msg: Message) -> None:
        """Called for each response to one of our requests; override to use it."""

    def waiting_on(self) -> list[tuple[str, float]]:
        """The requests awaiting the agent's answer: ``(method, seconds since sent)``."""
        now = self.now()
        return [(p.method, now - p.since) for p in self._pending.values()]

    def handle_notification(self, method: str, params: Any, t: float) -> None:
        """Called for each notification from the agent (at time ``t``); override to use it."""

    def note_request(self, msg: Message, params: dict[str, Any]) -> None:
        """Called for each request from the agent before it is served; override to use it."""

    async def _serve(self, msg: Message) -> None:
        method, params = str(msg["method"]), msg.get("params")
        params = params if isinstance(params, dict) else {}
        self.note_request(msg, params)
        reply: Message = {"jsonrpc": "2.0", "id": msg["id"]}
        try:
            with anyio.fail_after(max(self.timeout, 1.0) * 10):
                result = await self.client.handle(method, params)
            reply["result"] = {} if result is None else result
        except RpcFault as fault:
            reply["error"] = fault.to_dict()
        except TimeoutError:
            reply["error"] = RpcFault.internal_error(f"{method} timed out in the harness").to_dict()
        except Exception as exc:  # the harness must answer every request
            logger.exception("client handler for %s failed", method)
            reply["error"] = RpcFault.internal_error(f"{type(exc).__name__}: {exc}").to_dict()
        if self._on_request is not None:
            self._on_request(msg, reply)
        try:
            await self._write(reply)
        except AgentExited:
            logger.debug("agent gone before we answered %s", method)

    # -- writing ------------------------------------------------------------------------

    async def _write(self, msg: Any) -> None:
        self._record(TranscriptEntry(self.now(), "send", message=msg))
        data = json.dumps(msg, separators=(",", ":"), ensure_ascii=False) + "\n"
        await self.send_raw(data.encode(), record=False)

    async def send_raw(self, data: str | bytes, *, record: bool = True) -> None:
        """Write raw bytes to the agent's stdin (for malformed-input probes)."""
        assert self.process is not None, "use `async with AcpHarness.spawn(...)` first"
        if isinstance(data, str):
            data = data.encode()
        if record:
            self._record(TranscriptEntry(self.now(), "send", raw=data.decode(errors="replace")))
        try:
            await self.process.send(data)
        except (anyio.BrokenResourceError, anyio.ClosedResourceError, OSError) as exc:
            raise AgentExited("a write to stdin", self.returncode, self.stderr_tail()) from exc

    async def notify(self, method: str, params: dict[str, Any] | None = None) -> None:
        """Send a notification."""
        msg: Message = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            msg["params"] = params
        await self._write(msg)

    def next_id(self) -> int:
        """A fresh request id."""
        return next(self._ids)

    async def request_message(
        self,
        method: str,
        params: Any = None,
        *,
        timeout: float | None = None,
        request_id: Any = None,
    ) -> Message:
        """Send a request and return the raw response message (result or error)."""
        req_id = self.next_id() if request_id is None else request_id
        pending = self._pending[req_id] = _Pending(method, params, self.now())
        msg: Message = {"jsonrpc": "2.0", "id": req_id, "method": method}
        if params is not None:
            msg["params"] = params
        limit = self.timeout if timeout is None else timeout
        try:
            await self._write(msg)
            with anyio.move_on_after(limit):
                await pending.done.wait()
        finally:
            self._pending.pop(req_id, None)
        if pending.response is None:
            if pending.mismatch is not None:
                raise IdMismatch(method, req_id, pending.mismatch)
            if self.closed.is_set():
                raise AgentExited(method, await self._exit_status(), self.stderr_tail())
            raise HarnessTimeout(method, limit)
        return pending.response

    async def request(
        self, method: str, params: Any = None, *, timeout: float | None = None
    ) -> Any:
        """Send a request and return its ``result``; raises AgentRpcError on an error answer."""
        response = await self.request_message(method, params, timeout=timeout)
        if "error" in response:
            err = response["error"]
            raise AgentRpcError(method, err if isinstance(err, dict) else {"message": err})
        return response.get("result")

    async def _exit_status(self) -> int | None:
        if self.process is None:
            return None
        with anyio.move_on_after(0.5):
            await self.process.wait()
        return self.process.returncode

    def stderr_tail(self, limit: int = 2000) -> str:
        """The end of what the agent wrote to stderr."""
        return "" if self.process is None else self.process.stderr_tail(limit)

    async def wait_for(
        self, predicate: Callable[[Message], bool], *, start: int = 0, timeout: float | None = None
    ) -> Message | None:
        """Wait for a received message (index >= ``start``) matching ``predicate``.

        Returns None on timeout or when the agent's stdout closed first.
        """
        limit = self.timeout if timeout is None else timeout
        with anyio.move_on_after(limit):
            while True:
                for msg in self.messages[start:]:
                    if predicate(msg):
                        return msg
                start = len(self.messages)
                if self.closed.is_set():
                    return None
                await self._arrived.wait()
        return None
