"""The ACP server with ``--model anthropic/...`` against a loopback Anthropic endpoint."""

from __future__ import annotations

import anyio
import pytest

pytest.importorskip("anthropic")

from e2e_util import open_server

from agentica.testing_anthropic import AnthropicReply, AnthropicServer


async def test_the_server_streams_a_claude_turn_with_thoughts(workdir):
    replies = [
        AnthropicReply(thinking="The user greets me.", text="Hello from Claude!", usage=(40, 6)),
        AnthropicReply(text="Still here."),
    ]
    with AnthropicServer(replies) as fake:
        env = {
            "AGENTICA_TEST_MODEL": "",  # The configured model, not a scripted one.
            "ANTHROPIC_BASE_URL": fake.url,
            "ANTHROPIC_API_KEY": "sk-test",
        }
        args = ("--model", "anthropic/claude-sonnet-4-5")
        async with open_server(workdir, args=args, env=env) as server:
            with anyio.fail_after(30):
                await server.initialize()
                sid = await server.new_session()
                assert await server.prompt(sid, "hi there") == "end_turn"
                assert server.text(sid, "agent_thought_chunk") == "The user greets me."
                assert server.text(sid) == "Hello from Claude!"
                assert await server.prompt(sid, "still there?") == "end_turn"
        updates = server.updates(sid)
    assert server.text(sid) == "Hello from Claude!Still here."
    usage = [u for u in updates if u["sessionUpdate"] == "usage_update"]
    assert usage and usage[-1]["size"] == 200_000
    first, second = fake.bodies
    assert first["model"] == "claude-sonnet-4-5" and first["stream"] is True
    assert first["system"][-1]["cache_control"] == {"type": "ephemeral"}
    assert first["tools"] and first["tools"][-1]["cache_control"] == {"type": "ephemeral"}
    assert [m["role"] for m in second["messages"]] == ["user", "assistant", "user"]
    assert second["messages"][1]["content"][-1] == {"type": "text", "text": "Hello from Claude!"}
