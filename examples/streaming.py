"""Streaming: the answer as it is written, then the complete response of the same run.

``agent.run_stream()`` yields events (text, thinking, tool calls, usage, the end);
``text_stream()`` keeps only the answer's text. Offline by default (the demo model);
``--model deepseek/deepseek-chat`` (or AGENTICA_MODEL) for a real one.

Run: python examples/streaming.py [--model SPEC]
"""

from __future__ import annotations

import argparse
import os
import sys

import anyio

from agentica import Agent, RunFinished, TextDelta, ThinkingDelta, UsageUpdated, text_stream


async def main(model: str) -> None:
    agent = Agent(model=model, instructions="Answer in two sentences.")

    # 1. Just the text, piece by piece.
    async with agent.run_stream("Why stream an answer?") as stream:
        async for piece in text_stream(stream):
            print(piece, end="", flush=True)
    print(f"\n-- {len(stream.response.content)} characters streamed")

    # 2. Every event (``agent`` keeps the conversation, so this is a follow-up).
    counts: dict[str, int] = {}
    dim, plain = ("\x1b[2m", "\x1b[0m") if sys.stdout.isatty() else ("", "")
    thinking = False
    async with agent.run_stream("And what else does the stream carry?") as stream:
        async for event in stream:
            counts[type(event).__name__] = counts.get(type(event).__name__, 0) + 1
            if isinstance(event, TextDelta):
                print(("\n" if thinking else "") + event.text, end="", flush=True)
                thinking = False
            elif isinstance(event, ThinkingDelta):
                print(f"{dim}{event.text}{plain}", end="", flush=True)  # Thinking, dimmed.
                thinking = True
            elif isinstance(event, UsageUpdated):
                pass  # Tokens so far: event.usage.
            elif isinstance(event, RunFinished):
                print(f"\n-- finished: {event.stop_reason}")
    print("-- events: " + ", ".join(f"{name} x{n}" for name, n in sorted(counts.items())))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default=os.environ.get("AGENTICA_MODEL") or "demo")
    anyio.run(main, parser.parse_args().model)
