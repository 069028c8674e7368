"""Cost: prices (input, output, cached input) per model, ``Usage.cost`` summed over a run
(unknown stays unknown), ``RunResponse.usage.cost``, the ``cost_limit`` budget."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from agentica import Agent, RunConfig
from agentica.events import Usage, UsageUpdated
from agentica.models.base import ModelFinish
from agentica.models.openai import OpenAIChat
from agentica.models.presets import known_prices
from agentica.models.pricing import Prices, as_prices, charge, cost_of, prices_of
from agentica.testing import MockReply, OpenAIMock, ScriptedModel, tool_call

M = 1_000_000


def lookup(name: str) -> str:
    """Look a name up."""
    return f"found {name}"


def used(inp: int, out: int, cached: int = 0, cost: float | None = None) -> Usage:
    return Usage(
        input_tokens=inp, output_tokens=out, total_tokens=inp + out, cached_tokens=cached,
        requests=1, cost=cost,
    )


def test_cost_counts_cached_input_at_its_own_price() -> None:
    prices = Prices(input=2.0, output=8.0, cached_input=0.5)
    # 600k fresh input at $2, 400k cached at $0.50, 100k output at $8.
    assert cost_of(used(M, 100_000, cached=400_000), prices) == pytest.approx(1.2 + 0.2 + 0.8)
    assert cost_of(used(M, 0), prices) == pytest.approx(2.0)


def test_two_prices_mean_no_cache_discount() -> None:
    assert as_prices((1.0, 3.0)) == Prices(1.0, 3.0, 1.0)
    assert as_prices((1.0, 3.0, 0.1, 1.25)) == Prices(1.0, 3.0, 0.1, cache_write=1.25)
    with pytest.raises(ValueError, match="input, output"):
        as_prices((1.0,))
    with pytest.raises(ValueError, match="cache_write"):
        as_prices((1.0, 2.0, 3.0, 4.0, 5.0))


def test_cache_writes_cost_their_own_price() -> None:
    # Claude Sonnet 4.5: $3 input, $0.30 a cache read, $3.75 a cache write, $15 output.
    prices = known_prices("anthropic", "claude-sonnet-4-5")
    assert prices is not None
    usage = Usage(input_tokens=M, cached_tokens=200_000, cache_write_tokens=300_000,
                  output_tokens=100_000, requests=1)  # fmt: skip
    # 500k fresh at $3, 200k read at $0.30, 300k written at $3.75, 100k output at $15.
    assert cost_of(usage, prices) == pytest.approx(1.5 + 0.06 + 1.125 + 1.5)
    # A model without a cache-write price bills writes as input (OpenAI reports none).
    assert cost_of(usage, Prices(3.0, 15.0, 0.30)) == pytest.approx(1.5 + 0.06 + 0.9 + 1.5)
    # Counts that do not add up never make a negative fresh part.
    odd = Usage(input_tokens=100, cached_tokens=80, cache_write_tokens=80, requests=1)
    assert cost_of(odd, prices) == pytest.approx((80 * 0.30 + 20 * 3.75) / 1e6)


def test_sums_of_usage_add_the_cache_writes() -> None:
    a = Usage(input_tokens=10, cache_write_tokens=4, requests=1)
    assert (a + a).cache_write_tokens == 8


def test_sums_of_usage_keep_an_unknown_cost_unknown() -> None:
    a, b = used(10, 5, cost=0.25), used(20, 5, cost=0.5)
    assert (a + b).cost == pytest.approx(0.75)
    assert (a + used(1, 1)).cost is None  # A call of unknown price: the sum is unknown.
    assert (used(1, 1) + a).cost is None
    assert (Usage() + a).cost == 0.25 and (a + Usage()).cost == 0.25  # Nothing counted.
    assert (Usage() + Usage()).cost is None
    assert sum([a, b, a], Usage()).cost == pytest.approx(1.0)


def test_list_prices_by_exact_name_for_each_priced_provider() -> None:
    assert known_prices("anthropic", "claude-sonnet-4-5") == (3.0, 15.0, 0.30, 3.75)
    assert known_prices("anthropic", "claude-sonnet-4-5-20250929") == (3.0, 15.0, 0.30, 3.75)
    assert known_prices("anthropic", "claude-opus-4-1") == (15.0, 75.0, 1.50, 18.75)
    assert known_prices("anthropic", "claude-haiku-4-5") == (1.0, 5.0, 0.10, 1.25)
    assert known_prices("openai", "gpt-5") == Prices(1.25, 10.0, 0.125)
    assert known_prices("openai", "o3") == Prices(2.0, 8.0, 0.5)
    assert known_prices("kimi", "kimi-k2-0905-preview") == known_prices(
        "moonshot", "kimi-k2-0905-preview"
    )
    assert known_prices("deepseek", "deepseek-reasoner") is not None
    for provider, name in [
        ("anthropic", "claude-sonnet"), ("openai", "gpt-5-2025-08-07"), ("ollama", "llama3.1"),
        ("openrouter", "openai/gpt-4o"), ("qwen", "qwen-plus"),
    ]:
        assert known_prices(provider, name) is None, name


def test_a_model_knows_its_prices_and_they_can_be_set() -> None:
    assert prices_of(OpenAIChat("gpt-4o-mini", api_key="k")) == Prices(0.15, 0.60, 0.075)
    assert prices_of(OpenAIChat("my-finetune", api_key="k")) is None
    finetune = OpenAIChat("my-finetune", api_key="k", prices=(1, 2, 0.1))
    assert prices_of(finetune) == Prices(1, 2, 0.1)
    assert prices_of(OpenAIChat("gpt-4o", api_key="k", prices=(9, 9))) == Prices(9, 9, 9)
    assert prices_of(ScriptedModel()) is None


def test_charge_counts_one_request_and_prices_it() -> None:
    prices = Prices(1.0, 2.0, 1.0)
    assert charge(None, prices) == Usage(requests=1)  # No usage reported: cost unknown.
    assert charge(used(M, M), None).cost is None
    assert charge(used(M, M), prices).cost == pytest.approx(3.0)
    reported = Usage(input_tokens=5, cost=0.125)  # Priced by the provider itself.
    assert charge(reported, prices) == Usage(input_tokens=5, requests=1, cost=0.125)


def priced_model(*steps: Any, prices: tuple[float, ...] | None = (1.0, 2.0, 0.5)) -> ScriptedModel:
    model = ScriptedModel(list(steps))
    model.prices = prices
    return model


async def test_run_response_usage_cost_sums_the_calls_of_a_run_with_tool_turns() -> None:
    model = priced_model(
        ScriptedModel.tool_calls(tool_call("lookup", {"name": "a"}), usage=used(M, 0)),
        ScriptedModel.tool_calls(
            tool_call("lookup", {"name": "b"}), tool_call("lookup", {"name": "c"}),
            usage=used(M, 0, cached=M),
        ),
        ScriptedModel.text("done", usage=used(0, M)),
    )
    result = await Agent(model=model, tools=[lookup]).run("go")
    assert result.content == "done" and result.usage.requests == 3
    assert result.usage.cost == pytest.approx(1.0 + 0.5 + 2.0)
    updates = [e.usage.cost for e in result.events if isinstance(e, UsageUpdated)]
    assert updates == pytest.approx([1.0, 1.5, 3.5])  # Cumulative, after each call.


async def test_an_unpriced_model_or_an_unreported_usage_gives_an_unknown_cost() -> None:
    result = await Agent(model=priced_model("hi", prices=None)).run("go")
    assert result.usage.cost is None
    # Priced, but one call reported no usage: the run's cost is unknown, not too low.
    silent = [tool_call("lookup", {"name": "a"}), ModelFinish(reason="tool_calls")]
    model = priced_model(silent, ScriptedModel.text("ok", usage=used(10, 10)))
    result = await Agent(model=model, tools=[lookup]).run("go")
    assert result.usage.requests == 2 and result.usage.cost is None


async def test_run_config_prices_override_the_models() -> None:
    model = priced_model(ScriptedModel.text("ok", usage=used(M, M)))
    result = await Agent(model=model).run("go", config=RunConfig(prices=(10.0, 20.0)))
    assert result.usage.cost == pytest.approx(30.0)


async def test_an_openai_compatible_call_is_priced_from_the_list_with_cached_tokens() -> None:
    usage = {
        "prompt_tokens": 2000, "completion_tokens": 1000, "total_tokens": 3000,
        "prompt_tokens_details": {"cached_tokens": 1000},
    }
    mock = OpenAIMock([MockReply(text="hi", usage=usage)])
    model = OpenAIChat(
        "gpt-4o", api_key="k", base_url="http://mock/v1", http_client=mock.http_client(),
        max_retries=0,
    )
    result = await Agent(model=model).run("go")
    # 1000 fresh input at $2.50, 1000 cached at $1.25, 1000 output at $10 (per million).
    assert result.usage.cached_tokens == 1000
    assert result.usage.cost == pytest.approx((2500 + 1250 + 10_000) / M)
    await model.aclose()


async def test_the_cost_budget_uses_the_models_own_prices() -> None:
    turns = [ScriptedModel.tool_calls(tool_call("lookup", {"name": "x"}), usage=used(M, 0))] * 5
    model = priced_model(*turns, "end")  # $1 a call.
    result = await Agent(model=model, tools=[lookup]).run("go", config=RunConfig(cost_limit=2.5))
    assert result.stop_reason == "max_tokens"
    assert result.usage.requests == 3 and result.usage.cost == pytest.approx(3.0)


async def test_an_unknown_cost_does_not_stop_the_run_and_says_so(
    caplog: pytest.LogCaptureFixture,
) -> None:
    turns = [ScriptedModel.tool_calls(tool_call("lookup", {"name": "x"}), usage=used(M, 0))] * 2
    model = priced_model(*turns, "end", prices=None)
    with caplog.at_level(logging.WARNING, logger="agentica"):
        result = await Agent(model=model, tools=[lookup]).run(
            "go", config=RunConfig(cost_limit=0.000001)
        )
    assert result.stop_reason == "end_turn" and result.usage.cost is None
    warnings = [r for r in caplog.records if "cost_limit is not enforced" in r.getMessage()]
    assert len(warnings) == 1  # Once per run, not per call.


def test_a_fallback_model_is_priced_as_the_model_that_answered() -> None:
    from agentica.models.fallback import FallbackModel

    primary, fallback = OpenAIChat("gpt-4o"), OpenAIChat("gpt-4o-mini")
    both = FallbackModel([primary, fallback])
    assert prices_of(both) == known_prices("openai", "gpt-4o")
    both.answered_by = fallback
    assert prices_of(both) == known_prices("openai", "gpt-4o-mini")
