"""What model calls cost: list prices by provider and model, and the one cost formula.

``cost_of(usage, prices)`` is the only place agentica turns tokens into US dollars: the
engine prices each model call with it (``charge``), so ``RunResponse.usage.cost``, the
``UsageUpdated`` events, the ACP server's ``usage_update`` and the ``cost_limit`` budget
all read the same number.

Prices are looked up by *exact* model name (``known_prices("openai", "gpt-4o")``): a
dated snapshot or a router's copy of a model is not assumed to cost the same, since a
wrong cost is worse than none. Unknown models cost ``None`` (unknown), never zero.
``OpenAIChat(prices=(input, output, cached))`` or ``RunConfig(prices=...)`` set prices
the table lacks. This module imports no vendor library.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from agentica.events import Usage


class Prices(NamedTuple):
    """US dollars per million tokens: fresh input, output, cached (cache-read) input, and
    input written to the cache (``None``: what fresh input costs)."""

    input: float
    output: float
    cached_input: float
    cache_write: float | None = None


def _p(
    input_: float, output: float, cached: float | None = None, write: float | None = None
) -> Prices:
    """Prices; without a cache discount, cached input costs what input costs."""
    return Prices(input_, output, input_ if cached is None else cached, write)


# List prices (standard tier, prompts within the base context tier) as published by each
# provider in late 2025. Long-context surcharges and batch discounts are not modelled.
# Anthropic bills a cache write at 1.25x input (the 5-minute cache agentica asks for).
_OPENAI: dict[str, Prices] = {
    "gpt-5": _p(1.25, 10.00, 0.125),
    "gpt-5-mini": _p(0.25, 2.00, 0.025),
    "gpt-5-nano": _p(0.05, 0.40, 0.005),
    "gpt-5-chat-latest": _p(1.25, 10.00, 0.125),
    "gpt-5-codex": _p(1.25, 10.00, 0.125),
    "gpt-5-pro": _p(15.00, 120.00),
    "gpt-5.1": _p(1.25, 10.00, 0.125),
    "gpt-5.1-chat-latest": _p(1.25, 10.00, 0.125),
    "gpt-5.1-codex": _p(1.25, 10.00, 0.125),
    "gpt-5.1-codex-mini": _p(0.25, 2.00, 0.025),
    "gpt-4.1": _p(2.00, 8.00, 0.50),
    "gpt-4.1-mini": _p(0.40, 1.60, 0.10),
    "gpt-4.1-nano": _p(0.10, 0.40, 0.025),
    "gpt-4o": _p(2.50, 10.00, 1.25),
    "gpt-4o-mini": _p(0.15, 0.60, 0.075),
    "o1": _p(15.00, 60.00, 7.50),
    "o1-pro": _p(150.00, 600.00),
    "o3": _p(2.00, 8.00, 0.50),
    "o3-pro": _p(20.00, 80.00),
    "o3-mini": _p(1.10, 4.40, 0.55),
    "o4-mini": _p(1.10, 4.40, 0.275),
}
_DEEPSEEK: dict[str, Prices] = {  # V3.2 prices (both names serve it); cached = cache hit.
    "deepseek-chat": _p(0.28, 0.42, 0.028),
    "deepseek-reasoner": _p(0.28, 0.42, 0.028),
}
_MOONSHOT: dict[str, Prices] = {  # USD list prices of platform.moonshot.ai.
    "kimi-k2-0905-preview": _p(0.60, 2.50, 0.15),
    "kimi-k2-0711-preview": _p(0.60, 2.50, 0.15),
    "kimi-k2-turbo-preview": _p(1.15, 8.00, 0.15),
    "kimi-k2-thinking": _p(0.60, 2.50, 0.15),
    "kimi-k2-thinking-turbo": _p(1.15, 8.00, 0.15),
    "moonshot-v1-8k": _p(0.20, 2.00),
    "moonshot-v1-32k": _p(1.00, 3.00),
    "moonshot-v1-128k": _p(2.00, 5.00),
}


def _w(input_: float, output: float, cached: float) -> Prices:
    """Anthropic's prices: a cache write costs 1.25 times the input."""
    return _p(input_, output, cached, round(input_ * 1.25, 4))


_ANTHROPIC_FAMILIES: dict[tuple[str, ...], Prices] = {
    # Aliases and dated ids: Anthropic's snapshots keep their alias's price.
    ("claude-opus-4-5", "claude-opus-4-5-20251101"): _w(5.00, 25.00, 0.50),
    ("claude-opus-4-1", "claude-opus-4-1-20250805"): _w(15.00, 75.00, 1.50),
    ("claude-opus-4-0", "claude-opus-4-20250514"): _w(15.00, 75.00, 1.50),
    ("claude-sonnet-4-5", "claude-sonnet-4-5-20250929"): _w(3.00, 15.00, 0.30),
    ("claude-sonnet-4-0", "claude-sonnet-4-20250514"): _w(3.00, 15.00, 0.30),
    ("claude-haiku-4-5", "claude-haiku-4-5-20251001"): _w(1.00, 5.00, 0.10),
    ("claude-3-7-sonnet-latest", "claude-3-7-sonnet-20250219"): _w(3.00, 15.00, 0.30),
    ("claude-3-5-haiku-latest", "claude-3-5-haiku-20241022"): _w(0.80, 4.00, 0.08),
}

PRICES: dict[str, dict[str, Prices]] = {
    "openai": _OPENAI,
    "deepseek": _DEEPSEEK,
    "moonshot": _MOONSHOT,
    "anthropic": {name: p for names, p in _ANTHROPIC_FAMILIES.items() for name in names},
}
"""Provider -> exact model name -> ``Prices`` (providers billed in other currencies or by
tiers, local servers and routers are left out: their cost is unknown)."""

_ALIASES = {"kimi": "moonshot"}


def known_prices(provider: str, model: str) -> Prices | None:
    """The list prices of ``model`` at ``provider`` (``None``: unknown)."""
    table = PRICES.get(_ALIASES.get(provider, provider))
    return table.get(model) if table is not None else None


def provider_of(model: Any) -> str | None:
    """The provider a model object reaches: its preset's name, else its ``provider``."""
    preset = getattr(model, "preset", None)
    name = getattr(preset, "name", None) if preset is not None else None
    if name is None:
        name = getattr(model, "provider", None) or getattr(model, "provider_name", None)
    return name if isinstance(name, str) else None


def prices_of(model: Any) -> Prices | None:
    """A model's prices: its own ``prices`` when set, else the list prices of its name.

    A ``FallbackModel`` is priced as the model that answered its last call.
    """
    model = getattr(model, "answered_by", None) or model
    own = getattr(model, "prices", None)
    if own is not None:
        return as_prices(own)
    provider, name = provider_of(model), getattr(model, "id", None)
    if provider is None or not isinstance(name, str):
        return None
    return known_prices(provider, name)


def as_prices(value: tuple[float, ...] | Prices) -> Prices:
    """``Prices`` from ``(input, output)``, ``(input, output, cached_input)`` or
    ``(input, output, cached_input, cache_write)``."""
    if isinstance(value, Prices):
        return value
    if len(value) not in (2, 3, 4):
        raise ValueError(
            f"prices are (input, output[, cached_input[, cache_write]]) per million, got {value!r}"
        )
    return _p(*value)


def cost_of(usage: Usage, prices: Prices) -> float:
    """US dollars for ``usage`` at ``prices``.

    ``usage.cached_tokens`` are the part of ``input_tokens`` read from the provider's
    cache (as OpenAI-compatible APIs count them) and cost ``prices.cached_input``;
    ``usage.cache_write_tokens`` the part written to it, at ``prices.cache_write`` (the
    input price when there is none); reasoning tokens are part of ``output_tokens``.
    """
    cached = min(usage.cached_tokens, usage.input_tokens)
    written = min(usage.cache_write_tokens, usage.input_tokens - cached)
    write = prices.input if prices.cache_write is None else prices.cache_write
    return (
        (usage.input_tokens - cached - written) * prices.input
        + cached * prices.cached_input
        + written * write
        + usage.output_tokens * prices.output
    ) / 1_000_000


def charge(usage: Usage | None, prices: Prices | None) -> Usage:
    """One model call's usage as the run counts it: one request, and its cost.

    A cost the model reported itself is kept; otherwise it is computed at ``prices``.
    Without prices, or when the model reported no usage at all, the cost is unknown.
    """
    from agentica.events import Usage

    if usage is None:
        return Usage(requests=1)
    cost = usage.cost
    if cost is None and prices is not None:
        cost = cost_of(usage, prices)
    if usage.requests and cost is usage.cost:
        return usage
    return replace(usage, requests=usage.requests or 1, cost=cost)


__all__ = [
    "PRICES",
    "Prices",
    "as_prices",
    "charge",
    "cost_of",
    "known_prices",
    "prices_of",
    "provider_of",
]
