"""OpenAIResponses against a fake Responses API endpoint (httpx.MockTransport; no network)."""

from __future__ import annotations

import json
from typing import Any

import anyio
import httpx
import pytest

from agentica import Agent, tool
from agentica.exceptions import (
    AuthenticationError,
    ContextLengthError,
    ModelConnectionError,
    ModelResponseError,
    ModelTimeoutError,
    RateLimitError,
    UserError,
)
from agentica.messages import ImagePart, Message, TextPart, ToolCall
from agentica.models.base import (
    ModelFinish,
    ModelStatus,
    ModelTextDelta,
    ModelThinkingDelta,
    ModelToolCall,
    ModelUsage,
    ToolSpec,
)
from agentica.models.openai import OpenAIChat
from agentica.models.openai_responses import OpenAIResponses
from agentica.models.registry import get_model
from agentica.testing import MockReply, OpenAIMock, openai_error
from agentica.testing_responses import call_events, event, failed_events, response_object

HI = [Message.user("hi")]
IMAGE_ITEM = {"type": "input_image", "image_url": "data:image/png;base64,aGk=", "detail": "auto"}
LS = ToolSpec(name="ls", description="List a directory.", parameters={"type": "object"})


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(var, raising=False)


def make(mock: OpenAIMock, model: str = "gpt-5", **kwargs: Any) -> OpenAIResponses:
    kwargs.setdefault("api_key", "sk-test")
    kwargs.setdefault("max_retries", 0)
    return OpenAIResponses(
        model, base_url="http://mock/v1", http_client=mock.http_client(), **kwargs
    )


async def stream(model, messages=HI, tools=()):
    return [d async for d in model.response_stream(messages, tools)]


def texts(deltas, kind) -> str:
    return "".join(d.text for d in deltas if isinstance(d, kind))


async def test_streams_text_reasoning_summary_usage_and_finish():
    usage = {
        "input_tokens": 120,
        "input_tokens_details": {"cached_tokens": 100},
        "output_tokens": 30,
        "output_tokens_details": {"reasoning_tokens": 20},
        "total_tokens": 150,
    }
    mock = OpenAIMock([MockReply(text="Hello brave world", reasoning="let me think", usage=usage)])
    deltas = await stream(make(mock))
    assert texts(deltas, ModelThinkingDelta) == "let me think"
    assert texts(deltas, ModelTextDelta) == "Hello brave world"
    # Thinking comes before the text, as it streamed.
    kinds = [d.type for d in deltas]
    assert kinds.index("thinking") < kinds.index("text")
    (used,) = [d.usage for d in deltas if isinstance(d, ModelUsage)]
    assert (used.input_tokens, used.output_tokens, used.total_tokens) == (120, 30, 150)
    assert (used.cached_tokens, used.reasoning_tokens, used.requests) == (100, 20, 1)
    assert deltas[-1] == ModelFinish(reason="stop")
    assert str(mock.requests[0].url) == "http://mock/v1/responses"
    body = mock.bodies[0]
    assert body["stream"] is True and body["store"] is False
    assert body["input"] == [{"role": "user", "content": "hi"}]
    # gpt-5 reasons: a summary is asked for, and the encrypted reasoning to send back.
    assert body["reasoning"] == {"summary": "auto"}
    assert body["include"] == ["reasoning.encrypted_content"]


async def test_a_model_without_reasoning_sends_no_reasoning_options():
    mock = OpenAIMock([MockReply(text="ok")])
    await stream(make(mock, "gpt-4o", reasoning_effort=None))
    assert "reasoning" not in mock.bodies[0] and "include" not in mock.bodies[0]


async def test_reasoning_effort_and_summary_choice_are_sent():
    mock = OpenAIMock([MockReply(text="ok"), MockReply(text="ok")])
    await stream(make(mock, reasoning_effort="high"))
    await stream(make(mock, reasoning_summary=None))
    assert mock.bodies[0]["reasoning"] == {"effort": "high", "summary": "auto"}
    assert mock.bodies[1]["reasoning"] == {}


async def test_parallel_function_calls_with_split_arguments_are_assembled():
    mock = OpenAIMock(
        [MockReply(tool_calls=[("c1", "ls", {"path": "src"}), ("c2", "ls", {"path": "docs"})])]
    )
    deltas = await stream(make(mock), tools=[LS])
    calls = [d.call for d in deltas if isinstance(d, ModelToolCall)]
    assert calls == [
        ToolCall(id="c1", name="ls", arguments='{"path": "src"}'),
        ToolCall(id="c2", name="ls", arguments='{"path": "docs"}'),
    ]
    assert deltas[-1] == ModelFinish(reason="tool_calls")
    assert mock.bodies[0]["tools"] == [
        {
            "type": "function",
            "name": "ls",
            "description": "List a directory.",
            "parameters": {"type": "object"},
            "strict": False,
        }
    ]


async def test_interleaved_argument_deltas_of_parallel_calls_go_to_their_own_call():
    first, second = call_events(0, "a", "ls", '{"path": "x"}'), call_events(1, "b", "ls", "{}")
    # Both items open, then their argument pieces alternate, then both finish.
    mixed = [
        first[0],
        second[0],
        *[e for pair in zip(first[1:], second[1:], strict=False) for e in pair],
    ]
    mixed += first[len(second) :]
    done = {"type": "response.completed", "response": response_object("m", status="completed")}
    # The done items lose their arguments: only the deltas can have assembled them.
    for e in mixed:
        if e["type"] in ("response.output_item.done", "response.function_call_arguments.done"):
            e.setdefault("item", {}).pop("arguments", None)
            e.pop("arguments", None)
    mock = OpenAIMock([[event("response.created", response=response_object("m")), *mixed, done]])
    calls = [d.call for d in await stream(make(mock)) if isinstance(d, ModelToolCall)]
    assert {c.id: c.arguments for c in calls} == {"a": '{"path": "x"}', "b": "{}"}


async def test_each_call_is_handed_out_as_soon_as_its_item_is_done():
    events = [
        event("response.created", response=response_object("m")),
        *call_events(0, "a", "ls", {"path": "."}),
    ]
    seen: list[Any] = []
    first_seen = anyio.Event()

    def reply(request):
        # The second call's item only starts after the first call was seen.
        async def body():
            for i, e in enumerate(events):
                yield f"data: {json.dumps({**e, 'sequence_number': i})}\n\n".encode()
            with anyio.fail_after(5):
                await first_seen.wait()
            for e in [
                *call_events(1, "b", "ls", {}),
                event("response.completed", response=response_object("m", status="completed")),
            ]:
                yield f"data: {json.dumps({**e, 'sequence_number': 9})}\n\n".encode()

        return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body())

    mock = OpenAIMock([reply])
    async for d in make(mock).response_stream(HI, [LS]):
        if isinstance(d, ModelToolCall):
            seen.append(d.call.id)
            first_seen.set()
    assert seen == ["a", "b"]


async def test_a_real_agent_run_with_tools_round_trips_calls_outputs_and_reasoning():
    @tool
    def ls(path: str) -> str:
        """List a directory."""
        return f"files in {path}: a.txt"

    mock = OpenAIMock(
        [
            MockReply(
                reasoning="I should list both",
                tool_calls=[("c1", "ls", {"path": "src"}), ("c2", "ls", {"path": "docs"})],
            ),
            MockReply(text="Both listed.", usage=(40, 4)),
        ]
    )
    agent = Agent(model=make(mock), tools=[ls], instructions="Be brief.")
    result = await agent.run("list src and docs")
    assert result.text == "Both listed."
    assert result.usage.requests == 2
    assert result.usage.input_tokens == 10 + 40
    second = mock.bodies[1]["input"]
    kinds = [item.get("type", item.get("role")) for item in second]
    assert kinds == [
        "system",
        "user",
        "reasoning",
        "function_call",
        "function_call",
        "function_call_output",
        "function_call_output",
    ]
    reasoning = second[2]
    assert reasoning["id"] == "rs_mock_0" and reasoning["encrypted_content"].startswith("enc:")
    assert second[3] == {
        "type": "function_call",
        "call_id": "c1",
        "name": "ls",
        "arguments": '{"path": "src"}',
    }
    outputs = {i["call_id"]: i["output"] for i in second if i.get("type") == "function_call_output"}
    assert outputs == {"c1": "files in src: a.txt", "c2": "files in docs: a.txt"}


async def test_history_with_images_becomes_input_items():
    png = ImagePart(data="aGk=", mime_type="image/png")
    messages = [
        Message.system("sys"),
        Message.user([TextPart(text="look"), png]),
        Message.assistant("let me see", tool_calls=[ToolCall(id="c", name="shot", arguments="")]),
        Message.tool("c", "shot", "took one", images=[png]),
        Message.assistant("A cat."),
    ]
    mock = OpenAIMock([MockReply(text="ok"), MockReply(text="ok")])
    await stream(make(mock, supports_images=True), messages)
    assert mock.bodies[0]["input"] == [
        {"role": "system", "content": "sys"},
        {
            "role": "user",
            "content": [
                {"type": "input_text", "text": "look"},
                IMAGE_ITEM,
            ],
        },
        {"role": "assistant", "content": "let me see"},
        {"type": "function_call", "call_id": "c", "name": "shot", "arguments": "{}"},
        {"type": "function_call_output", "call_id": "c", "output": "took one"},
        {
            "role": "user",
            "content": [
                {"type": "input_text", "text": "The image(s) returned by tool call c (shot):"},
                IMAGE_ITEM,
            ],
        },
        {"role": "assistant", "content": "A cat."},
    ]
    await stream(make(mock, supports_images=False), messages[:2])
    assert mock.bodies[1]["input"][1]["content"][1]["type"] == "input_text"


async def test_sampling_schema_and_extra_options_are_sent():
    mock = OpenAIMock([MockReply(text='{"a": 1}')])
    model = make(
        mock, "gpt-4o", temperature=0.2, max_tokens=50, extra_body={"service_tier": "flex"}
    )
    deltas = [d async for d in model.response_stream(HI, output_schema={"type": "object"})]
    assert texts(deltas, ModelTextDelta) == '{"a": 1}'
    body = mock.bodies[0]
    assert (body["temperature"], body["max_output_tokens"], body["service_tier"]) == (
        0.2,
        50,
        "flex",
    )
    assert body["text"] == {
        "format": {"type": "json_schema", "name": "answer", "schema": {"type": "object"}}
    }
    assert OpenAIResponses("gpt-4o").supports_json_schema  # On OpenAI's own endpoint.


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (MockReply(text="cut sh", finish_reason="length"), "length"),
        (MockReply(text="", finish_reason="content_filter"), "content_filter"),
        (MockReply(refusal="I can't help with that."), "content_filter"),
    ],
    ids=["max_output_tokens", "filtered", "refusal"],
)
async def test_incomplete_and_refused_replies_have_their_finish_reason(reply, reason):
    deltas = await stream(make(OpenAIMock([reply])))
    assert deltas[-1] == ModelFinish(reason=reason)
    if reply.refusal:
        assert texts(deltas, ModelTextDelta) == "I can't help with that."


@pytest.mark.parametrize(
    ("response", "error", "status"),
    [
        (openai_error(401, "Incorrect API key provided"), AuthenticationError, 401),
        (openai_error(429, "Rate limit reached", type="rate_limit_error"), RateLimitError, 429),
        (
            openai_error(400, "Input exceeds the context window", code="context_length_exceeded"),
            ContextLengthError,
            400,
        ),
        (openai_error(400, "Invalid 'input[2]'"), ModelResponseError, 400),
        (openai_error(500, "The server had an error"), ModelResponseError, 500),
    ],
    ids=["401", "429", "context", "400", "500"],
)
async def test_status_errors_map_to_the_same_typed_errors_as_chat(response, error, status):
    with pytest.raises(error) as info:
        await make(OpenAIMock([response])).response(HI)
    assert info.value.status == status
    assert info.value.model == "gpt-5"


@pytest.mark.parametrize(
    ("events", "error", "status", "text"),
    [
        (failed_events("server_error", "The server had an error"), ModelResponseError, 500, "had"),
        (failed_events("rate_limit_exceeded", "Too many tokens"), RateLimitError, 429, "Too many"),
        (
            failed_events("context_length_exceeded", "Input too long"),
            ContextLengthError,
            400,
            "Input too long",
        ),
        ([event("error", code="weird", message="went wrong")], ModelResponseError, None, "wrong"),
    ],
    ids=["server_error", "rate_limit", "context", "error-event"],
)
async def test_a_failed_response_in_the_stream_is_a_typed_error(events, error, status, text):
    with pytest.raises(error, match=text) as info:
        await make(OpenAIMock([events])).response(HI)
    assert type(info.value) is error
    assert info.value.status == status


async def test_connection_errors_map_to_typed_errors():
    mock = OpenAIMock([httpx.ConnectError("connection refused")])
    with pytest.raises(ModelConnectionError, match="connection refused"):
        await make(mock).response(HI)


async def test_a_stream_cut_mid_answer_is_a_response_error_after_the_partial_text():
    # created, message added, then two text deltas: the connection drops after them.
    mock = OpenAIMock([MockReply(text="one two three four", cut_after=4)])
    seen = []
    with pytest.raises(ModelResponseError, match="cut mid-answer"):
        async for d in make(mock).response_stream(HI):
            seen.append(d)
    assert [d.text for d in seen if isinstance(d, ModelTextDelta)] == ["one ", "two "]


async def test_a_stream_ending_without_completion_is_a_response_error():
    events = MockReply(text="half an answer").events()[:-1]
    with pytest.raises(ModelResponseError, match="before the model finished"):
        await make(OpenAIMock([events])).response(HI)


def _slow(first: list[dict[str, Any]], then: float, closed: anyio.Event) -> Any:
    """A reply sending ``first`` events, then nothing for ``then`` seconds."""

    def reply(request):
        async def body():
            try:
                for i, e in enumerate(first):
                    yield f"data: {json.dumps({**e, 'sequence_number': i})}\n\n".encode()
                await anyio.sleep(then)
            finally:
                closed.set()

        return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body())

    return reply


async def test_a_stream_stalled_mid_answer_is_a_timeout_after_the_gap():
    closed = anyio.Event()
    mock = OpenAIMock([_slow(MockReply(text="one two").events()[:4], 30, closed)])
    model = make(mock, timeout=10, stall_timeout=0.3, notice_after=0.1)
    seen = []
    with anyio.fail_after(5), pytest.raises(ModelTimeoutError, match="stalled"):
        async for d in model.response_stream(HI):
            seen.append(d)
    assert texts(seen, ModelTextDelta) == "one two"
    assert any(isinstance(d, ModelStatus) for d in seen)
    assert closed.is_set()


async def test_cancelling_mid_stream_stops_at_once_and_closes_the_response():
    closed = anyio.Event()
    mock = OpenAIMock([_slow(MockReply(text="one two").events()[:4], 30, closed)])
    model = make(mock)
    seen = []
    start = anyio.current_time()
    with anyio.move_on_after(0.5) as scope:
        async for d in model.response_stream(HI):
            seen.append(d)
    assert scope.cancelled_caught
    assert anyio.current_time() - start < 2.0
    assert texts(seen, ModelTextDelta) == "one two"
    with anyio.fail_after(2):
        await closed.wait()


async def test_selection_by_api_argument_spec_and_preset():
    mock = OpenAIMock([MockReply(text="via chat class")])
    chat = OpenAIChat(
        "gpt-5", api="responses", api_key="k", base_url="http://mock/v1",
        http_client=mock.http_client(),
    )  # fmt: skip
    assert (await chat.response(HI)).content == "via chat class"
    assert mock.requests[0].url.path == "/v1/responses"
    by_spec = get_model("openai/gpt-5?api=responses")
    by_option = get_model("gpt-5", api="responses")
    for model in (by_spec, by_option):
        assert isinstance(model, OpenAIResponses)
        assert (model.id, model.api, model.preset.name) == ("gpt-5", "responses", "openai")
    assert get_model("ollama/qwen3?api=responses").preset.name == "ollama"
    assert get_model("openai/gpt-5?api=chat").api == "chat"
    with pytest.raises(UserError, match="unknown api"):
        OpenAIChat("gpt-5", api="completions")
    with pytest.raises(UserError, match="unknown option"):
        get_model("openai/gpt-5?stream=no")
