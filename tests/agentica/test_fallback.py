"""Model fallbacks: ``Agent(model=[primary, fallback])`` over fake OpenAI endpoints."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import anyio
import httpx
import pytest

from agentica import Agent, ModelFallback, TextDelta, UsageUpdated
from agentica.exceptions import (
    AuthenticationError,
    ContextLengthError,
    ModelConnectionError,
    ModelNotFoundError,
    ModelResponseError,
    ModelTimeoutError,
    RateLimitError,
    UserError,
)
from agentica.messages import Message
from agentica.models.base import ModelSwitched, ModelTextDelta
from agentica.models.demo import DemoModel
from agentica.models.fallback import FallbackModel, is_fallback_error
from agentica.models.openai import OpenAIChat
from agentica.models.openai_responses import OpenAIResponses
from agentica.models.registry import get_model
from agentica.testing import MockReply, OpenAIMock, openai_error

HI = [Message.user("hi")]


def chat(mock: OpenAIMock, name: str, **kwargs: Any) -> OpenAIChat:
    return OpenAIChat(
        name, api_key="k", base_url="http://mock/v1", max_retries=0,
        http_client=mock.http_client(), **kwargs,
    )  # fmt: skip


def pair(first: list[Any], second: list[Any]) -> tuple[OpenAIMock, OpenAIMock, FallbackModel]:
    a, b = OpenAIMock(first), OpenAIMock(second)
    model = FallbackModel(
        [chat(a, "gpt-primary", context_window=1000), chat(b, "backup", context_window=64000)]
    )
    return a, b, model


@pytest.mark.parametrize(
    "failure",
    [
        openai_error(500, "The server had an error", type="server_error"),
        openai_error(503, "overloaded"),
        openai_error(429, "Rate limit reached", type="rate_limit_error"),
        httpx.ConnectError("connection refused"),
    ],
    ids=["500", "503", "429", "connect"],
)
async def test_provider_trouble_falls_back_visibly_in_events_and_logs(failure, caplog):
    a, b, model = pair([failure], [MockReply(text="from the backup", usage=(7, 3))])
    caplog.set_level(logging.WARNING, logger="agentica")
    events = [e async for e in Agent(model=model).run_stream("hi")]
    switch = [e for e in events if isinstance(e, ModelFallback)]
    assert len(switch) == 1
    assert (switch[0].from_model, switch[0].to_model) == ("gpt-primary", "backup")
    assert switch[0].reason  # The primary's error, for the user to read.
    # The switch comes before any text, and the text is the fallback's.
    first_text = next(i for i, e in enumerate(events) if isinstance(e, TextDelta))
    assert events.index(switch[0]) < first_text
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "from the backup"
    (usage,) = [e for e in events if isinstance(e, UsageUpdated)]
    assert (usage.usage.input_tokens, usage.usage.output_tokens) == (7, 3)
    assert usage.context_size == 64000  # The window of the model that answered.
    assert (len(a.requests), len(b.requests)) == (1, 1)
    assert b.bodies[0]["messages"] == a.bodies[0]["messages"]  # The same request.
    logged = [r for r in caplog.records if "falling back to backup" in r.getMessage()]
    assert logged and logged[0].name.startswith("agentica")
    assert model.answered_by is model.models[1]


async def test_a_bad_request_does_not_fall_back():
    a, b, model = pair([openai_error(400, "Invalid 'messages[1]'")], [MockReply(text="no")])
    with pytest.raises(ModelResponseError, match="Invalid") as info:
        await Agent(model=model).run("hi")
    assert info.value.status == 400
    assert (len(a.requests), len(b.requests)) == (1, 0)


async def test_all_models_failing_raise_the_last_error():
    a, b, model = pair(
        [openai_error(500, "primary down")], [openai_error(429, "backup busy", type="x")]
    )
    with pytest.raises(RateLimitError, match="backup busy"):
        await model.response(HI)
    assert (len(a.requests), len(b.requests)) == (1, 1)


async def test_a_stream_cut_after_text_does_not_fall_back():
    _, b, model = pair([MockReply(text="one two three four", cut_after=3)], [MockReply(text="x")])
    seen = []
    with pytest.raises(ModelResponseError, match="cut mid-answer"):
        async for d in model.response_stream(HI):
            seen.append(d)
    assert [d.text for d in seen if isinstance(d, ModelTextDelta)] == ["one ", "two "]
    assert not any(isinstance(d, ModelSwitched) for d in seen)
    assert len(b.requests) == 0


async def test_cancellation_does_not_fall_back():
    started = anyio.Event()

    async def slow(request: httpx.Request) -> httpx.Response:
        started.set()
        await anyio.sleep(30)
        raise AssertionError("not cancelled")

    a, b, model = pair([slow], [MockReply(text="should not be asked")])
    agent = Agent(model=model)
    with anyio.fail_after(5):
        async with anyio.create_task_group() as tg:

            async def run() -> None:
                await agent.run("hi")

            tg.start_soon(run)
            await started.wait()
            tg.cancel_scope.cancel()
    assert (len(a.requests), len(b.requests)) == (1, 0)


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (RateLimitError("x", status=429), True),
        (ModelConnectionError("x"), True),
        (ModelTimeoutError("x"), True),
        (ModelResponseError("x", status=500), True),
        (ModelResponseError("x", status=529), True),
        (ModelResponseError("x", status=408), True),
        (ModelResponseError("broken stream"), True),
        (ModelResponseError("x", status=400), False),
        (ModelResponseError("x", status=422), False),
        (AuthenticationError("x", status=401), False),
        (ModelNotFoundError("x", status=404), False),
        (ContextLengthError("x", status=400), False),
        (ValueError("a bug"), False),
        (asyncio.CancelledError(), False),
    ],
)
def test_which_errors_fall_back(error, expected):
    assert is_fallback_error(error) is expected


async def test_get_model_builds_fallbacks_from_a_list_or_commas(monkeypatch):
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    model = get_model(["openai/gpt-5?api=responses", "deepseek/deepseek-chat", "demo"])
    assert isinstance(model, FallbackModel)
    first, second, third = model.models
    assert isinstance(first, OpenAIResponses) and first.id == "gpt-5"
    assert isinstance(second, OpenAIChat) and second.preset.name == "deepseek"
    assert isinstance(third, DemoModel)
    assert model.name == "gpt-5"
    assert model.context_window == first.context_window
    joined = get_model("gpt-4o, deepseek")
    assert isinstance(joined, FallbackModel)
    assert [m.name for m in joined.models] == ["gpt-4o", "deepseek-chat"]
    assert not isinstance(get_model(["gpt-4o"]), FallbackModel)
    agent = Agent(model=["gpt-4o", "demo"])
    assert isinstance(agent.model, FallbackModel)


async def test_a_demo_fallback_answers_when_the_primary_is_down():
    a = OpenAIMock([openai_error(502, "bad gateway")])
    agent = Agent(model=[chat(a, "gpt-primary"), "demo"])
    result = await agent.run("hi")
    assert result.text  # The demo model answered.
    assert len(a.requests) == 1


async def test_the_reasoning_effort_set_on_the_fallback_model_reaches_its_members():
    a, b = OpenAIMock([openai_error(500, "down")]), OpenAIMock([MockReply(text="ok")])
    model = FallbackModel([chat(a, "o3"), chat(b, "gpt-5")])
    assert model.supports_reasoning_effort
    model.reasoning_effort = "high"
    assert (await model.response(HI)).content == "ok"
    assert a.bodies[0]["reasoning_effort"] == "high"
    assert b.bodies[0]["reasoning_effort"] == "high"
    assert model.models[0].reasoning_effort is None  # The shared members are untouched.


def test_a_fallback_model_needs_models():
    with pytest.raises(UserError, match="needs a list of models"):
        FallbackModel([])


async def test_a_silent_primary_falls_back_after_its_timeout_and_waiting_notes():
    async def silent(request: httpx.Request) -> httpx.Response:
        await anyio.sleep(30)
        raise AssertionError("not cancelled")

    a, b = OpenAIMock([silent]), OpenAIMock([MockReply(text="backup here")])
    model = FallbackModel([chat(a, "gpt-silent", timeout=0.6, notice_after=0.2), chat(b, "backup")])
    with anyio.fail_after(5):
        deltas = [d async for d in model.response_stream(HI)]
    kinds = [d.type for d in deltas]
    # "Waiting for the model" notes are no part of the reply: the call still falls back.
    assert kinds.index("status") < kinds.index("fallback") < kinds.index("text")
    switch = next(d for d in deltas if isinstance(d, ModelSwitched))
    assert "no answer within 0.6s" in switch.reason
    assert "".join(d.text for d in deltas if isinstance(d, ModelTextDelta)) == "backup here"
