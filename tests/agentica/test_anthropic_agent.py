"""AnthropicChat through the real Agent engine; cancellation; routing; the lazy import."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import anyio
import pytest

pytest.importorskip("anthropic")

from agentica.agent import Agent
from agentica.events import TextDelta, ThinkingDelta, ToolCallFinished
from agentica.exceptions import ModelResponseError, UserError
from agentica.messages import Message
from agentica.models.anthropic import AnthropicChat
from agentica.models.openai import OpenAIChat
from agentica.models.registry import get_model
from agentica.testing_anthropic import AnthropicMock, AnthropicReply, AnthropicServer


def make(mock: AnthropicMock, **kwargs) -> AnthropicChat:
    return AnthropicChat(
        "claude-test", api_key="k", http_client=mock.http_client(), max_retries=0, **kwargs
    )


async def test_an_agent_runs_parallel_tool_calls_with_thinking_then_answers():
    calls = []

    def add(a: int, b: int) -> int:
        """Add two numbers."""
        calls.append((a, b))
        return a + b

    mock = AnthropicMock(
        [
            AnthropicReply(
                thinking="Two sums.", signature="S1", text="Adding.",
                tool_calls=[("t1", "add", {"a": 2, "b": 3}), ("t2", "add", {"a": 1, "b": 1})],
            ),
            AnthropicReply(thinking="Done.", signature="S2", text="5 and 2."),
        ]
    )  # fmt: skip
    agent = Agent(model=make(mock, thinking=1024), tools=[add], instructions="Be brief.")
    events = []
    with anyio.fail_after(10):
        async for event in agent.run_stream("what are 2+3 and 1+1?"):
            events.append(event)
    assert sorted(calls) == [(1, 1), (2, 3)]
    assert [e.status for e in events if isinstance(e, ToolCallFinished)] == ["completed"] * 2
    thought = "".join(e.text for e in events if isinstance(e, ThinkingDelta))
    assert thought == "Two sums.Done."
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "Adding.5 and 2."
    second = mock.bodies[1]
    assert second["system"][0]["text"].startswith("Be brief.")
    assert second["tools"][-1]["name"] == "add"
    turn = second["messages"][1]["content"]
    assert turn[0] == {"type": "thinking", "thinking": "Two sums.", "signature": "S1"}
    assert [b["type"] for b in turn] == ["thinking", "text", "tool_use", "tool_use"]
    results = second["messages"][2]
    assert results["role"] == "user"
    assert [(b["tool_use_id"], b["content"]) for b in results["content"]] == [
        ("t1", "5"),
        ("t2", "2"),
    ]
    assert second["thinking"] == {"type": "enabled", "budget_tokens": 1024}


async def test_an_agent_run_reports_usage_with_cache_reads():
    mock = AnthropicMock([AnthropicReply(text="Hi.", usage=(20, 4), cache_read=80)])
    result = await make_agent(mock).run("hello")
    assert result.content == "Hi."
    assert result.usage.input_tokens == 100 and result.usage.cached_tokens == 80
    assert result.usage.output_tokens == 4 and result.usage.requests == 1


def make_agent(mock: AnthropicMock) -> Agent:
    return Agent(model=make(mock))


async def test_closing_the_stream_mid_answer_ends_the_request_promptly():
    reply = AnthropicReply(text=" ".join(["word"] * 400), delay=0.02)
    with AnthropicServer([reply]) as server:
        model = AnthropicChat("claude-test", api_key="k", base_url=server.url, max_retries=0)
        stream = model.response_stream([Message.user("talk")])
        with anyio.fail_after(10):
            async for delta in stream:
                if delta.type == "text":
                    break
            start = time.monotonic()
            await stream.aclose()  # type: ignore[attr-defined]
            closed = time.monotonic() - start
            assert await anyio.to_thread.run_sync(server.disconnected.wait, 5)
        assert time.monotonic() - start < 2.0
        assert closed < 2.0
        await model.aclose()


async def test_cancelling_an_agent_run_mid_stream_stops_the_request():
    reply = AnthropicReply(text=" ".join(["word"] * 400), delay=0.02)
    with AnthropicServer([reply]) as server:
        model = AnthropicChat("claude-test", api_key="k", base_url=server.url, max_retries=0)
        agent = Agent(model=model)
        texts = []
        with anyio.fail_after(10):
            async for event in agent.run_stream("talk"):
                if isinstance(event, TextDelta):
                    texts.append(event.text)
                    if len(texts) == 3:
                        agent.cancel()
                        start = time.monotonic()
            assert await anyio.to_thread.run_sync(server.disconnected.wait, 5)
        assert time.monotonic() - start < 2.0
        assert 3 <= len(texts) < 50
        await model.aclose()


def test_get_model_routes_anthropic_specs(monkeypatch):
    monkeypatch.setenv("ANTHROPIC_BASE_URL", "http://127.0.0.1:9/")
    model = get_model("anthropic/claude-sonnet-4-5")
    assert isinstance(model, AnthropicChat)
    assert model.id == "claude-sonnet-4-5" and model.base_url == "http://127.0.0.1:9/"
    assert model.context_window == 200_000
    default = get_model("anthropic", env_overrides={"ANTHROPIC_API_KEY": "sk-x"})
    assert isinstance(default, AnthropicChat) and default.api_key == "sk-x"
    assert default.id == "claude-sonnet-4-5"
    thinking = get_model("anthropic/claude-opus-4-1", thinking=2048, timeout=30)
    assert isinstance(thinking, AnthropicChat) and thinking.thinking is not None
    with pytest.raises(UserError, match="AnthropicChat"):
        OpenAIChat("claude-sonnet-4-5", provider="anthropic")


def test_importing_agentica_and_other_models_never_loads_anthropic():
    code = (
        "import sys, agentica\n"
        "from agentica.models.registry import get_model\n"
        "get_model('openai/x', api_key='k'); get_model('deepseek/deepseek-chat', api_key='k')\n"
        "m = get_model('anthropic/claude-sonnet-4-5', api_key='k')\n"
        "print(json.dumps(['anthropic' in sys.modules, type(m).__name__]))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", "import json\n" + code],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert json.loads(out.stdout) == [False, "AnthropicChat"]


async def test_a_connection_dropped_mid_stream_on_loopback_is_a_readable_error():
    reply = AnthropicReply(text="one two three four", cut_after=5)
    with AnthropicServer([reply, AnthropicReply(text="Fine again.")]) as server:
        model = AnthropicChat("claude-test", api_key="k", base_url=server.url, max_retries=0)
        with anyio.fail_after(10):
            with pytest.raises(ModelResponseError, match="stream was cut mid-answer"):
                await model.response([Message.user("hi")])
            assert (await model.response([Message.user("hi")])).content == "Fine again."
        await model.aclose()


def test_the_model_runs_on_trio_too():
    mock = AnthropicMock([AnthropicReply(thinking="hm", text="On trio.", tool_calls=[("a", {})])])

    async def main():
        model = make(mock)
        with anyio.fail_after(10):
            return await model.response([Message.user("hi")])

    reply = anyio.run(main, backend="trio")
    assert (reply.content, reply.reasoning_content) == ("On trio.", "hm")
    assert [c.name for c in reply.tool_calls] == ["a"]
