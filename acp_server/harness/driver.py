"""The ACP client: initialize, sessions, prompt turns and cancellation over :mod:`.rpc`.

``session/update`` notifications are folded into the running turn's accumulator (or the
session's between-turns one); each prompt turn returns a :class:`PromptOutcome`.

Usage::

    async with AcpHarness.spawn(["my-agent"], cwd=tmp) as h:
        await h.initialize()
        sid = await h.new_session()
        outcome = await h.prompt(sid, "hello")
        print(outcome.stop_reason, outcome.text)
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

import anyio

from acp_server.protocol import PROTOCOL_VERSION

from .accumulator import ToolCallState, TurnAccumulator
from .client import ClientSide, PermissionPolicy
from .errors import AgentExited, AgentRpcError, HarnessError
from .outcome import Message, PromptOutcome, TranscriptEntry
from .rpc import AgentConnection

logger = logging.getLogger(__name__)

CLIENT_INFO = {"name": "acp-harness", "title": "ACP harness", "version": "0.1.0"}


@dataclass(slots=True)
class _Turn:
    outcome: PromptOutcome
    acc: TurnAccumulator


class AcpHarness(AgentConnection):
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
        side = client or ClientSide(fs=fs, terminal=terminal, permissions=permissions or "allow")
        if client is not None and permissions is not None:
            side.permissions = permissions
        super().__init__(
            argv,
            client=side,
            env=env,
            process_cwd=process_cwd,
            timeout=timeout,
            max_line_bytes=max_line_bytes,
            on_entry=on_entry,
            on_request=on_request,
            on_stderr=on_stderr,
        )
        self.cwd = os.path.abspath(cwd) if cwd is not None else os.getcwd()
        self.updates: list[Message] = []
        """Every ``session/update`` params object received."""
        self.init_result: dict[str, Any] | None = None
        self.last_session_result: dict[str, Any] = {}
        self.auth_method: str | None = None
        """The ``authMethods`` id this connection signed in with (``sign_in``)."""
        self._sign_in_tried = False
        self.last_outcome: PromptOutcome | None = None
        """The latest prompt turn, also when prompt() raised (timeout, agent exit)."""
        self._on_update = on_update
        self._turns: dict[str, _Turn] = {}
        self._between: dict[str, TurnAccumulator] = {}

    @classmethod
    def spawn(cls, argv: Sequence[str], **kwargs: Any) -> AcpHarness:
        """Create a harness for ``argv``; enter it with ``async with`` to start the agent."""
        return cls(argv, **kwargs)

    # -- what the agent sends -----------------------------------------------------------

    def handle_notification(self, method: str, params: Any, t: float) -> None:
        """Fold a ``session/update`` into its session's running turn (others are ignored)."""
        if method != "session/update":
            return
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

    def note_response(self, method: str, params: Any, msg: Message) -> None:
        """Register every session the agent opened, whichever probe asked for it."""
        result = msg.get("result")
        if method in ("session/new", "session/load", "session/resume") and isinstance(result, dict):
            sid = result.get("sessionId") if method == "session/new" else None
            if sid is None and isinstance(params, dict):
                sid = params.get("sessionId")
            cwd = params.get("cwd") if isinstance(params, dict) else None
            if isinstance(sid, str):
                self.client.session_cwds.setdefault(sid, str(cwd or self.cwd))

    def note_request(self, msg: Message, params: dict[str, Any]) -> None:
        """Keep an agent request made during a prompt turn in the turn's outcome."""
        turn = self._turns.get(str(params.get("sessionId")))
        if turn is not None:
            turn.outcome.requests.append(msg)

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
        """Open a session in ``cwd`` (default: the harness cwd); returns its id.

        An agent that refuses the first session and advertises ``authMethods`` is signed
        in (``sign_in``) and asked once more.
        """
        path = os.fspath(cwd) if cwd is not None else self.cwd
        params = {"cwd": path, "mcpServers": list(mcp_servers), **extra}
        try:
            result = await self.request("session/new", params)
        except AgentRpcError:
            if self._sign_in_tried or not agent_auth_methods(self.init_result):
                raise
            if await self.sign_in() is None:
                raise
            result = await self.request("session/new", params)
        sid = result.get("sessionId") if isinstance(result, dict) else None
        if not isinstance(sid, str):
            raise AgentRpcError("session/new", {"message": f"no sessionId in {result!r}"})
        self.client.session_cwds[sid] = path
        self.last_session_result = result
        return sid

    async def sign_in(self, timeout: float | None = None) -> str | None:
        """``authenticate`` with the advertised agent-type methods in order until one
        succeeds; its id (None when none did: they may need a person)."""
        self._sign_in_tried = True
        for method in agent_auth_methods(self.init_result):
            try:
                await self.request("authenticate", {"methodId": method["id"]}, timeout=timeout)
            except HarnessError as exc:
                logger.info("authenticate %r failed: %s", method["id"], exc)
                continue
            self.auth_method = method["id"]
            return self.auth_method
        return None

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
        if cancel_after is not None:
            self.start_soon(self._cancel_later, helpers, session_id, cancel_after)
        if cancel_on_first_update:
            self.start_soon(self._cancel_on_update, helpers, session_id, start_index)
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


def agent_auth_methods(init_result: Any) -> list[dict[str, Any]]:
    """The ``agent``-type entries (no ``type``, or ``"agent"``) of ``authMethods`` that
    have a string id: those a client may pass to ``authenticate``."""
    methods = init_result.get("authMethods") if isinstance(init_result, dict) else None
    if not isinstance(methods, list):
        return []
    methods = [m for m in methods if isinstance(m, dict) and isinstance(m.get("id"), str)]
    return [m for m in methods if m.get("type", "agent") == "agent"]
