"""What the user reads when a turn, a model call or a session's setup fails."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from agentica.exceptions import AgenticaError, ModelError


def model_error_message(error: BaseException) -> str:
    """What the user reads when the model call failed."""
    return (
        f"**The model call failed:** {error}\n\n"
        "Check the model name and API key (for example `--model provider/model` and the "
        "provider's `*_API_KEY` environment variable), then send the prompt again."
    )


def turn_error_message(error: BaseException) -> str:
    """What the user reads when the turn failed unexpectedly (not a model call error)."""
    return (
        f"**The turn failed:** {type(error).__name__}: {error}\n\n"
        "This is likely a problem with the model or the agent, not with your prompt; the "
        "details are in the agent's log. You can send another prompt."
    )


def unwrap(exc: BaseException) -> BaseException:
    """``exc`` without exception groups of a single exception around it."""
    while isinstance(exc, BaseExceptionGroup) and len(exc.exceptions) == 1:
        exc = exc.exceptions[0]
    return exc


def model_error(exc: BaseException) -> ModelError | None:
    """The ``ModelError`` behind ``exc`` (possibly wrapped in exception groups), if only that."""
    from agentica.exceptions import ModelError

    exc = unwrap(exc)
    return exc if isinstance(exc, ModelError) else None


def refusal_text(exc: BaseException) -> str | None:
    """The text to show when a guardrail stopped the turn (``None`` for other errors)."""
    from agentica.exceptions import GuardrailTripped

    exc = unwrap(exc)
    if isinstance(exc, GuardrailTripped):
        return f"Refused by the {exc.kind} {exc.guardrail!r}: {exc.reason}"
    return None


def describe_setup_error(error: AgenticaError | Exception) -> str:
    """The message a session answers with when its model could not be created."""
    return (
        f"**The model could not be set up:** {error}\n\n"
        "Start the server with a valid `--model` (for example `--model demo` for the offline "
        "demo, or `--model provider/model` with the provider's API key in the environment)."
    )


__all__ = [
    "describe_setup_error",
    "model_error",
    "model_error_message",
    "refusal_text",
    "turn_error_message",
    "unwrap",
]
