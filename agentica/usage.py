"""``Usage``: the tokens and cost of a run's model calls (re-exported by ``agentica.events``)."""

from __future__ import annotations

from agentica._records import record


@record
class Usage:
    """Token usage and cost, summed over the model calls of a run.

    ``cost`` is in US dollars, ``None`` when unknown (a model without known prices, or
    one that reported no usage): a sum with an unknown part is unknown, never a partial
    figure. ``Usage()`` (nothing counted: no request, no tokens) is the sum's neutral
    element, so a run that made no model call has ``cost=None`` and adding it to a
    priced usage keeps the price.
    """

    input_tokens: int = 0
    """Prompt tokens, cached ones included."""
    output_tokens: int = 0
    """Completion tokens, reasoning included."""
    total_tokens: int = 0
    cached_tokens: int = 0
    """The part of ``input_tokens`` read from the provider's prompt cache."""
    cache_write_tokens: int = 0
    """The part of ``input_tokens`` written to the provider's prompt cache (Anthropic bills
    it above the input price; OpenAI-compatible APIs do not report it)."""
    reasoning_tokens: int = 0
    requests: int = 0
    """Number of model calls counted."""
    cost: float | None = None
    """US dollars (``None``: unknown; see ``agentica.models.pricing``)."""

    def __add__(self, other: Usage) -> Usage:
        a, b = self.cost, other.cost
        if a is not None and b is not None:
            cost: float | None = a + b
        elif a is None and b is None:
            cost = None
        elif a is None:
            cost = b if self._blank() else None
        else:
            cost = a if other._blank() else None
        return Usage(
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            total_tokens=self.total_tokens + other.total_tokens,
            cached_tokens=self.cached_tokens + other.cached_tokens,
            cache_write_tokens=self.cache_write_tokens + other.cache_write_tokens,
            reasoning_tokens=self.reasoning_tokens + other.reasoning_tokens,
            requests=self.requests + other.requests,
            cost=cost,
        )

    def _blank(self) -> bool:
        """Nothing counted: no request and no tokens (the neutral element of ``+``)."""
        return not (self.requests or self.input_tokens or self.output_tokens or self.total_tokens)
