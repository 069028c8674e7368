"""End to end: skills in the ACP server. A session lists the user's and the project's
skills in its system prompt and offers the ``skill`` tool, which reads them from disk
(also when the editor provides the file system, and for skills outside the project)."""

from __future__ import annotations

import json
from pathlib import Path

import anyio
from e2e_util import open_server
from skill_models import ASK

SKILL = """---
name: {name}
description: {description}
---
{body}
"""


def add_skill(root: Path, name: str, description: str, body: str, **files: str) -> None:
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "SKILL.md").write_text(SKILL.format(name=name, description=description, body=body))
    for file, text in files.items():
        (folder / file).write_text(text)


def call(tool: str, **args: str) -> str:
    return "call " + json.dumps([{"name": tool, "args": args}])


def tool_results(updates: list[dict]) -> str:
    return json.dumps([u for u in updates if u["sessionUpdate"] == "tool_call_update"])


async def test_a_session_lists_and_loads_skills_with_the_editors_fs(workdir, tmp_path):
    home = tmp_path / "home"
    project = workdir / ".agentica" / "skills"
    add_skill(project, "x", "the project's skill", "Project steps: 1, 2, 3.")
    add_skill(home / "skills", "y", "the user's skill", "User steps.", **{"notes.txt": "noted!"})
    env = {"AGENTICA_TEST_MODEL": "skill_models:model", "AGENTICA_HOME": str(home)}
    async with open_server(workdir, env=env) as server:
        with anyio.fail_after(20):
            await server.initialize(fs=True, terminal=True)
            sid = await server.new_session()
            assert await server.prompt(sid, ASK) == "end_turn"
            system = server.text(sid)
            assert system.startswith("SYSTEM: You are Agentica")
            assert "## Skills" in system
            assert "- x: the project's skill" in system
            assert "- y: the user's skill" in system
            assert "Project steps" not in system  # Loaded only on demand.

            assert await server.prompt(sid, call("skill", name="x")) == "end_turn"
            assert "Project steps: 1, 2, 3." in tool_results(server.updates(sid))
            assert await server.prompt(sid, call("skill", name="y", file="notes.txt")) == "end_turn"
            assert "noted!" in tool_results(server.updates(sid))
    # The skill tool read the files itself: the editor was not asked (nor could it be,
    # for the user's skills outside the project).
    assert "fs/read_text_file" not in server.client.calls


async def test_a_project_without_skills_has_no_skills_section(workdir, tmp_path):
    env = {"AGENTICA_TEST_MODEL": "skill_models:model", "AGENTICA_HOME": str(tmp_path / "home")}
    async with open_server(workdir, env=env) as server:
        with anyio.fail_after(20):
            await server.initialize()
            sid = await server.new_session()
            assert await server.prompt(sid, ASK) == "end_turn"
            assert await server.prompt(sid, call("skill", name="x")) == "end_turn"
    assert server.text(sid).startswith("SYSTEM: You are Agentica")
    assert "Skills" not in server.text(sid)
    assert "skill" in tool_results(server.updates(sid))  # The call failed: no such tool.
    assert "failed" in tool_results(server.updates(sid))
