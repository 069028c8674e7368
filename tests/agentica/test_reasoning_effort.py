"""Reasoning effort in the request body of reasoning models; preset prices."""

from __future__ import annotations

from typing import Any

import pytest

from agentica.messages import Message
from agentica.models.openai import OpenAIChat
from agentica.models.presets import known_prices, known_reasoning_effort
from agentica.testing import MockReply, OpenAIMock


def _model(mock: OpenAIMock, name: str, **kwargs: Any) -> OpenAIChat:
    return OpenAIChat(
        name, base_url="http://mock/v1", api_key="sk-test", max_retries=0,
        http_client=mock.http_client(), **kwargs,
    )  # fmt: skip


async def test_the_effort_is_sent_only_when_set():
    mock = OpenAIMock([MockReply(text="a"), MockReply(text="b")])
    plain = _model(mock, "o3")
    await plain.response([Message.user("hi")])
    effortful = _model(mock, "o3", reasoning_effort="high", extra_body={"top_k": 2})
    await effortful.response([Message.user("hi")])
    assert "reasoning_effort" not in mock.bodies[0]
    assert mock.bodies[1]["reasoning_effort"] == "high" and mock.bodies[1]["top_k"] == 2
    assert mock.bodies[1]["messages"] == mock.bodies[0]["messages"]


@pytest.mark.parametrize(
    ("name", "takes_it"),
    [
        ("o1", True), ("o3", True), ("o3-mini", True), ("o4-mini", True),
        ("o4-mini-2025-04-16", True), ("gpt-5", True), ("gpt-5-mini", True),
        ("openai/o3", True), ("o1-mini", False), ("gpt-5-chat-latest", False),
        ("gpt-4o", False), ("deepseek-reasoner", False), ("qwen3-max", False),
        ("o3x", False),
    ],
)  # fmt: skip
def test_which_models_take_a_reasoning_effort(name, takes_it):
    assert known_reasoning_effort(name) is takes_it


def test_the_model_says_whether_it_takes_an_effort():
    assert OpenAIChat("gpt-5-mini", api_key="k").supports_reasoning_effort
    assert not OpenAIChat("deepseek-reasoner", provider="deepseek").supports_reasoning_effort
    custom = OpenAIChat("my-reasoner", provider="vllm", supports_reasoning_effort=True)
    assert custom.supports_reasoning_effort  # A setting says so.


def test_prices_are_known_for_exact_model_names_only():
    assert known_prices("openai", "gpt-4o") == (2.50, 10.00, 1.25, None)
    assert known_prices("openai", "gpt-4o-mini") == (0.15, 0.60, 0.075, None)
    assert known_prices("openai", "gpt-4o-2024-05-13") is None  # A snapshot: other prices.
    assert known_prices("ollama", "gpt-4o") is None
    assert known_prices("deepseek", "deepseek-chat") == (0.28, 0.42, 0.028, None)
