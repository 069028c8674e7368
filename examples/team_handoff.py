"""Teams: hand the conversation over to a specialist, or ask one and come back.

``Agent(team=[billing])`` gives the triage agent a ``transfer_to_billing`` tool: when the
model calls it, billing continues the same conversation with its own instructions and
tools, and its events carry its name. ``specialist.as_tool()`` is the other pattern: ask
and get the answer back as a tool result. Models are scripted (offline);
``--model deepseek/deepseek-chat`` (or AGENTICA_MODEL) runs all three on a real one.

Run: python examples/team_handoff.py [--model SPEC]
"""

from __future__ import annotations

import argparse
import os
from typing import Any

import anyio

from agentica import Agent, TextDelta, ToolCallFinished, ToolCallStarted
from agentica.testing import ScriptedModel, tool_call


def refund(order: str) -> str:
    """Refund an order."""
    return f"order {order} refunded"


def models(spec: str | None) -> dict[str, Any]:
    if spec:
        return {"triage": spec, "billing": spec, "legal": spec}
    return {
        "triage": ScriptedModel([
            ScriptedModel.tool_calls(tool_call("legal", {"prompt": "May we refund order 7?"})),
            ScriptedModel.tool_calls(tool_call("transfer_to_billing", {"reason": "a refund"})),
        ]),
        "billing": ScriptedModel([
            ScriptedModel.tool_calls(tool_call("refund", {"order": "7"})),
            "Done: order 7 is refunded. Anything else?",
        ]),
        "legal": ScriptedModel(["Yes, within 30 days of purchase."]),
    }


async def main(spec: str | None) -> None:
    model = models(spec)
    billing = Agent(
        model=model["billing"], name="billing", description="refunds and invoices",
        instructions="You handle refunds.", tools=[refund],
    )
    legal = Agent(model=model["legal"], name="legal", instructions="You answer policy questions.")
    triage = Agent(
        model=model["triage"], name="triage", team=[billing],
        instructions="Route the customer; check policy with legal first.",
        tools=[legal.as_tool(description="Ask the legal team a policy question.")],
    )
    speaker = None
    async with triage.run_stream("I want a refund for order 7.") as stream:
        async for event in stream:
            if isinstance(event, ToolCallStarted):
                print(f"[{event.agent}] calls {event.tool_name}({event.arguments})")
            elif isinstance(event, ToolCallFinished):
                print(f"  -> {event.result}")
            elif isinstance(event, TextDelta):
                if event.agent != speaker:
                    speaker = event.agent
                    print(f"[{speaker}] ", end="")
                print(event.text, end="", flush=True)
    print(f"\nThe answer came from {speaker!r}.")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default=os.environ.get("AGENTICA_MODEL"))
    anyio.run(main, parser.parse_args().model)
