"""Lean wire models for the ACP v1 messages this server handles and sends.

Our own pydantic models instead of the SDK's generated ones: camelCase aliases,
``_meta`` allowed everywhere, unknown keys ignored, and dumped by alias without
``None``s (``dump()``). Incoming params go through ``parse()``, which turns a pydantic
validation error into a JSON-RPC -32602 with a readable message.

Leniency follows the reference implementation: ``mcpServers`` may be missing (read as
``[]``), optional fields with bad values are not worth rejecting a request for, but a
malformed *required* field (``prompt: "hi"``, a text block without ``text``, a string
``protocolVersion``) is -32602.
"""

from __future__ import annotations

import os
from typing import Annotated, Any, Literal, TypeAlias, TypeVar

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationError,
    field_validator,
)
from pydantic.alias_generators import to_camel

from acp_server.errors import RpcError

PROTOCOL_VERSION = 1
"""The only protocol version this server speaks."""


class WireModel(BaseModel):
    """Base of every wire model: camelCase aliases, ``_meta`` kept, unknown keys ignored."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="ignore",
        frozen=True,
        defer_build=True,
    )
    meta: dict[str, Any] | None = Field(
        default=None, validation_alias=AliasChoices("_meta"), serialization_alias="_meta"
    )


def dump(model: BaseModel) -> dict[str, Any]:
    """The model as a JSON-able dict: by alias, ``None`` fields left out."""
    return model.model_dump(mode="json", by_alias=True, exclude_none=True)


M = TypeVar("M", bound=BaseModel)


def parse(model: type[M], params: Any) -> M:
    """Validate incoming params, or raise ``RpcError.invalid_params`` naming the problem."""
    if params is None:
        params = {}
    try:
        return model.model_validate(params)
    except ValidationError as e:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'params'}: {err['msg']}"
            for err in e.errors(include_url=False)[:5]
        )
        raise RpcError.invalid_params(
            f"invalid params for {_model_method(model)}: {problems}",
            data={"errors": e.errors(include_url=False, include_context=False)[:5]},
        ) from None


def _model_method(model: type[BaseModel]) -> str:
    return getattr(model, "__method__", model.__name__)


# --- initialize ----------------------------------------------------------------------------


class FileSystemCapability(WireModel):
    read_text_file: bool = False
    write_text_file: bool = False


class ClientCapabilities(WireModel):
    """What the client lets the agent call (``fs/*``, ``terminal/*``)."""

    fs: FileSystemCapability = Field(default_factory=FileSystemCapability)
    terminal: bool = False

    @field_validator("fs", mode="before")
    @classmethod
    def _fs_null(cls, v: Any) -> Any:
        return {} if v is None else v

    @field_validator("terminal", mode="before")
    @classmethod
    def _terminal_null(cls, v: Any) -> Any:
        return v is True


class Implementation(WireModel):
    name: str
    title: str | None = None
    version: str


class InitializeParams(WireModel):
    __method__ = "initialize"
    protocol_version: Annotated[StrictInt, Field(ge=0)]
    client_capabilities: ClientCapabilities = Field(default_factory=ClientCapabilities)
    client_info: Implementation | None = None

    @field_validator("client_capabilities", mode="before")
    @classmethod
    def _caps_null(cls, v: Any) -> Any:
        return {} if v is None else v

    @field_validator("client_info", mode="before")
    @classmethod
    def _info_lenient(cls, v: Any) -> Any:
        # Optional and informational only: a malformed value is dropped, not an error.
        if isinstance(v, dict) and isinstance(v.get("name"), str):
            return {**v, "version": str(v.get("version", ""))}
        return None


class PromptCapabilities(WireModel):
    image: bool = False
    audio: bool = False
    embedded_context: bool = False


class McpCapabilities(WireModel):
    http: bool = False
    sse: bool = False


class SessionAdditionalDirectoriesCapabilities(WireModel):
    """Present (``{}``): ``additionalDirectories`` of ``session/new`` is honoured."""


class SessionCapabilities(WireModel):
    additional_directories: SessionAdditionalDirectoriesCapabilities | None = None


class AgentCapabilities(WireModel):
    load_session: bool = False
    prompt_capabilities: PromptCapabilities = Field(default_factory=PromptCapabilities)
    mcp_capabilities: McpCapabilities = Field(default_factory=McpCapabilities)
    session_capabilities: SessionCapabilities = Field(default_factory=SessionCapabilities)


class InitializeResult(WireModel):
    protocol_version: int = PROTOCOL_VERSION
    agent_capabilities: AgentCapabilities
    auth_methods: list[dict[str, Any]] = Field(default_factory=list)
    agent_info: Implementation


# --- session/new ---------------------------------------------------------------------------


class NewSessionParams(WireModel):
    __method__ = "session/new"
    cwd: str
    mcp_servers: list[dict[str, Any]] = Field(default_factory=list)
    additional_directories: list[str] | None = None

    @field_validator("cwd")
    @classmethod
    def _absolute_cwd(cls, v: str) -> str:
        if not os.path.isabs(v):
            raise ValueError(f"cwd must be an absolute path, got {v!r}")
        return v

    @field_validator("mcp_servers", mode="before")
    @classmethod
    def _mcp_lenient(cls, v: Any) -> Any:
        if not isinstance(v, list):
            return []
        return [s for s in v if isinstance(s, dict)]

    @field_validator("additional_directories")
    @classmethod
    def _absolute_dirs(cls, v: list[str] | None) -> list[str] | None:
        for d in v or ():
            if not d or not os.path.isabs(d):
                raise ValueError(f"additionalDirectories entries must be absolute paths, got {d!r}")
        return v


class NewSessionResult(WireModel):
    session_id: str
    modes: dict[str, Any] | None = None
    """``SessionModeState``, built by ``acp_server.modes.mode_state``."""
    config_options: list[dict[str, Any]] | None = None
    """``SessionConfigOption[]``, built by ``acp_server.modes.config_options``."""


class SetModeParams(WireModel):
    __method__ = "session/set_mode"
    session_id: str
    mode_id: str


class SetConfigOptionParams(WireModel):
    __method__ = "session/set_config_option"
    session_id: str
    config_id: str
    value: StrictStr | StrictBool
    """A select's value id, or a boolean (``type: "boolean"``); checked by the handler."""
    type: str | None = None


# --- content blocks ------------------------------------------------------------------------


class TextBlock(WireModel):
    type: Literal["text"] = "text"
    text: str


class ImageBlock(WireModel):
    type: Literal["image"] = "image"
    data: str
    mime_type: str
    uri: str | None = None


class AudioBlock(WireModel):
    type: Literal["audio"] = "audio"
    data: str
    mime_type: str


class ResourceLinkBlock(WireModel):
    type: Literal["resource_link"] = "resource_link"
    uri: str
    name: str
    title: str | None = None
    description: str | None = None
    mime_type: str | None = None
    size: int | None = None


class TextResource(WireModel):
    uri: str
    text: str
    mime_type: str | None = None


class BlobResource(WireModel):
    uri: str
    blob: str
    mime_type: str | None = None


class EmbeddedResourceBlock(WireModel):
    type: Literal["resource"] = "resource"
    resource: TextResource | BlobResource


ContentBlock: TypeAlias = Annotated[
    TextBlock | ImageBlock | AudioBlock | ResourceLinkBlock | EmbeddedResourceBlock,
    Field(discriminator="type"),
]


# --- session/prompt, session/cancel --------------------------------------------------------


class PromptParams(WireModel):
    __method__ = "session/prompt"
    session_id: str
    prompt: list[ContentBlock]


AcpStopReason: TypeAlias = Literal[
    "end_turn", "max_tokens", "max_turn_requests", "refusal", "cancelled"
]


class PromptResult(WireModel):
    stop_reason: AcpStopReason


class CancelParams(WireModel):
    __method__ = "session/cancel"
    session_id: str


# --- session/update payloads (sent) --------------------------------------------------------


class ToolCallLocation(WireModel):
    path: str
    line: int | None = None


class ContentToolContent(WireModel):
    type: Literal["content"] = "content"
    content: TextBlock


class DiffToolContent(WireModel):
    type: Literal["diff"] = "diff"
    path: str
    old_text: str | None = None
    new_text: str


class TerminalToolContent(WireModel):
    type: Literal["terminal"] = "terminal"
    terminal_id: str


ToolCallContent: TypeAlias = ContentToolContent | DiffToolContent | TerminalToolContent
AcpToolCallStatus: TypeAlias = Literal["pending", "in_progress", "completed", "failed"]


class MessageChunk(WireModel):
    session_update: Literal["agent_message_chunk", "agent_thought_chunk", "user_message_chunk"]
    content: TextBlock
    message_id: str | None = None


class ToolCallStart(WireModel):
    session_update: Literal["tool_call"] = "tool_call"
    tool_call_id: str
    title: str
    kind: str = "other"
    status: AcpToolCallStatus = "pending"
    content: list[ToolCallContent] | None = None
    locations: list[ToolCallLocation] | None = None
    raw_input: Any = None
    raw_output: Any = None


class ToolCallUpdate(WireModel):
    """A ``tool_call_update`` payload, or the ``toolCall`` of a permission request."""

    session_update: Literal["tool_call_update"] | None = "tool_call_update"
    tool_call_id: str
    title: str | None = None
    kind: str | None = None
    status: AcpToolCallStatus | None = None
    content: list[ToolCallContent] | None = None
    locations: list[ToolCallLocation] | None = None
    raw_input: Any = None
    raw_output: Any = None


class PlanEntryWire(WireModel):
    content: str
    priority: Literal["high", "medium", "low"]
    status: Literal["pending", "in_progress", "completed"]


class PlanUpdate(WireModel):
    session_update: Literal["plan"] = "plan"
    entries: list[PlanEntryWire]


class UsageUpdate(WireModel):
    session_update: Literal["usage_update"] = "usage_update"
    used: int
    size: int


# --- session/request_permission ------------------------------------------------------------


class PermissionOption(WireModel):
    option_id: str
    name: str
    kind: Literal["allow_once", "allow_always", "reject_once", "reject_always"]


class RequestPermissionParams(WireModel):
    session_id: str
    tool_call: ToolCallUpdate
    options: list[PermissionOption]


class SelectedOutcome(WireModel):
    outcome: Literal["selected"]
    option_id: str


class CancelledOutcome(WireModel):
    outcome: Literal["cancelled"]


class RequestPermissionResult(WireModel):
    __method__ = "session/request_permission response"
    outcome: Annotated[SelectedOutcome | CancelledOutcome, Field(discriminator="outcome")]


# --- fs/* and terminal/* (sent; results parsed) --------------------------------------------


class ReadTextFileResult(WireModel):
    __method__ = "fs/read_text_file response"
    content: str


class EnvVariable(WireModel):
    name: str
    value: str


class CreateTerminalParams(WireModel):
    session_id: str
    command: str
    args: list[str] = Field(default_factory=list)
    env: list[EnvVariable] = Field(default_factory=list)
    cwd: str | None = None
    output_byte_limit: int | None = None


class CreateTerminalResult(WireModel):
    __method__ = "terminal/create response"
    terminal_id: str


class TerminalExitStatus(WireModel):
    __method__ = "terminal/wait_for_exit response"
    exit_code: int | None = None
    signal: str | None = None


class TerminalOutputResult(WireModel):
    __method__ = "terminal/output response"
    output: str
    truncated: bool = False
    exit_status: TerminalExitStatus | None = None


__all__ = [
    "PROTOCOL_VERSION",
    "AgentCapabilities",
    "AudioBlock",
    "BlobResource",
    "CancelParams",
    "ClientCapabilities",
    "ContentBlock",
    "CreateTerminalParams",
    "CreateTerminalResult",
    "EmbeddedResourceBlock",
    "ImageBlock",
    "Implementation",
    "InitializeParams",
    "InitializeResult",
    "MessageChunk",
    "NewSessionParams",
    "NewSessionResult",
    "PermissionOption",
    "PlanUpdate",
    "PromptParams",
    "PromptResult",
    "ReadTextFileResult",
    "RequestPermissionParams",
    "RequestPermissionResult",
    "ResourceLinkBlock",
    "SessionAdditionalDirectoriesCapabilities",
    "SessionCapabilities",
    "SetConfigOptionParams",
    "SetModeParams",
    "TerminalExitStatus",
    "TerminalOutputResult",
    "TextBlock",
    "TextResource",
    "ToolCallStart",
    "ToolCallUpdate",
    "UsageUpdate",
    "WireModel",
    "dump",
    "parse",
]
