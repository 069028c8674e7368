"""End to end over real stdio: initialize, version negotiation, session/new validation."""

from __future__ import annotations

import json

import anyio
import pytest
from acp import RequestError
from e2e_util import open_server


async def test_initialize_answers_version_1_with_capabilities_and_agent_info(workdir):
    async with open_server(workdir) as server:
        with anyio.fail_after(10):
            result = await server.initialize(fs=True, terminal=True)
    assert result.protocol_version == 1
    caps = result.agent_capabilities
    assert caps.load_session is True
    assert caps.session_capabilities is not None
    assert caps.session_capabilities.list is not None
    assert caps.session_capabilities.close is not None
    assert caps.prompt_capabilities.embedded_context is True
    assert caps.prompt_capabilities.audio is False
    assert caps.mcp_capabilities.http is True and caps.mcp_capabilities.sse is True  # mcp extra
    assert result.auth_methods == []
    assert result.agent_info.name == "agentica"
    assert result.agent_info.title == "Agentica"


async def test_session_new_gives_distinct_ids(workdir):
    async with open_server(workdir) as server:
        with anyio.fail_after(10):
            await server.initialize()
            a = await server.new_session()
            b = await server.new_session()
    assert a and b and a != b


async def test_session_new_with_relative_cwd_is_invalid_params(workdir):
    async with open_server(workdir) as server:
        with anyio.fail_after(10):
            await server.initialize()
            with pytest.raises(RequestError) as e:
                await server.conn.new_session(cwd="relative/dir", mcp_servers=[])
    assert e.value.code == -32602
    assert "cwd must be an absolute path, got 'relative/dir'" in str(e.value)


async def test_prompt_for_unknown_session_is_an_error_naming_it(workdir):
    async with open_server(workdir) as server:
        with anyio.fail_after(10):
            await server.initialize()
            with pytest.raises(RequestError) as e:
                await server.prompt("sess_nope", "hi")
    assert e.value.code == -32602
    assert "sess_nope" in str(e.value)


@pytest.mark.parametrize("version", [1, 2, 0, 99])
async def test_any_requested_version_is_answered_with_1(raw, version):
    msg = await raw.call(1, "initialize", {"protocolVersion": version})
    assert msg["result"]["protocolVersion"] == 1


@pytest.mark.parametrize(
    "params",
    [{}, {"protocolVersion": "1.0.0"}, {"protocolVersion": True}],
    ids=["missing", "string", "bool"],
)
async def test_bad_protocol_version_is_invalid_params(raw, params):
    msg = await raw.call(1, "initialize", params)
    assert msg["error"]["code"] == -32602
    assert "protocolVersion" in msg["error"]["message"]


async def test_session_new_without_mcp_servers_is_accepted_and_meta_is_allowed(raw, workdir):
    await raw.call(1, "initialize", {"protocolVersion": 1, "_meta": {"traceparent": "00-a"}})
    msg = await raw.call(2, "session/new", {"cwd": str(workdir), "_meta": {"x": 1}, "extra": 2})
    assert msg["result"]["sessionId"]


@pytest.mark.parametrize(
    "prompt",
    ["hello", [{"type": "text"}], [{"type": "nope"}]],
    ids=["string", "text-without-text", "unknown-block-type"],
)
async def test_malformed_prompt_is_invalid_params(raw, workdir, prompt):
    await raw.call(1, "initialize", {"protocolVersion": 1})
    sid = (await raw.call(2, "session/new", {"cwd": str(workdir), "mcpServers": []}))["result"][
        "sessionId"
    ]
    msg = await raw.call(3, "session/prompt", {"sessionId": sid, "prompt": prompt})
    assert msg["error"]["code"] == -32602


async def test_a_key_from_the_config_file_does_not_reach_the_agent_s_commands(workdir):
    config = workdir.parent / "acp.toml"
    config.write_text(
        'api_key = "sk-only-in-the-config-file"\nbase_url = "http://127.0.0.1:9/v1"\n'
    )
    command = 'echo "key=[$OPENAI_API_KEY] url=[$OPENAI_BASE_URL]"'
    prompt = "call " + json.dumps([{"name": "execute", "args": {"command": command}}])
    env = {"OPENAI_API_KEY": "", "OPENAI_BASE_URL": ""}  # Empty: unset for the settings.
    async with open_server(workdir, args=("--config", str(config)), env=env) as server:
        with anyio.fail_after(15):
            await server.initialize()
            sid = await server.new_session()
            assert await server.prompt(sid, prompt) == "end_turn"
    assert "key=[] url=[]" in server.text(sid)
    assert "sk-only-in-the-config-file" not in json.dumps(server.received)
