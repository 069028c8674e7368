"""End to end: subagents in the editor (the ``task`` tool of the ACP server).

The scripted model (``e2e_models``) follows ``call <json>`` prompts, and a subagent's
prompt is its task description, so a task described as ``call [...]`` makes the subagent
ask for those tool calls.
"""

from __future__ import annotations

import json
from pathlib import Path

import anyio
from e2e_util import Server, open_server


def call(*calls: tuple[str, dict]) -> str:
    return "call " + json.dumps([{"name": n, "args": a} for n, a in calls])


def task(description: str, subagent_type: str = "general-purpose") -> tuple[str, dict]:
    return ("task", {"description": description, "subagent_type": subagent_type})


def edit(old: str, new: str) -> str:
    return call(("edit_file", {"file_path": "a.txt", "old_string": old, "new_string": new}))


def tool_calls(server: Server) -> list[tuple[int, dict]]:
    return [
        (i, m["params"]["update"])
        for i, m in enumerate(server.received)
        if m.get("method") == "session/update"
        and m["params"]["update"]["sessionUpdate"] == "tool_call"
    ]


def requests(server: Server, prefixes: tuple[str, ...]) -> list[tuple[int, dict]]:
    return [
        (i, m)
        for i, m in enumerate(server.received)
        if "id" in m and str(m.get("method", "")).startswith(prefixes)
    ]


async def test_parallel_subagents_edit_one_file_announced_titled_and_serialised(workdir: Path):
    (workdir / "a.txt").write_text("one\ntwo\n")
    prompt = call(task(edit("one", "ONE")), task(edit("two", "TWO")))
    async with open_server(workdir) as server:
        with anyio.fail_after(30):
            await server.initialize(fs=True, terminal=True)
            sid = await server.new_session()
            assert await server.prompt(sid, prompt) == "end_turn"
    assert (workdir / "a.txt").read_text() == "ONE\nTWO\n"  # Both edits landed.
    announced = {u["toolCallId"]: (i, u) for i, u in tool_calls(server)}
    subcalls = {cid: u for cid, (_, u) in announced.items() if u["title"].startswith("general")}
    assert len(subcalls) == 2
    for update in subcalls.values():
        assert update["title"].startswith("general-purpose: ")
        assert update["kind"] == "edit"
    permissions = requests(server, ("session/request_permission",))
    assert len(permissions) == 2
    for i, m in permissions:
        tool_call = m["params"]["toolCall"]
        assert tool_call["toolCallId"] in subcalls
        assert announced[tool_call["toolCallId"]][0] < i  # Announced before the request.
        assert tool_call["title"].startswith("general-purpose: ")
    first_request = min(i for i, _ in requests(server, ("fs/", "session/request_permission")))
    assert first_request > min(i for cid, (i, _) in announced.items() if cid in subcalls)
    finals = [
        u
        for u in server.updates(sid)
        if u["sessionUpdate"] == "tool_call_update" and u.get("status") == "completed"
    ]
    assert {u["toolCallId"] for u in finals} >= set(subcalls)


async def test_the_session_mode_reaches_subagents(workdir: Path):
    (workdir / "a.txt").write_text("one\n")
    async with open_server(workdir) as server:
        with anyio.fail_after(30):
            await server.initialize(fs=True)
            sid = await server.new_session()
            await server.conn.set_session_mode(session_id=sid, mode_id="read_only")
            assert await server.prompt(sid, call(task(edit("one", "ONE")))) == "end_turn"
    assert (workdir / "a.txt").read_text() == "one\n"  # Read-only: the subagent could not edit.
    assert not requests(server, ("session/request_permission",))


async def test_user_defined_subagent_types_from_the_project(workdir: Path):
    agents = workdir / ".agentica" / "agents"
    agents.mkdir(parents=True)
    (agents / "shouter.md").write_text(
        "---\nname: shouter\ndescription: answers loudly\ntools: ls\n---\nShout.\n"
    )
    async with open_server(workdir) as server:
        with anyio.fail_after(30):
            await server.initialize()
            sid = await server.new_session()
            prompt = call(task("say HELLO FROM THE SHOUTER", "shouter"))
            assert await server.prompt(sid, prompt) == "end_turn"
    text = "".join(
        u["content"]["text"]
        for u in server.updates(sid)
        if u["sessionUpdate"] == "agent_message_chunk"
    )
    assert "task: HELLO FROM THE SHOUTER" in text
