"""Errors of the OpenAI adapter: vendor errors in agentica's tree, and a silent model's.

Pure functions of the exception and the model's identity; ``OpenAIChat`` calls them.
``watched()``, the silent-endpoint watch with its status lines and timeout error, serves
every streaming adapter (Chat Completions, Responses, Anthropic).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator, Awaitable, Callable, Sequence
from typing import Any

from agentica.exceptions import (
    AuthenticationError,
    ContextLengthError,
    ModelConnectionError,
    ModelError,
    ModelNotFoundError,
    ModelResponseError,
    ModelTimeoutError,
    RateLimitError,
)
from agentica.models._openai_parts import http_errors, is_context_error, provider_message
from agentica.models._watch import Stalled, Waiting, watch
from agentica.models.base import ModelStatus

logger = logging.getLogger(__name__)


def waiting_text(model: str, w: Waiting) -> str:
    """The status line shown while the endpoint is silent."""
    if w.first:
        return f"Waiting for the model ({model}): no answer yet after {w.seconds:.0f} s…\n"
    return f"Waiting for the model ({model}): no new data for {w.seconds:.0f} s…\n"


def stalled_error(e: Stalled, *, model: str, where: str) -> ModelTimeoutError:
    """The readable error of a silent endpoint (``timeout`` / ``stall_timeout`` passed)."""
    if e.first:
        text = (
            f"no answer within {e.seconds:g}s from {model} at {where} "
            "(the endpoint took the request but sent nothing back); not retried"
        )
    else:
        text = f"the answer of {model} at {where} stalled: no data for {e.seconds:g}s mid-answer"
    return ModelTimeoutError(text, model=model)


async def watched(
    open_stream: Callable[[], Awaitable[Any]],
    *,
    model: str,
    where: str,
    timeout: float,
    stall_timeout: float,
    notice_after: float,
) -> AsyncGenerator[Any, None]:
    """The events of the stream ``open_stream()`` opens, watched (``_watch.watch``).

    A ``ModelStatus`` line comes while the endpoint is silent (every ``3 * notice_after``
    seconds after the first ``notice_after``); a silence past ``timeout`` (before the first
    event) or ``stall_timeout`` (between events) raises ``stalled_error``. Closing this
    generator stops the reader and closes the HTTP response.
    """
    chunks = watch(
        open_stream, close_stream, first_timeout=timeout, gap_timeout=stall_timeout,
        notice_after=notice_after, notice_every=3 * notice_after,
    )  # fmt: skip
    try:
        async for event in chunks:
            if isinstance(event, Waiting):
                event = ModelStatus(text=waiting_text(model, event))
            yield event
    except Stalled as e:
        raise stalled_error(e, model=model, where=where) from None
    finally:
        await chunks.aclose()


async def close_stream(stream: Any) -> None:
    """Close a response stream; a failure to close must not hide the real outcome."""
    try:
        await stream.close()
    except Exception:
        logger.debug("closing the response stream failed", exc_info=True)


def map_error(
    e: BaseException,
    *,
    model: str,
    where: str,
    timeout: float,
    key_envs: Sequence[str],
    mid_stream: bool = False,
) -> ModelError:
    """Translate an ``openai``/HTTP error into agentica's error tree."""
    import openai

    if isinstance(e, openai.APITimeoutError):
        return ModelTimeoutError(f"no answer within {timeout:g}s from {where}", model=model)
    if not mid_stream and not isinstance(e, (openai.OpenAIError, *http_errors(openai))):
        # Anything else escaping the transport (an OSError, a RuntimeError from a dead
        # event loop...) before an answer arrived: the endpoint could not be used.
        return ModelConnectionError(f"cannot reach {where}: {type(e).__name__}: {e}", model=model)
    if mid_stream and isinstance(e, (openai.APIConnectionError, *http_errors(openai))):
        cause = e.__cause__ or e
        return ModelResponseError(
            f"the stream was cut mid-answer: {type(cause).__name__}: {cause}", model=model
        )
    if isinstance(e, (openai.APIConnectionError, *http_errors(openai))):
        cause = e.__cause__ or e
        return ModelConnectionError(
            f"cannot reach {where}: {type(cause).__name__}: {cause}", model=model
        )
    if not isinstance(e, openai.APIStatusError):
        if isinstance(e, openai.APIError):
            return ModelResponseError(provider_message(e), model=model)
        return ModelResponseError(f"{type(e).__name__}: {e}", model=model)
    message, status = provider_message(e), e.status_code
    cls: type[ModelError] = ModelResponseError
    if isinstance(e, openai.AuthenticationError | openai.PermissionDeniedError):
        cls = AuthenticationError
        message += f" (check {' or '.join(key_envs)} or api_key=...)"
    elif isinstance(e, openai.NotFoundError):
        cls = ModelNotFoundError
    elif isinstance(e, openai.RateLimitError):
        cls = RateLimitError
    elif status in (400, 413, 422) and is_context_error(e, message):
        cls = ContextLengthError
    return cls(message, status=status, model=model)


__all__ = ["close_stream", "map_error", "stalled_error", "waiting_text", "watched"]
