"""The model interface: async only.

A model turns a conversation (and the tools on offer) into one assistant reply.
``response_stream()`` yields model-level deltas as they arrive; ``response()`` returns
the whole reply. Subclasses implement ``response_stream()``; the default
``response()`` collects it, so every model is streamed through the same path.

Tool calls are yielded *complete* (``ModelToolCall``, arguments fully assembled) as
soon as the model finished emitting each one; adapters that receive arguments in
pieces (OpenAI streaming) assemble them first.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncGenerator, AsyncIterator, Sequence
from dataclasses import field
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

from agentica._records import record
from agentica.events import Usage
from agentica.messages import Message, ToolCall

if TYPE_CHECKING:
    from agentica.models.pricing import Prices

FinishReason: TypeAlias = Literal["stop", "tool_calls", "length", "content_filter"]


@record
class ToolSpec:
    """A tool as a model sees it: name, description and JSON schema of its arguments."""

    name: str
    description: str
    parameters: dict[str, Any]


@record
class ModelTextDelta:
    text: str
    type: Literal["text"] = "text"


@record
class ModelThinkingDelta:
    text: str
    type: Literal["thinking"] = "thinking"


@record
class ModelStatus:
    """A note for the user on the call itself ("waiting for the model..."), not reply text.

    The engine shows it as thinking but keeps it out of the history.
    """

    text: str
    type: Literal["status"] = "status"


@record
class ModelToolCall:
    """One complete tool call (arguments assembled)."""

    call: ToolCall
    type: Literal["tool_call"] = "tool_call"


@record
class ModelUsage:
    usage: Usage
    type: Literal["usage"] = "usage"


@record
class ModelSwitched:
    """A model with fallbacks moves on to the next one (``agentica.models.fallback``)."""

    from_model: str
    to_model: str
    reason: str
    type: Literal["fallback"] = "fallback"


@record
class ModelFinish:
    """The last delta of a reply."""

    reason: FinishReason
    type: Literal["finish"] = "finish"


ModelDelta: TypeAlias = (
    ModelTextDelta
    | ModelThinkingDelta
    | ModelStatus
    | ModelToolCall
    | ModelUsage
    | ModelSwitched
    | ModelFinish
)


@record(frozen=False)
class ModelResponse:
    """A whole assistant reply."""

    content: str = ""
    reasoning_content: str = ""
    tool_calls: list[ToolCall] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    finish_reason: FinishReason = "stop"

    def to_message(self) -> Message:
        """The reply as an assistant message for the history."""
        return Message.assistant(
            self.content or None,
            tool_calls=list(self.tool_calls),
            reasoning_content=self.reasoning_content or None,
        )


async def close_stream(stream: AsyncIterator[ModelDelta]) -> None:
    """Close a reply stream (an async generator), also when it was left early."""
    if isinstance(stream, AsyncGenerator):
        await stream.aclose()


class Model(ABC):
    """Base class of every model. Async only."""

    name: str = "model"
    """The model's name, for messages and logs."""
    context_window: int | None = None
    """Size of the context window in tokens, when known."""
    supports_images: bool = False
    """Whether user messages may carry images."""
    supports_reasoning_effort: bool = False
    """Whether the model takes a reasoning effort (``reasoning_effort``: low/medium/high)."""
    reasoning_effort: str | None = None
    """The reasoning effort asked for in each request (None: the provider's default)."""
    supports_json_schema: bool = False
    """Whether ``response_stream()`` takes ``output_schema=`` (native JSON-schema output,
    used for ``response_model``); otherwise agents fall back to a ``final_result`` tool."""
    prices: Prices | tuple[float, ...] | None = None
    """US dollars per million input, output and cached input tokens (and cache writes), to
    price each call (None: the list prices of the model's provider and name,
    ``agentica.models.pricing``)."""

    @abstractmethod
    def response_stream(
        self, messages: Sequence[Message], tools: Sequence[ToolSpec] = ()
    ) -> AsyncIterator[ModelDelta]:
        """Stream one reply. Implement as an ``async def`` generator.

        Raises:
            agentica.exceptions.ModelError: (a subclass) when the call fails.
        """

    async def response(
        self, messages: Sequence[Message], tools: Sequence[ToolSpec] = ()
    ) -> ModelResponse:
        """One whole reply, collected from ``response_stream()``."""
        out = ModelResponse()
        text: list[str] = []
        thinking: list[str] = []
        stream = self.response_stream(messages, tools)
        try:
            async for delta in stream:
                match delta:
                    case ModelTextDelta(text=t):
                        text.append(t)
                    case ModelThinkingDelta(text=t):
                        thinking.append(t)
                    case ModelToolCall(call=c):
                        out.tool_calls.append(c)
                    case ModelUsage(usage=u):
                        out.usage = out.usage + u
                    case ModelFinish(reason=r):
                        out.finish_reason = r
        finally:
            await close_stream(stream)
        out.content = "".join(text)
        out.reasoning_content = "".join(thinking)
        return out

    async def aclose(self) -> None:
        """Release pooled connections. The default has none."""


__all__ = [
    "FinishReason",
    "Model",
    "ModelDelta",
    "ModelFinish",
    "ModelResponse",
    "ModelStatus",
    "ModelSwitched",
    "ModelTextDelta",
    "ModelThinkingDelta",
    "ModelToolCall",
    "ModelUsage",
    "ToolSpec",
    "close_stream",
]
