"""Quickstart (async): stream a run of the offline demo model, then ask a follow-up.

The demo model needs no API key: it writes a plan, calls ``ls``, ``glob`` and ``execute``
in parallel in a scratch workspace, and summarises. Swap in a real model with
``model="deepseek/deepseek-chat"`` (or any OpenAI-compatible model name).

Run: python examples/quickstart.py
"""

from __future__ import annotations

import tempfile

import anyio

from agentica import DeepAgent, PlanUpdated, TextDelta, ToolCallFinished, ToolCallStarted


async def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        agent = DeepAgent(model="demo", work_dir=scratch)

        # Live events: text as it streams, tool calls as they start and finish.
        async with agent.run_stream("Have a look around.") as stream:
            async for event in stream:
                match event:
                    case TextDelta(text=text):
                        print(text, end="", flush=True)
                    case ToolCallStarted(title=title):
                        print(f"\n> {title}")
                    case ToolCallFinished(tool_name=name, status=status, duration=took):
                        print(f"  {name}: {status} in {took:.2f}s")
                    case PlanUpdated(entries=entries):
                        print("\nplan: " + ", ".join(f"{e.content} [{e.status}]" for e in entries))
        print()

        # The agent keeps the conversation; run() returns the whole result at once.
        result = await agent.run("Thanks! Once more, please.")
        print(f"[{result.stop_reason}, {result.usage.total_tokens} tokens, "
              f"{len(agent.messages)} messages in history]")


if __name__ == "__main__":
    anyio.run(main)
