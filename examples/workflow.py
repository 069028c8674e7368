"""A workflow: two agents concurrently, then a third on their answers, streamed live.

Every event of the stream says which step and which agent it comes from. Uses the
offline demo model; swap in a real one with ``model="deepseek/deepseek-chat"``.

Run: python examples/workflow.py
"""

from __future__ import annotations

import anyio

from agentica import Agent, RunFinished, TextDelta, Workflow


class Briefing(Workflow):
    """Research two angles at once, then write them up."""

    async def run(self, topic: str) -> str:
        pros, cons = await self.gather(
            self.step("pros", Agent(model="demo", name="optimist"), f"Pros of {topic}"),
            self.step("cons", Agent(model="demo", name="skeptic"), f"Cons of {topic}"),
        )
        writer = Agent(model="demo", name="writer")
        final = await self.step("write", writer, f"Weigh:\n{pros.text}\n{cons.text}")
        return final.text


async def main() -> None:
    async with Briefing().run_stream("remote work") as stream:
        async for event in stream:
            if isinstance(event, TextDelta) and event.step == "write":
                print(event.text, end="", flush=True)
            elif isinstance(event, RunFinished):
                print(f"\n[step {event.step!r} by {event.agent!r}: {event.stop_reason}]")
    print(f"\nThe workflow returned {len(stream.result)} characters.")


if __name__ == "__main__":
    anyio.run(main)
