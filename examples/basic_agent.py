"""A basic agent: a model, instructions, one run; the answer, why it stopped, its usage.

Offline by default (the demo model, no API key). For a real model:
``python examples/basic_agent.py --model deepseek/deepseek-chat`` (or set AGENTICA_MODEL).

Run: python examples/basic_agent.py [--model SPEC]
"""

from __future__ import annotations

import argparse
import os

import anyio

from agentica import Agent


async def main(model: str) -> None:
    agent = Agent(model=model, name="greeter", instructions="You are friendly and brief.")
    result = await agent.run("Say hello to someone trying agentica for the first time.")
    print(result.content)
    print(f"[stop: {result.stop_reason}; {result.usage.total_tokens} tokens]")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default=os.environ.get("AGENTICA_MODEL") or "demo")
    anyio.run(main, parser.parse_args().model)
