"""Sign-in from the editor (acp-spec §11; checklist items 20, 64-66): the real server."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from auth_util import ServerProcess
from fault_http import FaultServer

from acp_server.auth import DEMO_METHOD, KEY_METHOD, LOGIN_METHOD, PROVIDER_KEY_ENVS, SignIn
from acp_server.config import ServerConfig, load_config
from acp_server.errors import RpcError
from acp_server.login import store_login
from acp_server.model_settings import credential_overrides

SECRET = "sk-test-7f3e9d1c5b2a4e6f8091"


def _new(server: ServerProcess, tmp_path: Path) -> dict:
    return server.request("session/new", {"cwd": str(tmp_path), "mcpServers": []})


def test_no_model_advertises_the_sign_in_methods(tmp_path: Path) -> None:
    with ServerProcess(tmp_path) as server:  # Answered by the startup fast path.
        result = server.initialize(auth={"terminal": True})
    methods = result["authMethods"]
    assert [m["id"] for m in methods] == [LOGIN_METHOD, KEY_METHOD, DEMO_METHOD]
    assert methods[0]["type"] == "terminal" and methods[0]["args"] == ["--login"]
    assert all("type" not in m for m in methods[1:])
    assert result["agentCapabilities"]["auth"] == {"logout": {}}


def test_no_terminal_method_unless_the_client_offers_terminal_auth(tmp_path: Path) -> None:
    with ServerProcess(tmp_path) as server:
        # A snake_case capability takes the pydantic path, not the startup fast path.
        response = server.request(
            "initialize",
            {"protocolVersion": 1, "clientCapabilities": {"fs": {"read_text_file": True}}},
        )
    methods = response["result"]["authMethods"]
    assert [m["id"] for m in methods] == [KEY_METHOD, DEMO_METHOD]


def test_sessions_need_a_sign_in_first(tmp_path: Path) -> None:
    with ServerProcess(tmp_path) as server:
        server.initialize()
        refused = _new(server, tmp_path)
        load = server.request(
            "session/load", {"sessionId": "s", "cwd": str(tmp_path), "mcpServers": []}
        )
        resume = server.request("session/resume", {"sessionId": "s", "cwd": str(tmp_path)})
        no_key = server.request("authenticate", {"methodId": KEY_METHOD})
    for response in (refused, load, resume, no_key):
        assert response["error"]["code"] == -32000
    message = refused["error"]["message"]
    assert "agentica-acp --login" in message and str(tmp_path / "acp.toml") in message
    assert "OPENAI_API_KEY" in message and "demo" in message


def test_the_demo_method_signs_in_and_logout_asks_again(tmp_path: Path) -> None:
    with ServerProcess(tmp_path) as server:
        server.initialize()
        assert server.request("authenticate", {"methodId": DEMO_METHOD})["result"] == {}
        sid = _new(server, tmp_path)["result"]["sessionId"]
        turn = server.request(
            "session/prompt", {"sessionId": sid, "prompt": [{"type": "text", "text": "hi"}]}
        )
        assert turn["result"]["stopReason"] == "end_turn"
        assert server.request("logout")["result"] == {}
        assert _new(server, tmp_path)["error"]["code"] == -32000


def test_unknown_and_terminal_methods_cannot_be_authenticated(tmp_path: Path) -> None:
    with ServerProcess(tmp_path) as server:
        server.initialize(auth={"terminal": True})
        unknown = server.request("authenticate", {"methodId": "nope"})
        terminal = server.request("authenticate", {"methodId": LOGIN_METHOD})
    assert unknown["error"]["code"] == terminal["error"]["code"] == -32602


def test_a_configured_model_needs_no_sign_in(tmp_path: Path) -> None:
    with ServerProcess(tmp_path, "--model", "demo") as server:
        result = server.initialize(auth={"terminal": True})
        assert result["authMethods"] == []
        assert "auth" not in result["agentCapabilities"]
        assert "sessionId" in _new(server, tmp_path)["result"]
        assert server.request("logout")["error"]["code"] == -32601  # Not advertised.
        demo = server.request("authenticate", {"methodId": DEMO_METHOD})
        assert demo["error"]["code"] == -32602  # Nothing was offered.


@pytest.mark.parametrize("var", ["OPENAI_API_KEY", "DEEPSEEK_API_KEY", "ANTHROPIC_API_KEY"])
def test_a_provider_key_in_the_environment_counts_as_configured(var: str, tmp_path: Path) -> None:
    config = load_config([], {"AGENTICA_CONFIG": str(tmp_path / "none.toml"), var: "k"})
    assert not SignIn(config, environ={var: "k"}).required
    assert SignIn(config, environ={}).required == (var != "OPENAI_API_KEY")


def test_every_preset_key_variable_is_known() -> None:
    from agentica.models.presets import PRESETS

    needed = {p.key_envs[0] for p in PRESETS.values() if p.needs_key}
    assert needed <= set(PROVIDER_KEY_ENVS)


def test_a_hand_built_config_never_asks_for_a_sign_in() -> None:
    assert not SignIn(ServerConfig(), environ={}).required


def test_the_key_method_picks_up_a_login_made_meanwhile(tmp_path: Path) -> None:
    config = tmp_path / "acp.toml"
    config.write_text("max_turns = 7\n")
    with FaultServer() as fake, ServerProcess(tmp_path, "--log-level", "DEBUG") as server:
        server.initialize(auth={"terminal": True})
        assert server.request("authenticate", {"methodId": KEY_METHOD})["error"]["code"] == -32000
        # What `agentica-acp --login` does in the editor's terminal meanwhile.
        store_login(
            config,
            {"model": "openai/gpt-4o-mini", "OPENAI_API_KEY": SECRET, "OPENAI_BASE_URL": fake.url},
        )
        assert server.request("authenticate", {"methodId": KEY_METHOD})["result"] == {}
        sid = _new(server, tmp_path)["result"]["sessionId"]
        turn = server.request(
            "session/prompt", {"sessionId": sid, "prompt": [{"type": "text", "text": "hi"}]}
        )
        assert turn["result"]["stopReason"] == "end_turn"
        assert fake.bodies and fake.bodies[0]["model"] == "gpt-4o-mini"
        argv = Path(f"/proc/{server.proc.pid}/cmdline").read_bytes() if os.path.exists(
            "/proc"
        ) else b""
        assert SECRET.encode() not in argv
        logs = server.stderr()
    assert "DEBUG" in logs and "signed in" in logs  # Debug logs were on, and said it.
    assert SECRET not in logs and SECRET[-8:] not in logs


def test_logout_removes_the_stored_key(tmp_path: Path) -> None:
    config = tmp_path / "acp.toml"
    config.write_text("max_turns = 7\n\n[mcp_servers.files]\ncommand = \"/bin/true\"\n")
    store_login(config, {"model": "openai/gpt-4o-mini", "OPENAI_API_KEY": SECRET})
    with ServerProcess(tmp_path) as server:
        result = server.initialize()
        assert result["authMethods"] == []  # The stored login configures the model...
        assert result["agentCapabilities"]["auth"] == {"logout": {}}  # ...and can be undone.
        assert server.request("logout")["result"] == {}
        refused = _new(server, tmp_path)
    assert refused["error"]["code"] == -32000
    text = config.read_text()
    assert SECRET not in text and "[login]" not in text
    assert "max_turns = 7" in text and "[mcp_servers.files]" in text


def test_stored_variables_reach_the_model_but_the_environment_wins(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = ServerConfig(login={"model": "deepseek", "DEEPSEEK_API_KEY": "stored"})
    assert credential_overrides(config) == {"DEEPSEEK_API_KEY": "stored"}
    monkeypatch.setenv("DEEPSEEK_API_KEY", "from-env")
    assert credential_overrides(config) == {}
    assert "stored" not in repr(config)


def test_load_config_says_where_each_setting_came_from(tmp_path: Path) -> None:
    path = tmp_path / "acp.toml"
    path.write_text('max_turns = 9\nmode = "read_only"\n')
    env = {"AGENTICA_CONFIG": str(path), "AGENTICA_MODE": "full_access"}
    config = load_config(["--log-level", "info"], env)
    assert config.sources == {
        "max_turns": f"config file {path}",
        "mode": "env AGENTICA_MODE",
        "log_level": "command line",
        "model": "default",
    }


def test_a_key_stored_after_trying_the_demo_replaces_the_demo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "acp.toml"
    monkeypatch.setenv("AGENTICA_CONFIG", str(path))  # Where the server looks again.
    config = load_config([], {"AGENTICA_CONFIG": str(path)})
    sign_in = SignIn(config, environ={})
    sign_in.methods({})
    assert sign_in.authenticate({"methodId": DEMO_METHOD}) and config.model == "demo"
    with pytest.raises(RpcError) as refused:  # Nothing stored yet: the demo stays.
        sign_in.authenticate({"methodId": KEY_METHOD})
    assert refused.value.code == -32000 and config.model == "demo"
    store_login(path, {"model": "deepseek/deepseek-chat", "DEEPSEEK_API_KEY": SECRET})
    assert sign_in.authenticate({"methodId": KEY_METHOD})
    assert config.model == "deepseek/deepseek-chat"
    assert credential_overrides(config) == {"DEEPSEEK_API_KEY": SECRET}
    assert SECRET not in refused.value.message
