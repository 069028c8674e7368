"""The request body: ``messages`` and ``tools`` bypass the client's walk, same bytes sent."""

from __future__ import annotations

from typing import Any

import pytest

from agentica.messages import Message, ToolCall
from agentica.models._openai_request import create_arguments
from agentica.models.base import ToolSpec
from agentica.models.openai import OpenAIChat
from agentica.testing import MockReply, OpenAIMock

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "path": {"type": "string", "description": "Where."},
        "opts": {
            "type": "object",
            "properties": {"depth": {"anyOf": [{"type": "integer"}, {"type": "null"}]}},
        },
        "tags": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["path"],
}
TOOLS = [
    ToolSpec(name="ls", description="List a directory.", parameters=SCHEMA),
    ToolSpec(name="noop", description="Nothing.", parameters={"type": "object", "properties": {}}),
]
HISTORY = [
    Message.system("Be brief."),
    Message.user("list src"),
    Message.assistant("", tool_calls=[ToolCall(id="c1", name="ls", arguments='{"path": "src"}')]),
    Message.tool("c1", "ls", "a.py\nb.py"),
    Message.user("thanks ✓"),
]


def _model(mock: OpenAIMock, **kwargs: Any) -> OpenAIChat:
    return OpenAIChat(
        "gpt-test",
        base_url="http://mock/v1",
        api_key="sk-test",
        max_retries=0,
        http_client=mock.http_client(),
        **kwargs,
    )


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"temperature": 0.2, "top_p": 0.9, "max_tokens": 100, "stream_usage": True},
        {"extra_body": {"top_k": 5, "tools": "caller wins"}, "extra_headers": {"X-A": "1"}},
    ],
)
@pytest.mark.parametrize("tools", [TOOLS, []])
async def test_the_body_sent_is_byte_identical_to_the_plain_call(options, tools):
    plain, ours = OpenAIMock([MockReply(text="ok")]), OpenAIMock([MockReply(text="ok")])
    reference = _model(plain, **options)
    request = reference.build_request(HISTORY, tools)
    client = await reference._get_client()
    stream = await client.chat.completions.create(**request)  # The client's own way.
    async for _ in stream:
        pass
    deltas = [d async for d in _model(ours, **options).response_stream(HISTORY, tools)]
    assert deltas  # A whole answer came back.
    assert ours.requests[0].content == plain.requests[0].content
    assert ours.requests[0].headers.get("X-A") == plain.requests[0].headers.get("X-A")
    if tools and "extra_body" not in options:
        assert ours.bodies[0]["tools"][0]["function"]["parameters"] == SCHEMA


def test_messages_and_tools_go_through_extra_body_in_place():
    request = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "stream": True,
               "tools": [{"type": "function"}], "extra_body": {"top_k": 1}}  # fmt: skip
    args = create_arguments(request)
    assert args["messages"] == [] and args["tools"] == []
    assert args["extra_body"] == {
        "messages": request["messages"],
        "tools": request["tools"],
        "top_k": 1,
    }
    assert request["messages"] and request["extra_body"] == {"top_k": 1}  # Not mutated.
