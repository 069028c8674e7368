"""Session state and the prompt turn: one agent per session, one cancel scope per turn.

A ``Session`` owns its agent (history included), its workspace (rooted at the
session's ``cwd``) and its permission memory. ``Session.prompt()`` runs one turn:

1. refuse if a turn is already running (the client must ``session/cancel`` first);
2. open a cancel scope for the turn and stream ``agent.run_stream()`` inside it,
   mapping every event to ``session/update`` notifications as it arrives;
3. on ``session/cancel`` (``Session.cancel()``) the scope is cancelled: the model
   stream is closed, running tools are cancelled (local process groups killed, client
   terminals released, outstanding client requests get ``$/cancel_request``);
4. before returning, every tool call that was started but not finished gets a final
   ``failed`` update (v1 has no ``cancelled`` status), so nothing of the turn follows
   the ``session/prompt`` response;
5. the stop reason is ``cancelled`` after a cancel, never an error. A model failure
   (any exception out of the run, not only ``ModelError``) ends the turn with a
   readable message and ``end_turn``, the traceback logged; the session stays usable.

Ordering: requests made for a tool call wait until its ``tool_call`` has been written
(``acp_server.ledger.CallLedger``, shared with the approver and the workspace).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import anyio

from acp_server.errors import RpcError
from acp_server.ledger import ANNOUNCE_TIMEOUT, CallLedger
from acp_server.modes import DEFAULT_MODE, check_mode_id
from acp_server.turn_errors import (
    model_error,
    model_error_message,
    refusal_text,
    turn_error_message,
    unwrap,
)

if TYPE_CHECKING:
    from acp_server import wire
    from acp_server.permissions import PermissionApprover
    from acp_server.recorder import Recorder
    from acp_server.workspace import ClientWorkspace
    from agentica.agent import Agent
    from agentica.events import Usage
    from agentica.messages import Message
    from agentica.run import RunConfig

# The mapping, the wire models and agentica's events are imported on first use (the
# first turn), not here: ``SessionStore`` is needed before ``initialize`` is answered.

logger = logging.getLogger(__name__)

Notify = Callable[[dict[str, Any]], Awaitable[None]]
"""Sends one ``session/update`` ``update`` payload for the session."""

DEMO_NOTICE = (
    "*You are talking to the offline demo model.* To use a real model, start the server "
    "with `--model provider/model` (for example `--model deepseek/deepseek-chat` with "
    "`DEEPSEEK_API_KEY` set, or `--model gpt-4o-mini` with `OPENAI_API_KEY` and optionally "
    "`OPENAI_BASE_URL`).\n\n"
)
"""Prefixed to the first reply of a session when the demo model does not say it itself."""


@dataclass(eq=False, kw_only=True)
class Session:
    """One ACP session: its agent, workspace, approver and running turn.

    Attributes:
        id: The ``sessionId``.
        cwd: Absolute working directory.
        agent: The session's agent, or ``None`` when the model could not be created
            (``setup_error`` then says why, and every prompt answers with it).
        notify: Sends an ``update`` payload as a ``session/update`` for this session.
    """

    id: str
    cwd: str
    agent: Agent | None
    notify: Notify
    workspace: ClientWorkspace | None = None
    approver: PermissionApprover | None = None
    roots: tuple[str, ...] = ()
    """Additional roots besides ``cwd``."""
    context_size: int | None = None
    tokens_used: int = 0
    """Context tokens of the latest model call."""
    cost: float | None = None
    """Cumulative cost in USD (``acp_server.usage``; None while no priced model answered)."""
    turn_usage: Usage | None = None
    """The tokens of the latest turn's model calls (for the prompt result)."""
    demo_notice: bool = False
    """Send ``DEMO_NOTICE`` before the first reply."""
    setup_error: str | None = None
    ledger: CallLedger = field(default_factory=CallLedger)
    """Shared with the approver and the workspace (see the module doc)."""
    mode: str = DEFAULT_MODE
    """The permission mode (``acp_server.modes``); change it with ``set_mode``."""
    recorder: Recorder | None = None
    """Stores the session (``acp_server.recorder``); its ``notify`` is this ``notify``."""
    turns: int = 0
    run_config: RunConfig | None = None
    """Every turn's ``RunConfig`` (the per-turn budgets of ``ServerConfig``)."""
    _scope: anyio.CancelScope | None = field(default=None, repr=False)
    _storing: anyio.CancelScope | None = field(default=None, repr=False)
    _cancelled: bool = field(default=False, repr=False)
    _idle: anyio.Event | None = field(default=None, repr=False)

    @property
    def busy(self) -> bool:
        """Whether a prompt turn is running."""
        return self._scope is not None

    def __post_init__(self) -> None:
        if self.approver is not None:
            self.approver.mode = self.mode

    def set_mode(self, mode_id: str) -> None:
        """Switch the permission mode, also mid-turn: the next permission decision uses it.

        Raises:
            RpcError: ``invalid_params`` for an unknown mode (the mode is unchanged).
        """
        try:
            mode_id = check_mode_id(mode_id)
        except ValueError as e:
            raise RpcError.invalid_params(str(e)) from None
        if mode_id != self.mode:
            logger.info("session %s: mode %s -> %s", self.id, self.mode, mode_id)
        self.mode = mode_id
        if self.approver is not None:
            self.approver.mode = mode_id
        if self.recorder is not None:
            self.recorder.save(mode=mode_id)

    def cancel(self) -> bool:
        """Cancel the running turn, if any. Returns whether there was one."""
        if self._scope is None:
            return False
        self._cancelled = True
        self._scope.cancel()
        return True

    async def announced(self, call_id: str) -> None:
        """Return once the call's ``tool_call`` has been written (see ``CallLedger``)."""
        await self.ledger.announced(call_id)

    def stop_storing(self) -> None:
        """Stop waiting on the ended turn's last writes (shutdown: they stay queued)."""
        if self._storing is not None:
            self._storing.cancel()

    async def wait_idle(self) -> None:
        """Return once no turn is running (after ``cancel()``: promptly)."""
        if self._scope is not None and self._idle is not None:
            await self._idle.wait()

    def _busy_error(self) -> RpcError:
        # acp-spec §12: -32600 means "not a valid JSON-RPC request object", which this
        # is not. The request is well-formed but names a session that cannot take a
        # prompt now; like an unknown sessionId (for which §12 suggests -32602) this is
        # a problem with the params, so -32602 with a message saying what to do.
        return RpcError.invalid_params(
            f"session {self.id} is already running a prompt; wait for its response "
            "or send session/cancel first"
        )

    async def command(
        self, run: Callable[[], Awaitable[str]], shown: Sequence[dict[str, Any]] = ()
    ) -> wire.AcpStopReason:
        """Answer a prompt with ``await run()``'s text instead of a model turn (a slash
        command); stored and cancellable like a turn."""
        from acp_server.mapping import text_chunk

        if self._scope is not None:
            raise self._busy_error()
        scope = anyio.CancelScope()
        self._scope, self._cancelled = scope, False
        idle = self._idle = anyio.Event()
        self.turn_usage = None
        if self.recorder is not None:
            self.recorder.begin_turn(None, shown)
        try:
            with scope:
                text = await run()
                await self.notify(text_chunk(text))
        except Exception as exc:
            logger.exception("session %s: the command failed", self.id)
            with anyio.CancelScope(shield=True):
                await self.notify(text_chunk(turn_error_message(unwrap(exc))))
        finally:
            self._scope = None
            with anyio.CancelScope(shield=True) as self._storing:
                if self.recorder is not None:
                    history = None if self.agent is None else self.agent.messages
                    await self.recorder.end_turn(history, self.approver)
            idle.set()
        return "cancelled" if self._cancelled or scope.cancelled_caught else "end_turn"

    async def prompt(
        self, message: Message, shown: Sequence[dict[str, Any]] = ()
    ) -> wire.AcpStopReason:
        """Run one turn for ``message`` and return its ACP stop reason (see module doc).

        ``shown``: the prompt as ``user_message_chunk`` updates, stored for the replay.
        """
        if self._scope is not None:
            raise self._busy_error()
        scope = anyio.CancelScope()
        self._scope, self._cancelled = scope, False
        idle = self._idle = anyio.Event()
        open_calls: dict[str, None] = {}
        result: wire.AcpStopReason = "end_turn"
        self.turns += 1
        self.turn_usage = None
        if self.recorder is not None:
            self.recorder.begin_turn(None if self.agent is None else message, shown)
        try:
            with scope:
                result = await self._run(message, open_calls)
        except Exception as exc:
            error = model_error(exc)
            refusal = refusal_text(exc)
            if refusal is not None:  # A guardrail refused: readable, not a failure.
                from acp_server.mapping import text_chunk

                with anyio.CancelScope(shield=True):
                    await self._close_calls(open_calls, "Refused")
                    await self.notify(text_chunk(refusal))
                return "refusal"
            if error is not None:
                logger.warning("session %s: model call failed: %s", self.id, error)
                text, reason = model_error_message(error), "The model call failed"
            else:  # A bug or an unexpected failure: readable for the user, logged for us.
                logger.exception("session %s: the turn failed", self.id)
                text, reason = turn_error_message(unwrap(exc)), "The turn failed"
            from acp_server.mapping import text_chunk

            with anyio.CancelScope(shield=True):
                await self._close_calls(open_calls, reason)
                await self.notify(text_chunk(text))
            result = "end_turn"
        finally:
            self._scope = None
            with anyio.CancelScope(shield=True) as self._storing:
                await self._close_calls(open_calls, "Cancelled")
                if self.recorder is not None:
                    self._store_usage(self.recorder)
                    history = None if self.agent is None else self.agent.messages
                    await self.recorder.end_turn(history, self.approver)
            self.ledger.clear()
            idle.set()
        if self._cancelled or scope.cancelled_caught:
            return "cancelled"
        return result

    async def _run(self, message: Message, open_calls: dict[str, None]) -> wire.AcpStopReason:
        from acp_server.mapping import event_to_updates, stop_reason, text_chunk
        from agentica.events import (
            RunFinished,
            TextDelta,
            ThinkingDelta,
            ToolCallFinished,
            ToolCallStarted,
            UsageUpdated,
        )

        if self.agent is None:
            await self.notify(text_chunk(self.setup_error or "The agent is not configured."))
            return "end_turn"
        if self.demo_notice:
            self.demo_notice = False
            await self.notify(text_chunk(DEMO_NOTICE))
        from acp_server.mcp_tools import before_turn

        for notice in await before_turn(self.agent):  # Waits for the MCP servers to start.
            await self.notify(text_chunk(f"*{notice}*\n\n"))
        from acp_server.usage import session_cost

        result: wire.AcpStopReason = "end_turn"
        recorder, agent, step = self.recorder, self.agent, None
        # Passed only when set: the default run needs none (and test doubles take none).
        budgets: dict[str, Any] = {} if self.run_config is None else {"config": self.run_config}
        cost_before, started = self.cost, self.tokens_used > 0
        async with self.agent.run_stream(message, **budgets) as stream:
            async for event in stream:
                delta = isinstance(event, TextDelta | ThinkingDelta)
                if recorder is not None and delta and event.message_id != step:
                    step = event.message_id  # A new step began: store the finished ones.
                    recorder.step(agent.live_messages)
                if isinstance(event, RunFinished):
                    result = stop_reason(event.stop_reason)
                elif isinstance(event, UsageUpdated):
                    self.tokens_used, self.turn_usage = max(0, event.context_used), event.usage
                    # ``event.usage`` is the run's so far, priced by the engine.
                    self.cost = session_cost(cost_before, started, event.usage)
                # Each update is queued whole or not at all (a cancel waits for the queue
                # put), and a call counts as open only once its ``tool_call`` is queued, so
                # the final "failed" updates of a cancelled turn never name a call the
                # client has not seen, nor miss one it has.
                if not self.ledger.claim(event):
                    continue  # Withdrawn by its emitter (see ``CallLedger.emit_written``).
                shown = self.ledger.on_wire(event)
                with anyio.CancelScope(shield=True):
                    for update in event_to_updates(
                        shown, context_size=self.context_size, cost=self.cost
                    ):
                        await self.notify(update)
                if isinstance(event, ToolCallStarted) and isinstance(shown, ToolCallStarted):
                    open_calls[shown.call_id] = None
                    self.ledger.mark_announced(event.call_id)
                else:
                    if isinstance(shown, ToolCallFinished):
                        open_calls.pop(shown.call_id, None)
                    self.ledger.mark_written(event)
                if recorder is not None and not delta:  # Maybe a step is complete now.
                    recorder.step(agent.live_messages)
        return result

    def _store_usage(self, recorder: Recorder) -> None:
        """Keep the usage in the stored config (for ``session/load`` / ``resume``)."""
        from acp_server.usage import STORED_KEY, to_store

        kept = to_store(self.tokens_used, self.cost)
        if self.tokens_used and recorder.record.config.get(STORED_KEY) != kept:
            recorder.save(config={**recorder.record.config, STORED_KEY: kept})

    async def _close_calls(self, open_calls: dict[str, None], reason: str) -> None:
        if not open_calls:
            return
        from acp_server.mapping import failed_update

        while open_calls:
            call_id = next(iter(open_calls))
            del open_calls[call_id]
            await self.notify(failed_update(call_id, reason))


class SessionStore:
    """The sessions of one connection, by id."""

    def __init__(self) -> None:
        self._sessions: dict[str, Session] = {}

    def add(self, session: Session) -> None:
        """Register a new session."""
        self._sessions[session.id] = session

    def remove(self, session_id: str) -> Session | None:
        """Forget a session (its turn must be over); returns it, or None if unknown."""
        return self._sessions.pop(session_id, None)

    def get(self, session_id: object) -> Session:
        """The session, or ``RpcError.invalid_params`` naming the unknown id."""
        session = self._sessions.get(session_id) if isinstance(session_id, str) else None
        if session is None:
            raise RpcError.invalid_params(
                f"unknown session {session_id!r}; create one with session/new first"
            )
        return session

    def find(self, session_id: object) -> Session | None:
        """The session, or ``None``."""
        return self._sessions.get(session_id) if isinstance(session_id, str) else None

    def __iter__(self) -> Iterator[Session]:
        return iter(list(self._sessions.values()))

    def __len__(self) -> int:
        return len(self._sessions)

    def cancel_all(self) -> None:
        """Cancel every running turn."""
        for session in self._sessions.values():
            session.cancel()


__all__ = [
    "ANNOUNCE_TIMEOUT",
    "DEMO_NOTICE",
    "CallLedger",
    "Session",
    "SessionStore",
]
