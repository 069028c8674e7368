"""The e2e model (``e2e_models``), plus: the prompt ``system prompt?`` is answered with
``SYSTEM:`` and the session's system prompt (for the skills tests)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import e2e_models

from agentica.messages import Message
from agentica.models.base import ToolSpec
from agentica.testing import FunctionModel

ASK = "system prompt?"


def model() -> FunctionModel:
    """The e2e model that can also show its system prompt."""
    base = e2e_models.model()

    def answer(messages: Sequence[Message], tools: Sequence[ToolSpec]) -> Any:
        if messages[-1].role == "user" and messages[-1].text.strip() == ASK:
            return "SYSTEM: " + (messages[0].text if messages[0].role == "system" else "(none)")
        return base.fn(list(messages), list(tools))

    return FunctionModel(answer, name="e2e-skills", context_window=100_000, supports_images=False)
