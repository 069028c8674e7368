"""Subagent types: Markdown front matter, user directories, the task tool's description,
and the parent run's approver reaching subagents."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from agentica import Agent, RunConfig
from agentica.messages import Message
from agentica.testing import FunctionModel, ScriptedModel, tool_call
from agentica.tools.base import ApprovalRequest
from agentica.tools.subagent_types import agent_dirs, load_subagent_types, parse_subagent_file
from agentica.tools.task import TaskTool

REVIEWER = """---
name: reviewer
description: reviews a change for bugs   # read-only
tools: [read_file, grep]
model: demo
---
You review code. Be brief.
"""


def test_a_markdown_file_defines_a_subagent_type() -> None:
    kind = parse_subagent_file(REVIEWER, "fallback")
    assert kind.name == "reviewer"
    assert kind.description == "reviews a change for bugs"
    assert kind.tools == frozenset({"read_file", "grep"})
    assert kind.model == "demo"
    assert kind.instructions.startswith("You review code. Be brief.")
    bare = parse_subagent_file("---\ndescription: helps\n---\n", "helper")
    assert (bare.name, bare.tools, bare.model) == ("helper", None, None)
    with pytest.raises(ValueError, match="front matter"):
        parse_subagent_file("just text", "x")
    with pytest.raises(ValueError, match="description"):
        parse_subagent_file("---\nname: x\n---\nbody", "x")


def test_user_and_project_directories_project_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    home = tmp_path / "home"
    project = tmp_path / "project"
    monkeypatch.setenv("HOME", str(home))
    (home / ".agentica" / "agents").mkdir(parents=True)
    (project / ".agentica" / "agents").mkdir(parents=True)
    (home / ".agentica" / "agents" / "a.md").write_text(REVIEWER)
    (home / ".agentica" / "agents" / "broken.md").write_text("no front matter")
    (project / ".agentica" / "agents" / "b.md").write_text(
        REVIEWER.replace("reviews a change", "the project's reviewer")
    )
    dirs = agent_dirs(project)
    assert dirs == [home / ".agentica" / "agents", project / ".agentica" / "agents"]
    types = load_subagent_types(dirs)
    assert list(types) == ["reviewer"]
    assert types["reviewer"].description.startswith("the project's reviewer")
    assert "skipping subagent type" in caplog.text and "broken.md" in caplog.text


async def test_the_task_tool_offers_and_runs_a_user_type() -> None:
    def read_file(file_path: str) -> str:
        """Read a file."""
        return "x"

    def write_file(file_path: str, content: str) -> str:
        """Write a file."""
        return "ok"

    seen: list[list[str]] = []

    def fn(messages: list[Message], tools: Any) -> Any:
        if messages[0].text.startswith("You review code"):
            seen.append([t.name for t in tools])
            return "LGTM"
        if any(m.role == "tool" for m in messages):
            return "parent done"
        return ScriptedModel.tool_calls(
            tool_call("task", {"description": "review it", "subagent_type": "reviewer"})
        )

    kind = parse_subagent_file(REVIEWER.replace("model: demo\n", ""), "x")
    task = TaskTool(types={"reviewer": kind})
    parent = Agent(model=FunctionModel(fn), tools=[read_file, write_file, task])
    task.bind(parent)
    [spec] = [f for f in parent.functions if f.name == "task"]
    assert "`reviewer`: reviews a change for bugs" in spec.description
    assert "`explore`" in spec.description
    result = await parent.run("go")
    assert result.text == "parent done"
    assert seen == [["read_file"]]  # Only the tools its type allows (grep is not offered).
    assert task.subagent("reviewer").model is parent.model
    modelled = TaskTool(types={"reviewer": parse_subagent_file(REVIEWER, "r")}).bind(parent)
    assert modelled.subagent("reviewer").model.name != parent.model.name


async def test_the_parent_runs_approver_reaches_subagents() -> None:
    requests: list[ApprovalRequest] = []

    async def approver(request: ApprovalRequest) -> str:
        requests.append(request)
        return "deny"

    def write_file(file_path: str, content: str) -> str:
        """Write a file."""
        raise AssertionError("denied calls never run")

    def fn(messages: list[Message], tools: Any) -> Any:
        last = messages[-1]
        if last.role == "tool":
            return "finished"
        if last.text == "write it":
            return ScriptedModel.tool_calls(
                tool_call("write_file", {"file_path": "a", "content": "b"}, id="w1")
            )
        return ScriptedModel.tool_calls(tool_call("task", {"description": "write it"}, id="t1"))

    task = TaskTool()
    parent = Agent(model=FunctionModel(fn), tools=[write_file, task])  # No agent approver.
    task.bind(parent)
    await parent.run("go", config=RunConfig(approver=approver))
    [request] = requests
    assert request.call_id == "t1/w1"
    assert request.title.startswith("general-purpose: ")
