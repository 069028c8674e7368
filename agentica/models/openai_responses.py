"""``OpenAIResponses``: a model behind the OpenAI Responses API (``/v1/responses``), streamed.

Three ways to pick it, all equal::

    OpenAIResponses("gpt-5")
    OpenAIChat("gpt-5", api="responses")
    get_model("openai/gpt-5?api=responses")      # also as --model / ``model =`` of the server

It is an ``OpenAIChat`` in everything but the wire format (same presets, keys, client pool,
timeouts, stall watchdog, errors, events): streamed text, reasoning summaries as thinking,
function calls (several per turn, each handed out complete), usage with cached and
reasoning tokens. The request is made with ``store=False``, and reasoning models get their
encrypted reasoning back between tool calls (see ``agentica.models._responses_call``).
"""

from __future__ import annotations

from typing import Any

from agentica.models.openai import OpenAIChat


class OpenAIResponses(OpenAIChat):
    """An ``OpenAIChat`` that speaks the Responses API (``responses.create(stream=True)``).

    Args:
        id: The model name (``gpt-5``, ``o4-mini``, ...).
        reasoning_summary: For reasoning models: the summary of their reasoning to stream
            as thinking (``"auto"``, ``"concise"``, ``"detailed"``; None asks for none, as
            organisations without access to summaries must).
        **options: Everything ``OpenAIChat`` takes (``provider``, ``api_key``,
            ``base_url``, ``reasoning_effort``, ``http_client``, ...).
    """

    def __init__(
        self,
        id: str | None = None,  # noqa: A002  (OpenAIChat's spelling)
        *,
        reasoning_summary: str | None = "auto",
        **options: Any,
    ) -> None:
        options["api"] = "responses"
        super().__init__(id, **options)
        self.reasoning_summary = reasoning_summary


__all__ = ["OpenAIResponses"]
