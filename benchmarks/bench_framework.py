"""Framework figures (issue 13), with scripted models:

* 10 subagents (``task`` calls of one model turn), each running a 1 s tool: <= 1.5 s.
* A workflow of 3 concurrent steps, each an agent running a 1 s tool: <= 1.2 s.
* Compaction of a 200-turn history with an instant scripted summariser: <= 50 ms of our
  own time (the summariser's time is subtracted).

Run: python benchmarks/bench_framework.py
"""

from __future__ import annotations

import time
from typing import Any

import anyio
from report import Figure, record, table

from agentica import Agent
from agentica.compaction import compact
from agentica.messages import Message, ToolCall
from agentica.models.base import ModelResponse
from agentica.testing import FunctionModel
from agentica.tools.task import TaskTool
from agentica.workflow import Workflow


async def sleep_1s(label: str) -> str:
    """Wait one second."""
    await anyio.sleep(1)
    return f"{label} done"


def _calls(name: str, args: list[str]) -> ModelResponse:
    return ModelResponse(
        tool_calls=[ToolCall(id=f"c{i}", name=name, arguments=a) for i, a in enumerate(args)],
        finish_reason="tool_calls",
    )


def _script(messages: list[Message], tools: Any) -> ModelResponse | str:
    """The parent fans out 10 tasks; each subagent (and step agent) runs one 1 s tool."""
    last = messages[-1]
    if last.role == "tool":
        return "done"
    if last.text == "fan out":
        return _calls("task", [f'{{"description": "job {i}"}}' for i in range(10)])
    return _calls("sleep_1s", [f'{{"label": "{last.text}"}}'])


async def subagents() -> float:
    task = TaskTool()
    parent = Agent(model=FunctionModel(_script), tools=[sleep_1s, task], name="parent")
    task.bind(parent)
    start = time.perf_counter()
    result = await parent.run("fan out")
    elapsed = time.perf_counter() - start
    reports = [m.text for m in result.new_messages if m.role == "tool"]
    assert reports == ["done"] * 10, reports
    return elapsed


class ThreeSteps(Workflow):
    async def run(self) -> list[str]:
        def agent(i: int) -> Agent:
            return Agent(model=FunctionModel(_script), tools=[sleep_1s], name=f"a{i}")

        results = await self.gather(*(self.step(f"s{i}", agent(i), f"step {i}") for i in range(3)))
        return [r.text for r in results]


async def workflow() -> float:
    start = time.perf_counter()
    async with ThreeSteps().run_stream() as stream:
        async for _ in stream:
            pass
    elapsed = time.perf_counter() - start
    assert stream.result == ["done"] * 3, stream.result
    return elapsed


async def compaction() -> float:
    history: list[Message] = []
    for i in range(200):
        call = ToolCall(id=f"c{i}", name="read_file", arguments=f'{{"file_path": "f{i}.py"}}')
        history += [
            Message.user(f"Question {i}: what does f{i}.py do? " + "context " * 20),
            Message.assistant(tool_calls=[call]),
            Message.tool(f"c{i}", "read_file", "def f():\n    return 1\n" * 60),
            Message.assistant(f"f{i}.py defines f, which returns 1. " * 5),
        ]
    spent = [0.0]

    def summarise(messages: list[Message], tools: Any) -> str:
        t = time.perf_counter()
        text = "The user asked about 200 files; each defines f returning 1."
        spent[0] += time.perf_counter() - t
        return text

    best = float("inf")
    for _ in range(5):
        spent[0] = 0.0
        start = time.perf_counter()
        result = await compact(history, model=FunctionModel(summarise), keep_recent=2)
        best = min(best, time.perf_counter() - start - spent[0])
        assert result.summarised == len(history) - 8
    return best * 1000


async def main() -> None:
    figures = [
        Figure("framework: 10 subagents x 1 s tool, one turn", await subagents(), "s", 1.5),
        Figure("framework: workflow of 3 concurrent 1 s steps", await workflow(), "s", 1.2),
        Figure("framework: compaction of a 200-turn history", await compaction(), "ms", 50),
    ]
    print(table(figures))
    record(figures)


if __name__ == "__main__":
    anyio.run(main)
