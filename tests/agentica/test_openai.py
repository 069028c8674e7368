"""OpenAIChat against a fake Chat Completions endpoint (httpx.MockTransport; no network)."""

from __future__ import annotations

import json

import httpx
import pytest

from agentica.events import Usage
from agentica.exceptions import (
    AuthenticationError,
    ContextLengthError,
    ModelConnectionError,
    ModelNotFoundError,
    ModelResponseError,
    ModelTimeoutError,
    RateLimitError,
)
from agentica.messages import ImagePart, Message, TextPart, ToolCall
from agentica.models.base import (
    ModelFinish,
    ModelTextDelta,
    ModelThinkingDelta,
    ModelToolCall,
    ModelUsage,
    ToolSpec,
)
from agentica.models.openai import DeepSeekChat, OllamaChat, OpenAIChat
from agentica.testing import MockReply, OpenAIMock, chunk, openai_error, tool_call_chunks

HI = [Message.user("hi")]
LS = ToolSpec(name="ls", description="List a directory.", parameters={"type": "object"})


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "DEEPSEEK_API_KEY", "DEEPSEEK_BASE_URL"):
        monkeypatch.delenv(var, raising=False)


def make(mock: OpenAIMock, **kwargs) -> OpenAIChat:
    kwargs.setdefault("api_key", "sk-test")
    kwargs.setdefault("max_retries", 0)
    return OpenAIChat(
        "gpt-test", base_url="http://mock/v1", http_client=mock.http_client(), **kwargs
    )


async def stream(model, messages=HI, tools=()):
    return [d async for d in model.response_stream(messages, tools)]


async def test_streams_text_reasoning_usage_and_finish():
    mock = OpenAIMock(
        [MockReply(text="Hello brave world", reasoning="let me think", usage=(12, 3))]
    )
    deltas = await stream(make(mock))
    assert "".join(d.text for d in deltas if isinstance(d, ModelThinkingDelta)) == "let me think"
    assert "".join(d.text for d in deltas if isinstance(d, ModelTextDelta)) == "Hello brave world"
    usage = next(d.usage for d in deltas if isinstance(d, ModelUsage))
    assert (usage.input_tokens, usage.output_tokens, usage.total_tokens, usage.requests) == (
        12,
        3,
        15,
        1,
    )
    assert deltas[-1] == ModelFinish(reason="stop")
    body = mock.bodies[0]
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}
    assert body["model"] == "gpt-test"
    assert body["messages"] == [{"role": "user", "content": "hi"}]
    assert mock.requests[0].headers["authorization"] == "Bearer sk-test"


async def test_openrouter_style_reasoning_key_becomes_thinking():
    mock = OpenAIMock([MockReply(text="ok", reasoning="deep thought", reasoning_key="reasoning")])
    resp = await make(mock).response(HI)
    assert resp.reasoning_content == "deep thought"
    assert resp.content == "ok"


async def test_tool_call_arguments_split_across_chunks_are_assembled():
    mock = OpenAIMock(
        [
            MockReply(
                text="Let me look.",
                tool_calls=[("c1", "ls", {"path": "src"}), ("c2", "glob", {"pattern": "**/*.py"})],
                split=5,
            )
        ]
    )
    deltas = await stream(make(mock), tools=[LS])
    calls = [d.call for d in deltas if isinstance(d, ModelToolCall)]
    assert calls == [
        ToolCall(id="c1", name="ls", arguments='{"path": "src"}'),
        ToolCall(id="c2", name="glob", arguments='{"pattern": "**/*.py"}'),
    ]
    assert deltas[-1] == ModelFinish(reason="tool_calls")
    assert mock.bodies[0]["tools"] == [
        {
            "type": "function",
            "function": {
                "name": "ls",
                "description": "List a directory.",
                "parameters": {"type": "object"},
            },
        }
    ]


async def test_first_tool_call_is_yielded_as_soon_as_the_next_index_starts():
    chunks = [
        *tool_call_chunks(0, "a", "ls", {"path": "."}),
        *tool_call_chunks(1, "b", "ls", {"path": "x"}),
        chunk(finish_reason="tool_calls"),
    ]
    mock = OpenAIMock([chunks])
    kinds = []
    async for d in make(mock).response_stream(HI, [LS]):
        kinds.append((d.type, d.call.id if isinstance(d, ModelToolCall) else None))
    assert kinds == [("tool_call", "a"), ("tool_call", "b"), ("usage", None), ("finish", None)]


async def test_calls_reusing_index_zero_with_new_ids_stay_separate():
    chunks = [
        chunk(
            tool_calls=[
                {
                    "index": 0,
                    "id": "a",
                    "type": "function",
                    "function": {"name": "ls", "arguments": "{}"},
                }
            ]
        ),
        chunk(
            tool_calls=[
                {
                    "index": 0,
                    "id": "b",
                    "type": "function",
                    "function": {"name": "glob", "arguments": '{"pattern": "*"}'},
                }
            ]
        ),
        chunk(finish_reason="stop"),
    ]
    resp = await make(OpenAIMock([chunks])).response(HI, [LS])
    assert [(c.id, c.name, c.arguments) for c in resp.tool_calls] == [
        ("a", "ls", "{}"),
        ("b", "glob", '{"pattern": "*"}'),
    ]
    assert resp.finish_reason == "tool_calls"


async def test_missing_tool_call_id_and_empty_arguments_get_defaults():
    chunks = [
        chunk(tool_calls=[{"index": 0, "type": "function", "function": {"name": "ls"}}]),
        chunk(finish_reason="tool_calls"),
    ]
    resp = await make(OpenAIMock([chunks])).response(HI, [LS])
    (call,) = resp.tool_calls
    assert call.id.startswith("call_") and call.arguments == "{}"


async def test_usage_details_cached_and_reasoning_tokens():
    usage = {
        "prompt_tokens": 100,
        "completion_tokens": 40,
        "total_tokens": 140,
        "prompt_tokens_details": {"cached_tokens": 64},
        "completion_tokens_details": {"reasoning_tokens": 30},
    }
    resp = await make(OpenAIMock([MockReply(text="x", usage=usage)])).response(HI)
    assert resp.usage == Usage(
        input_tokens=100,
        output_tokens=40,
        total_tokens=140,
        cached_tokens=64,
        reasoning_tokens=30,
        requests=1,
    )


async def test_no_usage_in_stream_still_counts_the_request():
    resp = await make(OpenAIMock([MockReply(text="x", usage=None)])).response(HI)
    assert resp.usage == Usage(requests=1)


async def test_messages_are_converted_to_chat_completions_form():
    mock = OpenAIMock([MockReply(text="done")])
    history = [
        Message.system("be brief"),
        Message.user(
            [TextPart(text="what is this?"), ImagePart(data="QUJD", mime_type="image/png")]
        ),
        Message.assistant(
            "looking",
            tool_calls=[ToolCall(id="c1", name="ls", arguments='{"path":"."}')],
            reasoning_content="hmm",
        ),
        Message.tool("c1", "ls", "a.py\nb.py"),
        Message.assistant(None, reasoning_content="only thought"),
    ]
    await make(mock, supports_images=True).response(history)
    assert mock.bodies[0]["messages"] == [
        {"role": "system", "content": "be brief"},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "what is this?"},
                {"type": "image_url", "image_url": {"url": "data:image/png;base64,QUJD"}},
            ],
        },
        {
            "role": "assistant",
            "content": "looking",
            "tool_calls": [
                {
                    "id": "c1",
                    "type": "function",
                    "function": {"name": "ls", "arguments": '{"path":"."}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "c1", "content": "a.py\nb.py"},
        {"role": "assistant", "content": ""},
    ]


async def test_reasoning_is_sent_back_only_when_asked_and_images_can_be_disabled():
    mock = OpenAIMock([MockReply(text="done")])
    history = [
        Message.user([ImagePart(url="http://img/x.png")]),
        Message.assistant("a", reasoning_content="why"),
    ]
    await make(mock, send_reasoning=True, supports_images=False).response(history)
    user, assistant = mock.bodies[0]["messages"]
    assert user["content"][0]["type"] == "text" and "image" in user["content"][0]["text"]
    assert assistant["reasoning_content"] == "why"


async def test_sampling_options_and_extra_body_are_sent():
    mock = OpenAIMock([MockReply(text="x")])
    await make(
        mock,
        temperature=0.2,
        max_tokens=50,
        extra_body={"enable_thinking": True},
        stream_usage=False,
    ).response(HI)
    body = mock.bodies[0]
    assert (body["temperature"], body["max_tokens"], body["enable_thinking"]) == (0.2, 50, True)
    assert "stream_options" not in body


@pytest.mark.parametrize(
    ("response", "error", "text"),
    [
        (openai_error(401, "Incorrect API key provided"), AuthenticationError, "Incorrect API key"),
        (openai_error(403, "no access"), AuthenticationError, "no access"),
        (openai_error(404, "The model `nope` does not exist"), ModelNotFoundError, "nope"),
        (
            openai_error(429, "Rate limit reached", type="rate_limit_error"),
            RateLimitError,
            "Rate limit",
        ),
        (
            openai_error(
                400,
                "This model's maximum context length is 128000 tokens",
                code="context_length_exceeded",
            ),
            ContextLengthError,
            "128000",
        ),
        (openai_error(400, "Invalid 'messages'"), ModelResponseError, "Invalid"),
        (openai_error(500, "The server had an error"), ModelResponseError, "server had an error"),
        (openai_error(503, "overloaded"), ModelResponseError, "overloaded"),
    ],
    ids=["401", "403", "404", "429", "context", "400", "500", "503"],
)
async def test_status_errors_map_to_typed_model_errors(response, error, text):
    mock = OpenAIMock([response])
    with pytest.raises(error, match=text) as info:
        await make(mock).response(HI)
    assert info.value.status == response.status_code
    assert info.value.model == "gpt-test"
    assert type(info.value.__cause__).__module__.startswith("openai")


async def test_connection_and_timeout_errors_map_to_typed_errors():
    mock = OpenAIMock([httpx.ConnectError("connection refused"), httpx.ReadTimeout("slow")])
    model = make(mock, timeout=7)
    with pytest.raises(ModelConnectionError, match="connection refused"):
        await model.response(HI)
    with pytest.raises(ModelTimeoutError, match="7s"):
        await model.response(HI)


async def test_a_stream_cut_mid_answer_is_a_response_error_after_the_partial_text():
    mock = OpenAIMock([MockReply(text="one two three four", cut_after=3)])
    seen = []
    with pytest.raises(ModelResponseError, match="cut mid-answer"):
        async for d in make(mock).response_stream(HI):
            seen.append(d)
    assert [d.text for d in seen if isinstance(d, ModelTextDelta)] == ["one ", "two "]


async def test_a_stream_ending_without_finish_reason_is_a_response_error():
    mock = OpenAIMock([[chunk(content="half an ans")]])
    with pytest.raises(ModelResponseError, match="before the model finished"):
        await make(mock).response(HI)


async def test_client_retries_429_then_succeeds():
    mock = OpenAIMock(
        [
            openai_error(429, "slow down", headers={"retry-after-ms": "1"}),
            MockReply(text="finally"),
        ]
    )
    resp = await make(mock, max_retries=1).response(HI)
    assert resp.content == "finally"
    assert len(mock.requests) == 2


async def test_missing_key_fails_at_first_call_naming_the_variable():
    model = DeepSeekChat()  # constructing works without a key
    assert model.base_url == "https://api.deepseek.com"
    assert model.id == "deepseek-chat"
    with pytest.raises(AuthenticationError, match="DEEPSEEK_API_KEY"):
        await model.response(HI)


async def test_key_comes_from_the_preset_variable(monkeypatch):
    monkeypatch.setenv("DEEPSEEK_API_KEY", "sk-deep")
    mock = OpenAIMock([MockReply(text="hi")])
    model = DeepSeekChat("deepseek-reasoner", http_client=mock.http_client(), max_retries=0)
    assert (await model.response(HI)).content == "hi"
    assert mock.requests[0].headers["authorization"] == "Bearer sk-deep"
    assert str(mock.requests[0].url) == "https://api.deepseek.com/chat/completions"
    assert json.loads(mock.requests[0].content)["model"] == "deepseek-reasoner"


async def test_local_servers_need_no_key():
    mock = OpenAIMock([MockReply(text="local")])
    model = OllamaChat("llama3.1", http_client=mock.http_client())
    assert (await model.response(HI)).content == "local"
    assert str(mock.requests[0].url) == "http://localhost:11434/v1/chat/completions"


async def test_abandoning_the_stream_closes_the_http_response():
    responses = []

    async def keep(response):
        responses.append(response)

    # Long enough that the response is still being read when the first delta arrives.
    mock = OpenAIMock([MockReply(text="a " + " ".join(["b"] * 60))])
    http = mock.http_client(event_hooks={"response": [keep]})
    model = OpenAIChat("m", api_key="k", base_url="http://mock/v1", http_client=http)
    agen = model.response_stream(HI)
    assert await agen.__anext__() == ModelTextDelta(text="a ")
    assert not responses[0].is_closed
    await agen.aclose()
    assert responses[0].is_closed
    await http.aclose()


async def test_deepseek_cache_hit_tokens_count_as_cached():
    usage = {
        "prompt_tokens": 50,
        "completion_tokens": 5,
        "total_tokens": 55,
        "prompt_cache_hit_tokens": 32,
        "prompt_cache_miss_tokens": 18,
    }
    resp = await make(OpenAIMock([MockReply(text="x", usage=usage)])).response(HI)
    assert resp.usage.cached_tokens == 32
