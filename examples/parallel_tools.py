"""Parallel tools: the calls a model asks for in one turn run at the same time.

Three slow lookups (0.3 s each) finish in about 0.3 s, not 0.9 s; ``max_concurrency``
bounds how many run at once, and ``parallel_tool_calls=False`` runs them one by one.
The model is scripted (offline); ``--model deepseek/deepseek-chat`` (or AGENTICA_MODEL)
uses a real one.

Run: python examples/parallel_tools.py [--model SPEC]
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from typing import Any

import anyio

from agentica import Agent, ToolCallFinished
from agentica.testing import ScriptedModel, tool_call

CITIES = ("Paris", "Oslo", "Lima")


async def population(city: str) -> str:
    """The population of a city (a slow lookup)."""
    await anyio.sleep(0.3)
    return {"Paris": "2.1 million", "Oslo": "0.7 million", "Lima": "10 million"}[city]


def offline_model() -> ScriptedModel:
    return ScriptedModel([
        ScriptedModel.tool_calls(*(tool_call("population", {"city": c}) for c in CITIES)),
        "Lima is the largest of the three.",
    ])


async def timed(agent: Agent[Any], label: str) -> None:
    start = time.perf_counter()
    calls = 0
    async with agent.run_stream(f"Which is largest: {', '.join(CITIES)}?") as stream:
        async for event in stream:
            if isinstance(event, ToolCallFinished):
                calls += 1
                print(f"  {event.tool_name}: {event.result} ({event.duration:.2f}s)")
    took = time.perf_counter() - start
    print(f"{label}: {calls} calls in {took:.2f}s -> {stream.response.content}")


async def main(make_model: Callable[[], Any]) -> None:
    await timed(Agent(model=make_model(), tools=[population]), "parallel")
    await timed(Agent(model=make_model(), tools=[population], parallel_tool_calls=False), "serial")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default=os.environ.get("AGENTICA_MODEL"))
    spec = parser.parse_args().model
    anyio.run(main, (lambda: spec) if spec else offline_model)
