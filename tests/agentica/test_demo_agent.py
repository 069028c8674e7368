"""End to end: Agent(model="demo") with the real built-in tools on a temporary workspace."""

from __future__ import annotations

import anyio

from agentica.agent import Agent
from agentica.events import (
    PlanUpdated,
    RunFinished,
    TextDelta,
    ThinkingDelta,
    ToolCallFinished,
    ToolCallStarted,
    UsageUpdated,
)
from agentica.tools.builtin import WorkspaceTools
from agentica.workspace.local import LocalWorkspace


def make_agent(tmp_path):
    (tmp_path / "README.md").write_text("# demo project\n")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "a.py").write_text("print('a')\n")
    (tmp_path / "pkg" / "b.py").write_text("print('b')\n")
    tools = WorkspaceTools(LocalWorkspace(tmp_path)).functions()
    return Agent(model="demo", tools=tools)


async def test_demo_agent_streams_plan_parallel_tools_and_a_summary(tmp_path):
    agent = make_agent(tmp_path)
    events = []
    with anyio.fail_after(30):
        async for event in agent.run_stream("What is in this project?"):
            events.append(event)

    assert any(isinstance(e, ThinkingDelta) for e in events)
    started = [e.tool_name for e in events if isinstance(e, ToolCallStarted)]
    assert {"write_todos", "ls", "glob", "execute"} <= set(started)
    finished = [e for e in events if isinstance(e, ToolCallFinished)]
    assert len(finished) == len(started)
    assert all(e.status == "completed" for e in finished), finished
    plans = [e for e in events if isinstance(e, PlanUpdated)]
    assert plans and {p.status for p in plans[-1].entries} == {"completed"}
    assert any(isinstance(e, UsageUpdated) for e in events)

    final = events[-1]
    assert isinstance(final, RunFinished) and final.stop_reason == "end_turn"
    text = "".join(e.text for e in events if isinstance(e, TextDelta))
    assert "listed 2 entries" in text
    assert "matched 2 Python files" in text
    assert "hello from the demo shell" in text
    assert "--model deepseek/deepseek-chat" in final.content


async def test_demo_agent_runs_the_script_again_on_a_second_prompt(tmp_path):
    agent = make_agent(tmp_path)
    with anyio.fail_after(30):
        first = await agent.run("one")
        second = await agent.run("two")
    assert "offline demo model" in first.content
    assert "offline demo model" in second.content
    assert "matched 2 Python files" in second.content
