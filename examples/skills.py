"""Skills: instructions the agent loads only when a task calls for them.

A skill is a folder with a ``SKILL.md`` (front matter ``name`` and ``description``, then
the instructions; other files beside it), in ``~/.agentica/skills/`` or in the project's
``.agentica/skills/``. ``DeepAgent`` lists their names and descriptions in its system
prompt and reads one with the ``skill`` tool when it needs it. This example writes a
skill into a scratch project; the model is scripted (offline) and does what a real one
would: sees the skill listed, loads it, follows it. ``--model deepseek/deepseek-chat``
(or AGENTICA_MODEL) uses a real one.

Run: python examples/skills.py [--model SPEC]
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path
from typing import Any

import anyio

from agentica import DeepAgent, ToolCallFinished
from agentica.messages import Message
from agentica.models.base import ModelResponse, ToolSpec
from agentica.testing import FunctionModel, tool_call

SKILL = """\
---
name: haiku
description: Write a haiku about the project; use when asked for a poem.
---
Write exactly three lines of 5, 7 and 5 syllables. End with the word in `word.txt`.
"""


def scripted(messages: list[Message], tools: list[ToolSpec]) -> str | ModelResponse:
    """Load the skill listed in the system prompt, then its file, then answer."""
    results = [m.text for m in messages if m.role == "tool"]
    if not results:
        assert "- haiku: Write a haiku" in messages[0].text  # Listed in the system prompt.
        return ModelResponse(tool_calls=[tool_call("skill", {"name": "haiku"}).call])
    if len(results) == 1:
        args = {"name": "haiku", "file": "word.txt"}
        return ModelResponse(tool_calls=[tool_call("skill", args).call])
    return f"Files in a folder\nan agent reads what it needs\nthen it writes: {results[-1]}"


def add_skill(project: str) -> None:
    """``<project>/.agentica/skills/haiku/``: its ``SKILL.md`` and a file it refers to."""
    folder = Path(project, ".agentica", "skills", "haiku")
    folder.mkdir(parents=True)
    (folder / "SKILL.md").write_text(SKILL)
    (folder / "word.txt").write_text("spring")


async def main(model: Any) -> None:
    with tempfile.TemporaryDirectory() as project:
        add_skill(project)
        agent = DeepAgent(model=model, work_dir=project)
        listed = (agent.system_prompt() or "").split("## Skills")[-1].strip().splitlines()[-1]
        print(f"In the system prompt: {listed}")
        async with agent.run_stream("Write a poem about this project.") as stream:
            async for event in stream:
                if isinstance(event, ToolCallFinished):
                    print(f"> {event.tool_name}: {event.result.splitlines()[0]}")
        print(stream.response.content)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default=os.environ.get("AGENTICA_MODEL"))
    anyio.run(main, parser.parse_args().model or FunctionModel(scripted, name="scripted"))
