"""What a session tells the editor about its usage: context tokens, cost, a turn's tokens.

- ``usage_update`` (stable): the context tokens of the latest model call, the window
  size, and the session's cumulative ``cost`` in USD when it is known: the sum of its
  runs' ``usage.cost``, which the engine computes per model call
  (``agentica.models.pricing``; unknown once any call's cost is). Sent after every model
  call, and on ``session/load`` / ``session/resume`` from what the session stored
  (acp-spec §13).
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

META_NAMESPACE = "agentica"
"""Our key in ``clientCapabilities._meta``."""
PROMPT_USAGE_FLAG = "promptUsage"
"""``clientCapabilities._meta.agentica.promptUsage: true`` opts in to ``PromptResponse.usage``."""
STORED_KEY = "usage"
"""Where a session's usage is kept in its stored config: ``{"used": int, "cost": float|None}``."""


def session_cost(before: float | None, started: bool, run: Usage) -> float | None:
    """The session's cost with a run whose usage so far is ``run``.

    ``before``: the cost of the earlier turns; ``started``: whether there were model
    calls before (then ``before=None`` means unknown, not zero). Unknown stays unknown.
    """
    if run.cost is None or (before is None and started):
        return None
    return (before or 0.0) + run.cost


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
    "prompt_usage",
    "session_cost",
    "stored",
    "to_store",
    "usage_update",
    "wants_prompt_usage",
]
