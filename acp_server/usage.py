"""What a session tells the editor about its usage: context tokens, cost, a turn's tokens.

- ``usage_update`` (stable): the context tokens of the latest model call, the window
  size, and the session's cumulative ``cost`` in USD when the model's prices are known
  (``agentica.models.presets.known_prices``; cached input is counted at the full input
  price, so the cost is an upper bound). Sent after every model call, and on
  ``session/load`` / ``session/resume`` from what the session stored (acp-spec §13).
- ``PromptResponse.usage`` (unstable, acp-spec §14): the tokens of the turn's model calls.
  The schema defines no opt-in for it, so a client asks for it with a custom capability
  (acp-spec "Extensibility": custom capabilities live in ``_meta``)::

      "clientCapabilities": {"_meta": {"agentica": {"promptUsage": true}}}

  Without it the prompt result is ``{stopReason}`` alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from acp_server import wire
    from agentica.events import Usage
    from agentica.models.base import Model

META_NAMESPACE = "agentica"
"""Our key in ``clientCapabilities._meta``."""
PROMPT_USAGE_FLAG = "promptUsage"
"""``clientCapabilities._meta.agentica.promptUsage: true`` opts in to ``PromptResponse.usage``."""
STORED_KEY = "usage"
"""Where a session's usage is kept in its stored config: ``{"used": int, "cost": float|None}``."""


def prices_of(model: Model | None) -> tuple[float, float] | None:
    """The model's ``(input, output)`` USD per million tokens, when its preset knows them."""
    from agentica.models.presets import known_prices

    preset = getattr(model, "preset", None)
    provider, name = getattr(preset, "name", None), getattr(model, "id", None)
    if not isinstance(provider, str) or not isinstance(name, str):
        return None
    return known_prices(provider, name)


def cost_of(usage: Usage, prices: tuple[float, float]) -> float:
    """US dollars for ``usage`` at ``prices`` (per million input / output tokens)."""
    return (usage.input_tokens * prices[0] + usage.output_tokens * prices[1]) / 1_000_000


def usage_update(used: int, size: int | None, cost: float | None) -> dict[str, Any] | None:
    """The ``usage_update`` payload; None without a meaningful size (acp-spec §13)."""
    from acp_server import wire

    if not size:
        return None
    priced = None if cost is None else wire.Cost(amount=round(cost, 6), currency="USD")
    return wire.dump(wire.UsageUpdate(used=max(0, used), size=max(0, size), cost=priced))


def stored(config: Mapping[str, Any]) -> tuple[int, float | None]:
    """``(tokens used, cost)`` from a stored session's config (``(0, None)``: unknown)."""
    data = config.get(STORED_KEY)
    if not isinstance(data, dict):
        return 0, None
    used, cost = data.get("used"), data.get("cost")
    used = used if isinstance(used, int) and not isinstance(used, bool) and used > 0 else 0
    cost = float(cost) if isinstance(cost, int | float) and not isinstance(cost, bool) else None
    return used, cost


def to_store(used: int, cost: float | None) -> dict[str, Any]:
    """The stored form of a session's usage (see ``stored``)."""
    return {"used": used, "cost": cost}


def wants_prompt_usage(caps: wire.ClientCapabilities) -> bool:
    """Whether the client opted in to ``PromptResponse.usage`` (see the module doc)."""
    ours = (caps.meta or {}).get(META_NAMESPACE)
    return isinstance(ours, dict) and ours.get(PROMPT_USAGE_FLAG) is True


def prompt_usage(usage: Usage | None) -> wire.PromptUsage | None:
    """The turn's ``usage`` for the prompt result (None when no model was called)."""
    from acp_server import wire

    if usage is None or not usage.requests:
        return None
    return wire.PromptUsage(
        total_tokens=usage.total_tokens or usage.input_tokens + usage.output_tokens,
        input_tokens=usage.input_tokens,
        output_tokens=usage.output_tokens,
        thought_tokens=usage.reasoning_tokens or None,
        cached_read_tokens=usage.cached_tokens or None,
    )


__all__ = [
    "META_NAMESPACE",
    "PROMPT_USAGE_FLAG",
    "STORED_KEY",
    "cost_of",
    "prices_of",
    "prompt_usage",
    "stored",
    "to_store",
    "usage_update",
    "wants_prompt_usage",
]
