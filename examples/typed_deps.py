"""Typed dependencies: hand your own objects (a database, a client, the user) to tools.

A tool asks for ``ctx: RunContext[Deps]``; that parameter is not shown to the model and
is filled in with the ``deps=`` of the run. ``Agent(deps_type=Deps)`` checks every run
passes a ``Deps``, and a type checker checks the tools' use of it. The model is scripted
(offline); ``--model deepseek/deepseek-chat`` (or AGENTICA_MODEL) uses a real one.

Run: python examples/typed_deps.py [--model SPEC]
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import anyio

from agentica import Agent, RunContext
from agentica.testing import ScriptedModel, tool_call


@dataclass
class Orders:
    """A stand-in for a database."""

    rows: dict[str, list[str]] = field(default_factory=dict)

    async def for_customer(self, customer: str) -> list[str]:
        return self.rows.get(customer, [])


@dataclass
class Deps:
    orders: Orders
    customer: str
    """Who is asking: tools use it, the model cannot change it."""


async def my_orders(ctx: RunContext[Deps]) -> str:
    """The orders of the customer asking."""
    orders = await ctx.deps.orders.for_customer(ctx.deps.customer)
    return ", ".join(orders) or "no orders"


def offline_model() -> ScriptedModel:
    return ScriptedModel([
        ScriptedModel.tool_calls(tool_call("my_orders")),
        lambda messages, tools: f"Your orders: {messages[-1].text}.",
    ])


async def main(make_model: Callable[[], Any]) -> None:
    db = Orders({"ada": ["teapot", "two cups"], "bob": ["kettle"]})
    for customer in ("ada", "bob"):
        agent = Agent(model=make_model(), tools=[my_orders], deps_type=Deps)
        result = await agent.run("What did I order?", deps=Deps(db, customer))
        print(f"{customer}: {result.content}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default=os.environ.get("AGENTICA_MODEL"))
    spec = parser.parse_args().model
    anyio.run(main, (lambda: spec) if spec else offline_model)
