"""AnthropicChat against a fake Messages endpoint (in-process mock transport; no network)."""

from __future__ import annotations

import json

import anyio
import pytest
from pydantic import TypeAdapter

pytest.importorskip("anthropic")

import anthropic

from agentica.events import Usage
from agentica.exceptions import (
    AuthenticationError,
    ContextLengthError,
    ModelConnectionError,
    ModelError,
    ModelNotFoundError,
    ModelResponseError,
    ModelTimeoutError,
    RateLimitError,
    UserError,
)
from agentica.messages import ImagePart, Message, TextPart, ToolCall
from agentica.models._anthropic_stream import StreamReader
from agentica.models.anthropic import AnthropicChat
from agentica.models.base import (
    ModelFinish,
    ModelStatus,
    ModelTextDelta,
    ModelThinkingDelta,
    ModelToolCall,
    ModelUsage,
    ToolSpec,
)
from agentica.testing_anthropic import (
    AnthropicMock,
    AnthropicReply,
    anthropic_error,
    http_module,
    sse,
)

PNG = "iVBORw0KGgo="


def make(mock: AnthropicMock, **kwargs) -> AnthropicChat:
    kwargs.setdefault("max_retries", 0)
    return AnthropicChat("claude-test", api_key="k", http_client=mock.http_client(), **kwargs)


async def collect(model: AnthropicChat, messages, tools=()) -> list:
    with anyio.fail_after(10):
        return [d async for d in model.response_stream(messages, tools)]


async def test_text_streams_word_by_word_with_usage_and_finish():
    mock = AnthropicMock([AnthropicReply(text="Hello there, friend", usage=(12, 3))])
    deltas = await collect(make(mock), [Message.user("hi")])
    texts = [d.text for d in deltas if isinstance(d, ModelTextDelta)]
    assert texts == ["Hello ", "there, ", "friend"]
    assert deltas[-2] == ModelUsage(
        usage=Usage(input_tokens=12, output_tokens=3, total_tokens=15, requests=1)
    )
    assert deltas[-1] == ModelFinish(reason="stop")
    body = mock.bodies[0]
    assert body["model"] == "claude-test" and body["stream"] is True
    assert body["max_tokens"] == 8192
    assert body["messages"] == [{"role": "user", "content": [{"type": "text", "text": "hi"}]}]
    headers = mock.headers[0]  # The key's header depends on the anthropic version.
    assert headers.get("x-api-key") == "k" or headers.get("authorization") == "Bearer k"


async def test_thinking_streams_as_thought_deltas_and_is_requested():
    mock = AnthropicMock([AnthropicReply(thinking="Let me see.", text="Four.")])
    model = make(mock, thinking={"type": "enabled", "budget_tokens": 2048})
    deltas = await collect(model, [Message.user("2+2?")])
    kinds = [d.type for d in deltas]
    assert kinds.index("thinking") < kinds.index("text")
    assert "".join(d.text for d in deltas if isinstance(d, ModelThinkingDelta)) == "Let me see."
    body = mock.bodies[0]
    assert body["thinking"] == {"type": "enabled", "budget_tokens": 2048}
    assert body["max_tokens"] > 2048  # The API wants room for the answer above the budget.


def test_thinking_as_a_budget_alone_and_a_too_small_max_tokens():
    model = AnthropicChat("claude-test", api_key="k", thinking=4000)
    assert model.thinking == {"type": "enabled", "budget_tokens": 4000}
    with pytest.raises(UserError, match="exceed the thinking budget"):
        AnthropicChat("claude-test", api_key="k", thinking=4000, max_tokens=4000)


async def test_parallel_tool_calls_are_assembled_from_json_pieces_one_by_one():
    calls = [("toolu_1", "ls", {"path": "src", "deep": True}), ("toolu_2", "cat", {"path": "a"})]
    mock = AnthropicMock([AnthropicReply(text="Looking.", tool_calls=calls)])
    tools = [ToolSpec(name="ls", description="List.", parameters={"type": "object"})]
    deltas = await collect(make(mock), [Message.user("look")], tools)
    got = [d.call for d in deltas if isinstance(d, ModelToolCall)]
    assert [(c.id, c.name, json.loads(c.arguments)) for c in got] == [
        (i, n, a) for i, n, a in calls
    ]
    assert deltas[-1] == ModelFinish(reason="tool_calls")
    # Each call is handed on as soon as its block stops, before the reply ends.
    assert [d.type for d in deltas][-4:] == ["tool_call", "tool_call", "usage", "finish"]


async def test_prompt_caching_marks_the_system_prompt_and_the_last_tool():
    mock = AnthropicMock([AnthropicReply(text="ok")])
    tools = [
        ToolSpec(name=n, description=f"{n} tool", parameters={"type": "object", "properties": {}})
        for n in ("a", "b")
    ]
    await collect(make(mock), [Message.system("You are terse."), Message.user("hi")], tools)
    body = mock.bodies[0]
    assert body["system"] == [
        {"type": "text", "text": "You are terse.", "cache_control": {"type": "ephemeral"}}
    ]
    assert body["tools"][0] == {
        "name": "a",
        "description": "a tool",
        "input_schema": {"type": "object", "properties": {}},
    }
    assert body["tools"][1]["cache_control"] == {"type": "ephemeral"}
    assert all(m["role"] != "system" for m in body["messages"])


async def test_usage_counts_cache_reads_and_writes():
    mock = AnthropicMock(
        [AnthropicReply(text="ok", usage=(100, 7), cache_read=900, cache_creation=50)] * 2
    )
    model = make(mock)
    reply = await model.response([Message.user("hi")])
    assert reply.usage == Usage(
        input_tokens=1050, output_tokens=7, total_tokens=1057, cached_tokens=900,
        cache_write_tokens=50, requests=1,
    )  # fmt: skip
    await model.response([Message.user("hi")])
    assert model.cache_creation_tokens == 100


async def test_a_run_prices_cache_writes_above_input_and_reads_below() -> None:
    from agentica import Agent

    mock = AnthropicMock([AnthropicReply(text="ok", usage=(100, 10), cache_read=2000,
                                         cache_creation=1000)])  # fmt: skip
    model = AnthropicChat("claude-sonnet-4-5", api_key="k", http_client=mock.http_client(),
                          max_retries=0)  # fmt: skip
    with anyio.fail_after(10):
        result = await Agent(model=model).run("hi")
    # $3 a million fresh, $0.30 read, $3.75 written, $15 output.
    expected = (100 * 3.0 + 2000 * 0.30 + 1000 * 3.75 + 10 * 15.0) / 1e6
    assert result.usage.cost == pytest.approx(expected)
    assert result.usage.cache_write_tokens == 1000


async def test_images_go_as_base64_and_url_blocks():
    mock = AnthropicMock([AnthropicReply(text="A cat.")])
    content = [
        TextPart(text="What is this?"),
        ImagePart(data=PNG, mime_type="image/png"),
        ImagePart(url=f"data:image/jpeg;base64,{PNG}"),
        ImagePart(url="https://example.com/cat.webp"),
    ]
    await collect(make(mock), [Message.user(content)])
    blocks = mock.bodies[0]["messages"][0]["content"]
    assert blocks == [
        {"type": "text", "text": "What is this?"},
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PNG}},
        {"type": "image", "source": {"type": "base64", "media_type": "image/jpeg", "data": PNG}},
        {"type": "image", "source": {"type": "url", "url": "https://example.com/cat.webp"}},
    ]


async def test_history_converts_tool_turns_into_merged_tool_result_messages():
    mock = AnthropicMock([AnthropicReply(text="Done.")])
    calls = [ToolCall(id="t1", name="ls", arguments='{"path": "."}'), ToolCall(id="t2", name="x")]
    history = [
        Message.system("sys"),
        Message.user("go"),
        Message.assistant("On it.", tool_calls=calls),
        Message.tool("t1", "ls", "a b"),
        Message.tool("t2", "x", "boom", is_error=True, images=[ImagePart(data=PNG)]),
        Message.user("and now?"),
    ]
    await collect(make(mock), history)
    messages = mock.bodies[0]["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant", "user"]
    assert messages[1]["content"] == [
        {"type": "text", "text": "On it."},
        {"type": "tool_use", "id": "t1", "name": "ls", "input": {"path": "."}},
        {"type": "tool_use", "id": "t2", "name": "x", "input": {}},
    ]
    assert messages[2]["content"] == [
        {"type": "tool_result", "tool_use_id": "t1", "content": "a b"},
        {
            "type": "tool_result",
            "tool_use_id": "t2",
            "content": [
                {"type": "text", "text": "boom"},
                {
                    "type": "image",
                    "source": {"type": "base64", "media_type": "image/png", "data": PNG},
                },
            ],
            "is_error": True,
        },
        {"type": "text", "text": "and now?"},
    ]


async def test_thinking_blocks_with_signatures_are_sent_back_next_turn():
    first = AnthropicReply(
        thinking="I should list.", signature="SIG1", redacted="opaque",
        tool_calls=[("toolu_9", "ls", {})],
    )  # fmt: skip
    mock = AnthropicMock([first, AnthropicReply(text="Two files.")])
    model = make(mock, thinking=1024)
    reply = await model.response([Message.user("list")])
    history = [Message.user("list"), reply.to_message(), Message.tool("toolu_9", "ls", "a b")]
    await collect(model, history)
    body = mock.bodies[1]
    assert body["messages"][1]["content"] == [
        {"type": "thinking", "thinking": "I should list.", "signature": "SIG1"},
        {"type": "redacted_thinking", "data": "opaque"},
        {"type": "tool_use", "id": "toolu_9", "name": "ls", "input": {}},
    ]
    assert body["thinking"] == {"type": "enabled", "budget_tokens": 1024}


async def test_a_tool_turn_whose_thinking_is_unknown_is_sent_without_thinking():
    mock = AnthropicMock([AnthropicReply(text="ok")])
    history = [
        Message.user("list"),
        Message.assistant(None, tool_calls=[ToolCall(id="old", name="ls")], reasoning_content="x"),
        Message.tool("old", "ls", "a"),
    ]
    await collect(make(mock, thinking=1024), history)
    assert "thinking" not in mock.bodies[0]
    assert mock.bodies[0]["messages"][1]["content"][0]["type"] == "tool_use"


async def test_an_old_tool_turn_with_unknown_thinking_does_not_turn_thinking_off():
    mock = AnthropicMock([AnthropicReply(text="ok")])
    history = [
        Message.user("list"),
        Message.assistant(None, tool_calls=[ToolCall(id="old", name="ls")], reasoning_content="x"),
        Message.tool("old", "ls", "a"),
        Message.assistant("Two files."),
        Message.user("thanks; and now?"),
    ]
    await collect(make(mock, thinking=1024), history)
    assert mock.bodies[0]["thinking"] == {"type": "enabled", "budget_tokens": 1024}


@pytest.mark.parametrize(
    ("status", "kind", "message", "error", "expected_status"),
    [
        (401, "authentication_error", "invalid x-api-key", AuthenticationError, 401),
        (403, "permission_error", "no access", AuthenticationError, 403),
        (429, "rate_limit_error", "slow down", RateLimitError, 429),
        (404, "not_found_error", "model: claude-nope", ModelNotFoundError, 404),
        (400, "invalid_request_error", "max_tokens: bad", ModelResponseError, 400),
        (400, "invalid_request_error", "prompt is too long: 250000", ContextLengthError, 400),
        (500, "api_error", "Internal server error", ModelResponseError, 500),
        (529, "overloaded_error", "Overloaded", ModelResponseError, 529),
    ],
)
async def test_http_errors_map_to_the_typed_errors(status, kind, message, error, expected_status):
    mock = AnthropicMock([anthropic_error(status, message, type=kind)])
    with pytest.raises(error) as info:
        await collect(make(mock), [Message.user("hi")])
    assert type(info.value) is error
    assert info.value.status == expected_status
    assert message in info.value.provider_message
    if error is AuthenticationError:
        assert "ANTHROPIC_API_KEY" in str(info.value)


async def test_an_error_event_mid_stream_is_typed_by_its_kind():
    reply = AnthropicReply(text="one two three", error_after=4)
    mock = AnthropicMock([reply])
    seen = []
    with pytest.raises(ModelResponseError) as info:
        with anyio.fail_after(10):
            async for delta in make(mock).response_stream([Message.user("hi")]):
                seen.append(delta)
    assert info.value.status == 529 and "overloaded" in str(info.value).lower()
    assert seen and isinstance(seen[0], ModelTextDelta)
    limited = AnthropicReply(text="x", error_after=1, error=("rate_limit_error", "no"))
    rate = AnthropicMock([limited])
    with pytest.raises(RateLimitError):
        await collect(make(rate), [Message.user("hi")])


async def test_connection_failures_and_client_timeouts_are_typed():
    httpx = http_module()
    mock = AnthropicMock([httpx.ConnectError("connection refused")])
    with pytest.raises(ModelConnectionError, match="connection refused"):
        await collect(make(mock), [Message.user("hi")])
    mock = AnthropicMock([httpx.ReadTimeout("slow")])
    with pytest.raises(ModelTimeoutError):
        await collect(make(mock), [Message.user("hi")])


async def test_a_cut_stream_is_a_readable_response_error():
    mock = AnthropicMock([AnthropicReply(text="one two three four", cut_after=5)])
    with pytest.raises(ModelResponseError, match="cut mid-answer"):
        await collect(make(mock), [Message.user("hi")])
    assert mock.closed == 1
    # A stream that just ends, without message_stop, is no complete answer either.
    events = AnthropicReply(text="partial").events()[:-2]
    with pytest.raises(ModelResponseError, match="ended before the model finished"):
        await collect(make(AnthropicMock([events])), [Message.user("hi")])


async def test_a_silent_endpoint_is_a_timeout_after_waiting_notices():
    mock = AnthropicMock([AnthropicReply(text="late", delay=3.0)])
    model = make(mock, timeout=0.6, notice_after=0.2)
    seen = []
    with pytest.raises(ModelTimeoutError, match=r"no answer within 0\.6s"):
        with anyio.fail_after(10):
            async for delta in model.response_stream([Message.user("hi")]):
                seen.append(delta)
    assert seen and all(isinstance(d, ModelStatus) for d in seen)


async def test_a_stream_pausing_too_long_mid_answer_is_a_stall_timeout():
    mock = AnthropicMock([AnthropicReply(text="slow words here", delay=0.5)])
    model = make(mock, timeout=5, stall_timeout=0.2)
    with pytest.raises(ModelTimeoutError, match="stalled"):
        await collect(model, [Message.user("hi")])


def test_a_tool_input_sent_whole_at_the_block_start_is_kept():
    events = [
        ("content_block_start", {"type": "content_block_start", "index": 0, "content_block": {
            "type": "tool_use", "id": "t", "name": "ls", "input": {"path": "."}}}),
        ("content_block_stop", {"type": "content_block_stop", "index": 0}),
    ]  # fmt: skip
    assert sse(*events[1]).startswith(b"event: content_block_stop\ndata: ")
    # The client's own event types, as its stream hands them over.
    adapter = TypeAdapter(anthropic.types.RawMessageStreamEvent)
    reader = StreamReader()
    deltas = [reader.feed(adapter.validate_python(data)) for _, data in events]
    assert deltas[0] is None
    assert isinstance(deltas[1], ModelToolCall)
    assert json.loads(deltas[1].call.arguments) == {"path": "."}


async def test_no_key_is_an_authentication_error(monkeypatch):
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.delenv("ANTHROPIC_BASE_URL", raising=False)
    with pytest.raises(AuthenticationError, match="ANTHROPIC_API_KEY"):
        await collect(AnthropicChat("claude-test"), [Message.user("hi")])


async def test_every_failure_is_a_model_error_and_the_pool_is_closed():
    mock = AnthropicMock([RuntimeError("loop is gone")])
    model = make(mock)
    with pytest.raises(ModelError):
        await collect(model, [Message.user("hi")])
    await model.aclose()


def test_json_schema_output_is_not_native():
    model = AnthropicChat("claude-test", api_key="k")
    assert model.supports_json_schema is False
    assert model.context_window == 200_000
    assert model.supports_images is True
