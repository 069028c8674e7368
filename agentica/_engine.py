"""The one turn loop of agentica: model call -> tool calls -> model call ...

Design note. ``run_events()`` is an async generator of ``RunEvent``s and the only
implementation of a run; ``Agent.run()``, ``run_stream()`` and the sync adapters all
consume it through a ``Pump``. The generator never yields inside a task group or a
cancel scope: a turn's tool calls run in a task group inside ``_tool_phase()``, and the
events they produce go to ``live`` (a callable that hands them straight to the stream's
consumer) when the run is driven by a task that owns the stream (both forms of
``run_stream()``, see ``_stream``), or into ``state.pending`` (yielded after the phase)
when the run is collected by ``run()`` or pulled inline. Either way the generator can be
closed or finalised from any task without corrupting a scope.

Cancellation has one ending: every started tool call gets ``ToolCallFinished(status=
"cancelled")`` and then ``RunFinished(stop_reason="cancelled")``; ``RunState.finish()``
builds those events and repairs the history (a tool result for every tool call) whatever
the way the run was cancelled (a cancelled outer scope, the tool phase's scope, or the
cooperative flag checked between model deltas).
"""

from __future__ import annotations

import json
import logging
import threading
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import anyio
import anyio.lowlevel

from agentica.events import (
    RunEvent,
    RunFinished,
    StopReason,
    TextDelta,
    ThinkingDelta,
    ToolCallFinished,
    ToolCallProgress,
    ToolCallStarted,
    Usage,
    UsageUpdated,
)
from agentica.exceptions import StopRun, ToolError
from agentica.messages import Message, ToolCall
from agentica.models.base import (
    Model,
    ModelFinish,
    ModelStatus,
    ModelTextDelta,
    ModelThinkingDelta,
    ModelToolCall,
    ModelUsage,
    ToolSpec,
)
from agentica.tools.base import ApprovalRequest, Approver, ToolCallContext, _current_call
from agentica.tools.calls import run_function_calls
from agentica.tools.function import Function, FunctionCall, FunctionCallResult, Hooks

logger = logging.getLogger(__name__)

Emit = Callable[[RunEvent], Awaitable[None]]

_STOP_REASONS: dict[str, StopReason] = {"length": "max_tokens", "content_filter": "refusal"}
CANCELLED_TEXT = "Cancelled: the run was cancelled before this tool call finished."
REJECTED_TEXT = "The user rejected this tool call; do not retry it without asking."


class RunCancelled(Exception):
    """The run was cancelled cooperatively (flag or tool-phase scope)."""


@dataclass(kw_only=True, eq=False)
class RunState:
    """Everything one run needs and accumulates. Owned by one task at a time."""

    run_id: str
    model: Model
    functions: dict[str, Function]
    system: str | None
    history: list[Message]
    """The context before this run (not modified)."""
    new_messages: list[Message]
    """Messages of this run, starting with the prompt."""
    max_turns: int = 50
    parallel: bool = True
    max_concurrency: int | None = None
    approver: Approver | None = None
    hooks: Hooks | None = None
    parse_output: Callable[[str], Any] | None = None
    """Parses the final text into the structured output (``response_model``); raises on error."""
    on_finish: Callable[[RunState], None] | None = None
    """Called exactly once when the run is over (commits the history, frees the agent)."""

    usage: Usage = field(default_factory=Usage)
    content: str = ""
    output: Any = None
    reasoning: list[str] = field(default_factory=list)
    stop_reason: StopReason | None = None
    pending: deque[RunEvent] = field(default_factory=deque)
    open_calls: dict[str, str] = field(default_factory=dict)
    """Started, unfinished tool calls: id -> tool name."""
    unanswered: list[ToolCall] = field(default_factory=list)
    results: dict[str, FunctionCallResult] = field(default_factory=dict)
    partial: list[str] | None = None
    """Text of the assistant message being streamed."""
    cancel_requested: bool = False
    finished: bool = False
    _scopes: list[anyio.CancelScope] = field(default_factory=list)
    _token: Any = None
    _thread: int = 0
    _specs: list[ToolSpec] | None = None

    # --- Cancellation ---------------------------------------------------------------------

    def bind_loop(self) -> None:
        """Record the running loop, so ``cancel()`` can be called from any thread."""
        self._token = anyio.lowlevel.current_token()
        self._thread = threading.get_ident()

    def attach(self, scope: anyio.CancelScope) -> None:
        self._scopes.append(scope)
        if self.cancel_requested:
            scope.cancel()

    def detach(self, scope: anyio.CancelScope) -> None:
        if scope in self._scopes:
            self._scopes.remove(scope)

    def _cancel_now(self) -> None:
        self.cancel_requested = True
        for scope in list(self._scopes):
            scope.cancel()

    def cancel(self) -> None:
        """Cancel the run; thread-safe, a no-op once it finished."""
        if self.finished:
            return
        if self._token is None or self._thread == threading.get_ident():
            self._cancel_now()
            return
        # Scheduled without waiting for the run's loop: that loop may be busy waiting on
        # this very thread (two loops cancelling each other's runs would deadlock).
        self.cancel_requested = True
        token = self._token
        try:
            token.backend_class.run_sync_soon(self._cancel_now, (), token.native_token)
        except RuntimeError:  # The loop is gone: the run is over.
            pass

    # --- History --------------------------------------------------------------------------

    def context(self) -> list[Message]:
        msgs = [Message.system(self.system)] if self.system else []
        return msgs + self.history + self.new_messages

    def specs(self) -> list[ToolSpec]:
        if self._specs is None:
            self._specs = [f.spec() for f in self.functions.values()]
        return self._specs

    def messages(self) -> list[Message]:
        """The whole conversation after this run (history + new messages)."""
        return self.history + self.new_messages

    def finish(self, stop_reason: StopReason | None, note: str = CANCELLED_TEXT) -> list[RunEvent]:
        """End the run: final events (pending, cancelled calls, RunFinished) and history repair.

        ``stop_reason=None`` means the run failed (no ``RunFinished``). Idempotent.
        """
        if self.finished:
            return []
        events: list[RunEvent] = list(self.pending)
        self.pending.clear()
        for call_id, name in self.open_calls.items():
            events.append(
                ToolCallFinished(
                    call_id=call_id, tool_name=name, status="cancelled", result=note, error=note
                )
            )
        self.open_calls.clear()
        if self.partial:
            self.content = "".join(self.partial)
            self.new_messages.append(Message.assistant(self.content))
        self.partial = None
        for call in self.unanswered:
            done = self.results.get(call.id)
            text, error = (done.text, done.is_error) if done else (note, True)
            self.new_messages.append(Message.tool(call.id, call.name, text, is_error=error))
        self.unanswered = []
        if stop_reason is not None:
            self.stop_reason = stop_reason
            events.append(self.run_finished())
        self.close()
        return events

    def run_finished(self) -> RunFinished:
        assert self.stop_reason is not None
        return RunFinished(
            stop_reason=self.stop_reason,
            content=self.content,
            usage=self.usage,
            run_id=self.run_id,
        )

    def close(self) -> None:
        """Mark the run over and call ``on_finish`` once (safe to call repeatedly)."""
        if self.finished:
            return
        self.finished = True
        if self.on_finish is not None:
            self.on_finish(self)


def _unknown_tool(name: str, available: list[str]) -> Function:
    async def unknown(**_: Any) -> None:
        listed = ", ".join(available) or "none"
        raise ToolError(f"Unknown tool {name!r}. Available tools: {listed}.")

    return Function(
        name=name, description="", parameters={}, entrypoint=unknown, requires_approval=False
    )


def _parse_args(text: str) -> dict[str, Any]:
    try:
        parsed = json.loads(text) if text.strip() else {}
    except json.JSONDecodeError:
        return {"_raw": text}
    return parsed if isinstance(parsed, dict) else {"_raw": text}


async def run_events(state: RunState, live: Emit | None = None) -> AsyncIterator[RunEvent]:
    """The turn loop. Yields every event of the run, ``RunFinished`` last.

    Raises:
        RunCancelled: Cancelled cooperatively (the ``Pump`` turns it into final events).
        agentica.exceptions.ModelError: A model call failed.
        agentica.exceptions.StopRun: A tool or hook ended the run.
    """
    model = state.model
    for turn in range(1, state.max_turns + 1):
        if state.cancel_requested:
            raise RunCancelled
        # 1. Stream one model reply, forwarding text and thinking as they arrive.
        mid = f"{state.run_id}-{turn}"
        text: list[str] = []
        thinking: list[str] = []
        calls: list[ToolCall] = []
        usage: Usage | None = None
        finish = "stop"
        state.partial = text
        stream = model.response_stream(state.context(), state.specs())
        try:
            async for delta in stream:
                kind = delta.__class__
                if kind is ModelTextDelta:
                    text.append(delta.text)  # type: ignore[union-attr]
                    yield TextDelta(message_id=mid, text=delta.text)  # type: ignore[union-attr]
                elif kind is ModelThinkingDelta:
                    thinking.append(delta.text)  # type: ignore[union-attr]
                    yield ThinkingDelta(message_id=mid, text=delta.text)  # type: ignore[union-attr]
                elif kind is ModelStatus:  # Shown to the user, kept out of the history.
                    yield ThinkingDelta(message_id=mid, text=delta.text)  # type: ignore[union-attr]
                elif kind is ModelToolCall:
                    calls.append(delta.call)  # type: ignore[union-attr]
                elif kind is ModelUsage:
                    u = delta.usage  # type: ignore[union-attr]
                    usage = u if usage is None else usage + u
                elif kind is ModelFinish:
                    finish = delta.reason  # type: ignore[union-attr]
                if state.cancel_requested:
                    raise RunCancelled
        finally:
            await stream.aclose()  # type: ignore[attr-defined]
        # 2. Record the reply and the usage.
        state.partial = None
        content = "".join(text)
        if thinking:
            state.reasoning.append("".join(thinking))
        state.new_messages.append(
            Message.assistant(
                content or None, tool_calls=calls, reasoning_content="".join(thinking) or None
            )
        )
        state.content = content
        used = usage or Usage()
        if used.requests == 0:
            used = used + Usage(requests=1)
        state.usage = state.usage + used
        yield UsageUpdated(
            usage=state.usage,
            context_used=used.total_tokens or used.input_tokens + used.output_tokens,
            context_size=model.context_window,
        )
        # 3. No tool calls: the run is over (or the structured output must be retried).
        if not calls:
            stop = _STOP_REASONS.get(finish, "end_turn")
            if state.parse_output is not None and stop == "end_turn":
                try:
                    state.output = state.parse_output(content)
                except Exception as e:
                    if turn == state.max_turns:
                        raise
                    state.new_messages.append(
                        Message.user(
                            f"Your reply could not be parsed: {e}. Reply again with only the "
                            "JSON object."
                        )
                    )
                    continue
            state.stop_reason = stop
            final = state.run_finished()
            state.close()
            yield final
            return
        # 4. Run the tool calls; their results go to the history in call order.
        state.unanswered = list(calls)
        fcalls: list[FunctionCall] = []
        for call in calls:
            fn = state.functions.get(call.name) or _unknown_tool(call.name, list(state.functions))
            fcall = FunctionCall(
                function=fn, call_id=call.id, arguments=call.arguments, hooks=state.hooks
            )
            fcalls.append(fcall)
            args = _parse_args(call.arguments)
            desc = fn.describe_call(args)
            state.open_calls[call.id] = call.name
            yield ToolCallStarted(
                call_id=call.id,
                tool_name=call.name,
                title=desc.title,
                kind=fn.kind,
                arguments=args,
                locations=desc.locations,
            )
        await _tool_phase(state, fcalls, live)
        while state.pending:
            yield state.pending.popleft()
        for call in calls:
            result = state.results[call.id]
            state.new_messages.append(
                Message.tool(call.id, call.name, result.text, is_error=result.is_error)
            )
        state.unanswered = []
        state.results.clear()
    state.stop_reason = "max_turns"
    final = state.run_finished()
    state.close()
    yield final


async def _tool_phase(state: RunState, calls: list[FunctionCall], live: Emit | None) -> None:
    """Run one turn's calls (parallel unless configured otherwise), emitting their events."""

    async def buffer(event: RunEvent) -> None:
        state.pending.append(event)

    emit = live or buffer
    approval_lock = anyio.Lock()

    async def finish(call: FunctionCall, result: FunctionCallResult) -> FunctionCallResult:
        state.results[call.call_id] = result
        state.open_calls.pop(call.call_id, None)
        await emit(
            ToolCallFinished(
                call_id=call.call_id,
                tool_name=call.function.name,
                status=result.status,
                result=result.text,
                error=result.error,
                content=result.content,
                locations=result.locations,
                duration=result.duration,
            )
        )
        return result

    async def run_one(_index: int, call: FunctionCall) -> FunctionCallResult:
        fn = call.function
        args = _parse_args(call.arguments) if isinstance(call.arguments, str) else call.arguments
        if state.approver is not None and fn.requires_approval:
            desc = fn.describe_call(args)
            request = ApprovalRequest(
                call_id=call.call_id,
                tool_name=fn.name,
                title=desc.title,
                kind=fn.kind,
                arguments=args,
                locations=desc.locations,
            )
            try:
                async with approval_lock:
                    decision = await state.approver(request)
            except ToolError as e:  # A denial with its own reason, for the model verbatim.
                decision, message = "deny", str(e)
            except Exception as e:
                logger.warning("approver failed for %r", fn.name, exc_info=True)
                decision = "deny"
                message = f"Approval of tool {fn.name!r} failed: {e}"
            else:
                message = REJECTED_TEXT
            if decision == "cancel":
                state._cancel_now()
                await anyio.sleep_forever()
            if decision != "allow":
                return await finish(
                    call,
                    FunctionCallResult(
                        call_id=call.call_id,
                        tool_name=fn.name,
                        text=message,
                        is_error=True,
                        error=message,
                    ),
                )
        await emit(ToolCallProgress(call_id=call.call_id, status="in_progress"))
        token = _current_call.set(
            ToolCallContext(call_id=call.call_id, tool_name=fn.name, arguments=args, emit=emit)
        )
        try:
            result = await call.execute()
        finally:
            _current_call.reset(token)
        return await finish(call, result)

    with anyio.CancelScope() as scope:
        state.attach(scope)
        try:
            await run_function_calls(
                calls,
                parallel=state.parallel,
                max_concurrency=state.max_concurrency,
                runner=run_one,
            )
        finally:
            state.detach(scope)
    if scope.cancelled_caught:
        raise RunCancelled


class Pump:
    """Pulls events from ``run_events()`` and gives every run the same ending.

    Cancellation becomes the final events (see ``RunState.finish``); an exception is
    raised after the ``ToolCallFinished`` events of the calls it interrupted.
    """

    def __init__(self, state: RunState, live: Emit | None = None) -> None:
        self.state = state
        self._gen = run_events(state, live)
        self._tail: deque[RunEvent] | None = None
        self._error: BaseException | None = None

    def __aiter__(self) -> Pump:
        return self

    async def __anext__(self) -> RunEvent:
        if self._tail is None:
            try:
                return await self._gen.__anext__()
            except StopAsyncIteration:
                self._tail = deque(self.state.finish("end_turn"))
            except RunCancelled:
                self._tail = deque(self.state.finish("cancelled"))
            except Exception as e:
                what = "stopped" if isinstance(e, StopRun) else "failed"
                self._tail = deque(self.state.finish(None, f"Run {what}: {e}"))
                self._error = e
        if self._tail:
            return self._tail.popleft()
        if self._error is not None:
            error, self._error = self._error, None
            raise error
        raise StopAsyncIteration

    def cancelled(self) -> list[RunEvent]:
        """Final events after an outer scope caught the run's cancellation."""
        self._tail = deque()
        return self.state.finish("cancelled")

    async def aclose(self) -> None:
        """Close the engine generator and end the run (history is repaired, not lost)."""
        try:
            await self._gen.aclose()
        finally:
            self.state.finish(None)


__all__ = ["Pump", "RunCancelled", "RunState", "run_events"]
