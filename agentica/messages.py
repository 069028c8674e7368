"""Conversation types: the serialisable history an agent keeps across runs.

Messages are pydantic models so a history can be dumped to JSON
(``MessageList.dump_json(messages)``) and loaded back, which is how ``acp_server``
persists and replays sessions. The shape follows the OpenAI chat format closely, because
every model adapter speaks it, but carries reasoning and images as first-class fields.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Literal, TypeAlias

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    TypeAdapter,
    model_serializer,
)

Role: TypeAlias = Literal["system", "user", "assistant", "tool"]


class _Part(BaseModel):
    """Base of content parts: ``type`` is always written, so any dump loads back."""

    model_config = ConfigDict(frozen=True, defer_build=True)
    type: Any  # Each part narrows it to its own ``Literal`` (the union's discriminator).

    @model_serializer(mode="wrap")
    def _keep_type(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # ``exclude_defaults=True`` would otherwise drop the discriminator.
        return {"type": self.type, **handler(self)}


class TextPart(_Part):
    """Text inside a multi-part user message."""

    model_config = ConfigDict(frozen=True, defer_build=True)
    type: Literal["text"] = "text"
    text: str


class ImagePart(_Part):
    """An image inside a user message (base64 data or a URL)."""

    model_config = ConfigDict(frozen=True, defer_build=True)
    type: Literal["image"] = "image"
    data: str | None = None
    """Base64-encoded bytes."""
    mime_type: str = "image/png"
    url: str | None = None


ContentPart: TypeAlias = Annotated[TextPart | ImagePart, Field(discriminator="type")]


class ToolCall(BaseModel):
    """A tool call the model asked for, with its arguments as the raw JSON text."""

    model_config = ConfigDict(frozen=True, defer_build=True)
    id: str
    name: str
    arguments: str = "{}"


class Message(BaseModel):
    """One message of a conversation."""

    model_config = ConfigDict(frozen=True, defer_build=True)
    role: Role
    content: str | list[ContentPart] | None = None
    reasoning_content: str | None = None
    """The model's reasoning for an assistant message, when it exposed it."""
    tool_calls: list[ToolCall] = Field(default_factory=list)
    """Tool calls of an assistant message."""
    tool_call_id: str | None = None
    """For a ``tool`` message: the call this is the result of."""
    name: str | None = None
    """For a ``tool`` message: the tool's name."""
    is_error: bool = False
    """For a ``tool`` message: the call failed (the content is the error text)."""
    metadata: dict[str, Any] = Field(default_factory=dict)
    """Free-form data (message ids, timestamps) that model adapters ignore."""

    @property
    def text(self) -> str:
        """The message's text, with the text parts of a multi-part message joined."""
        if self.content is None:
            return ""
        if isinstance(self.content, str):
            return self.content
        return "".join(p.text for p in self.content if isinstance(p, TextPart))

    @classmethod
    def system(cls, content: str) -> Message:
        """A system message."""
        return cls(role="system", content=content)

    @classmethod
    def user(cls, content: str | list[ContentPart]) -> Message:
        """A user message."""
        return cls(role="user", content=content)

    @classmethod
    def assistant(
        cls,
        content: str | None = None,
        *,
        tool_calls: list[ToolCall] | None = None,
        reasoning_content: str | None = None,
    ) -> Message:
        """An assistant message."""
        return cls(
            role="assistant",
            content=content,
            tool_calls=tool_calls or [],
            reasoning_content=reasoning_content,
        )

    @classmethod
    def tool(
        cls,
        call_id: str,
        name: str,
        content: str,
        *,
        is_error: bool = False,
        images: Sequence[ImagePart] = (),
    ) -> Message:
        """The result of one tool call; ``images`` it returned follow its text as parts."""
        body: str | list[ContentPart] = [TextPart(text=content), *images] if images else content
        return cls(
            role="tool", content=body, tool_call_id=call_id, name=name, is_error=is_error
        )


MessageList: TypeAdapter[list[Message]] = TypeAdapter(
    list[Message], config=ConfigDict(defer_build=True)
)
"""Validates and serialises a whole history: ``MessageList.dump_json(msgs)``.

Built on first use, like the models: importing agentica builds no pydantic validator
(the first one costs ~20 ms: pydantic looks its plugins up in the installed packages)."""

__all__ = [
    "ContentPart",
    "ImagePart",
    "Message",
    "MessageList",
    "Role",
    "TextPart",
    "ToolCall",
]
