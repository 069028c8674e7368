"""One streamed call of the OpenAI Responses API (``responses.create(stream=True)``).

``OpenAIChat`` with ``api="responses"`` (``OpenAIResponses``) builds its request with
``responses_request()`` and streams with ``stream_responses()``. The stream goes through
the same watchdog (``_watch``) and the same error mapping (``_openai_errors``) as Chat
Completions, so stalls, cut streams, cancellation and provider errors look the same to
the engine; ``_responses_stream.ResponsesReader`` turns the server events into deltas.

``store=False`` is always sent: the provider keeps no copy of the conversation, and each
request carries the whole history (as Chat Completions does), so sessions, compaction
and fallbacks work unchanged. What the server would otherwise keep, a reasoning model's
reasoning between tool calls, is asked for encrypted (``include``) and sent back from
memory (``_responses_parts.ReasoningMemo``).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from typing import Any, Protocol

from agentica.events import Usage
from agentica.exceptions import (
    ContextLengthError,
    ModelError,
    ModelResponseError,
    RateLimitError,
    UserError,
)
from agentica.messages import Message
from agentica.models._openai_errors import map_error, watched
from agentica.models._openai_request import create_arguments
from agentica.models._responses_parts import ReasoningMemo, request_body
from agentica.models._responses_stream import ResponseFailed, ResponsesReader
from agentica.models.base import ModelDelta, ModelFinish, ModelStatus, ModelUsage, ToolSpec
from agentica.models.presets import Preset

logger = logging.getLogger(__name__)

_FAILED_STATUS: dict[str, int] = {
    "rate_limit_exceeded": 429,
    "server_error": 500,
    "server_is_overloaded": 503,
    "overloaded": 503,
    "context_length_exceeded": 400,
}
"""HTTP statuses standing for the error codes of a failed response (for retry decisions)."""


def check_api(api: str) -> str:
    """``api`` if it names an API an ``OpenAIChat`` speaks ("chat" or "responses")."""
    if api not in ("chat", "responses"):
        raise UserError(f"unknown api {api!r}: use 'chat' (Chat Completions) or 'responses'")
    return api


class ResponsesSettings(Protocol):
    """What a model must have to call the Responses API (``OpenAIChat`` has it)."""

    id: str
    preset: Preset
    base_url: str | None
    timeout: float
    stall_timeout: float
    notice_after: float
    supports_images: bool
    supports_reasoning_effort: bool
    reasoning_effort: str | None
    reasoning_summary: str | None
    reasoning_memo: ReasoningMemo
    temperature: float | None
    top_p: float | None
    max_tokens: int | None
    extra_body: dict[str, Any]
    extra_headers: dict[str, str]


def responses_request(
    model: ResponsesSettings,
    messages: Sequence[Message],
    tools: Sequence[ToolSpec],
    output_schema: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The keyword arguments of ``responses.create`` for one streamed call."""
    reasoning: dict[str, Any] | None = None
    if model.supports_reasoning_effort:
        reasoning = {}
        if model.reasoning_effort:
            reasoning["effort"] = model.reasoning_effort
        if model.reasoning_summary:
            reasoning["summary"] = model.reasoning_summary
    request = request_body(
        model.id, messages, tools, images=model.supports_images, memo=model.reasoning_memo,
        reasoning=reasoning,
        sampling={"temperature": model.temperature, "top_p": model.top_p,
                  "max_output_tokens": model.max_tokens},
        extra_body=model.extra_body, extra_headers=model.extra_headers,
    )  # fmt: skip
    if output_schema is not None:
        request["text"] = {
            "format": {"type": "json_schema", "name": "answer", "schema": output_schema}
        }
    return request


def failed_error(e: ResponseFailed, *, model: str) -> ModelError:
    """A failed response (an event in the stream) in agentica's error tree."""
    status = _FAILED_STATUS.get(e.code or "")
    cls: type[ModelError] = ModelResponseError
    if status == 429:
        cls = RateLimitError
    elif e.code == "context_length_exceeded":
        cls = ContextLengthError
    return cls(str(e), status=status, model=model)


async def stream_responses(
    settings: ResponsesSettings,
    client: Any,
    messages: Sequence[Message],
    tools: Sequence[ToolSpec],
    output_schema: dict[str, Any] | None = None,
) -> AsyncIterator[ModelDelta]:
    """Stream one reply: thinking, text, complete tool calls, usage, finish."""
    responses = getattr(client, "responses", None)
    if responses is None:  # pragma: no cover - depends on the installed openai
        raise UserError("the Responses API needs openai>=1.66 (pip install -U openai)")
    model, where = settings.id, settings.base_url or "api.openai.com"
    arguments = create_arguments(responses_request(settings, messages, tools, output_schema))

    async def open_stream() -> Any:
        return await responses.create(**arguments)

    reader = ResponsesReader()
    received = False
    chunks = watched(
        open_stream, model=model, where=where, timeout=settings.timeout,
        stall_timeout=settings.stall_timeout, notice_after=settings.notice_after,
    )  # fmt: skip
    usage_seen = False
    try:
        async for event in chunks:
            if isinstance(event, ModelStatus):
                yield event
                continue
            received = True
            for delta in reader.feed(event):
                if delta.type == "usage":
                    usage_seen = True
                yield delta
    except ResponseFailed as e:
        raise failed_error(e, model=model) from None
    except ModelError:
        raise
    except Exception as e:  # Every transport failure becomes a ModelError.
        raise map_error(
            e, model=model, where=where, timeout=settings.timeout,
            key_envs=settings.preset.key_envs, mid_stream=received,
        ) from e  # fmt: skip
    finally:
        await chunks.aclose()  # Stops the reader and closes the HTTP response.
    if reader.finish is None:
        raise ModelResponseError(
            "the stream ended before the model finished its answer (no response.completed)",
            model=model,
        )
    if reader.reasoning and reader.call_ids:
        settings.reasoning_memo.put(reader.call_ids[0], reader.reasoning)
    if not usage_seen:
        yield ModelUsage(usage=Usage(requests=1))
    yield ModelFinish(reason=reader.finish)


__all__ = [
    "ResponsesSettings",
    "check_api",
    "failed_error",
    "responses_request",
    "stream_responses",
]
