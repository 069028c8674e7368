"""What the agent sends: ``session/update`` payloads, and the params and results of the
client's methods (``session/request_permission``, ``fs/*``, ``terminal/*``)."""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypeAlias

from pydantic import Field

from acp_server.wire.base import WireModel
from acp_server.wire.methods import ImageBlock, TextBlock

# --- session/update payloads (sent) --------------------------------------------------------


class ToolCallLocation(WireModel):
    path: str
    line: int | None = None


class ContentToolContent(WireModel):
    type: Literal["content"] = "content"
    content: Annotated[TextBlock | ImageBlock, Field(discriminator="type")]


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


class Cost(WireModel):
    amount: float
    currency: str


class UsageUpdate(WireModel):
    session_update: Literal["usage_update"] = "usage_update"
    used: int
    size: int
    cost: Cost | None = None


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
    "AcpToolCallStatus",
    "CancelledOutcome",
    "ContentToolContent",
    "Cost",
    "CreateTerminalParams",
    "CreateTerminalResult",
    "DiffToolContent",
    "EnvVariable",
    "MessageChunk",
    "PermissionOption",
    "PlanEntryWire",
    "PlanUpdate",
    "ReadTextFileResult",
    "RequestPermissionParams",
    "RequestPermissionResult",
    "SelectedOutcome",
    "TerminalExitStatus",
    "TerminalOutputResult",
    "TerminalToolContent",
    "ToolCallContent",
    "ToolCallLocation",
    "ToolCallStart",
    "ToolCallUpdate",
    "UsageUpdate",
]
