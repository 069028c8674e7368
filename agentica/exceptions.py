"""The error tree of agentica.

::

    AgenticaError
    ├── UserError                  misuse of the API (bad arguments, deadlocking sync call)
    ├── ModelError                 a model call failed; .status and .provider_message
    │   ├── AuthenticationError    bad or missing API key (401/403)
    │   ├── ModelNotFoundError     unknown model name (404)
    │   ├── RateLimitError         429 after the client's retries
    │   ├── ContextLengthError     the prompt does not fit the model's context
    │   ├── ModelConnectionError   connection refused / reset / DNS
    │   ├── ModelTimeoutError      no answer within the configured timeout
    │   └── ModelResponseError     anything else the provider returned (5xx, bad stream)
    ├── ToolError                  raised *by a tool* to report a readable failure
    ├── StopRun                    raised by a tool or hook to end the whole run now
    ├── GuardrailTripped           a guardrail refused the input or the output; .reason
    │   ├── InputGuardrailTripped
    │   └── OutputGuardrailTripped
    ├── OutputValidationError      the final answer never matched response_model; .raw_text
    ├── RunTimeoutError            the run's wall-clock budget (RunConfig.timeout) ran out
    └── StepError                  a Workflow step failed; .step names it, __cause__ is why

An ordinary exception in a tool is isolated to that call and reported to the model;
``StopRun`` is the designated exception that propagates and ends the run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pydantic is not imported at runtime here: this module loads with agentica.
    from pydantic import ValidationError


class AgenticaError(Exception):
    """Base class of every agentica error."""


class UserError(AgenticaError):
    """The API was used in a way that cannot work; the message says how to fix it."""


class ModelError(AgenticaError):
    """A model call failed.

    Attributes:
        status: HTTP status when there was one.
        provider_message: The provider's own error message, verbatim.
        model: The model name that was called.
    """

    kind = "model error"

    def __init__(
        self,
        provider_message: str,
        *,
        status: int | None = None,
        model: str | None = None,
    ) -> None:
        self.status = status
        self.provider_message = provider_message
        self.model = model
        super().__init__(self._format())

    def _format(self) -> str:
        parts = [self.kind]
        if self.model:
            parts.append(f"from model {self.model!r}")
        if self.status is not None:
            parts.append(f"(HTTP {self.status})")
        return " ".join(parts) + f": {self.provider_message}"


class AuthenticationError(ModelError):
    """The API key is missing, wrong or lacks access."""

    kind = "authentication failed"


class ModelNotFoundError(ModelError):
    """The endpoint does not know the model name."""

    kind = "model not found"


class RateLimitError(ModelError):
    """The provider rate-limited us and the client's retries did not help."""

    kind = "rate limited"


class ContextLengthError(ModelError):
    """The conversation is longer than the model's context window."""

    kind = "context too long"


class ModelConnectionError(ModelError):
    """The endpoint could not be reached."""

    kind = "connection failed"


class ModelTimeoutError(ModelError):
    """The endpoint did not answer within the configured timeout."""

    kind = "timed out"


class ModelResponseError(ModelError):
    """The provider returned an error or a response we could not use."""

    kind = "model error"


class ToolError(AgenticaError):
    """Raised by a tool to report a failure; the message goes to the model verbatim."""


class StopRun(AgenticaError):
    """Raised by a tool or hook to end the run immediately; it propagates to the caller."""


class GuardrailTripped(AgenticaError):
    """A guardrail stopped the run.

    Attributes:
        guardrail: The guardrail's name.
        reason: Why it tripped (readable; the ACP server shows it as the refusal).
    """

    kind = "guardrail"

    def __init__(self, reason: str, *, guardrail: str = "guardrail") -> None:
        self.guardrail = guardrail
        self.reason = reason
        super().__init__(f"{self.kind} {guardrail!r} tripped: {reason}")


class InputGuardrailTripped(GuardrailTripped):
    """An input guardrail refused the prompt (before any model call)."""

    kind = "input guardrail"


class OutputGuardrailTripped(GuardrailTripped):
    """An output guardrail refused the final answer."""

    kind = "output guardrail"


class OutputValidationError(AgenticaError):
    """The model's final answer did not match ``response_model``, retries included.

    Attributes:
        raw_text: The last answer as the model sent it.
        errors: The last validation problems, one line.
    """

    def __init__(self, errors: str, *, raw_text: str) -> None:
        self.errors = errors
        self.raw_text = raw_text
        shown = raw_text if len(raw_text) <= 200 else raw_text[:197] + "..."
        super().__init__(f"the final answer does not match the response model: {errors} "
                         f"(last answer: {shown!r})")


class RunTimeoutError(AgenticaError):
    """The run took longer than ``RunConfig.timeout`` seconds and was stopped."""


class StepError(AgenticaError):
    """A ``Workflow`` step failed; ``step`` names it and ``__cause__`` is the error."""

    def __init__(self, step: str, error: BaseException) -> None:
        self.step = step
        self.error = error
        super().__init__(f"workflow step {step!r} failed: {type(error).__name__}: {error}")


def format_validation_error(
    error: ValidationError, *, root: str = "arguments", limit: int | None = None
) -> str:
    """Pydantic's validation errors as one readable line: ``"a.b: msg; c: msg"``.

    Used for a tool's arguments (the model reads it) and for ACP params.

    Args:
        error: The validation error.
        root: What an error without a location is about (e.g. ``"params"``).
        limit: At most this many problems (``None``: all of them).
    """
    errors = error.errors(include_url=False, include_context=False, include_input=False)
    return "; ".join(
        f"{'.'.join(str(p) for p in err.get('loc', ())) or root}: {err.get('msg', 'invalid')}"
        for err in (errors if limit is None else errors[:limit])
    )


__all__ = [
    "AgenticaError",
    "AuthenticationError",
    "ContextLengthError",
    "GuardrailTripped",
    "InputGuardrailTripped",
    "ModelConnectionError",
    "ModelError",
    "ModelNotFoundError",
    "ModelResponseError",
    "ModelTimeoutError",
    "OutputGuardrailTripped",
    "OutputValidationError",
    "RateLimitError",
    "RunTimeoutError",
    "StepError",
    "StopRun",
    "ToolError",
    "UserError",
    "format_validation_error",
]
