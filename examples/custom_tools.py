"""Custom tools: plain functions (sync or async) and a ``Tool`` class with state.

The docstring is the tool's description, the type hints its JSON schema, and ``@tool``
adds options (read-only, a kind, a title). The model here is scripted (offline): it asks
for the tools the way a real model would; ``--model deepseek/deepseek-chat`` (or
AGENTICA_MODEL) uses a real one.

Run: python examples/custom_tools.py [--model SPEC]
"""

from __future__ import annotations

import argparse
import os
from typing import Any

import anyio

from agentica import Agent, Tool, ToolCallFinished, ToolCallStarted, tool
from agentica.testing import ScriptedModel, tool_call


def celsius_to_fahrenheit(celsius: float) -> float:
    """Convert a temperature from Celsius to Fahrenheit."""
    return celsius * 9 / 5 + 32


@tool(is_read_only=True, kind="fetch")
async def weather(city: str) -> str:
    """Today's weather in a city.

    Args:
        city: The city's name, e.g. "Paris".
    """
    await anyio.sleep(0.01)  # A real tool would call a weather API here.
    return {"paris": "sunny, 21 C", "oslo": "rain, 9 C"}.get(city.lower(), "unknown")


class Notes(Tool):
    """Tools sharing state: a notebook the agent writes to."""

    def __init__(self) -> None:
        super().__init__()
        self.notes: list[str] = []

    @tool
    def add_note(self, text: str) -> str:
        """Write a note down."""
        self.notes.append(text)
        return f"noted ({len(self.notes)} notes)"


def offline_model() -> ScriptedModel:
    return ScriptedModel([
        ScriptedModel.tool_calls(tool_call("weather", {"city": "Paris"})),
        ScriptedModel.tool_calls(tool_call("celsius_to_fahrenheit", {"celsius": 21})),
        ScriptedModel.tool_calls(tool_call("add_note", {"text": "Paris: sunny, 21 C = 69.8 F"})),
        "It is sunny in Paris: 21 C, that is 69.8 F. I noted it down.",
    ])


async def main(model: Any) -> None:
    notes = Notes()
    agent = Agent(model=model, tools=[weather, celsius_to_fahrenheit, notes])
    prompt = "What's the weather in Paris, in Fahrenheit? Write it down in a note."
    async with agent.run_stream(prompt) as stream:
        async for event in stream:
            if isinstance(event, ToolCallStarted):
                print(f"> {event.tool_name}({event.arguments})")
            elif isinstance(event, ToolCallFinished):
                print(f"  = {event.result}")
    print(stream.response.content)
    print(f"notes: {notes.notes}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default=os.environ.get("AGENTICA_MODEL"))
    anyio.run(main, parser.parse_args().model or offline_model())
