"""AcpAgent behind its router: the ACP methods over a fake client connection (no stdio)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import anyio
import pytest
from fake_client import FakeClient
from schema_util import validate_def

from acp_server.agent import AcpAgent
from acp_server.config import ServerConfig
from acp_server.errors import RpcError
from acp_server.model_settings import model_options
from acp_server.router import AcpRouter
from agentica.models.base import Model
from agentica.testing import FunctionModel, ScriptedModel, tool_call

SCRIPT: list[Any] = []
FACTORY: list[Callable[[], Model]] = []
"""The model factory new agents get (set by the ``hooked`` fixture)."""


def make_model() -> Any:
    """The test model factory: plays ``SCRIPT`` (or echoes)."""
    if SCRIPT:
        return ScriptedModel(list(SCRIPT), context_window=1000)
    return FunctionModel(lambda messages, tools: f"echo: {messages[-1].text}")


def Config(**settings: Any) -> ServerConfig:
    return ServerConfig(**{"model": "demo", "max_turns": 5, **settings})


@pytest.fixture
def hooked():
    SCRIPT.clear()
    FACTORY[:] = [make_model]
    yield SCRIPT
    SCRIPT.clear()
    FACTORY.clear()


def build_handlers(client: FakeClient, config: ServerConfig) -> AcpRouter:
    factory = FACTORY[0] if FACTORY else None
    return AcpRouter(AcpAgent(client, config, model_factory=factory))


async def start(client: FakeClient, config: ServerConfig | None = None, caps: dict | None = None):
    h = build_handlers(client, config or Config())
    init = await h.requests["initialize"]({"protocolVersion": 1, "clientCapabilities": caps or {}})
    validate_def("InitializeResponse", init)
    return h


async def new_session(h, tmp_path) -> str:
    result = await h.requests["session/new"]({"cwd": str(tmp_path), "mcpServers": []})
    validate_def("NewSessionResponse", result)
    return result["sessionId"]


async def prompt(h, sid: str, text: str) -> str:
    result = await h.requests["session/prompt"](
        {"sessionId": sid, "prompt": [{"type": "text", "text": text}]}
    )
    validate_def("PromptResponse", result)
    return result["stopReason"]


@pytest.mark.parametrize("version", [0, 1, 2, 99])
async def test_initialize_negotiates_version_1(version):
    h = build_handlers(FakeClient(), Config())
    result = await h.requests["initialize"]({"protocolVersion": version})
    assert result["protocolVersion"] == 1
    assert result["agentCapabilities"]["loadSession"] is True
    assert result["agentCapabilities"]["promptCapabilities"] == {
        "image": False,
        "audio": False,
        "embeddedContext": True,
    }
    assert result["agentCapabilities"]["mcpCapabilities"] == {"http": True, "sse": True}
    assert result["authMethods"] == []
    assert result["agentInfo"]["name"] == "agentica"
    assert result["agentInfo"]["title"] == "Agentica"


async def test_initialize_reports_image_support_of_the_model(hooked):
    h = build_handlers(FakeClient(), Config())
    result = await h.requests["initialize"]({"protocolVersion": 1})
    assert result["agentCapabilities"]["promptCapabilities"]["image"] is True


@pytest.mark.parametrize("params", [{}, {"protocolVersion": "1.0.0"}])
async def test_initialize_with_bad_version_is_invalid_params(params):
    h = build_handlers(FakeClient(), Config())
    with pytest.raises(RpcError) as e:
        await h.requests["initialize"](params)
    assert e.value.code == -32602


async def test_session_new_requires_an_absolute_existing_cwd(tmp_path):
    h = await start(FakeClient())
    with pytest.raises(RpcError) as e:
        await h.requests["session/new"]({"cwd": "rel", "mcpServers": []})
    assert e.value.code == -32602
    assert "cwd must be an absolute path, got 'rel'" in e.value.message
    with pytest.raises(RpcError) as e:
        await h.requests["session/new"]({"cwd": str(tmp_path / "missing")})
    assert "not an existing directory" in e.value.message


async def test_prompt_streams_updates_and_ends_the_turn(hooked, tmp_path):
    client = FakeClient()
    h = await start(client)
    sid = await new_session(h, tmp_path)
    assert await prompt(h, sid, "hello") == "end_turn"
    assert client.text() == "echo: hello"
    assert all(p["sessionId"] == sid for _, p in client.notifications)


async def test_prompt_on_unknown_session_names_it(hooked):
    h = await start(FakeClient())
    with pytest.raises(RpcError) as e:
        await prompt(h, "sess_missing", "hi")
    assert e.value.code == -32602
    assert "sess_missing" in e.value.message


async def test_tool_call_with_permission_writes_through_fs_when_advertised(hooked, tmp_path):
    hooked += [
        ScriptedModel.tool_calls(tool_call("write_file", {"file_path": "a.txt", "content": "hi"})),
        "written",
    ]
    client = FakeClient(["allow_once"])
    caps = {"fs": {"readTextFile": True, "writeTextFile": True}}
    h = await start(client, caps=caps)
    sid = await new_session(h, tmp_path)
    assert await prompt(h, sid, "write it") == "end_turn"
    assert (tmp_path / "a.txt").read_text() == "hi"
    # A file missing on disk is created without asking the editor to read it first.
    assert client.methods() == [
        "session/request_permission",
        "fs/write_text_file",
    ]
    kinds = [u["sessionUpdate"] for u in client.updates]
    assert kinds.index("tool_call") < kinds.index("tool_call_update")


async def test_cancel_notification_ends_a_running_turn_as_cancelled(hooked, tmp_path):
    hooked.append(lambda messages, tools: _hang())
    client = FakeClient()
    h = await start(client)
    sid = await new_session(h, tmp_path)
    result: list[str] = []
    started = anyio.Event()
    client.update_seen = lambda u: started.set()
    with anyio.fail_after(5):
        async with anyio.create_task_group() as tg:

            async def run() -> None:
                result.append(await prompt(h, sid, "go"))

            tg.start_soon(run)
            await started.wait()
            await h.notifications["session/cancel"]({"sessionId": sid})
    assert result == ["cancelled"]


def _hang():
    from agentica.models.base import ModelTextDelta
    from agentica.testing import Step

    return Step(deltas=[ModelTextDelta(text="working")], hang=True)


async def test_cancel_for_unknown_session_is_ignored(hooked, tmp_path, caplog):
    client = FakeClient()
    h = await start(client)
    sid = await new_session(h, tmp_path)
    with caplog.at_level("INFO", logger="acp_server.router"):
        await h.notifications["session/cancel"]({"sessionId": "nope"})
    assert "session/cancel for unknown session 'nope' ignored" in caplog.text
    assert client.notifications == [] and client.requests == []  # Nothing sent.
    assert await prompt(h, sid, "still here") == "end_turn"  # Other sessions unaffected.
    assert client.text() == "echo: still here"


def broken_factory() -> Model:
    raise ImportError("cannot import name 'no_such_factory'")


async def test_model_that_cannot_be_set_up_is_explained_in_the_session(tmp_path):
    FACTORY[:] = [broken_factory]
    client = FakeClient()
    h = await start(client)
    sid = await new_session(h, tmp_path)
    assert await prompt(h, sid, "hi") == "end_turn"
    assert "could not be set up" in client.text()
    assert "no_such_factory" in client.text()
    FACTORY.clear()


async def test_demo_model_first_reply_says_how_to_configure_a_real_model(tmp_path):
    client = FakeClient(lambda params: {"outcome": "selected", "optionId": "allow_once"})
    h = await start(client)
    sid = await new_session(h, tmp_path)
    with anyio.fail_after(20):
        assert await prompt(h, sid, "hello") == "end_turn"
    assert "--model" in client.text()
    await h.aclose()


async def test_each_mcp_server_that_fails_to_start_is_logged_once(hooked, tmp_path, caplog):
    h = await start(FakeClient())
    servers = [
        {"name": "files", "command": "/usr/bin/no-mcp-files", "args": [], "env": []},
        {"name": "web", "command": "/usr/bin/no-mcp-web", "args": [], "env": []},
    ]
    with caplog.at_level("ERROR", logger="agentica.mcp"):
        result = await h.requests["session/new"]({"cwd": str(tmp_path), "mcpServers": servers})
        assert result["sessionId"]
        session = h.agent.sessions.get(result["sessionId"])
        assert session.agent is not None and session.agent.mcp is not None
        with anyio.fail_after(20):
            await session.agent.mcp.wait_ready()
        await h.aclose()
    errors = sorted(r.getMessage() for r in caplog.records if "MCP server" in r.getMessage())
    assert errors == [
        "MCP server 'files' failed: command not found: /usr/bin/no-mcp-files",
        "MCP server 'web' failed: command not found: /usr/bin/no-mcp-web",
    ]


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        (Config(), {}),
        (
            Config(model_timeout=1.5),
            {"timeout": 1.5, "connect_timeout": 1.5, "max_retries": 0},
        ),
        (
            Config(model_timeout=300.0),
            {"timeout": 300.0, "connect_timeout": 10.0, "max_retries": 0},
        ),
    ],
)
def test_model_timeout_becomes_get_model_options(config, expected):
    assert model_options(config) == expected


async def test_configured_model_timeout_reaches_the_model(tmp_path):
    config = Config(model="openai/gpt-4o-mini", model_timeout=2.0)
    h = await start(FakeClient(), config)
    await new_session(h, tmp_path)
    (session,) = h.agent.sessions
    model = session.agent.model
    assert (model.timeout, model.connect_timeout, model.max_retries) == (2.0, 2.0, 0)
    await h.aclose()


async def test_repeated_tool_call_ids_from_the_model_get_distinct_ids_on_the_wire(hooked, tmp_path):
    write = {"file_path": "a.txt", "content": "hi"}
    hooked += [
        ScriptedModel.tool_calls(tool_call("ls", {}, id="dup")),
        ScriptedModel.tool_calls(tool_call("write_file", write, id="dup")),  # Same turn.
        "done",
        ScriptedModel.tool_calls(tool_call("ls", {}, id="dup")),  # Next turn.
        "again",
    ]
    client = FakeClient(["allow_once"])
    h = await start(client)
    sid = await new_session(h, tmp_path)
    assert await prompt(h, sid, "first") == "end_turn"
    assert await prompt(h, sid, "second") == "end_turn"
    started = [u["toolCallId"] for u in client.updates if u["sessionUpdate"] == "tool_call"]
    assert started == ["dup", "dup~2", "dup~3"]
    final = {
        u["toolCallId"]: u["status"]
        for u in client.updates
        if u["sessionUpdate"] == "tool_call_update" and u.get("status") in ("completed", "failed")
    }
    assert final == {"dup": "completed", "dup~2": "completed", "dup~3": "completed"}
    updated = {u["toolCallId"] for u in client.updates if u["sessionUpdate"] == "tool_call_update"}
    assert updated <= set(started)
    ((method, params),) = client.requests
    assert method == "session/request_permission"
    assert params["toolCall"]["toolCallId"] == "dup~2"  # The write, as the editor knows it.
    assert (tmp_path / "a.txt").read_text() == "hi"
