"""The async ACP client: framing, request/response matching, serving the agent's requests.

Design: one reader task owns the agent's stdout. Each line is decoded once and recorded
in :attr:`AcpHarness.transcript`; responses resolve the waiting request, agent requests
are served each in its own task (so a permission prompt never blocks the stream), and
``session/update`` notifications are folded into the running turn's accumulator. When
stdout closes, every waiter is woken with :class:`AgentExited`, so nothing can hang; every
wait is bounded by a timeout besides.

Usage::

    async with AcpHarness.spawn(["my-agent"], cwd=tmp) as h:
        await h.initialize()
        sid = await h.new_session()
        outcome = await h.prompt(sid, "hello")
        print(outcome.stop_reason, outcome.text)
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable, Sequence
from contextlib import AsyncExitStack, suppress
from dataclasses import dataclass
from itertools import count
from typing import Any

import anyio
import anyio.abc

from .accumulator import ToolCallState, TurnAccumulator
from .client import ClientSide, PermissionPolicy
from .errors import AgentExited, AgentRpcError, HarnessTimeout, RpcFault
from .launch import AgentProcess, OversizeLine
from .outcome import Message, PromptOutcome, TranscriptEntry, describe_noise

logger = logging.getLogger(__name__)

PROTOCOL_VERSION = 1
CLIENT_INFO = {"name": "acp-harness", "title": "ACP harness", "version": "0.1.0"}


class _Pending:
    __slots__ = ("done", "method", "response")

    def __init__(self, method: str) -> None:
        self.method = method
        self.done = anyio.Event()
        self.response: Message | None = None


@dataclass(slots=True)
class _Turn:
    outcome: PromptOutcome
    acc: TurnAccumulator


class AcpHarness:
    """A headless ACP client driving one agent process over stdio.

    Use :meth:`spawn` as an async context manager. The harness plays the editor: it
    advertises fs and terminal capabilities (see :class:`ClientSide`), answers permission
    requests by policy and records everything in :attr:`transcript`.
    """

    def __init__(
        self,
        argv: Sequence[str],
        *,
        cwd: str | os.PathLike[str] | None = None,
        env: dict[str, str] | None = None,
        process_cwd: str | os.PathLike[str] | None = None,
        client: ClientSide | None = None,
        permissions: PermissionPolicy | None = None,
        fs: bool = True,
        terminal: bool = True,
        timeout: float = 30.0,
        max_line_bytes: int | None = None,
        on_entry: Callable[[TranscriptEntry], None] | None = None,
        on_update: Callable[[str, dict[str, Any], ToolCallState | None], None] | None = None,
        on_request: Callable[[Message, Message], None] | None = None,
        on_stderr: Callable[[bytes], None] | None = None,
    ) -> None:
        self.argv = list(argv)
        self.cwd = os.path.abspath(cwd) if cwd is not None else os.getcwd()
        self.env = env
        self.process_cwd = process_cwd
        self.client = client or ClientSide(
            fs=fs, terminal=terminal, permissions=permissions or "allow"
        )
        if client is not None and permissions is not None:
            self.client.permissions = permissions
        self.timeout = timeout
        self.transcript: list[TranscriptEntry] = []
        self.messages: list[Message] = []
        """Every JSON object received, in order."""
        self.faults: list[str] = []
        """Framing problems: undecodable lines, non-objects, oversize lines, noise."""
        self.updates: list[Message] = []
        """Every ``session/update`` params object received."""
        self.init_result: dict[str, Any] | None = None
        self.last_session_result: dict[str, Any] = {}
        self.last_outcome: PromptOutcome | None = None
        """The latest prompt turn, also when prompt() raised (timeout, agent exit)."""
        self.process: AgentProcess | None = None
        self.closed = anyio.Event()
        """Set when the agent's stdout reached EOF."""
        self._on_entry = on_entry
        self._on_update = on_update
        self._on_request = on_request
        self._on_stderr = on_stderr
        self._max_line = max_line_bytes
        self._t0 = time.monotonic()
        self._ids = count(0)
        self._pending: dict[Any, _Pending] = {}
        self._turns: dict[str, _Turn] = {}
        self._between: dict[str, TurnAccumulator] = {}
        self._arrived = anyio.Event()
        self._stack: AsyncExitStack | None = None
        self._tg: anyio.abc.TaskGroup | None = None

    # -- lifecycle ----------------------------------------------------------------------

    @classmethod
    def spawn(cls, argv: Sequence[str], **kwargs: Any) -> AcpHarness:
        """Create a harness for ``argv``; enter it with ``async with`` to start the agent."""
        return cls(argv, **kwargs)

    async def __aenter__(self) -> AcpHarness:
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
                assert self._tg is not None
                self._tg.start_soon(self._serve, msg)
            elif method == "session/update":
                self._apply_update(msg.get("params"), t)
            return
        if "result" in msg or "error" in msg:
            pending = self._pending.get(msg.get("id"))
            if pending is not None:
                pending.response = msg
                pending.done.set()

    def _apply_update(self, params: Any, t: float) -> None:
        if not isinstance(params, dict) or not isinstance(params.get("update"), dict):
            return
        self.updates.append(params)
        sid = str(params.get("sessionId"))
        update = params["update"]
        turn = self._turns.get(sid)
        if turn is not None:
            if turn.outcome.first_update is None:
                turn.outcome.first_update = t
            state = turn.acc.apply(update)
        else:
            state = self._between.setdefault(sid, TurnAccumulator()).apply(update)
        if self._on_update is not None:
            self._on_update(sid, update, state)

    async def _serve(self, msg: Message) -> None:
        method, params = str(msg["method"]), msg.get("params")
        params = params if isinstance(params, dict) else {}
        turn = self._turns.get(str(params.get("sessionId")))
        if turn is not None:
            turn.outcome.requests.append(msg)
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
        pending = self._pending[req_id] = _Pending(method)
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

    # -- ACP methods --------------------------------------------------------------------

    async def initialize(
        self,
        protocol_version: int = PROTOCOL_VERSION,
        *,
        client_capabilities: dict[str, Any] | None = None,
        client_info: dict[str, Any] | None = None,
        timeout: float | None = None,
    ) -> dict[str, Any]:
        """Send ``initialize`` with our capabilities; returns (and keeps) the result."""
        result = await self.request(
            "initialize",
            {
                "protocolVersion": protocol_version,
                "clientCapabilities": client_capabilities or self.client.capabilities(),
                "clientInfo": client_info or CLIENT_INFO,
            },
            timeout=timeout,
        )
        self.init_result = result if isinstance(result, dict) else {}
        return self.init_result

    async def new_session(
        self,
        cwd: str | os.PathLike[str] | None = None,
        *,
        mcp_servers: Sequence[Any] = (),
        **extra: Any,
    ) -> str:
        """Open a session in ``cwd`` (default: the harness cwd); returns its id."""
        path = os.fspath(cwd) if cwd is not None else self.cwd
        result = await self.request(
            "session/new", {"cwd": path, "mcpServers": list(mcp_servers), **extra}
        )
        sid = result.get("sessionId") if isinstance(result, dict) else None
        if not isinstance(sid, str):
            raise AgentRpcError("session/new", {"message": f"no sessionId in {result!r}"})
        self.client.session_cwds[sid] = path
        self.last_session_result = result
        return sid

    async def prompt(
        self,
        session_id: str,
        prompt: str | Sequence[dict[str, Any]],
        *,
        timeout: float | None = None,
        cancel_after: float | None = None,
        cancel_on_first_update: bool = False,
    ) -> PromptOutcome:
        """Run one prompt turn and return everything it produced.

        An error answer is returned in ``outcome.error`` (not raised). A timeout raises
        HarnessTimeout and an agent exit AgentExited. ``cancel_after`` sends
        ``session/cancel`` that many seconds in; ``cancel_on_first_update`` as soon as
        the first update of the turn arrives.
        """
        blocks = [{"type": "text", "text": prompt}] if isinstance(prompt, str) else list(prompt)
        outcome = self.last_outcome = PromptOutcome(session_id, started=self.now())
        turn = _Turn(outcome, TurnAccumulator())
        self._turns[session_id] = turn
        self.client.begin_turn(session_id)
        start_index = len(self.messages)
        # Helpers run in the harness's task group under a scope of their own, so an error
        # of the request itself propagates unwrapped.
        helpers = anyio.CancelScope()
        assert self._tg is not None
        if cancel_after is not None:
            self._tg.start_soon(self._cancel_later, helpers, session_id, cancel_after)
        if cancel_on_first_update:
            self._tg.start_soon(self._cancel_on_update, helpers, session_id, start_index)
        try:
            response = await self.request_message(
                "session/prompt", {"sessionId": session_id, "prompt": blocks}, timeout=timeout
            )
        finally:
            helpers.cancel()
            self._turns.pop(session_id, None)
            outcome.finished = self.now()
            self._fill(outcome, turn.acc)
        if "error" in response:
            outcome.error = response["error"]
        else:
            result = response.get("result")
            outcome.result = result if isinstance(result, dict) else {"value": result}
        return outcome

    @staticmethod
    def _fill(outcome: PromptOutcome, acc: TurnAccumulator) -> None:
        outcome.updates = acc.updates
        outcome.tool_calls = acc.tool_calls
        outcome.text = acc.text
        outcome.thought = acc.thought
        outcome.plan = acc.plan

    async def _cancel_later(self, scope: anyio.CancelScope, session_id: str, delay: float) -> None:
        with scope, suppress(AgentExited):
            await anyio.sleep(delay)
            await self.cancel(session_id)

    async def _cancel_on_update(
        self, scope: anyio.CancelScope, session_id: str, start: int
    ) -> None:
        def is_update(m: Message) -> bool:
            params = m.get("params")
            return (
                m.get("method") == "session/update"
                and isinstance(params, dict)
                and params.get("sessionId") == session_id
            )

        with scope, suppress(AgentExited):
            if await self.wait_for(is_update, start=start, timeout=float("inf")) is not None:
                await self.cancel(session_id)

    async def cancel(self, session_id: str | None = None) -> None:
        """Send ``session/cancel`` (for every running turn when no id is given).

        Pending permission requests of the cancelled turn are answered ``cancelled``.
        """
        targets = [session_id] if session_id is not None else list(self._turns)
        for sid in targets:
            turn = self._turns.get(sid)
            if turn is not None:
                turn.outcome.cancel_sent = True
            await self.notify("session/cancel", {"sessionId": sid})
            self.client.mark_cancelled(sid)

    @property
    def running_sessions(self) -> list[str]:
        """Sessions with a prompt turn in flight."""
        return list(self._turns)

    def session_updates(self, session_id: str) -> TurnAccumulator:
        """Updates received for ``session_id`` outside of any prompt turn."""
        return self._between.setdefault(session_id, TurnAccumulator())
