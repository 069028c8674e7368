"""Params and results of the methods the agent serves (``initialize``, ``session/*``),
and the prompt's content blocks."""

from __future__ import annotations

import os
from typing import Annotated, Any, Literal, TypeAlias

from pydantic import Field, StrictBool, StrictInt, StrictStr, field_validator

from acp_server.protocol import PROTOCOL_VERSION
from acp_server.wire.base import WireModel

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


class SessionMethodCapability(WireModel):
    """Present (``{}``): the session method it names is served."""


class SessionCapabilities(WireModel):
    additional_directories: SessionAdditionalDirectoriesCapabilities | None = None
    list: SessionMethodCapability | None = None
    resume: SessionMethodCapability | None = None
    close: SessionMethodCapability | None = None
    delete: SessionMethodCapability | None = None


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


class LoadSessionParams(NewSessionParams):
    """``session/load``: ``session/new``'s params and the stored session's id."""

    __method__ = "session/load"
    session_id: str


class ResumeSessionParams(LoadSessionParams):
    """``session/resume``: as ``session/load``, without the replay."""

    __method__ = "session/resume"


class LoadSessionResult(WireModel):
    """The result of ``session/load`` and ``session/resume``."""

    modes: dict[str, Any] | None = None
    config_options: list[dict[str, Any]] | None = None


class ListSessionsParams(WireModel):
    __method__ = "session/list"
    cwd: str | None = None
    cursor: str | None = None


class SessionInfo(WireModel):
    session_id: str
    cwd: str
    additional_directories: list[str] | None = None
    title: str | None = None
    updated_at: str | None = None


class ListSessionsResult(WireModel):
    sessions: list[SessionInfo]
    next_cursor: str | None = None


class CloseSessionParams(WireModel):
    __method__ = "session/close"
    session_id: str


class DeleteSessionParams(WireModel):
    __method__ = "session/delete"
    session_id: str


class EmptyResult(WireModel):
    """``{}``: the result of ``session/close`` and ``session/delete``."""


class SetModeParams(WireModel):
    """``session/set_mode`` params (``SetSessionModeRequest``)."""

    __method__ = "session/set_mode"
    session_id: str
    mode_id: str


class SetSessionModeResult(WireModel):
    """The (empty) result of ``session/set_mode``."""


class SetConfigOptionParams(WireModel):
    __method__ = "session/set_config_option"
    session_id: str
    config_id: str
    value: StrictStr | StrictBool
    """A select's value id, or a boolean (``type: "boolean"``); checked by the agent."""
    type: str | None = None


class SetConfigOptionResult(WireModel):
    config_options: list[dict[str, Any]]
    """The complete ``SessionConfigOption[]`` after the change."""


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


class PromptUsage(WireModel):
    """Unstable ``PromptResponse.usage``: the tokens of the turn's model calls."""

    total_tokens: int
    input_tokens: int
    output_tokens: int
    thought_tokens: int | None = None
    cached_read_tokens: int | None = None


class PromptResult(WireModel):
    stop_reason: AcpStopReason
    usage: PromptUsage | None = None


class CancelParams(WireModel):
    __method__ = "session/cancel"
    session_id: str


__all__ = [
    "PROTOCOL_VERSION",
    "AcpStopReason",
    "AgentCapabilities",
    "AudioBlock",
    "BlobResource",
    "CancelParams",
    "ClientCapabilities",
    "CloseSessionParams",
    "ContentBlock",
    "DeleteSessionParams",
    "EmbeddedResourceBlock",
    "EmptyResult",
    "FileSystemCapability",
    "ImageBlock",
    "Implementation",
    "InitializeParams",
    "InitializeResult",
    "ListSessionsParams",
    "ListSessionsResult",
    "LoadSessionParams",
    "LoadSessionResult",
    "McpCapabilities",
    "NewSessionParams",
    "NewSessionResult",
    "PromptCapabilities",
    "PromptParams",
    "PromptResult",
    "PromptUsage",
    "ResourceLinkBlock",
    "ResumeSessionParams",
    "SessionAdditionalDirectoriesCapabilities",
    "SessionCapabilities",
    "SessionInfo",
    "SessionMethodCapability",
    "SetConfigOptionParams",
    "SetConfigOptionResult",
    "SetModeParams",
    "SetSessionModeResult",
    "TextBlock",
    "TextResource",
]
