"""Pure mapping between agentica and ACP: run events -> ``session/update`` payloads, and
prompt content blocks -> the user message the agent sees.

Nothing here does I/O; every function takes plain data and returns plain data, so the
whole translation is tested without a connection (and each output is validated against
the official schema in the tests).

========================  ===============================================================
RunEvent                  ``session/update`` ``update`` payload
========================  ===============================================================
TextDelta                 ``agent_message_chunk`` (text, ``messageId``)
ThinkingDelta             ``agent_thought_chunk``
ToolCallStarted           ``tool_call`` (pending; title, kind, locations, rawInput; a
                          command in full as content: see ``call_content``)
ToolCallProgress          ``tool_call_update`` (in_progress, content, title, locations)
ToolCallFinished          ``tool_call_update`` (completed / failed; content, rawOutput)
                          (a terminal is never re-sent: see ``finished_content``)
PlanUpdated               ``plan`` (the complete list)
UsageUpdated              ``usage_update`` (only when the context size is known)
ModelFallback             ``agent_thought_chunk``: a one-line note of the switch
RunFinished               nothing: it becomes the ``session/prompt`` result
========================  ===============================================================
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, assert_never

from acp_server import wire
from agentica.events import (
    DiffContent,
    ImageContent,
    Location,
    ModelFallback,
    PlanUpdated,
    RunEvent,
    RunFinished,
    StopReason,
    TerminalContent,
    TextContent,
    TextDelta,
    ThinkingDelta,
    ToolCallFinished,
    ToolCallProgress,
    ToolCallStarted,
    ToolContent,
    UsageUpdated,
)
from agentica.messages import ContentPart, ImagePart, Message, TextPart
from agentica.tools.titles import command_block, escape

_STOP_REASONS: dict[str, wire.AcpStopReason] = {
    "end_turn": "end_turn",
    "max_tokens": "max_tokens",
    "max_turns": "max_turn_requests",
    "refusal": "refusal",
    "cancelled": "cancelled",
}


def stop_reason(reason: StopReason | str) -> wire.AcpStopReason:
    """The ACP stop reason for an agentica one (``max_turns`` -> ``max_turn_requests``)."""
    return _STOP_REASONS.get(reason, "end_turn")


def locations(locs: Iterable[Location]) -> list[wire.ToolCallLocation]:
    """Tool call locations on the wire (a non-positive line is dropped, not sent)."""
    return [
        wire.ToolCallLocation(path=loc.path, line=loc.line if loc.line and loc.line > 0 else None)
        for loc in locs
    ]


def tool_content(content: Iterable[ToolContent]) -> list[wire.ToolCallContent]:
    """Tool call content on the wire: text, image, ``diff`` or ``terminal``."""
    out: list[wire.ToolCallContent] = []
    for item in content:
        match item:
            case TextContent(text=text):
                out.append(wire.ContentToolContent(content=wire.TextBlock(text=text)))
            case DiffContent(path=path, old_text=old, new_text=new):
                out.append(wire.DiffToolContent(path=path, old_text=old, new_text=new))
            case TerminalContent(terminal_id=tid):
                out.append(wire.TerminalToolContent(terminal_id=tid))
            case ImageContent(data=data, mime_type=mime):
                image = wire.ImageBlock(data=data, mime_type=mime)
                out.append(wire.ContentToolContent(content=image))
            case _:
                assert_never(item)
    return out


def safe_title(title: str) -> str:
    """A title with control characters, ANSI sequences and bidi overrides made visible.

    Every title the editor shows goes through here (tool calls and permission requests),
    whatever tool built it: a title must not hide or disguise what will run.
    """
    return escape(title)


def call_content(kind: str, arguments: Any) -> list[wire.ToolCallContent] | None:
    """What a pending call shows beside its title: a command in full (its title shows only
    the first line), as a fenced block; None for other calls."""
    command = arguments.get("command") if isinstance(arguments, dict) else None
    if kind != "execute" or not isinstance(command, str) or not command.strip():
        return None
    return [wire.ContentToolContent(content=wire.TextBlock(text=command_block(command)))]


def text_chunk(
    text: str, *, message_id: str | None = None, thought: bool = False
) -> dict[str, Any]:
    """An ``agent_message_chunk`` (or ``agent_thought_chunk``) carrying text."""
    kind = "agent_thought_chunk" if thought else "agent_message_chunk"
    return wire.dump(
        wire.MessageChunk(
            session_update=kind, content=wire.TextBlock(text=text), message_id=message_id or None
        )
    )


def failed_update(call_id: str, reason: str = "Cancelled") -> dict[str, Any]:
    """The final ``tool_call_update`` for a call that will never finish on its own."""
    return wire.dump(
        wire.ToolCallUpdate(
            tool_call_id=call_id,
            status="failed",
            content=[wire.ContentToolContent(content=wire.TextBlock(text=reason))],
        )
    )


def event_to_updates(
    event: RunEvent, *, context_size: int | None = None, cost: float | None = None
) -> list[dict[str, Any]]:
    """The ``session/update`` ``update`` payloads for one run event (often one, maybe none).

    Args:
        event: The event to map.
        context_size: Fallback context window size for ``UsageUpdated`` events that do
            not carry one; ``usage_update`` is only sent when a size is known.
        cost: The session's cumulative cost in USD, for ``usage_update`` (None: unknown).
    """
    match event:
        case TextDelta(text=text, message_id=mid):
            return [text_chunk(text, message_id=mid)] if text else []
        case ThinkingDelta(text=text, message_id=mid):
            return [text_chunk(text, message_id=mid, thought=True)] if text else []
        case ToolCallStarted():
            return [
                wire.dump(
                    wire.ToolCallStart(
                        tool_call_id=event.call_id,
                        title=safe_title(event.title or event.tool_name),
                        kind=event.kind,
                        status="pending",
                        content=call_content(event.kind, event.arguments),
                        locations=locations(event.locations) or None,
                        raw_input=event.arguments,
                    )
                )
            ]
        case ToolCallProgress():
            update = wire.ToolCallUpdate(
                tool_call_id=event.call_id,
                status=event.status,
                title=None if event.title is None else safe_title(event.title),
                content=None if event.content is None else tool_content(event.content),
                locations=None if event.locations is None else locations(event.locations),
            )
            return [wire.dump(update)]
        case ToolCallFinished():
            update = wire.ToolCallUpdate(
                tool_call_id=event.call_id,
                status="completed" if event.status == "completed" else "failed",
                content=finished_content(event),
                locations=None if event.locations is None else locations(event.locations),
                raw_output=_raw_output(event),
            )
            return [wire.dump(update)]
        case PlanUpdated(entries=entries):
            plan = wire.PlanUpdate(
                entries=[
                    wire.PlanEntryWire(content=e.content, priority=e.priority, status=e.status)
                    for e in entries
                ]
            )
            return [wire.dump(plan)]
        case UsageUpdated():
            size = event.context_size if event.context_size is not None else context_size
            if size is None:
                return []
            used = max(0, event.context_used)
            priced = None if cost is None else wire.Cost(amount=round(cost, 6), currency="USD")
            return [wire.dump(wire.UsageUpdate(used=used, size=max(size, 0), cost=priced))]
        case ModelFallback(from_model=failed, to_model=now, reason=reason):
            note = f"[{failed} failed ({reason}); {now} answers instead]\n"
            return [text_chunk(note, thought=True)]
        case RunFinished():
            return []
        case _:
            assert_never(event)


def finished_content(event: ToolCallFinished) -> list[wire.ToolCallContent] | None:
    """The content of a call's final update; ``None`` leaves the shown content as it is.

    A result carrying a ``TerminalContent`` comes from an editor terminal that was
    embedded while the command ran and has been released since (the workspace releases
    it before the tool returns). Mentioning a released terminal is forbidden (acp-spec
    §5.4, §18.54), so such an update omits ``content``: the editor keeps showing the
    embedded terminal, and the output text is in ``rawOutput``.
    """
    kept = [item for item in event.content if not isinstance(item, TerminalContent)]
    if len(kept) < len(event.content):
        return tool_content(kept) if kept else None
    text = event.error if event.status != "completed" and event.error else event.result
    if not kept and text:
        kept = [TextContent(text=text)]
    return tool_content(kept)


def _raw_output(event: ToolCallFinished) -> dict[str, Any]:
    out: dict[str, Any] = {"result": event.result}
    if event.error:
        out["error"] = event.error
    if event.status == "cancelled":
        out["cancelled"] = True
    return out


# --- prompt blocks -> user message ---------------------------------------------------------


def prompt_to_message(
    blocks: Sequence[
        wire.TextBlock
        | wire.ImageBlock
        | wire.AudioBlock
        | wire.ResourceLinkBlock
        | wire.EmbeddedResourceBlock
    ],
    *,
    supports_images: bool = False,
) -> Message:
    """The user message for a ``session/prompt``.

    Text blocks are kept as they are; a ``resource_link`` becomes a mention with its URI
    (the agent reads the file with its tools); an embedded text resource is wrapped with
    its URI; images become ``ImagePart``s when the model supports them. The result is a
    plain-text message unless it carries images.
    """
    parts: list[ContentPart] = []
    for block in blocks:
        match block:
            case wire.TextBlock(text=text):
                parts.append(TextPart(text=text))
            case wire.ResourceLinkBlock(uri=uri, name=name):
                parts.append(TextPart(text=f"@{name} ({uri})"))
            case wire.EmbeddedResourceBlock(resource=wire.TextResource(uri=uri, text=text)):
                parts.append(TextPart(text=f'\n<context uri="{uri}">\n{text}\n</context>\n'))
            case wire.EmbeddedResourceBlock(resource=wire.BlobResource(uri=uri, mime_type=mt)):
                parts.append(TextPart(text=f"[binary resource {uri} ({mt or 'unknown type'})]"))
            case wire.ImageBlock(data=data, mime_type=mt, uri=uri):
                if supports_images:
                    parts.append(ImagePart(data=data, mime_type=mt))
                else:
                    where = f" {uri}" if uri else ""
                    parts.append(TextPart(text=f"[image{where} omitted: the model has no vision]"))
            case wire.AudioBlock(mime_type=mt):
                parts.append(TextPart(text=f"[audio ({mt}) omitted: not supported]"))
    if any(isinstance(p, ImagePart) for p in parts):
        return Message.user(parts)
    return Message.user(_join_text(p.text for p in parts if isinstance(p, TextPart)))


def _join_text(texts: Iterable[str]) -> str:
    out = ""
    for t in texts:
        if out and not out.endswith((" ", "\n")) and not t.startswith((" ", "\n")):
            out += " "
        out += t
    return out


__all__ = [
    "call_content",
    "event_to_updates",
    "failed_update",
    "finished_content",
    "locations",
    "prompt_to_message",
    "safe_title",
    "stop_reason",
    "text_chunk",
    "tool_content",
]
