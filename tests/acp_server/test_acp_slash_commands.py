"""Steering a session: slash commands typed as the prompt, the ``model`` config option,
``available_commands_update``, usage with a default context window, and the project's
AGENTS.md in the system prompt."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
import pytest
from fake_client import FakeClient
from schema_util import validate_def

from acp_server.agent import AcpAgent
from acp_server.config import ServerConfig
from acp_server.router import AcpRouter
from agentica.compaction import SUMMARISER_INSTRUCTIONS
from agentica.messages import Message
from agentica.sessions import SessionDB
from agentica.testing import FunctionModel

CALLS: list[list[Message]] = []
MODELS: list[FunctionModel] = []


def answer(messages: list[Message], tools: Any) -> str:
    CALLS.append(list(messages))
    last = messages[-1].text
    if last.startswith("Summarise this conversation"):  # agentica.compaction's request
        return "SUMMARY: the user said hello twice."
    return f"answer {len(CALLS)}"


def make_model() -> FunctionModel:
    model = FunctionModel(answer, name=f"m{len(MODELS)}")
    MODELS.append(model)
    return model


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("AGENTICA_HOME", str(tmp_path / "home"))
    CALLS.clear()
    MODELS.clear()
    return tmp_path / "home"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "repo" / "pkg"
    root.mkdir(parents=True)
    return root


async def start(client: Any, **settings: Any) -> AcpRouter:
    config = ServerConfig(**{"model": "demo", "max_turns": 5, **settings})
    router = AcpRouter(AcpAgent(client, config, model_factory=make_model))
    await router.requests["initialize"]({"protocolVersion": 1})
    return router


async def new(router: AcpRouter, cwd: Path) -> str:
    result = await router.requests["session/new"]({"cwd": str(cwd), "mcpServers": []})
    validate_def("NewSessionResponse", result)
    return result["sessionId"]


async def say(router: AcpRouter, client: FakeClient, sid: str, text: str) -> str:
    """Send a prompt; the text of the agent's reply to it."""
    client.notifications.clear()
    result = await router.requests["session/prompt"](
        {"sessionId": sid, "prompt": [{"type": "text", "text": text}]}
    )
    assert result == {"stopReason": "end_turn"}
    return client.text()


async def test_commands_are_announced_after_the_new_session_response(project):
    client = FakeClient()
    router = await start(client)
    sid = await new(router, project)
    assert not any(u["sessionUpdate"] == "available_commands_update" for u in client.updates)
    seen = anyio.Event()
    client.update_seen = lambda update: seen.set()
    for callback in client.after_write:  # The response has been written.
        callback()
    with anyio.fail_after(5):
        await seen.wait()
    (update,) = client.updates
    assert client.notifications[0][1]["sessionId"] == sid
    names = [c["name"] for c in update["availableCommands"]]
    assert names == ["help", "model", "mode", "clear", "compact", "init", "status"]
    assert update["availableCommands"][1]["input"] == {"hint": "model name"}
    await router.aclose()


async def test_help_and_unknown_commands_answer_without_the_model(project):
    client = FakeClient()
    router = await start(client)
    sid = await new(router, project)
    help_text = await say(router, client, sid, "/help")
    assert "`/compact`" in help_text and "`/model <model name>`" in help_text
    unknown = await say(router, client, sid, "/frobnicate now")
    assert "Unknown command `/frobnicate`" in unknown and "/help" in unknown
    assert CALLS == []
    # Two slashes: sent to the model as typed.
    assert await say(router, client, sid, "//frobnicate") == "answer 1"
    await router.aclose()


async def test_model_switch_keeps_the_history(project):
    client = FakeClient()
    router = await start(client, models=["other/model-b"])
    sid = await new(router, project)
    await say(router, client, sid, "hello")
    shown = await say(router, client, sid, "/model")
    assert "`demo` (current)" in shown and "`other/model-b`" in shown
    before = len(MODELS)
    switched = await say(router, client, sid, "/model other/model-b")
    assert "switched to `other/model-b`" in switched
    update = next(u for u in client.updates if u["sessionUpdate"] == "config_option_update")
    model_option = next(o for o in update["configOptions"] if o["id"] == "model")
    assert model_option["currentValue"] == "other/model-b"
    await say(router, client, sid, "again")
    assert len(MODELS) == before + 1 and len(MODELS[-1].calls) == 1  # A new model answered...
    assert [m.text for m in CALLS[-1] if m.role == "user"] == ["hello", "again"]  # ...all of it.
    # The config option switches it back.
    result = await router.requests["session/set_config_option"](
        {"sessionId": sid, "configId": "model", "value": "demo"}
    )
    validate_def("SetSessionConfigOptionResponse", result)
    assert result["configOptions"][1]["currentValue"] == "demo"
    await router.aclose()


async def test_mode_command_switches_and_syncs_the_editor(project):
    client = FakeClient()
    router = await start(client)
    sid = await new(router, project)
    text = await say(router, client, sid, "/mode read_only")
    assert "Mode switched to `read_only`" in text
    kinds = [u["sessionUpdate"] for u in client.updates]
    assert "current_mode_update" in kinds and "config_option_update" in kinds
    assert "Mode unchanged: unknown mode 'yolo'" in await say(router, client, sid, "/mode yolo")
    status = await say(router, client, sid, "/status")
    assert "Read only" in status and sid in status and str(project) in status
    assert "sessions.db" in status and "Context tokens used" in status
    await router.aclose()


async def test_clear_starts_over_in_the_same_session(project, home):
    client = FakeClient()
    router = await start(client)
    sid = await new(router, project)
    await say(router, client, sid, "first")
    assert "Conversation cleared (2 messages" in await say(router, client, sid, "/clear")
    await say(router, client, sid, "second")
    assert [m.text for m in CALLS[-1] if m.role != "system"] == ["second"]
    await router.aclose()
    db = SessionDB(home / "sessions.db")
    assert [m.text for m in db.messages(sid)] == ["second", "answer 2"]
    db.close()


async def test_compact_summarises_older_turns(project, home):
    client = FakeClient()
    router = await start(client)
    sid = await new(router, project)
    await say(router, client, sid, "hello " * 200)
    await say(router, client, sid, "hello again")
    reply = await say(router, client, sid, "/compact")
    assert reply.startswith("Compacted 2 older messages into a summary: about ")
    before, after = (int(part.split()[0]) for part in reply.split("about ")[1:])
    assert after < before
    # The framework's compaction wrote the summary (one mechanism for both).
    assert CALLS[-1][0].text == SUMMARISER_INSTRUCTIONS
    await say(router, client, sid, "go on")
    seen = [m.text for m in CALLS[-1] if m.role != "system"]
    assert "SUMMARY: the user said hello twice." in seen[0]
    assert seen[-3:] == ["hello again", "answer 2", "go on"]
    await router.aclose()
    db = SessionDB(home / "sessions.db")
    assert [m.text for m in db.messages(sid)][-4:] == [*seen[-3:], "answer 4"]
    db.close()


async def test_init_runs_a_turn_that_writes_agents_md(project):
    client = FakeClient()
    router = await start(client)
    sid = await new(router, project)
    reply = await say(router, client, sid, "/init")
    assert reply.endswith("answer 1")
    assert "write a concise AGENTS.md" in CALLS[0][-1].text
    await router.aclose()


async def test_project_instructions_from_the_root_up_to_the_repository(project):
    repo = project.parent
    (repo / ".git").mkdir()
    (repo / "AGENTS.md").write_text("Use tabs.")
    (project / "AGENTICA.md").write_text("Run make test.")
    (repo.parent / "AGENTS.md").write_text("Outside the repository: ignored.")
    client = FakeClient()
    router = await start(client)
    sid = await new(router, project)
    await say(router, client, sid, "hi")
    system = CALLS[0][0]
    assert system.role == "system"
    assert system.text.index("Use tabs.") < system.text.index("Run make test.")
    assert "ignored" not in system.text
    (project / "AGENTS.md").write_text("Written by /init.")  # Read again at every run.
    await say(router, client, sid, "hi")
    assert "Written by /init." in CALLS[1][0].text
    await router.aclose()


async def test_usage_uses_the_default_context_window(project):
    client = FakeClient()
    router = await start(client, context_window=32_000)
    sid = await new(router, project)
    await say(router, client, sid, "hi")
    usage = [u for u in client.updates if u["sessionUpdate"] == "usage_update"]
    assert len(usage) == 1 and usage[0]["size"] == 32_000
    await router.aclose()
