"""Tests of the test doubles in agentica.testing."""

from __future__ import annotations

import anyio
import httpx
import pytest

from agentica.events import Usage
from agentica.exceptions import ModelResponseError
from agentica.messages import Message
from agentica.models.base import (
    ModelFinish,
    ModelResponse,
    ModelTextDelta,
    ModelThinkingDelta,
    ModelToolCall,
    ToolSpec,
)
from agentica.testing import (
    FunctionModel,
    MockReply,
    OpenAIMock,
    ScriptedModel,
    ScriptExhaustedError,
    Step,
    chunk,
    openai_error,
    split_words,
    tool_call,
    usage,
)

HI = [Message.user("hi")]
TOOLS = [ToolSpec(name="ls", description="list", parameters={"type": "object"})]


async def collect(model, messages=HI, tools=()):
    return [d async for d in model.response_stream(messages, tools)]


def test_split_words_joins_back_to_the_text():
    text = "  Hello   brave\nnew world "
    assert "".join(split_words(text)) == text
    assert split_words("one two") == ["one ", "two"]
    assert split_words("") == []


async def test_scripted_model_streams_a_str_step_word_by_word():
    model = ScriptedModel(["Hello brave world"])
    deltas = await collect(model)
    assert [d.text for d in deltas if isinstance(d, ModelTextDelta)] == [
        "Hello ",
        "brave ",
        "world",
    ]
    assert deltas[-1] == ModelFinish(reason="stop")
    model.assert_complete()


async def test_scripted_model_records_messages_and_tools():
    model = ScriptedModel(["a", "b"])
    await collect(model, HI, TOOLS)
    assert model.calls[0].messages == HI
    assert model.last_call.tool_names == ["ls"]
    with pytest.raises(AssertionError, match="1 unplayed step"):
        model.assert_complete()


async def test_scripted_model_raises_a_clear_error_when_out_of_steps():
    model = ScriptedModel([])
    with pytest.raises(ScriptExhaustedError, match="ran out of steps"):
        await collect(model)


async def test_scripted_model_response_collects_thinking_text_tool_calls_and_usage():
    model = ScriptedModel(
        [
            ScriptedModel.tool_calls(
                tool_call("ls", {"path": "."}, id="c1"),
                thinking="hmm ok",
                text="Looking.",
                usage=Usage(input_tokens=3, requests=1),
            )
        ]
    )
    resp = await model.response(HI, TOOLS)
    assert resp.reasoning_content == "hmm ok"
    assert resp.content == "Looking."
    assert [(c.id, c.name, c.arguments) for c in resp.tool_calls] == [("c1", "ls", '{"path": "."}')]
    assert resp.usage.input_tokens == 3
    assert resp.finish_reason == "tool_calls"


async def test_scripted_model_plays_delta_lists_exactly_and_given_chunks():
    deltas = [ModelThinkingDelta(text="t"), ModelTextDelta(text="x"), usage(1, 2)]
    model = ScriptedModel([deltas, ScriptedModel.text("", chunks=["He", "llo"])])
    assert await collect(model) == deltas
    second = await collect(model)
    assert [d.text for d in second if isinstance(d, ModelTextDelta)] == ["He", "llo"]


async def test_scripted_model_raises_exception_steps_before_or_after_deltas():
    model = ScriptedModel(
        [
            ModelResponseError("boom", status=500),
            Step(deltas=[ModelTextDelta(text="partial")], error=ModelResponseError("cut")),
        ]
    )
    with pytest.raises(ModelResponseError, match="boom"):
        await collect(model)
    got = []
    with pytest.raises(ModelResponseError, match="cut"):
        async for d in model.response_stream(HI):
            got.append(d)
    assert got == [ModelTextDelta(text="partial")]


async def test_scripted_model_accepts_modelresponse_and_callable_steps():
    async def dynamic(messages, tools):
        return f"you said {messages[-1].text}"

    model = ScriptedModel([ModelResponse(content="fixed"), dynamic])
    assert (await model.response(HI)).content == "fixed"
    assert (await model.response([Message.user("yo")])).content == "you said yo"


async def test_scripted_model_hang_step_waits_until_cancelled():
    model = ScriptedModel([Step(deltas=[ModelTextDelta(text="start")], hang=True)])
    seen = []
    with anyio.move_on_after(0.05) as scope:
        async for d in model.response_stream(HI):
            seen.append(d)
    assert scope.cancelled_caught
    assert seen == [ModelTextDelta(text="start")]


def test_tool_call_builds_a_complete_call_with_fresh_ids():
    a, b = tool_call("ls"), tool_call("glob", {"pattern": "*.py"})
    assert isinstance(a, ModelToolCall)
    assert a.call.arguments == "{}"
    assert a.call.id != b.call.id


async def test_function_model_with_sync_async_and_generator_functions():
    sync_model = FunctionModel(lambda messages, tools: f"{len(messages)} msgs, {len(tools)} tools")
    assert (await sync_model.response(HI, TOOLS)).content == "1 msgs, 1 tools"

    async def answer(messages, tools):
        return ModelResponse(content="async", reasoning_content="r")

    resp = await FunctionModel(answer).response(HI)
    assert (resp.content, resp.reasoning_content) == ("async", "r")

    async def gen(messages, tools):
        yield ModelThinkingDelta(text="th")
        yield ModelTextDelta(text="streamed")

    model = FunctionModel(gen)
    deltas = await collect(model)
    assert deltas[-1] == ModelFinish(reason="stop")
    assert model.calls[0].messages == HI


async def test_openai_mock_serves_sse_json_and_errors():
    mock = OpenAIMock(
        [
            MockReply(text="hi there", tool_calls=[("ls", {"path": "."})]),
            MockReply(text="plain"),
            openai_error(429, "slow down", type="rate_limit_error"),
            [chunk(content="raw", finish_reason="stop")],
        ]
    )
    async with mock.http_client(base_url="http://mock/v1") as client:
        r = await client.post("/chat/completions", json={"stream": True})
        text = r.text
        assert text.startswith("data: {") and text.endswith("data: [DONE]\n\n")
        assert '"arguments": ""' in text and '"usage"' in text
        r = await client.post("/chat/completions", json={"stream": False})
        assert r.json()["choices"][0]["message"]["content"] == "plain"
        r = await client.post("/chat/completions", json={})
        assert r.status_code == 429 and r.json()["error"]["message"] == "slow down"
        r = await client.post("/chat/completions", json={"stream": True})
        assert '"raw"' in r.text
        r = await client.post("/chat/completions", json={})
        assert r.status_code == 400 and "no scripted reply" in r.text
    assert mock.bodies[0] == {"stream": True}


async def test_openai_mock_cut_after_drops_the_connection():
    mock = OpenAIMock([MockReply(text="a b c d", cut_after=2)])
    async with mock.http_client(base_url="http://mock/v1") as client:
        with pytest.raises(httpx.RemoteProtocolError):
            await client.post("/chat/completions", json={"stream": True})


async def test_scripted_model_drives_the_real_agent_engine():
    from agentica.agent import Agent

    def ls(path: str = ".") -> str:
        """List a directory."""
        return f"listing of {path}"

    model = ScriptedModel(
        [ScriptedModel.tool_calls(tool_call("ls", {"path": "src"}, id="c1")), "All done."]
    )
    with anyio.fail_after(10):
        result = await Agent(model=model, tools=[ls]).run("look")
    model.assert_complete()
    assert result.content == "All done."
    assert model.calls[0].tool_names == ["ls"]
    tool_msg = model.calls[1].messages[-1]
    assert (tool_msg.role, tool_msg.tool_call_id, tool_msg.text) == ("tool", "c1", "listing of src")
