"""run_function_calls: parallel execution, result order, isolation, StopRun, cancellation."""

from __future__ import annotations

import anyio
import pytest

from agentica import Function, FunctionCall, run_function_calls, tool
from agentica.exceptions import StopRun


class Probe:
    """Counts calls running at once."""

    def __init__(self) -> None:
        self.running = 0
        self.peak = 0

    async def hold(self, gate: anyio.Event | None = None) -> None:
        self.running += 1
        self.peak = max(self.peak, self.running)
        try:
            if gate is not None:
                await gate.wait()
            else:
                await anyio.lowlevel.checkpoint()
                await anyio.lowlevel.checkpoint()
        finally:
            self.running -= 1


def make_calls(fn, n: int) -> list[FunctionCall]:
    f = fn if isinstance(fn, Function) else Function.from_callable(fn)
    return [FunctionCall(function=f, call_id=f"c{i}", arguments={"i": i}) for i in range(n)]


async def test_calls_run_concurrently_and_return_in_call_order():
    started = 0
    all_started = anyio.Event()
    finished: list[int] = []

    async def work(i: int) -> str:
        """Wait until every call started, then finish in reverse order."""
        nonlocal started
        started += 1
        if started == 3:
            all_started.set()
        await all_started.wait()  # would hang if the calls ran one by one
        for _ in range(3 - i):
            await anyio.lowlevel.checkpoint()
        finished.append(i)
        return f"r{i}"

    with anyio.fail_after(5):
        results = await run_function_calls(make_calls(work, 3))
    assert [r.text for r in results] == ["r0", "r1", "r2"]
    assert finished == [2, 1, 0]


async def test_calls_sequential_when_parallel_is_false():
    probe = Probe()

    async def work(i: int) -> int:
        """Work."""
        await probe.hold()
        return i

    results = await run_function_calls(make_calls(work, 4), parallel=False)
    assert [r.value for r in results] == [0, 1, 2, 3]
    assert probe.peak == 1


async def test_calls_max_concurrency_caps_running_calls():
    probe = Probe()

    async def work(i: int) -> int:
        """Work."""
        await probe.hold()
        return i

    await run_function_calls(make_calls(work, 6), max_concurrency=2)
    assert probe.peak == 2


async def test_calls_not_concurrency_safe_never_overlap():
    probe = Probe()

    @tool(concurrency_safe=False)
    async def exclusive(i: int) -> int:
        """Exclusive."""
        await probe.hold()
        return i

    @tool
    async def shared(i: int) -> int:
        """Shared."""
        await probe.hold()
        return i

    ex, sh = Function.from_callable(exclusive), Function.from_callable(shared)
    calls = [
        FunctionCall(function=f, call_id=str(i), arguments={"i": i})
        for i, f in enumerate([sh, sh, ex, sh])
    ]
    results = await run_function_calls(calls)
    assert [r.value for r in results] == [0, 1, 2, 3]
    assert probe.peak == 2  # the two leading shared calls overlapped; the exclusive one ran alone


async def test_calls_exception_is_isolated_to_its_call():
    async def work(i: int) -> int:
        """Fail on 1."""
        if i == 1:
            raise ValueError("bad one")
        return i

    async def broken_runner(index, call):
        if index == 2:
            raise RuntimeError("runner broke")
        return await call.execute()

    results = await run_function_calls(make_calls(work, 3), runner=broken_runner)
    assert [r.is_error for r in results] == [False, True, True]
    assert "bad one" in results[1].text and "runner broke" in results[2].text


async def test_calls_stop_run_propagates_and_cancels_siblings():
    cancelled = anyio.Event()
    started = anyio.Event()

    async def work(i: int) -> int:
        """Stop on 0, hang on 1."""
        if i == 0:
            await started.wait()
            raise StopRun("stop now")
        try:
            started.set()
            await anyio.sleep_forever()
        finally:
            cancelled.set()
        return i

    with anyio.fail_after(5), pytest.raises(StopRun, match="stop now"):
        await run_function_calls(make_calls(work, 2))
    assert cancelled.is_set()


async def test_calls_cancellation_cancels_all_calls():
    started = 0
    cancelled = 0
    all_started = anyio.Event()

    async def work(i: int) -> int:
        """Hang."""
        nonlocal started, cancelled
        started += 1
        if started == 3:
            all_started.set()
        try:
            await anyio.sleep_forever()
        finally:
            cancelled += 1
        return i

    with anyio.fail_after(5):
        async with anyio.create_task_group() as tg:
            tg.start_soon(run_function_calls, make_calls(work, 3))
            await all_started.wait()
            tg.cancel_scope.cancel()
    assert cancelled == 3


async def test_calls_each_records_its_duration():
    async def work(i: int) -> int:
        """Work."""
        await anyio.sleep(0.02)
        return i

    results = await run_function_calls(make_calls(work, 2))
    # Measured, not defaulted: at least the time the call slept.
    assert all(0.02 <= r.duration < 5 for r in results)
