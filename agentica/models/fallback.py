"""Model fallbacks: ``Agent(model=["openai/gpt-5", "deepseek/deepseek-chat"])``.

``FallbackModel([primary, fallback, ...])`` asks the primary; when that call fails with
provider trouble *after the model's own retries* (``is_fallback_error``: 5xx, rate
limit, overloaded, connection, timeout), the next model answers the same request, and
so on; when every model failed, the last error is raised. A request we got wrong (a bad
request, an unknown model, a missing key, a prompt too long) and cancellation never
fall back: the next model would fail alike, or the user asked to stop.

Only a call that has not streamed anything yet falls back. Once a text, thinking, tool
call or usage delta has been handed on, the engine has shown it to the user, so a
stream cut mid-way ends the call with its error, as without fallbacks. (``ModelStatus``
notes, "waiting for the model", are no part of the reply and do not count.)

A switch is visible: the stream yields a ``ModelSwitched`` delta (the engine turns it
into a ``ModelFallback`` run event, which the ACP server shows as a thought) and a
warning is logged on ``agentica.models.fallback``. The usage of a call is the answering
model's, and ``context_window`` follows the model that answered last.

``get_model([...])`` and ``get_model("a,b")`` build one from model specs.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import AsyncIterator, Sequence
from typing import Any

from agentica.exceptions import (
    ModelConnectionError,
    ModelError,
    ModelResponseError,
    ModelTimeoutError,
    RateLimitError,
    UserError,
)
from agentica.messages import Message
from agentica.models.base import Model, ModelDelta, ModelSwitched, ToolSpec, close_stream

logger = logging.getLogger(__name__)

RETRYABLE_STATUS = frozenset({408, 409, 425, 429})
"""Statuses below 500 that say "try again later" rather than "your request is wrong"."""


def is_fallback_error(e: BaseException) -> bool:
    """Whether a failed call should be asked of the next model (see the module docstring).

    Rate limits, connection failures, timeouts, and provider errors with a 5xx (or a
    retry-later) status or none at all (a broken stream) qualify. Authentication, an
    unknown model, a context overflow, other 4xx, any other exception, and cancellation
    do not.
    """
    if isinstance(e, RateLimitError | ModelConnectionError | ModelTimeoutError):
        return True
    if type(e) is ModelResponseError or type(e) is ModelError:
        return e.status is None or e.status >= 500 or e.status in RETRYABLE_STATUS
    return False


class FallbackModel(Model):
    """A primary model and its fallbacks, asked in order (see the module docstring).

    Args:
        models: The models, primary first (at least one).

    Attributes:
        models: The models, in order.
        answered_by: The model that answered the last call (the primary before any).
    """

    def __init__(self, models: Sequence[Model]) -> None:
        if not models or not all(isinstance(m, Model) for m in models):
            raise UserError(f"a model with fallbacks needs a list of models, got {models!r}")
        self.models: list[Model] = list(models)
        primary = self.models[0]
        self.name = primary.name
        self.answered_by: Model = primary
        self.context_window = primary.context_window
        self.supports_images = primary.supports_images
        self.supports_reasoning_effort = primary.supports_reasoning_effort
        self.reasoning_effort = primary.reasoning_effort
        # A native schema is only asked for when every model can take it.
        self.supports_json_schema = all(m.supports_json_schema for m in self.models)

    def __repr__(self) -> str:
        return f"FallbackModel({self.models!r})"

    def _member(self, model: Model) -> Model:
        """``model`` asking for this model's reasoning effort (set on it by the user)."""
        if model.supports_reasoning_effort and model.reasoning_effort != self.reasoning_effort:
            model = copy.copy(model)  # Shares the connection pool; the original is untouched.
            model.reasoning_effort = self.reasoning_effort
        return model

    async def response_stream(
        self,
        messages: Sequence[Message],
        tools: Sequence[ToolSpec] = (),
        *,
        output_schema: dict[str, Any] | None = None,
    ) -> AsyncIterator[ModelDelta]:
        """Stream the reply of the first model that answers (see the module docstring)."""
        native: dict[str, Any] = {} if output_schema is None else {"output_schema": output_schema}
        last = len(self.models) - 1
        for i, model in enumerate(self.models):
            stream = self._member(model).response_stream(messages, tools, **native)
            started = False
            failed: ModelError | None = None
            try:
                async for delta in stream:
                    started = started or delta.type != "status"
                    yield delta
            except ModelError as e:
                if started or i == last or not is_fallback_error(e):
                    raise
                failed = e
            finally:
                await close_stream(stream)
            if failed is None:
                self.answered_by = model
                self.context_window = model.context_window or self.models[0].context_window
                return
            following = self.models[i + 1]
            logger.warning(
                "model %s failed (%s); falling back to %s", model.name, failed, following.name
            )
            yield ModelSwitched(from_model=model.name, to_model=following.name, reason=str(failed))

    async def aclose(self) -> None:
        """Release every model's pooled connections."""
        for model in self.models:
            await model.aclose()


__all__ = ["RETRYABLE_STATUS", "FallbackModel", "is_fallback_error"]
