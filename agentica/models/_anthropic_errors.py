"""Errors of the Anthropic adapter, in agentica's tree (the same classes as OpenAI's).

Anthropic names the kind of every error in its body (``{"type": "error", "error":
{"type": "overloaded_error", "message": ...}}``), also for an error sent as an event in
the middle of a stream, which the ``anthropic`` client raises with the stream's HTTP
status (200). So the kind decides, the status only where there is no kind.
"""

from __future__ import annotations

from collections.abc import Sequence
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
from agentica.models._openai_parts import http_errors, is_context_error

_KINDS: dict[str, tuple[type[ModelError], int]] = {
    "authentication_error": (AuthenticationError, 401),
    "permission_error": (AuthenticationError, 403),
    "not_found_error": (ModelNotFoundError, 404),
    "rate_limit_error": (RateLimitError, 429),
    "request_too_large": (ModelResponseError, 413),
    "invalid_request_error": (ModelResponseError, 400),
    "api_error": (ModelResponseError, 500),
    "overloaded_error": (ModelResponseError, 529),
    "timeout_error": (ModelResponseError, 504),
}
"""Anthropic's error kinds: the class, and the status the kind stands for."""

_BY_STATUS: dict[int, type[ModelError]] = {
    401: AuthenticationError,
    403: AuthenticationError,
    404: ModelNotFoundError,
    429: RateLimitError,
}


def error_detail(body: Any) -> tuple[str | None, str | None]:
    """``(kind, message)`` of an Anthropic error body, when it has them."""
    if not isinstance(body, dict):
        return None, body if isinstance(body, str) and body else None
    inner = body.get("error", body)
    if not isinstance(inner, dict):
        return None, str(inner) if inner else None
    kind, message = inner.get("type"), inner.get("message")
    return (
        kind if isinstance(kind, str) else None,
        str(message) if message else None,
    )


def map_error(
    e: BaseException,
    *,
    model: str,
    where: str,
    timeout: float,
    key_envs: Sequence[str],
    mid_stream: bool = False,
) -> ModelError:
    """Translate an ``anthropic``/HTTP error into agentica's error tree."""
    import anthropic

    transport = (anthropic.APIConnectionError, *http_errors(anthropic))
    if isinstance(e, anthropic.APITimeoutError):
        return ModelTimeoutError(f"no answer within {timeout:g}s from {where}", model=model)
    if not mid_stream and not isinstance(e, (anthropic.AnthropicError, *transport)):
        # Anything else escaping the transport before an answer came: unusable endpoint.
        return ModelConnectionError(f"cannot reach {where}: {type(e).__name__}: {e}", model=model)
    if isinstance(e, transport):
        cause = e.__cause__ or e
        text = f"{type(cause).__name__}: {cause}"
        if mid_stream:
            return ModelResponseError(f"the stream was cut mid-answer: {text}", model=model)
        return ModelConnectionError(f"cannot reach {where}: {text}", model=model)
    if not isinstance(e, anthropic.APIStatusError):
        return ModelResponseError(f"{type(e).__name__}: {e}", model=model)
    kind, message = error_detail(e.body)
    message = message or str(getattr(e, "message", None) or e)
    cls, kind_status = _KINDS.get(kind or "", (None, None))
    # An error event mid-stream comes with the stream's status (200): its kind tells.
    status = kind_status if e.status_code == 200 else e.status_code
    if cls is None:
        cls = _BY_STATUS.get(status or 0, ModelResponseError)
    if cls is AuthenticationError:
        message += f" (check {' or '.join(key_envs)} or api_key=...)"
    elif cls is ModelResponseError and status in (400, 413) and is_context_error(e, message):
        cls = ContextLengthError
    if kind == "overloaded_error":
        message += " (Anthropic is overloaded; try again shortly)"
    return cls(message, status=status, model=model)


__all__ = ["error_detail", "map_error"]
