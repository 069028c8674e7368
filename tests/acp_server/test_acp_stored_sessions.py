"""Stored sessions over the agent's router: load (replay, then continue), resume, list,
close and delete; titles; a broken database. Each test has its own ``AGENTICA_HOME``."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import anyio
import pytest
from fake_client import FakeClient
from replay_util import replayable
from schema_util import validate_def

from acp_server.agent import AcpAgent
from acp_server.config import ServerConfig
from acp_server.errors import RpcError
from acp_server.recorder import REPLAYED
from acp_server.router import AcpRouter
from agentica.messages import Message, ToolCall
from agentica.models.base import ModelResponse
from agentica.sessions import SessionDB
from agentica.testing import FunctionModel

SEEN: list[list[Message]] = []
"""What the model was given, call by call."""


def answer(messages: list[Message], tools: Any) -> Any:
    """Lists the files when asked to, then reports; else says how much history it sees."""
    SEEN.append(list(messages))
    last = messages[-1]
    if last.role == "user" and "files" in last.text:
        call = ToolCall(id=f"c{len(SEEN)}", name="ls", arguments="{}")
        return ModelResponse(content="Looking.", tool_calls=[call], finish_reason="tool_calls")
    if last.role == "tool":
        return f"Listed: {last.text.strip()[:40]}"
    users = sum(1 for m in messages if m.role == "user")
    return f"Prompt {users} of this conversation."


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("AGENTICA_HOME", str(tmp_path / "home"))
    SEEN.clear()
    return tmp_path / "home"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    (root / "notes.txt").write_text("hello\n")
    return root


def make_router(client: Any, model: Any = None) -> AcpRouter:
    factory = (lambda: model) if model is not None else (lambda: FunctionModel(answer))
    config = ServerConfig(model="demo", max_turns=5)
    return AcpRouter(AcpAgent(client, config, model_factory=factory))


async def start(client: Any, model: Any = None) -> AcpRouter:
    router = make_router(client, model)
    await router.requests["initialize"]({"protocolVersion": 1})
    return router


async def prompt(router: AcpRouter, sid: str, text: str) -> str:
    result = await router.requests["session/prompt"](
        {"sessionId": sid, "prompt": [{"type": "text", "text": text}]}
    )
    validate_def("PromptResponse", result)
    return result["stopReason"]


async def new(router: AcpRouter, cwd: Path) -> str:
    result = await router.requests["session/new"]({"cwd": str(cwd), "mcpServers": []})
    return result["sessionId"]


async def two_turns(project: Path) -> tuple[str, list[dict[str, Any]]]:
    """A session with a tool-call turn and a plain turn, in a server that then stops."""
    client = FakeClient()
    router = await start(client)
    sid = await new(router, project)
    assert await prompt(router, sid, "Which files are there?") == "end_turn"
    assert await prompt(router, sid, "Thanks") == "end_turn"
    await router.aclose()
    user = [
        {"sessionUpdate": "user_message_chunk", "content": {"type": "text", "text": t}}
        for t in ("Which files are there?", "Thanks")
    ]
    shown = replayable(client.updates)
    # The client saw no echo of its prompts; the replay shows each before its turn.
    thanks = next(i for i, u in enumerate(shown) if "Prompt 2" in str(u))
    return sid, [user[0], *shown[:thanks], user[1], *shown[thanks:]]


async def test_load_replays_the_conversation_then_continues_it(project):
    sid, streamed = await two_turns(project)
    client = FakeClient()
    router = await start(client)
    result = await router.requests["session/load"](
        {"sessionId": sid, "cwd": str(project), "mcpServers": []}
    )
    validate_def("LoadSessionResponse", result)
    assert result["modes"]["currentModeId"] == "ask"
    replay = [u for u in client.updates if u["sessionUpdate"] in REPLAYED]
    assert replay == streamed
    kinds = [u["sessionUpdate"] for u in replay]
    assert kinds.count("tool_call") == 1 and "tool_call_update" in kinds
    final = [u for u in replay if u["sessionUpdate"] == "tool_call_update"][-1]
    assert final["status"] == "completed" and "notes.txt" in str(final)
    # The conversation goes on with the same history.
    assert await prompt(router, sid, "And now?") == "end_turn"
    assert "Prompt 3 of this conversation." in client.text()
    roles = " ".join(m.role for m in SEEN[-1])
    assert roles == "system user assistant tool assistant user assistant user"
    await router.aclose()


async def test_resume_continues_without_a_replay(project):
    sid, _ = await two_turns(project)
    client = FakeClient()
    router = await start(client)
    result = await router.requests["session/resume"]({"sessionId": sid, "cwd": str(project)})
    validate_def("ResumeSessionResponse", result)
    assert [u["sessionUpdate"] for u in client.updates] == ["available_commands_update"]
    assert await prompt(router, sid, "Still there?") == "end_turn"
    assert "Prompt 3 of this conversation." in client.text()
    await router.aclose()


@pytest.mark.parametrize("method", ["session/load", "session/resume"])
async def test_unknown_session_is_resource_not_found(project, method):
    router = await start(FakeClient())
    with pytest.raises(RpcError) as e:
        await router.requests[method](
            {"sessionId": "sess_nope", "cwd": str(project), "mcpServers": []}
        )
    assert e.value.code == -32002
    await router.aclose()


async def test_title_and_time_are_sent_after_each_turn(project):
    client = FakeClient()
    router = await start(client)
    sid = await new(router, project)
    long = "Explain the build system of this project in detail, please, with examples and more"
    await prompt(router, sid, long + "\nsecond line")
    info = [u for u in client.updates if u["sessionUpdate"] == "session_info_update"]
    assert len(info) == 1
    assert info[0]["title"].startswith("Explain the build system") and len(info[0]["title"]) <= 61
    assert info[0]["updatedAt"].endswith("Z")
    await prompt(router, sid, "Another question")
    info = [u for u in client.updates if u["sessionUpdate"] == "session_info_update"]
    assert len(info) == 2 and info[1]["title"] == info[0]["title"]
    await router.aclose()


async def test_list_is_newest_first_paged_and_filtered(project, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    router = await start(FakeClient())
    ids = []
    for i in range(55):
        sid = await new(router, project if i % 5 else other)
        await prompt(router, sid, f"question {i}")
        ids.append(sid)
    empty = await new(router, project)  # Never prompted: not stored, not listed.
    first = await router.requests["session/list"]({})
    validate_def("ListSessionsResponse", first)
    listed = [s["sessionId"] for s in first["sessions"]]
    assert len(listed) == 50 and listed == ids[::-1][:50]
    assert first["sessions"][0]["title"] == "question 54"
    second = await router.requests["session/list"]({"cursor": first["nextCursor"]})
    assert [s["sessionId"] for s in second["sessions"]] == ids[::-1][50:]
    assert "nextCursor" not in second and empty not in listed
    filtered = await router.requests["session/list"]({"cwd": str(other)})
    assert [s["sessionId"] for s in filtered["sessions"]] == ids[::5][::-1]
    assert all(s["cwd"] == str(other) for s in filtered["sessions"])
    with pytest.raises(RpcError) as e:
        await router.requests["session/list"]({"cursor": "garbage"})
    assert e.value.code == -32602
    nothing = await router.requests["session/list"]({"cwd": str(tmp_path)})
    assert nothing == {"sessions": []}
    await router.aclose()


async def test_close_cancels_the_turn_frees_the_session_and_keeps_it_stored(project):
    client = FakeClient(answers=["hold"])
    write = ToolCall(id="w1", name="write_file", arguments='{"file_path": "x", "content": "1"}')
    model = FunctionModel(
        lambda messages, tools: (
            ModelResponse(tool_calls=[write], finish_reason="tool_calls")
            if messages[-1].role == "user"
            else "written"
        )
    )
    router = await start(client, model)
    sid = await new(router, project)
    stops: list[str] = []
    async with anyio.create_task_group() as tg:

        async def run() -> None:
            stops.append(await prompt(router, sid, "write x"))

        tg.start_soon(run)
        with anyio.fail_after(5):
            await client.permission_asked.wait()
        with anyio.fail_after(5):
            assert await router.requests["session/close"]({"sessionId": sid}) == {}
    assert stops == ["cancelled"]
    with pytest.raises(RpcError) as e:
        await prompt(router, sid, "more")
    assert e.value.code == -32602
    listed = await router.requests["session/list"]({})
    assert [s["sessionId"] for s in listed["sessions"]] == [sid]
    await router.aclose()
    db = SessionDB(Path(client_home()) / "sessions.db")
    history = db.messages(sid)
    db.close()
    assert [m.role for m in history] == ["user", "assistant", "tool"]
    assert history[-1].is_error  # The cancelled call has its result.


def client_home() -> str:
    import os

    return os.environ["AGENTICA_HOME"]


async def test_delete_removes_the_session(project):
    sid, _ = await two_turns(project)
    router = await start(FakeClient())
    await router.requests["session/resume"]({"sessionId": sid, "cwd": str(project)})
    assert await router.requests["session/delete"]({"sessionId": sid}) == {}
    assert await router.requests["session/delete"]({"sessionId": "sess_unknown"}) == {}
    assert (await router.requests["session/list"]({}))["sessions"] == []
    with pytest.raises(RpcError) as e:
        await router.requests["session/load"](
            {"sessionId": sid, "cwd": str(project), "mcpServers": []}
        )
    assert e.value.code == -32002
    with pytest.raises(RpcError):
        await prompt(router, sid, "gone?")
    await router.aclose()


async def test_a_corrupt_database_is_reported_and_sessions_live_in_memory(project, home, capsys):
    home.mkdir(parents=True)
    (home / "sessions.db").write_bytes(b"this is not a database" * 100)
    client = FakeClient()
    router = await start(client)
    sid = await new(router, project)
    assert await prompt(router, sid, "hello") == "end_turn"
    err = capsys.readouterr().err
    assert "cannot use the session database" in err and str(home / "sessions.db") in err
    assert "in memory only" in err
    listed = await router.requests["session/list"]({})
    assert [s["sessionId"] for s in listed["sessions"]] == [sid]
    await router.aclose()
    assert (home / "sessions.db").read_bytes().startswith(b"this is not")  # Left alone.


async def test_no_secrets_in_the_database(project, home):
    client: Any = FakeClient()
    config = ServerConfig(model="demo", max_turns=5, api_key="sk-secret-123")
    router = AcpRouter(AcpAgent(client, config, model_factory=lambda: FunctionModel(answer)))
    await router.requests["initialize"]({"protocolVersion": 1})
    sid = await new(router, project)
    await prompt(router, sid, "hello")
    await router.aclose()
    conn = sqlite3.connect(home / "sessions.db")
    dump = "\n".join(conn.iterdump())
    conn.close()
    assert sid in dump and "sk-secret-123" not in dump


async def test_always_answers_are_remembered_across_a_restart(project):
    def writer(messages: list[Message], tools: Any) -> Any:
        if messages[-1].role == "user":
            args = json.dumps({"file_path": "out.txt", "content": messages[-1].text})
            call = ToolCall(id=f"w{len(messages)}", name="write_file", arguments=args)
            return ModelResponse(tool_calls=[call], finish_reason="tool_calls")
        return "written"

    client = FakeClient(answers=["allow_always"])
    router = await start(client, FunctionModel(writer))
    sid = await new(router, project)
    assert await prompt(router, sid, "one") == "end_turn"
    assert client.methods() == ["session/request_permission"]
    await router.aclose()

    client = FakeClient(answers=[])  # Any question would fail the turn's write.
    router = await start(client, FunctionModel(writer))
    await router.requests["session/resume"]({"sessionId": sid, "cwd": str(project)})
    assert await prompt(router, sid, "two") == "end_turn"
    assert client.methods() == []
    assert (project / "out.txt").read_text() == "two"
    await router.aclose()


def run_echo(messages: list[Message], tools: Any) -> Any:
    """Runs one command in the editor's terminal, then reports."""
    if messages[-1].role == "tool":
        return "Ran it."
    call = ToolCall(id="t1", name="execute", arguments=json.dumps({"command": "echo hi"}))
    return ModelResponse(content="", tool_calls=[call], finish_reason="tool_calls")


async def test_a_replay_never_names_a_released_terminal(project):
    """Spec §18.54: nothing refers to a terminal after its release, a replay included."""
    async with FakeClient() as client:
        router = make_router(client, FunctionModel(run_echo))
        await router.requests["initialize"](
            {"protocolVersion": 1, "clientCapabilities": {"terminal": True}}
        )
        sid = await new(router, project)
        await router.requests["session/set_mode"]({"sessionId": sid, "modeId": "full_access"})
        assert await prompt(router, sid, "Run it") == "end_turn"
        streamed = json.dumps(client.updates)
        await router.aclose()
    assert '"type": "terminal"' in streamed  # The live turn embedded the editor's terminal.
    assert all(t.released for t in client.terminals.values())  # ... and released it.

    later = FakeClient()
    router = await start(later)
    await router.requests["session/load"](
        {"sessionId": sid, "cwd": str(project), "mcpServers": []}
    )
    replay = json.dumps(later.updates)
    await router.aclose()
    assert "Run `echo hi`" in replay  # The call itself is still shown ...
    assert '"type": "terminal"' not in replay  # ... without the released terminal.
