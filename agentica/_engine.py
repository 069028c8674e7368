"""The one turn loop of agentica: model call -> tool calls -> model call ...

Design note. ``run_events()`` is an async generator of ``RunEvent``s and the only
implementation of a run; ``Agent.run()``, ``run_stream()`` and the sync adapters all
consume it through a ``Pump``. The generator never yields inside a task group or a
cancel scope: a turn's tool calls run in a task group inside ``run_tool_phase()``
(``agentica._tool_phase``), and the
events they produce go to ``live`` (a callable that hands them straight to the stream's
consumer) when the run is driven by a task that owns the stream (both forms of
``run_stream()``, see ``_stream``), or into ``state.pending`` (yielded after the phase)
when the run is collected by ``run()`` or pulled inline. Either way the generator can be
closed or finalised from any task without corrupting a scope.

Cancellation has one ending: every started tool call gets ``ToolCallFinished(status=
"cancelled")`` and then ``RunFinished(stop_reason="cancelled")``; ``RunState.finish()``
builds those events and repairs the history (a tool result for every tool call) whatever
the way the run was cancelled (a cancelled outer scope, the tool phase's scope, or the
cooperative flag checked between model deltas). ``RunState`` lives in
``agentica._run_state``.
"""

from __future__ import annotations

import inspect
import logging
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any, assert_never

import anyio

from agentica._run_state import Emit, RunCancelled, RunState
from agentica._tool_phase import parse_args, run_tool_phase
from agentica.compaction import compact_if_needed
from agentica.events import (
    ModelFallback,
    RunEvent,
    StopReason,
    TextDelta,
    ThinkingDelta,
    ToolCallStarted,
    Usage,
    UsageUpdated,
)
from agentica.exceptions import OutputValidationError, StopRun, ToolError
from agentica.guardrails import check_guardrails
from agentica.messages import Message, ToolCall
from agentica.models.base import FinishReason, ModelDelta, close_stream
from agentica.models.pricing import charge, prices_of
from agentica.tools.call import FunctionCall, call_maybe_async
from agentica.tools.function import Function
from agentica.tracing import start as start_trace

logger = logging.getLogger("agentica")

_STOP_REASONS: dict[str, StopReason] = {"length": "max_tokens", "content_filter": "refusal"}


def _unknown_tool(name: str, available: list[str]) -> Function:
    async def unknown(**_: Any) -> None:
        listed = ", ".join(available) or "none"
        raise ToolError(f"Unknown tool {name!r}. Available tools: {listed}.")

    return Function(
        name=name, description="", parameters={}, entrypoint=unknown, requires_approval=False
    )


async def _hook(state: RunState, name: str, *args: Any) -> None:
    hook = getattr(state.hooks, name, None) if state.hooks is not None else None
    if hook is not None:
        await call_maybe_async(hook, state.run_context, *args)


async def _stop_early(
    state: RunState, stop: StopReason, calls: list[ToolCall], note: str
) -> list[RunEvent]:
    """End the run now (a budget ran out); calls of the last reply are answered with ``note``."""
    state.unanswered = list(calls)
    await _run_end(state, stop)
    return state.finish(stop, note)


def _takes_error(hook: Any) -> bool:
    """Whether ``on_run_end`` accepts a third argument (the run's error)."""
    try:
        inspect.signature(hook).bind(None, None, None)
    except TypeError:
        return False
    except ValueError:  # No signature to inspect: pass the error.
        return True
    return True


async def _run_end(
    state: RunState, stop: StopReason | None, error: BaseException | None = None
) -> None:
    """Call ``on_run_end(ctx, stop_reason[, error])`` once per run, however it ends.

    ``stop_reason`` is ``None`` when the run failed; the error is passed as a third
    argument to a hook that takes one.
    """
    if state.run_end_called:
        return
    state.run_end_called = True
    hook = state.hooks.on_run_end if state.hooks is not None else None
    if hook is None:
        return
    args: tuple[Any, ...] = (stop, error) if _takes_error(hook) else (stop,)
    await call_maybe_async(hook, state.run_context, *args)


async def _run_end_quietly(
    state: RunState, stop: StopReason | None, error: BaseException | None = None
) -> None:
    """``_run_end`` for a run already ending otherwise (cancelled or failed): shielded
    from the cancellation, bounded in time, and its own failure only logged."""
    with anyio.move_on_after(5, shield=True):
        try:
            await _run_end(state, stop, error)
        except Exception:
            logger.exception("agentica: the on_run_end hook of run %s failed", state.run_id)


async def run_events(
    state: RunState, live: Emit | None = None
) -> AsyncGenerator[RunEvent, None]:
    """The turn loop. Yields every event of the run, ``RunFinished`` last.

    Raises:
        RunCancelled: Cancelled cooperatively (the ``Pump`` turns it into final events).
        agentica.exceptions.ModelError: A model call failed.
        agentica.exceptions.StopRun: A tool or hook ended the run.
        agentica.exceptions.GuardrailTripped: A guardrail refused the prompt or answer.
        agentica.exceptions.OutputValidationError: The answer never matched the schema.
    """
    ctx = state.run_context
    limits = state.limits
    output = state.output_spec
    trace = state.trace = start_trace(state)  # None unless tracing is on.
    await _hook(state, "on_run_start")
    if state.input_guardrails:
        await check_guardrails(
            state.input_guardrails, ctx, state.new_messages[0].text, output=False
        )
    for turn in range(1, state.max_turns + 1):
        if state.cancel_requested:
            raise RunCancelled
        if limits is not None and limits.max_requests is not None:
            if state.usage.requests >= limits.max_requests:
                note = f"the run's request limit ({limits.max_requests}) is reached"
                for event in await _stop_early(state, "max_turns", [], note):
                    yield event
                return
        model = state.model
        name = state.agent_name  # Changes after a handoff.
        # 1. Stream one model reply, forwarding text and thinking as they arrive.
        mid = f"{state.run_id}-{turn}"
        text: list[str] = []
        thinking: list[str] = []
        calls: list[ToolCall] = []
        usage: Usage | None = None
        finish: FinishReason = "stop"
        state.partial = text
        if state.compaction is not None:
            compacted = await compact_if_needed(state, state.compaction)
            if compacted is not None:
                yield ThinkingDelta(
                    message_id=mid,
                    agent=name,
                    text=f"[Compacted the conversation: {compacted.summarised} earlier "
                    "messages summarised to stay within the context window]",
                )
        messages = state.context()
        await _hook(state, "on_model_start", messages)
        # A model with native JSON-schema output (``supports_json_schema``) takes the schema.
        native: dict[str, Any] = (
            {"output_schema": output.schema} if output is not None and output.native else {}
        )
        if trace is not None:
            trace.model_start(state, model)
        stream: AsyncIterator[ModelDelta] = model.response_stream(
            messages, state.specs(), **native
        )
        try:
            async for delta in stream:
                # Dispatch on the ``type`` tag: as fast as comparing classes, and the type
                # checker narrows ``delta`` on it (class patterns cost ~100 ns per delta).
                match delta.type:
                    case "text":
                        text.append(delta.text)
                        yield TextDelta(message_id=mid, text=delta.text, agent=name)
                    case "thinking":
                        thinking.append(delta.text)
                        yield ThinkingDelta(message_id=mid, text=delta.text, agent=name)
                    case "status":  # Shown to the user, kept out of the history.
                        yield ThinkingDelta(message_id=mid, text=delta.text, agent=name)
                    case "tool_call":
                        calls.append(delta.call)
                    case "usage":
                        usage = delta.usage if usage is None else usage + delta.usage
                    case "finish":
                        finish = delta.reason
                    case "fallback":  # The model failed before answering; the next one will.
                        yield ModelFallback(
                            from_model=delta.from_model, to_model=delta.to_model,
                            reason=delta.reason, agent=name,
                        )  # fmt: skip
                    case _:
                        assert_never(delta)
                if state.cancel_requested:
                    raise RunCancelled
        finally:
            await close_stream(stream)
        # 2. Record the reply and the usage.
        state.partial = None
        content = "".join(text)
        if thinking:
            state.reasoning.append("".join(thinking))
        reply = Message.assistant(
            content or None, tool_calls=calls, reasoning_content="".join(thinking) or None
        )
        state.new_messages.append(reply)
        state.content = content
        # One request, priced at RunConfig.prices, else the model's (agentica.models.pricing).
        used = charge(usage, prices_of(state) if state.prices is not None else prices_of(model))
        if trace is not None:
            trace.model_end(used, finish)
        state.usage = ctx.usage = state.usage + used
        ctx.turn = turn
        yield UsageUpdated(
            usage=state.usage,
            context_used=used.total_tokens or used.input_tokens + used.output_tokens,
            context_size=model.context_window,
            agent=name,
        )
        await _hook(state, "on_model_end", reply)
        over = limits.exceeded(state.usage) if limits is not None else None
        if over is not None:
            for event in await _stop_early(state, "max_tokens", calls, f"Not run: {over}."):
                yield event
            return
        # 3. No tool calls: the run is over (or the structured output must be retried).
        if not calls:
            stop = _STOP_REASONS.get(finish, "end_turn")
            if output is not None and stop == "end_turn" and not output.done:
                try:
                    output.accept(output.parse_text(content))
                except Exception as e:
                    if not output.failed(content, e) or turn == state.max_turns:
                        raise OutputValidationError(output.last_error, raw_text=content) from e
                    state.new_messages.append(
                        Message.user(
                            f"Your reply could not be parsed: {output.last_error}. Reply "
                            "again with only the JSON value."
                        )
                    )
                    continue
            for event in await _end(state, stop):
                yield event
            return
        # 4. Run the tool calls; their results go to the history in call order.
        state.unanswered = list(calls)
        fcalls: list[FunctionCall] = []
        prefix = state.call_prefix
        for call in calls:
            fn = state.functions.get(call.name) or _unknown_tool(call.name, list(state.functions))
            fcall = FunctionCall(
                function=fn, call_id=prefix + call.id, arguments=call.arguments,
                hooks=state.hooks,
            )
            fcalls.append(fcall)
            args = parse_args(call.arguments)
            desc = fn.describe_call(args)
            state.open_calls[fcall.call_id] = call.name
            yield ToolCallStarted(
                call_id=fcall.call_id,
                tool_name=call.name,
                title=desc.title,
                kind=fn.kind,
                arguments=args,
                locations=desc.locations,
                agent=name,
            )
        await run_tool_phase(state, fcalls, live)
        while state.pending:
            yield state.pending.popleft()
        for call in calls:
            result = state.results[prefix + call.id]
            state.new_messages.append(result.message(call.id, call.name))
        state.unanswered = []
        state.results.clear()
        if output is not None and output.exhausted:
            raise OutputValidationError(output.last_error, raw_text=output.last_raw)
        if output is not None and output.done:
            state.content = output.last_raw
            for event in await _end(state, "end_turn"):
                yield event
            return
        target = ctx.handoff_to
        if target is not None and state.switch_agent is not None:
            ctx.handoff_to = None
            state.switch_agent(state, target)
    state.stop_reason = "max_turns"
    for event in await _end(state, "max_turns"):
        yield event


async def _end(state: RunState, stop: StopReason) -> list[RunEvent]:
    """The normal ending: output guardrails, the run-end hook, ``RunFinished``."""
    if stop == "end_turn" and state.output_guardrails:
        await check_guardrails(
            state.output_guardrails, state.run_context, state.content, output=True
        )
    state.stop_reason = stop
    await _run_end(state, stop)
    final = state.run_finished()
    state.close()
    return [final]


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
                await _run_end_quietly(self.state, "cancelled")
                self._tail = deque(self.state.finish("cancelled"))
            except Exception as e:
                what = "stopped" if isinstance(e, StopRun) else "failed"
                if self.state.trace is not None:
                    self.state.trace.error = e
                await _run_end_quietly(self.state, None, e)
                self._tail = deque(self.state.finish(None, f"Run {what}: {e}"))
                self._error = e
        if self._tail:
            return self._tail.popleft()
        if self._error is not None:
            error, self._error = self._error, None
            raise error
        raise StopAsyncIteration

    async def cancelled(self, error: BaseException | None = None) -> list[RunEvent]:
        """Final events after an outer scope caught the run's cancellation (``error``:
        why, for the run-end hook, e.g. the run's timeout)."""
        self._tail = deque()
        await _run_end_quietly(self.state, "cancelled", error)
        return self.state.finish("cancelled")

    async def end_abandoned(self) -> None:
        """The run's task was cancelled from outside: call the run-end hook if not yet."""
        await _run_end_quietly(self.state, "cancelled")

    async def aclose(self) -> None:
        """Close the engine generator and end the run (history is repaired, not lost)."""
        try:
            await self._gen.aclose()
        finally:
            await _run_end_quietly(self.state, "cancelled")
            self.state.finish(None)


__all__ = ["Pump", "RunCancelled", "RunState", "run_events"]
