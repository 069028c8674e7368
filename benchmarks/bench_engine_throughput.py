"""Engine hot path: a scripted model streams 20,000 text deltas through the agent.

Targets: run_stream() >= 100,000 events/s; run_stream_sync() >= 30,000 events/s.
Run: python benchmarks/bench_engine_throughput.py
"""

from __future__ import annotations

import statistics
import time

import anyio
from report import Figure, record

from agentica import Agent
from agentica.models.base import ModelFinish, ModelTextDelta
from agentica.testing import ScriptedModel, Step

N = 20_000
ROUNDS = 5


def _agent() -> Agent:
    deltas = [ModelTextDelta(text="x") for _ in range(N)]
    step = Step(deltas=[*deltas, ModelFinish(reason="stop")])
    return Agent(model=ScriptedModel([step] * ROUNDS * 4), add_history_to_context=False)


async def _bare(agent: Agent) -> int:
    count = 0
    async for _ in agent.run_stream("go"):
        count += 1
    return count


async def _with(agent: Agent) -> int:
    count = 0
    async with agent.run_stream("go") as stream:
        async for _ in stream:
            count += 1
    return count


async def _run(agent: Agent) -> int:
    return len((await agent.run("go")).events)


def _sync(agent: Agent) -> int:
    return sum(1 for _ in agent.run_stream_sync("go"))


def _rate(fn, agent: Agent) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Median events/s by wall clock and by CPU time (the latter is robust on a busy box)."""
    wall, cpu = [], []
    for _ in range(ROUNDS):
        start, start_cpu = time.perf_counter(), time.process_time()
        count = fn(agent)
        wall.append(count / (time.perf_counter() - start))
        cpu.append(count / max(time.process_time() - start_cpu, 1e-9))
    return statistics.median(wall), statistics.median(cpu)


def main() -> None:
    agent = _agent()
    results = {
        "run_stream() bare async for": _rate(lambda a: anyio.run(_bare, a), agent),
        "run_stream() async with": _rate(lambda a: anyio.run(_with, a), agent),
        "run() (collects events)": _rate(lambda a: anyio.run(_run, a), agent),
        "run_stream_sync()": _rate(_sync, agent),
    }
    targets = {"run_stream_sync()": 30_000}
    figures = []
    for name, (rate, cpu_rate) in results.items():
        target = targets.get(name, 100_000)
        verdict = "OK" if rate >= target else "BELOW TARGET"
        print(
            f"{name:30s} {rate:>10,.0f} events/s wall ({cpu_rate:>9,.0f}/s per CPU second)"
            f"  target >= {target:,}  {verdict}"
        )
        note = f"{cpu_rate:,.0f}/s per CPU second"
        figures.append(Figure(f"engine: {name}", rate, "events/s", target, ">=", note))
    record(figures)

if __name__ == "__main__":
    main()
