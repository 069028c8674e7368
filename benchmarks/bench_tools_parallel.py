"""Parallel tool calls: 8 async tools sleeping 1 s, then 8 sync tools blocking 1 s, each in
one model turn. Target: wall time <= 1.2 s per turn (the calls overlap).

Run: python benchmarks/bench_tools_parallel.py
"""

from __future__ import annotations

import time

import anyio
from report import Figure, record

from agentica import Agent, tool
from agentica.testing import ScriptedModel, tool_call

TARGET = 1.2


@tool
async def async_sleep(i: int) -> str:
    """Sleep one second without blocking the loop."""
    await anyio.sleep(1)
    return f"async {i} done"


@tool
def sync_block(i: int) -> str:
    """Block a worker thread for one second."""
    time.sleep(1)
    return f"sync {i} done"


async def _turn(name: str) -> float:
    calls = [tool_call(name, {"i": i}) for i in range(8)]
    model = ScriptedModel([ScriptedModel.tool_calls(*calls), "done"])
    agent = Agent(model=model, tools=[async_sleep, sync_block])
    start = time.perf_counter()
    result = await agent.run("go")
    elapsed = time.perf_counter() - start
    finished = [m for m in result.new_messages if m.role == "tool" and not m.is_error]
    assert len(finished) == 8, result.new_messages
    return elapsed


async def main() -> None:
    figures = []
    for name in ("async_sleep", "sync_block"):
        elapsed = await _turn(name)
        verdict = "OK" if elapsed <= TARGET else "ABOVE TARGET"
        print(f"8 x {name:12s} in one turn: {elapsed:.3f} s  (target <= {TARGET} s)  {verdict}")
        figures.append(Figure(f"tools: 8 x {name} in one turn", elapsed, "s", target=TARGET))
    record(figures)


if __name__ == "__main__":
    anyio.run(main)
