"""Permission modes: session/new advertises them, set_mode / set_config_option switch them,
and each mode decides which tool calls ask the editor (over a fake client, no stdio)."""

from __future__ import annotations

from typing import Any

import anyio
import pytest
from fake_client import FakeClient
from schema_util import validate_def

from acp_server.agent import AcpAgent
from acp_server.config import ConfigError, ServerConfig, load_config
from acp_server.errors import RpcError
from acp_server.modes import MODE_IDS, mode_state
from acp_server.router import AcpRouter
from agentica.testing import ScriptedModel, tool_call

SCRIPT: list[Any] = []
MODELS: list[ScriptedModel] = []


def make_model() -> ScriptedModel:
    model = ScriptedModel(list(SCRIPT) or ["ok"], context_window=1000)
    MODELS.append(model)
    return model


def Config(**settings: Any) -> ServerConfig:
    return ServerConfig(**{"model": "demo", "max_turns": 5, **settings})


def build_handlers(client: FakeClient, config: ServerConfig) -> AcpRouter:
    return AcpRouter(AcpAgent(client, config, model_factory=make_model))


@pytest.fixture(autouse=True)
def hooked():
    SCRIPT.clear()
    MODELS.clear()
    yield SCRIPT
    SCRIPT.clear()
    MODELS.clear()


async def open_session(client: FakeClient, tmp_path, config: Config | None = None):
    h = build_handlers(client, config or Config())
    await h.requests["initialize"]({"protocolVersion": 1, "clientCapabilities": {}})
    result = await h.requests["session/new"]({"cwd": str(tmp_path), "mcpServers": []})
    validate_def("NewSessionResponse", result)
    return h, result["sessionId"], result


async def prompt(h, sid: str, text: str = "go") -> str:
    with anyio.fail_after(10):
        result = await h.requests["session/prompt"](
            {"sessionId": sid, "prompt": [{"type": "text", "text": text}]}
        )
    validate_def("PromptResponse", result)
    return result["stopReason"]


async def set_mode(h, sid: str, mode: str) -> None:
    result = await h.requests["session/set_mode"]({"sessionId": sid, "modeId": mode})
    validate_def("SetSessionModeResponse", result)
    assert result == {}


def tool_results() -> list[str]:
    """What the model read back from its tools (its last call's tool messages)."""
    return [m.text for m in MODELS[-1].calls[-1].messages if m.role == "tool"]


def finished(client: FakeClient) -> dict[str, str]:
    return {
        u["toolCallId"]: u["status"]
        for u in client.updates
        if u["sessionUpdate"] == "tool_call_update" and u.get("status") in ("completed", "failed")
    }


class SwitchingClient(FakeClient):
    """Switches the session's mode (``session/set_mode``) while a permission request is open."""

    def __init__(self, answers: list[str], *, switch_to: str) -> None:
        super().__init__(answers)
        self.switch_to = switch_to
        self.target: tuple[Any, str] | None = None

    def attach(self, h: Any, sid: str) -> None:
        self.target = (h, sid)

    async def _session_request_permission(self, params: dict[str, Any]) -> Any:
        assert self.target is not None
        await set_mode(*self.target, self.switch_to)
        return await super()._session_request_permission(params)


def write(path: str, content: str = "new", id: str | None = None):  # noqa: A002
    return tool_call("write_file", {"file_path": path, "content": content}, id=id)


async def test_session_new_advertises_modes_and_the_mode_config_option(tmp_path):
    _, _, result = await open_session(FakeClient(), tmp_path)
    modes = result["modes"]
    assert modes["currentModeId"] == "ask"
    assert [(m["id"], m["name"]) for m in modes["availableModes"]] == [
        ("ask", "Ask"),
        ("accept_edits", "Accept edits"),
        ("read_only", "Read only"),
        ("full_access", "Full access"),
    ]
    assert all(m["description"] for m in modes["availableModes"])
    option, model = result["configOptions"]
    assert model["id"] == "model" and model["category"] == "model"
    assert option["id"] == "mode" and option["category"] == "mode"
    assert option["type"] == "select" and option["currentValue"] == "ask"
    assert [o["value"] for o in option["options"]] == list(MODE_IDS)
    assert [o["name"] for o in option["options"]] == [m["name"] for m in modes["availableModes"]]


async def test_configured_default_mode_is_where_sessions_start(tmp_path):
    _, _, result = await open_session(FakeClient(), tmp_path, Config(mode="read_only"))
    assert result["modes"]["currentModeId"] == "read_only"
    assert result["configOptions"][0]["currentValue"] == "read_only"


async def test_ask_mode_asks_before_a_write(hooked, tmp_path):
    hooked += [ScriptedModel.tool_calls(write("a.txt")), "done"]
    client = FakeClient(["allow_once"])
    h, sid, _ = await open_session(client, tmp_path)
    assert await prompt(h, sid) == "end_turn"
    assert client.methods() == ["session/request_permission"]
    assert (tmp_path / "a.txt").read_text() == "new"


async def test_accept_edits_writes_in_the_root_without_asking_but_commands_ask(hooked, tmp_path):
    hooked += [
        ScriptedModel.tool_calls(write("a.txt", id="w")),
        ScriptedModel.tool_calls(tool_call("execute", {"command": "echo hi"}, id="x")),
        "done",
    ]
    client = FakeClient(["allow_once"])
    h, sid, _ = await open_session(client, tmp_path)
    await set_mode(h, sid, "accept_edits")
    assert await prompt(h, sid) == "end_turn"
    assert (tmp_path / "a.txt").read_text() == "new"
    [(method, params)] = client.requests
    assert method == "session/request_permission"
    assert params["toolCall"]["toolCallId"] == "x" and params["toolCall"]["kind"] == "execute"
    assert finished(client) == {"w": "completed", "x": "completed"}


async def test_read_only_refuses_changes_without_asking_and_tells_the_model(hooked, tmp_path):
    (tmp_path / "keep.txt").write_text("original\n")
    hooked += [
        ScriptedModel.tool_calls(
            tool_call("read_file", {"file_path": "keep.txt"}, id="r"),
            write("new.txt", id="w"),
            tool_call(
                "edit_file",
                {"file_path": "keep.txt", "old_string": "original", "new_string": "x"},
                id="e",
            ),
            tool_call("execute", {"command": "touch ran.txt"}, id="x"),
        ),
        "done",
    ]
    client = FakeClient()
    h, sid, _ = await open_session(client, tmp_path)
    await set_mode(h, sid, "read_only")
    assert await prompt(h, sid) == "end_turn"
    assert client.requests == []  # Never asked.
    assert finished(client) == {"r": "completed", "w": "failed", "e": "failed", "x": "failed"}
    assert (tmp_path / "keep.txt").read_text() == "original\n"
    assert not (tmp_path / "new.txt").exists() and not (tmp_path / "ran.txt").exists()
    read, *refused = tool_results()
    assert "original" in read
    for text in refused:
        assert "Read only mode" in text and "switch the session to another mode" in text
    # The user sees why in each failed call, too.
    shown = [
        u["content"][0]["content"]["text"]
        for u in client.updates
        if u.get("status") == "failed" and u["toolCallId"] in ("w", "e", "x")
    ]
    assert len(shown) == 3 and all("Read only mode" in t for t in shown)


async def test_full_access_asks_only_for_paths_outside_the_roots(hooked, tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    outside = tmp_path / "outside.txt"
    hooked += [
        ScriptedModel.tool_calls(
            write("a.txt", id="in"),
            tool_call("execute", {"command": "echo hi"}, id="x"),
        ),
        ScriptedModel.tool_calls(write(str(outside), id="out")),
        "done",
    ]
    client = FakeClient(["allow_once"])
    h, sid, _ = await open_session(client, project, Config(allow_outside=True))
    await set_mode(h, sid, "full_access")
    assert await prompt(h, sid) == "end_turn"
    assert (project / "a.txt").read_text() == "new"
    [(method, params)] = client.requests
    assert method == "session/request_permission"
    assert params["toolCall"]["toolCallId"] == "out"
    assert outside.read_text() == "new"  # The user allowed it.
    assert finished(client) == {"in": "completed", "x": "completed", "out": "completed"}


async def test_accept_edits_still_asks_outside_the_roots(hooked, tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    hooked += [ScriptedModel.tool_calls(write(str(tmp_path / "o.txt"), id="out")), "done"]
    client = FakeClient(["reject_once"])
    h, sid, _ = await open_session(client, project, Config(allow_outside=True))
    await set_mode(h, sid, "accept_edits")
    assert await prompt(h, sid) == "end_turn"
    assert client.methods() == ["session/request_permission"]
    assert not (tmp_path / "o.txt").exists()


async def test_reject_always_beats_a_permissive_mode(hooked, tmp_path):
    hooked += [
        ScriptedModel.tool_calls(write("a.txt", id="first")),
        ScriptedModel.tool_calls(write("b.txt", id="second")),
        "done",
    ]
    # The user answers "Always reject" for write_file, then switches to Full access.
    client = SwitchingClient(["reject_always"], switch_to="full_access")
    h, sid, _ = await open_session(client, tmp_path)
    client.attach(h, sid)
    assert await prompt(h, sid) == "end_turn"
    assert [p["toolCall"]["toolCallId"] for _, p in client.requests] == ["first"]
    assert finished(client) == {"first": "failed", "second": "failed"}
    assert not (tmp_path / "a.txt").exists() and not (tmp_path / "b.txt").exists()
    assert all("rejected" in text for text in tool_results())


async def test_set_mode_syncs_the_config_option_view(tmp_path):
    client = FakeClient()
    h, sid, _ = await open_session(client, tmp_path)
    await set_mode(h, sid, "accept_edits")
    [update] = client.updates
    assert update["sessionUpdate"] == "config_option_update"
    assert update["configOptions"][0]["currentValue"] == "accept_edits"
    assert [o["id"] for o in update["configOptions"]] == ["mode", "model"]
    assert all(p["sessionId"] == sid for _, p in client.notifications)


async def test_set_config_option_returns_the_full_set_and_syncs_the_mode_view(tmp_path):
    client = FakeClient()
    h, sid, _ = await open_session(client, tmp_path)
    result = await h.requests["session/set_config_option"](
        {"sessionId": sid, "configId": "mode", "value": "full_access"}
    )
    validate_def("SetSessionConfigOptionResponse", result)
    option, _model = result["configOptions"]
    assert option["id"] == "mode" and option["currentValue"] == "full_access"
    assert len(option["options"]) == 4
    assert client.updates == [
        {"sessionUpdate": "current_mode_update", "currentModeId": "full_access"}
    ]


@pytest.mark.parametrize(
    ("method", "params", "problem"),
    [
        ("session/set_mode", {"sessionId": "sess_nope", "modeId": "ask"}, "unknown session"),
        ("session/set_mode", {"modeId": "plan"}, "unknown mode 'plan'"),
        ("session/set_mode", {}, "modeId"),
        ("session/set_config_option", {"configId": "effort", "value": "ask"}, "unknown config"),
        ("session/set_config_option", {"configId": "model", "value": "ask"}, "must be one of"),
        ("session/set_config_option", {"configId": "mode", "value": "yolo"}, "unknown mode"),
        ("session/set_config_option", {"configId": "mode", "value": True}, "not a boolean"),
        (
            "session/set_config_option",
            {"configId": "mode", "type": "boolean", "value": False},
            "not a boolean",
        ),
        ("session/set_config_option", {"configId": "mode", "value": 3}, "value"),
        ("session/set_config_option", {"configId": "mode"}, "value"),
    ],
)
async def test_bad_mode_changes_are_invalid_params_and_change_nothing(
    tmp_path, method, params, problem
):
    client = FakeClient()
    h, sid, _ = await open_session(client, tmp_path)
    await set_mode(h, sid, "accept_edits")
    client.notifications.clear()
    with pytest.raises(RpcError) as e:
        await h.requests[method]({"sessionId": sid, **params})
    assert e.value.code == -32602
    assert problem in e.value.message
    validate_def("Error", e.value.to_dict())
    assert client.notifications == []
    assert h.agent.sessions.get(sid).mode == "accept_edits"
    # Both views still say so.
    result = await h.requests["session/set_config_option"](
        {"sessionId": sid, "configId": "mode", "value": "accept_edits"}
    )
    assert result["configOptions"][0]["currentValue"] == "accept_edits"


async def test_switching_mid_turn_applies_to_the_next_permission_decision(hooked, tmp_path):
    hooked += [
        ScriptedModel.tool_calls(write("a.txt", id="first")),
        ScriptedModel.tool_calls(write("b.txt", id="second")),
        "done",
    ]
    # While the user looks at the first request, they switch to "Accept edits".
    client = SwitchingClient(["allow_once"], switch_to="accept_edits")
    h, sid, _ = await open_session(client, tmp_path)
    client.attach(h, sid)
    assert await prompt(h, sid) == "end_turn"
    assert [p["toolCall"]["toolCallId"] for _, p in client.requests] == ["first"]
    assert (tmp_path / "a.txt").read_text() == (tmp_path / "b.txt").read_text() == "new"
    assert finished(client) == {"first": "completed", "second": "completed"}
    kinds = [u["sessionUpdate"] for u in client.updates]
    assert kinds.count("config_option_update") == 1


def test_mode_state_lists_every_mode_and_validates():
    state = mode_state("full_access")
    validate_def("SessionModeState", state)
    assert state["currentModeId"] in [m["id"] for m in state["availableModes"]]


@pytest.mark.parametrize(
    ("argv", "env", "toml", "expected"),
    [
        ([], {}, "", "ask"),
        (["--mode", "read_only"], {}, "", "read_only"),
        (["--mode", "Accept-Edits"], {}, "", "accept_edits"),
        ([], {"AGENTICA_MODE": "full_access"}, "", "full_access"),
        ([], {}, 'mode = "read_only"\n', "read_only"),
        (["--mode", "ask"], {"AGENTICA_MODE": "full_access"}, 'mode = "read_only"\n', "ask"),
    ],
)
def test_default_mode_from_flag_environment_or_config_file(tmp_path, argv, env, toml, expected):
    path = tmp_path / "acp.toml"
    path.write_text(toml)
    assert load_config([*argv, "--config", str(path)], env).mode == expected


@pytest.mark.parametrize(
    ("argv", "env", "toml", "origin"),
    [
        (["--mode", "yolo"], {}, "", "command line"),
        ([], {"AGENTICA_MODE": "plan"}, "", "environment"),
        ([], {}, "mode = true\n", "config file"),
    ],
)
def test_unknown_default_mode_is_a_clear_config_error(tmp_path, argv, env, toml, origin):
    path = tmp_path / "acp.toml"
    path.write_text(toml)
    with pytest.raises(ConfigError) as e:
        load_config([*argv, "--config", str(path)], env)
    assert "mode must be one of ask, accept_edits, read_only, full_access" in str(e.value)
    assert origin in str(e.value)
