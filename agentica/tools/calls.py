"""The parallel runner for the tool calls of one model turn.

``run_function_calls()`` runs the calls concurrently in an anyio task group (under a
``CapacityLimiter`` when ``max_concurrency`` is set) and returns the results in the
calls' original order, whatever order they finish in. An ordinary exception is turned
into that call's error result without touching its siblings; ``StopRun`` propagates
(cancelling the siblings), and so does cancellation.

Calls of functions declared ``concurrency_safe=False`` never overlap with another call:
the turn is run as batches of consecutive safe calls, with each unsafe call alone.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

import anyio

from agentica.exceptions import StopRun
from agentica.tools.call import FunctionCall, FunctionCallResult, error_text

logger = logging.getLogger(__name__)

CallRunner = Callable[[int, FunctionCall], Awaitable[FunctionCallResult]]
"""Runs call number ``i`` of a turn; the default is ``call.execute()``."""


async def _execute(_index: int, call: FunctionCall) -> FunctionCallResult:
    return await call.execute()


def _batches(calls: Sequence[FunctionCall], parallel: bool) -> list[list[int]]:
    if not parallel:
        return [[i] for i in range(len(calls))]
    batches: list[list[int]] = []
    current: list[int] = []
    for i, call in enumerate(calls):
        if call.function.concurrency_safe:
            current.append(i)
            continue
        if current:
            batches.append(current)
            current = []
        batches.append([i])
    if current:
        batches.append(current)
    return batches


def first_stop_run(group: BaseExceptionGroup[BaseException]) -> StopRun | None:
    """The first ``StopRun`` inside a (nested) exception group, if any."""
    for exc in group.exceptions:
        if isinstance(exc, StopRun):
            return exc
        if isinstance(exc, BaseExceptionGroup):
            found = first_stop_run(exc)
            if found is not None:
                return found
    return None


async def run_function_calls(
    calls: Sequence[FunctionCall],
    *,
    parallel: bool = True,
    max_concurrency: int | None = None,
    runner: CallRunner | None = None,
) -> list[FunctionCallResult]:
    """Run the calls of one turn and return their results in the calls' order.

    Args:
        calls: The calls, in the order the model asked for them.
        parallel: Run them concurrently (``False``: one after another, in order).
        max_concurrency: At most this many calls at once (``None``: no limit).
        runner: Runs one call (the engine passes one that also emits events);
            defaults to ``call.execute()``.

    Returns:
        One result per call, in the same order.

    Raises:
        StopRun: When a call (or hook) raised it; the other calls are cancelled.
    """
    run = runner or _execute
    results: list[FunctionCallResult | None] = [None] * len(calls)
    limiter = anyio.CapacityLimiter(max_concurrency) if max_concurrency else None

    async def one(i: int) -> None:
        call = calls[i]
        try:
            if limiter is None:
                results[i] = await run(i, call)
            else:
                async with limiter:
                    results[i] = await run(i, call)
        except StopRun:
            raise
        except Exception as e:
            logger.warning("tool call %r failed unexpectedly", call.function.name, exc_info=True)
            results[i] = call.failure(error_text(call.function.name, e))

    for batch in _batches(calls, parallel):
        if len(batch) == 1:
            await one(batch[0])
            continue
        try:
            async with anyio.create_task_group() as tg:
                for i in batch:
                    tg.start_soon(one, i)
        except BaseExceptionGroup as group:
            stop = first_stop_run(group)
            if stop is not None:
                raise stop from None
            raise
    return [r for r in results if r is not None]


__all__ = ["CallRunner", "first_stop_run", "run_function_calls"]
