"""Pieces of the Anthropic adapter: agentica's history and tools in Messages API form.

Pure functions over plain data (no client). Anthropic differs from Chat Completions in
ways that matter here:

* System messages go into the request's ``system`` blocks, not into ``messages``.
* Tool results are ``tool_result`` blocks of a *user* message; the results of one
  assistant turn (and any user text after them) share one user message, as the API
  wants the roles to alternate.
* With extended thinking the thinking blocks of an assistant turn, with their
  ``signature``, must be sent back as they were (during a tool-use loop the API refuses
  a turn without them). agentica's ``Message`` keeps the thinking *text* only, so the
  model remembers the raw blocks of its recent replies (``ThinkingMemory``), keyed by
  what identifies the reply in the history: its tool call ids, thinking and text.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from agentica.messages import ImagePart, Message, TextPart
from agentica.models.base import ToolSpec

EPHEMERAL: dict[str, str] = {"type": "ephemeral"}
"""The ``cache_control`` of a prompt-cache breakpoint."""

_NO_IMAGES = "[an image was attached; this model cannot see it]"

ReplyKey = tuple[tuple[str, ...], str, str]


def reply_key(call_ids: Sequence[str], thinking: str, text: str) -> ReplyKey:
    """What identifies an assistant reply in the history (see ``ThinkingMemory``)."""
    return (tuple(call_ids), thinking, text)


def message_key(msg: Message) -> ReplyKey:
    """``reply_key`` of an assistant message of the history."""
    return reply_key([c.id for c in msg.tool_calls], msg.reasoning_content or "", msg.text)


class ThinkingMemory:
    """The raw thinking blocks (with signatures) of the model's recent replies.

    Bounded: the oldest replies are forgotten first (an old turn's thinking may be left
    out of a request; only the current tool-use loop needs it).
    """

    def __init__(self, size: int = 256) -> None:
        self._size = size
        self._blocks: OrderedDict[ReplyKey, list[dict[str, Any]]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._blocks)

    def remember(self, key: ReplyKey, blocks: list[dict[str, Any]]) -> None:
        """Keep the thinking blocks of one reply (nothing when there are none)."""
        if not blocks or key == ((), "", ""):
            return
        self._blocks[key] = blocks
        self._blocks.move_to_end(key)
        while len(self._blocks) > self._size:
            self._blocks.popitem(last=False)

    def recall(self, msg: Message) -> list[dict[str, Any]] | None:
        """The thinking blocks of an assistant message, when this model produced it."""
        return self._blocks.get(message_key(msg))


def to_anthropic(
    messages: Sequence[Message],
    *,
    images: bool = True,
    memory: ThinkingMemory | None = None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], bool]:
    """A history in Messages API form: ``(system blocks, messages, thinking_complete)``.

    ``thinking_complete`` is False when the last assistant turn called tools but its
    thinking blocks are not known (a history from elsewhere): such a request must be
    sent without thinking, as the API rejects a tool-use loop missing them.
    """
    system: list[dict[str, Any]] = []
    out: list[dict[str, Any]] = []
    complete = True
    for msg in messages:
        if msg.role == "system":
            if msg.text:
                system.append({"type": "text", "text": msg.text})
            continue
        if msg.role == "assistant":
            blocks: list[dict[str, Any]] = []
            kept = memory.recall(msg) if memory is not None else None
            if kept:
                blocks += kept
            if msg.text:
                blocks.append({"type": "text", "text": msg.text})
            blocks += [
                {"type": "tool_use", "id": c.id, "name": c.name, "input": _input(c.arguments)}
                for c in msg.tool_calls
            ]
            # Only the last assistant turn counts: a tool loop under way needs its blocks.
            complete = bool(kept) or not msg.tool_calls
            if blocks:
                _append(out, "assistant", blocks)
            continue
        if msg.role == "tool":
            _append(out, "user", [_tool_result(msg, images)])
            continue
        _append(out, "user", _user_blocks(msg, images))
    if system:
        system[-1]["cache_control"] = dict(EPHEMERAL)
    return system, out, complete


def _append(out: list[dict[str, Any]], role: str, blocks: list[dict[str, Any]]) -> None:
    """Add blocks as a message, merged into the last one when it has the same role."""
    if out and out[-1]["role"] == role:
        out[-1]["content"].extend(blocks)
    else:
        out.append({"role": role, "content": blocks})


def _input(arguments: str) -> dict[str, Any]:
    """A tool call's arguments as the ``input`` object the API wants."""
    try:
        value = json.loads(arguments or "{}")
    except ValueError:
        return {"invalid_json": arguments}
    return value if isinstance(value, dict) else {"value": value}


def _user_blocks(msg: Message, images: bool) -> list[dict[str, Any]]:
    if not isinstance(msg.content, list):
        return [{"type": "text", "text": msg.content or "(empty message)"}]
    blocks = [b for p in msg.content if (b := _part(p, images)) is not None]
    return blocks or [{"type": "text", "text": "(empty message)"}]


def _part(part: TextPart | ImagePart, images: bool) -> dict[str, Any] | None:
    if isinstance(part, TextPart):
        return {"type": "text", "text": part.text} if part.text else None
    if not images:
        return {"type": "text", "text": _NO_IMAGES}
    if part.url and not part.url.startswith("data:"):
        return {"type": "image", "source": {"type": "url", "url": part.url}}
    mime, data = part.mime_type, part.data or ""
    if part.url:  # A data: URL carries its own type and bytes.
        head, _, data = part.url.partition(",")
        mime = head.removeprefix("data:").split(";", 1)[0] or mime
    return {"type": "image", "source": {"type": "base64", "media_type": mime, "data": data}}


def _tool_result(msg: Message, images: bool) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "tool_result", "tool_use_id": msg.tool_call_id or ""}
    if isinstance(msg.content, list):
        parts = [b for p in msg.content if (b := _part(p, images)) is not None]
        if parts:
            block["content"] = parts
    elif msg.content:
        block["content"] = msg.content
    if msg.is_error:
        block["is_error"] = True
    return block


def tool_params(tools: Sequence[ToolSpec]) -> list[dict[str, Any]]:
    """The tools in Messages API form; the last one is a prompt-cache breakpoint."""
    out: list[dict[str, Any]] = [
        {"name": t.name, "description": t.description, "input_schema": t.parameters} for t in tools
    ]
    if out:
        out[-1]["cache_control"] = dict(EPHEMERAL)
    return out


__all__ = [
    "EPHEMERAL",
    "ThinkingMemory",
    "message_key",
    "reply_key",
    "to_anthropic",
    "tool_params",
]
