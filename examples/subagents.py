"""Sub-agents: delegate self-contained work with the ``task`` tool, in parallel.

``DeepAgent`` has the ``task`` tool: each call runs a fresh sub-agent (its own empty
history, the parent's tools minus ``task``, or a read-only set for ``explore``) and
returns its final report. Calls of one turn run concurrently, and the sub-agents' own
tool calls appear in the parent's stream. The model is a scripted stand-in (offline):
the parent splits the work, each sub-agent lists files; ``--model deepseek/deepseek-chat``
(or AGENTICA_MODEL) uses a real one.

Run: python examples/subagents.py [--model SPEC]
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path
from typing import Any

import anyio

from agentica import DeepAgent, ToolCallFinished, ToolCallStarted
from agentica.messages import Message
from agentica.models.base import ModelResponse, ToolSpec
from agentica.testing import FunctionModel, tool_call


def delegate(*calls: tuple[str, dict[str, Any]]) -> ModelResponse:
    return ModelResponse(tool_calls=[tool_call(name, args).call for name, args in calls])


def answer(messages: list[Message], tools: list[ToolSpec]) -> str | ModelResponse:
    """Parent: delegate two tasks, then summarise. Sub-agent: ``glob``, then report."""
    results = [m for m in messages if m.role == "tool"]
    if any(t.name == "task" for t in tools):  # The parent.
        if not results:
            return delegate(
                ("task", {"description": "List the Python files", "subagent_type": "explore"}),
                ("task", {"description": "List the Markdown files", "subagent_type": "explore"}),
            )
        return "Summary:\n" + "\n".join(f"- {m.text}" for m in results)
    if not results:  # A sub-agent, first step: its task is the last message.
        return delegate(("glob", {"pattern": "*.py" if "Python" in messages[-1].text else "*.md"}))
    return "found " + results[-1].text.strip().replace("\n", ", ")


async def main(model: Any) -> None:
    with tempfile.TemporaryDirectory() as project:
        for name in ("app.py", "util.py", "README.md"):
            (Path(project) / name).write_text("...\n")
        agent = DeepAgent(model=model, work_dir=project)
        async with agent.run_stream("What kinds of files are in this project?") as stream:
            async for event in stream:
                if isinstance(event, ToolCallStarted):
                    print(f"> {event.title}  [{event.agent or 'parent'}]")
                elif isinstance(event, ToolCallFinished) and event.tool_name == "task":
                    print(f"  task done in {event.duration:.2f}s")
        print(stream.response.content)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default=os.environ.get("AGENTICA_MODEL"))
    anyio.run(main, parser.parse_args().model or FunctionModel(answer, name="scripted"))
