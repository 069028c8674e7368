"""Model faults seen through the real server over stdio (``python -m acp_server``).

Each fault ends the turn with a message the user can read, the session stays usable (the
next prompt is answered) and every message the server writes validates against the ACP
schema (``e2e_util.open_server`` checks that). The server talks to ``FaultServer`` on
127.0.0.1 through the real ``OpenAIChat``, configured as a user would (``--model``,
``OPENAI_BASE_URL``), except the stall tests, which use ``fault_models:model`` for
sub-second timeouts.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

import anyio
import pytest
from e2e_util import REPO, open_server
from fault_http import Cut, FaultServer, Silent, Stall, Status

from agentica.testing import MockReply

HERE = Path(__file__).resolve().parent
PYTHONPATH = os.pathsep.join([str(HERE), str(HERE.parent / "e2e"), str(REPO)])


def user_env(url: str) -> dict[str, str]:
    """A real model named on the command line, pointed at the loopback endpoint."""
    return {
        "AGENTICA_TEST_MODEL": "",
        "OPENAI_BASE_URL": url,
        "OPENAI_API_KEY": "sk-fault",
        "PYTHONPATH": PYTHONPATH,
    }


def hook_env(url: str) -> dict[str, str]:
    return {
        "AGENTICA_TEST_MODEL": "fault_models:model",
        "FAULT_BASE_URL": url,
        "PYTHONPATH": PYTHONPATH,
    }


MODEL_ARGS = ("--model", "openai/gpt-fault")


async def two_turns(workdir: Path, env: dict[str, str], args=MODEL_ARGS) -> tuple[str, str, list]:
    """The first prompt's text, the second prompt's text, and the first turn's updates."""
    async with open_server(workdir, args=args, env=env) as server:
        with anyio.fail_after(30):
            await server.initialize()
            sid = await server.new_session()
            assert await server.prompt(sid, "first") == "end_turn"
            first_updates = list(server.updates(sid))
            first = server.text(sid)
            assert await server.prompt(sid, "second") == "end_turn"
            second = server.text(sid)[len(first) :]
    return first, second, first_updates


STATUS_FAULTS = {
    "401": (
        [Status(401, "Incorrect API key provided: sk-fa***")],
        ["Incorrect API key", "OPENAI_API_KEY"],
    ),
    "404": ([Status(404, "The model `gpt-fault` does not exist")], ["does not exist"]),
    # The client retries 500 twice (max_retries), then gives up readably.
    "500": ([Status(500, "The server had an error")] * 3, ["The server had an error"]),
    "cut": ([Cut(3)], ["cut mid-answer"]),
}


@pytest.mark.parametrize("fault", list(STATUS_FAULTS))
async def test_a_failing_model_ends_the_turn_readably_and_the_session_lives(workdir, fault):
    script, expected = STATUS_FAULTS[fault]
    with FaultServer(list(script)) as srv:
        first, second, _ = await two_turns(workdir, user_env(srv.url))
    assert "The model call failed:" in first
    for text in expected:
        assert text in first
    assert second == "hello"


async def test_429_then_success_is_retried_and_answered(workdir):
    script = [Status(429, "slow down", {"retry-after-ms": "10"}), MockReply(text="finally here")]
    with FaultServer(script) as srv:
        first, second, _ = await two_turns(workdir, user_env(srv.url))
        assert srv.requests == 3
    assert first == "finally here"
    assert second == "hello"


async def test_connection_refused_is_readable(workdir):
    with socket.socket() as s:  # A port nobody listens on.
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = user_env(f"http://127.0.0.1:{port}/v1")
    async with open_server(workdir, args=MODEL_ARGS, env=env) as server:
        with anyio.fail_after(30):
            await server.initialize()
            sid = await server.new_session()
            assert await server.prompt(sid, "first") == "end_turn"
    text = server.text(sid)
    assert "The model call failed:" in text
    assert f"cannot reach http://127.0.0.1:{port}/v1" in text


async def test_a_silent_model_shows_waiting_then_a_readable_error_and_is_asked_once(workdir):
    with FaultServer([Silent()]) as srv:
        start = anyio.current_time()
        first, second, updates = await two_turns(workdir, hook_env(srv.url), args=())
        elapsed = anyio.current_time() - start
        assert srv.requests == 2  # One per prompt: the silent request was not re-sent.
    thoughts = "".join(
        u["content"]["text"] for u in updates if u["sessionUpdate"] == "agent_thought_chunk"
    )
    assert "Waiting for the model (gpt-fault): no answer yet" in thoughts
    assert "The model call failed:" in first
    assert "no answer within 1.5s from gpt-fault" in first
    assert second == "hello"
    assert elapsed < 20


async def test_a_stream_stalled_mid_answer_keeps_its_text_and_ends_readably(workdir):
    with FaultServer([Stall(3)]) as srv:
        first, second, _ = await two_turns(workdir, hook_env(srv.url), args=())
    assert first.startswith("one two ")
    assert "stalled: no data for 1s mid-answer" in first
    assert second == "hello"


async def test_malformed_tool_arguments_become_a_tool_error_the_model_reads(workdir):
    script = [
        MockReply(tool_calls=[("call_bad", "ls", '{"path": "')]),
        MockReply(text="recovered"),
    ]
    with FaultServer(script) as srv:
        first, second, updates = await two_turns(workdir, user_env(srv.url))
        tool_message = srv.bodies[1]["messages"][-1]
    calls = [u for u in updates if u["sessionUpdate"] in ("tool_call", "tool_call_update")]
    assert calls and calls[-1]["status"] == "failed"
    assert tool_message["role"] == "tool" and tool_message["tool_call_id"] == "call_bad"
    told = tool_message["content"]  # The model is told what went wrong...
    assert told.startswith("Invalid JSON arguments for tool 'ls'")
    assert calls[-1]["content"][0]["content"]["text"] == told  # ...and so is the user.
    assert first == "recovered"  # ...and answers.
    assert second == "hello"
