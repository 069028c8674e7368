"""The sync adapters: the same agent from plain (non-async) code.

Run: python examples/sync_demo.py
"""

from __future__ import annotations

from agentica import Agent, TextDelta


def main() -> None:
    agent = Agent(model="demo")

    # Whole result at once.
    result = agent.run_sync("Say hello.")
    print(result.content)

    # Events as they are produced; breaking out of the loop would cancel the run.
    for event in agent.run_stream_sync("And again, streamed."):
        if isinstance(event, TextDelta):
            print(event.text, end="", flush=True)
    print()

    # Or let agentica render the run (text, thinking, tool calls, plan).
    agent.print_response_sync("One more time, rendered.")


if __name__ == "__main__":
    main()
