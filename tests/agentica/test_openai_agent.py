"""OpenAIChat through the real Agent engine, over the fake endpoint."""

from __future__ import annotations

import json

import anyio
import pytest

from agentica.agent import Agent
from agentica.events import TextDelta, ThinkingDelta, ToolCallFinished
from agentica.exceptions import RateLimitError
from agentica.models.openai import OpenAIChat
from agentica.testing import MockReply, OpenAIMock, openai_error


def make(mock: OpenAIMock) -> OpenAIChat:
    return OpenAIChat(
        "gpt-test",
        api_key="k",
        base_url="http://mock/v1",
        http_client=mock.http_client(),
        max_retries=0,
    )


async def test_agent_runs_a_streamed_tool_call_then_answers():
    calls = []

    def add(a: int, b: int) -> int:
        """Add two numbers."""
        calls.append((a, b))
        return a + b

    mock = OpenAIMock(
        [
            MockReply(
                reasoning="use the tool", tool_calls=[("c1", "add", {"a": 2, "b": 3})], split=4
            ),
            MockReply(text="The sum is 5."),
        ]
    )
    agent = Agent(model=make(mock), tools=[add])
    events = []
    with anyio.fail_after(10):
        async for event in agent.run_stream("what is 2+3?"):
            events.append(event)
    assert calls == [(2, 3)]
    assert [e.status for e in events if isinstance(e, ToolCallFinished)] == ["completed"]
    assert "".join(e.text for e in events if isinstance(e, ThinkingDelta)) == "use the tool"
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "The sum is 5."
    second = mock.bodies[1]["messages"]
    assert second[-2]["tool_calls"][0]["function"] == {
        "name": "add",
        "arguments": json.dumps({"a": 2, "b": 3}),
    }
    assert second[-1] == {"role": "tool", "tool_call_id": "c1", "content": "5"}
    assert [t["function"]["name"] for t in mock.bodies[0]["tools"]] == ["add"]


async def test_agent_raises_the_typed_model_error():
    mock = OpenAIMock([openai_error(429, "quota exceeded", type="rate_limit_error")])
    with anyio.fail_after(10), pytest.raises(RateLimitError, match="quota exceeded"):
        await Agent(model=make(mock)).run("hi")
