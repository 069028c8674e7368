"""``GuardrailVerdict``: what an agent guardrail answers (a pydantic model).

Its own module so that ``agentica.guardrails``, which every agent loads, imports no
pydantic: the class is imported when first asked for (``agentica.GuardrailVerdict``).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class GuardrailVerdict(BaseModel):
    """What an agent guardrail answers (use it as the guardrail agent's ``response_model``)."""

    model_config = ConfigDict(defer_build=True)  # Built on first use, not at import.
    tripped: bool
    """Whether the text must be refused."""
    reason: str = ""
    """Why, in one sentence the user can read."""


__all__ = ["GuardrailVerdict"]
