"""Conversation types: the serialisable history an agent keeps across runs.

Messages are frozen dataclasses, checked when built, and ``MessageList`` dumps a history
to JSON (``MessageList.dump_json(messages)``) and loads it back, which is how sessions
are persisted and replayed. The shape follows the OpenAI chat format closely, because
every model adapter speaks it, but carries reasoning and images as first-class fields.

They were pydantic models in earlier versions, and keep that surface: ``model_dump()``,
``model_dump_json()``, ``model_copy()``, ``model_validate()``, ``model_validate_json()``,
and ``MessageList``'s ``dump_json`` / ``dump_python`` / ``validate_json`` /
``validate_python``; bad input raises ``pydantic.ValidationError``. Plain dataclasses,
because every run builds messages and importing pydantic costs a command-line run about
a third of its start (pydantic is imported only to report an invalid message).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import field, replace
from typing import Any, ClassVar, Literal, TypeAlias

from agentica import _message_codec as codec
from agentica._message_codec import REQUIRED, Field, json_default
from agentica._records import record

Role: TypeAlias = Literal["system", "user", "assistant", "tool"]


class _Model:
    """The pydantic-style methods shared by the message types (``__slots__`` left empty)."""

    __slots__ = ()
    _spec: ClassVar[tuple[Field, ...]]

    def model_dump(
        self, *, mode: str = "python", exclude_none: bool = False, exclude_defaults: bool = False
    ) -> dict[str, Any]:
        """The fields as a dict (nested parts and calls too); ``mode="json"``: JSON values."""
        return codec.dump(self, mode=mode, exclude_none=exclude_none,
                          exclude_defaults=exclude_defaults)

    def model_dump_json(self, *, exclude_none: bool = False, exclude_defaults: bool = False,
                        indent: int | None = None) -> str:
        """The fields as a JSON document (compact unless ``indent``)."""
        data = codec.dump(self, mode="raw", exclude_none=exclude_none,
                          exclude_defaults=exclude_defaults)
        return _json(data, indent)

    def model_copy(self, *, update: dict[str, Any] | None = None, deep: bool = False) -> Any:
        """A copy with ``update``'s fields replaced (checked like a new object)."""
        if deep:
            import copy

            return replace(copy.deepcopy(self), **(update or {}))  # type: ignore[type-var]
        return replace(self, **(update or {}))  # type: ignore[type-var]

    @classmethod
    def model_validate(cls, obj: Any) -> Any:
        """Build one from a dict (unknown keys are ignored) or return an instance as is."""
        try:
            return codec.build(cls, obj, ())
        except codec.Invalid as e:
            raise e.error(cls.__name__) from None

    @classmethod
    def model_validate_json(cls, data: str | bytes) -> Any:
        """Build one from a JSON document."""
        return cls.model_validate(_loads(data, cls.__name__))


@record
class TextPart(_Model):
    """Text inside a multi-part user message."""

    type: Literal["text"] = "text"
    text: str

    def __post_init__(self) -> None:
        codec.post_init(self)


@record
class ImagePart(_Model):
    """An image inside a user message (base64 data or a URL)."""

    type: Literal["image"] = "image"
    data: str | None = None
    """Base64-encoded bytes."""
    mime_type: str = "image/png"
    url: str | None = None

    def __post_init__(self) -> None:
        codec.post_init(self)


ContentPart: TypeAlias = TextPart | ImagePart
"""A part of a multi-part message; its ``type`` (``"text"`` or ``"image"``) tells which."""


@record
class ToolCall(_Model):
    """A tool call the model asked for, with its arguments as the raw JSON text."""

    id: str
    name: str
    arguments: str = "{}"

    def __post_init__(self) -> None:
        codec.post_init(self)


@record
class Message(_Model):
    """One message of a conversation."""

    role: Role
    content: str | list[ContentPart] | None = None
    reasoning_content: str | None = None
    """The model's reasoning for an assistant message, when it exposed it."""
    tool_calls: list[ToolCall] = field(default_factory=list)
    """Tool calls of an assistant message."""
    tool_call_id: str | None = None
    """For a ``tool`` message: the call this is the result of."""
    name: str | None = None
    """For a ``tool`` message: the tool's name."""
    is_error: bool = False
    """For a ``tool`` message: the call failed (the content is the error text)."""
    metadata: dict[str, Any] = field(default_factory=dict)
    """Free-form data (message ids, timestamps) that model adapters ignore."""

    def __post_init__(self) -> None:
        # Checked and normalised as pydantic did: dict parts and calls become objects,
        # lists are copied (so the caller's list can change without changing history).
        codec.post_init(self)

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


class _MessageList:
    """Validates and serialises a whole history (the surface of a pydantic ``TypeAdapter``).

    ``dump_json(messages)`` gives compact UTF-8 JSON bytes, ``validate_json(data)`` the
    messages back; ``dump_python`` / ``validate_python`` do the same with lists of dicts.
    Unknown keys are ignored when loading; anything else wrong raises
    ``pydantic.ValidationError`` naming the message and field.
    """

    def dump_python(
        self,
        messages: Sequence[Message],
        *,
        mode: str = "python",
        exclude_none: bool = False,
        exclude_defaults: bool = False,
    ) -> list[dict[str, Any]]:
        """The history as a list of dicts (``mode="json"``: JSON-ready values)."""
        return [
            codec.dump(m, mode=mode, exclude_none=exclude_none,
                       exclude_defaults=exclude_defaults)
            for m in messages
        ]

    def dump_json(
        self,
        messages: Sequence[Message],
        *,
        exclude_none: bool = False,
        exclude_defaults: bool = False,
        indent: int | None = None,
    ) -> bytes:
        """The history as one JSON document (UTF-8 bytes)."""
        data = self.dump_python(messages, mode="raw", exclude_none=exclude_none,
                                exclude_defaults=exclude_defaults)
        return _json(data, indent).encode()

    def validate_python(self, data: Any) -> list[Message]:
        """Messages from a list of dicts (or of messages, kept as they are)."""
        try:
            return _HISTORY(data, ())
        except codec.Invalid as e:
            raise e.error("list[Message]") from None

    def validate_json(self, data: str | bytes | bytearray) -> list[Message]:
        """Messages from a JSON document made by ``dump_json`` (or by hand)."""
        return self.validate_python(_loads(data, "list[Message]"))


_PART = codec.tagged({"text": TextPart, "image": ImagePart})
TextPart._spec = (
    Field("type", codec.literal("text"), "text", tag=True),
    Field("text", codec.string, REQUIRED),
)
ImagePart._spec = (
    Field("type", codec.literal("image"), "image", tag=True),
    Field("data", codec.optional_string),
    Field("mime_type", codec.string, "image/png"),
    Field("url", codec.optional_string),
)
ToolCall._spec = (
    Field("id", codec.string, REQUIRED),
    Field("name", codec.string, REQUIRED),
    Field("arguments", codec.string, "{}"),
)
Message._spec = (
    Field("role", codec.literal("system", "user", "assistant", "tool"), REQUIRED),
    Field("content", codec.text_or_list(codec.list_of(_PART))),
    Field("reasoning_content", codec.optional_string),
    Field("tool_calls", codec.list_of(codec.instance_of(ToolCall)), factory=list),
    Field("tool_call_id", codec.optional_string),
    Field("name", codec.optional_string),
    Field("is_error", codec.boolean, False),
    Field("metadata", codec.mapping, factory=dict),
)
_HISTORY = codec.list_of(codec.instance_of(Message))

MessageList = _MessageList()
"""Validates and serialises a whole history: ``MessageList.dump_json(msgs)``."""


def _json(data: Any, indent: int | None) -> str:
    if indent is None:
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=json_default)
    return json.dumps(data, ensure_ascii=False, indent=indent, default=json_default)


def _loads(data: str | bytes | bytearray, title: str) -> Any:
    try:
        return json.loads(data)
    except ValueError as e:
        raise codec.Invalid("json_invalid", (), data, {"error": str(e)}).error(title) from None


__all__ = [
    "ContentPart",
    "ImagePart",
    "Message",
    "MessageList",
    "Role",
    "TextPart",
    "ToolCall",
]
