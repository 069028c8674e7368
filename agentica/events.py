"""The one event vocabulary of agentica: what a run emits, in order.

The engine emits these events; printers print them, the CLI renders them, and
``acp_server`` maps them onto ACP ``session/update`` notifications. Every event is a
frozen, keyword-only, slotted dataclass carrying plain data and ids, discriminated by
its ``type`` field, so consumers ``match`` on the class and end with ``assert_never``.

This module imports nothing else from agentica but ``agentica.usage`` (``Usage``, the
tokens and cost of a run), so any layer may depend on it.

Events carry ``agent`` (the running agent's name, when it has one: a team member after
a handoff, a subagent) and ``step`` (the ``Workflow`` step, on a workflow's stream).
``agent`` is set on the events the engine makes (text, thinking, tool call start and
end, usage, the finish); events a tool emits itself (its progress, a plan) leave it
``None``, and so does an unnamed agent.

Lifecycle of one tool call, as the engine emits it::

    ToolCallStarted(status="pending")         # the model asked for it
    ToolCallProgress(status="in_progress")    # approved (if needed) and running
    ToolCallProgress(content=...)             # zero or more: live output, terminal id
    ToolCallFinished(status="completed" | "failed" | "cancelled")

Getting only the text of a run (``text_stream`` takes a sync or an async stream)::

    async for text in text_stream(agent.run_stream("hi")):
        print(text, end="")
    for text in text_stream(agent.run_stream_sync("hi")):
        print(text, end="")

agentica 1.5 code reads ``chunk.content`` of every chunk: ``TextDelta.content`` is its
text, and events without text content raise an ``AttributeError`` that says so.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
from dataclasses import field
from typing import Any, Literal, TypeAlias, overload

from agentica._records import record
from agentica.usage import Usage

ToolKind: TypeAlias = Literal[
    "read", "edit", "delete", "move", "search", "execute", "think", "fetch", "switch_mode", "other"
]
"""What a tool does, as ACP's ``ToolKind`` (the editor picks an icon from it)."""

ToolCallStatus: TypeAlias = Literal["pending", "in_progress", "completed", "failed", "cancelled"]
"""A tool call's state. ``cancelled`` maps to ACP ``failed`` in protocol v1."""

StopReason: TypeAlias = Literal["end_turn", "max_tokens", "max_turns", "refusal", "cancelled"]
"""Why a run ended. ``max_turns`` maps to ACP ``max_turn_requests``."""

PlanEntryStatus: TypeAlias = Literal["pending", "in_progress", "completed"]
PlanEntryPriority: TypeAlias = Literal["high", "medium", "low"]


# --- Tool call content -------------------------------------------------------------------


@record
class Location:
    """A file a tool call touches (for the editor's "follow the agent")."""

    path: str
    """Absolute path."""
    line: int | None = None
    """1-based line, when known."""


@record
class TextContent:
    """Plain text shown inside a tool call (output, an error message, a summary)."""

    text: str
    type: Literal["text"] = "text"


@record
class DiffContent:
    """A file change made by a tool call: the whole old and new text of the file."""

    path: str
    """Absolute path of the changed file."""
    old_text: str | None
    """Previous content; ``None`` for a new file."""
    new_text: str
    """Content after the change."""
    type: Literal["diff"] = "diff"


@record
class TerminalContent:
    """A live terminal owned by the editor (ACP ``terminal/create``) embedded in a call."""

    terminal_id: str
    type: Literal["terminal"] = "terminal"


@record
class ImageContent:
    """An image a tool call returned (e.g. a screenshot from an MCP tool)."""

    data: str
    """Base64-encoded bytes."""
    mime_type: str = "image/png"
    type: Literal["image"] = "image"


ToolContent: TypeAlias = TextContent | DiffContent | TerminalContent | ImageContent
"""What a tool call shows the user besides its status."""


@record
class PlanEntry:
    """One step of the agent's plan (todo list)."""

    content: str
    status: PlanEntryStatus = "pending"
    priority: PlanEntryPriority = "medium"


def _no_content(self: Any, name: str) -> Any:
    """Missing attributes of an event: explain agentica 1.5's ``chunk.content`` habit."""
    if name == "content":
        raise AttributeError(
            f"{type(self).__name__} has no 'content': agentica streams typed events, and "
            "only TextDelta (.text, also .content) carries answer text. Print the text "
            "as it comes with `for text in agentica.text_stream(stream)` (or `async for`), "
            "or check `isinstance(event, TextDelta)`."
        )
    raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")


# --- Events ------------------------------------------------------------------------------


@record
class TextDelta:
    """A piece of the assistant's visible answer."""

    message_id: str
    """Groups the deltas of one assistant message."""
    text: str
    type: Literal["text_delta"] = "text_delta"
    agent: str | None = None
    """Name of the agent that emitted it (set for named agents, subagents, handoffs)."""
    step: str | None = None
    """The ``Workflow`` step it belongs to (set on a workflow's stream)."""

    @property
    def content(self) -> str:
        """The text (agentica 1.5 users read ``.content`` of each chunk)."""
        return self.text


@record
class ThinkingDelta:
    """A piece of the model's reasoning (``reasoning_content`` and the like)."""

    message_id: str
    text: str
    type: Literal["thinking_delta"] = "thinking_delta"
    agent: str | None = None
    """Name of the agent that emitted it (set for named agents, subagents, handoffs)."""
    step: str | None = None
    """The ``Workflow`` step it belongs to (set on a workflow's stream)."""

    __getattr__ = _no_content


@record
class ToolCallStarted:
    """The model asked for a tool call; it has not run yet (status ``pending``)."""

    call_id: str
    """Unique within the run (the model's tool call id)."""
    tool_name: str
    title: str
    """Human title, e.g. ``Read src/app.py`` or ``Run `pytest -q```."""
    kind: ToolKind = "other"
    arguments: dict[str, Any] = field(default_factory=dict)
    """Parsed arguments (raw JSON text under ``"_raw"`` when they did not parse)."""
    locations: tuple[Location, ...] = ()
    type: Literal["tool_call_started"] = "tool_call_started"
    agent: str | None = None
    """Name of the agent that emitted it (set for named agents, subagents, handoffs)."""
    step: str | None = None
    """The ``Workflow`` step it belongs to (set on a workflow's stream)."""

    __getattr__ = _no_content


@record
class ToolCallProgress:
    """A running tool call changed: it started running, or has live content to show.

    Only the fields that are not ``None`` changed; ``content`` replaces earlier content.
    """

    call_id: str
    status: Literal["in_progress"] | None = None
    content: tuple[ToolContent, ...] | None = None
    title: str | None = None
    locations: tuple[Location, ...] | None = None
    type: Literal["tool_call_progress"] = "tool_call_progress"
    agent: str | None = None
    """Name of the agent that emitted it (set for named agents, subagents, handoffs)."""
    step: str | None = None
    """The ``Workflow`` step it belongs to (set on a workflow's stream)."""


@record
class ToolCallFinished:
    """A tool call ended. Every ``ToolCallStarted`` is followed by exactly one of these."""

    call_id: str
    tool_name: str
    status: Literal["completed", "failed", "cancelled"]
    result: str
    """The text the model receives as the call's result (an error message on failure)."""
    error: str | None = None
    """Set when the call failed, was denied or was cancelled."""
    content: tuple[ToolContent, ...] = ()
    """What the user sees: diffs for edits, output text, the terminal."""
    locations: tuple[Location, ...] | None = None
    duration: float = 0.0
    """Seconds from start of execution to end."""
    type: Literal["tool_call_finished"] = "tool_call_finished"
    agent: str | None = None
    """Name of the agent that emitted it (set for named agents, subagents, handoffs)."""
    step: str | None = None
    """The ``Workflow`` step it belongs to (set on a workflow's stream)."""


@record
class PlanUpdated:
    """The agent's plan changed; carries the complete plan."""

    entries: tuple[PlanEntry, ...]
    type: Literal["plan_updated"] = "plan_updated"
    agent: str | None = None
    """Name of the agent that emitted it (set for named agents, subagents, handoffs)."""
    step: str | None = None
    """The ``Workflow`` step it belongs to (set on a workflow's stream)."""

    __getattr__ = _no_content


@record
class UsageUpdated:
    """Token usage after a model call."""

    usage: Usage
    """Cumulative usage of the run so far."""
    context_used: int = 0
    """Tokens in the context window after the last call."""
    context_size: int | None = None
    """Size of the model's context window, when known."""
    type: Literal["usage_updated"] = "usage_updated"
    agent: str | None = None
    """Name of the agent that emitted it (set for named agents, subagents, handoffs)."""
    step: str | None = None
    """The ``Workflow`` step it belongs to (set on a workflow's stream)."""

    __getattr__ = _no_content


@record
class ModelFallback:
    """The model failed before answering; the next of its fallbacks answers the same request.

    Only a model given as a list (``Agent(model=[primary, fallback])``) falls back, and only
    on provider trouble (5xx, rate limit, connection, timeout) before any of its reply
    was streamed.
    """

    from_model: str
    """The model that failed."""
    to_model: str
    """The model asked next."""
    reason: str
    """The error of the model that failed."""
    type: Literal["model_fallback"] = "model_fallback"
    agent: str | None = None
    """Name of the agent that emitted it (set for named agents, subagents, handoffs)."""
    step: str | None = None
    """The ``Workflow`` step it belongs to (set on a workflow's stream)."""

    __getattr__ = _no_content


@record
class RunFinished:
    """The run ended. The last event of every run that did not raise.

    A cancelled run ends with ``stop_reason="cancelled"``; a model failure raises its
    typed exception (``agentica.exceptions.ModelError``) from the stream instead.
    """

    stop_reason: StopReason
    content: str
    """The final assistant text (may be partial when cancelled)."""
    usage: Usage
    run_id: str = ""
    type: Literal["run_finished"] = "run_finished"
    agent: str | None = None
    """Name of the agent that emitted it (set for named agents, subagents, handoffs)."""
    step: str | None = None
    """The ``Workflow`` step it belongs to (set on a workflow's stream)."""


RunEvent: TypeAlias = (
    TextDelta
    | ThinkingDelta
    | ToolCallStarted
    | ToolCallProgress
    | ToolCallFinished
    | PlanUpdated
    | UsageUpdated
    | ModelFallback
    | RunFinished
)
"""Everything a run emits."""


@overload
def text_stream(events: AsyncIterable[Any]) -> AsyncIterator[str]: ...
@overload
def text_stream(events: Iterable[Any]) -> Iterator[str]: ...
def text_stream(events: Iterable[Any] | AsyncIterable[Any]) -> Iterator[str] | AsyncIterator[str]:
    """Only the answer text of a stream of events, piece by piece, as it arrives.

    Takes ``agent.run_stream(...)`` (use ``async for``) or ``agent.run_stream_sync(...)``
    (use ``for``); every other event is skipped, and consuming it to the end runs the
    whole run (a ``break`` cancels it, as for the stream itself).
    """
    if isinstance(events, AsyncIterable):
        return _atext(events)
    return (e.text for e in events if isinstance(e, TextDelta))


async def _atext(events: AsyncIterable[Any]) -> AsyncIterator[str]:
    async for event in events:
        if isinstance(event, TextDelta):
            yield event.text

__all__ = [
    "DiffContent",
    "ImageContent",
    "Location",
    "ModelFallback",
    "PlanEntry",
    "PlanEntryPriority",
    "PlanEntryStatus",
    "PlanUpdated",
    "RunEvent",
    "RunFinished",
    "StopReason",
    "TerminalContent",
    "TextContent",
    "TextDelta",
    "ThinkingDelta",
    "ToolCallFinished",
    "ToolCallProgress",
    "ToolCallStarted",
    "ToolCallStatus",
    "ToolContent",
    "ToolKind",
    "Usage",
    "UsageUpdated",
    "text_stream",
]
