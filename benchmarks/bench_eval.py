"""``evaluate()`` overhead: 200 cases on a scripted model that takes 50 ms per answer,
concurrency 20. The ideal is 200 x 50 ms / 20 = 0.5 s; target: wall time <= ideal + 10 %.
Each case is a whole agent run (copy of the agent, engine, scoring with two scorers).

Run: python benchmarks/bench_eval.py [--cases N] [--concurrency N] [--delay S]
"""

from __future__ import annotations

import argparse
import time

import anyio
from report import Figure, record, table

from agentica import Agent
from agentica.evaluation import Case, evaluate
from agentica.testing import FunctionModel


async def _answer(messages: object, tools: object) -> str:
    await anyio.sleep(DELAY)
    return "The answer is 42."


DELAY = 0.05


async def main(cases: int, concurrency: int) -> None:
    agent = Agent(model=FunctionModel(_answer))
    dataset = [Case(id=str(i), input=f"question {i}", expected="42") for i in range(cases)]
    await evaluate(agent, dataset[:concurrency], scorers=["contains"], concurrency=concurrency)
    start = time.perf_counter()
    report = await evaluate(
        agent, dataset, scorers=["contains", {"regex": r"\d+"}], concurrency=concurrency
    )
    wall = time.perf_counter() - start
    assert report.summary.passed == cases, report.text()
    ideal = cases * DELAY / concurrency
    print(f"wall {wall:.3f} s, ideal {ideal:.3f} s, ratio {wall / ideal:.3f}")
    figures = [
        Figure(f"eval: {cases} cases x {DELAY * 1000:.0f} ms, concurrency {concurrency}",
               wall * 1000, "ms", target=round(ideal * 1100), note=f"ideal {ideal * 1000:.0f} ms"),
        Figure("eval: wall time over the ideal", (wall / ideal - 1) * 100, "%", target=10),
    ]
    print(table(figures))
    record(figures)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--delay", type=float, default=0.05)
    args = parser.parse_args()
    DELAY = args.delay
    anyio.run(main, args.cases, args.concurrency)
