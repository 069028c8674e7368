"""Reading a streamed Anthropic Messages reply: raw events in, model deltas out.

The stream is ``message_start``, then per content block ``content_block_start``,
``content_block_delta``\\ s and ``content_block_stop``, then ``message_delta`` (stop
reason, final usage) and ``message_stop``. ``StreamReader.feed`` takes one event (an
``anthropic`` type or anything with the same attributes; fields newer than the client
are read with ``getattr``, as an old client keeps unknown fields as extra attributes)
and returns at most one delta: text and thinking as they come, a tool call once its
block stops (its ``input_json_delta`` pieces joined), so parallel calls are handed on
one by one. Thinking blocks are kept whole, with their ``signature``, to be sent back
on the next turn.
"""

from __future__ import annotations

import json
from typing import Any

from agentica.events import Usage
from agentica.messages import ToolCall
from agentica.models._anthropic_messages import ReplyKey, reply_key
from agentica.models.base import (
    FinishReason,
    ModelDelta,
    ModelTextDelta,
    ModelThinkingDelta,
    ModelToolCall,
)

STOP_REASONS: dict[str, FinishReason] = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "pause_turn": "stop",
    "tool_use": "tool_calls",
    "max_tokens": "length",
    "model_context_window_exceeded": "length",
    "refusal": "content_filter",
}


class _Block:
    """A content block being streamed."""

    __slots__ = ("id", "kind", "name", "parts", "signature")

    def __init__(self, kind: str, id: str = "", name: str = "") -> None:  # noqa: A002
        self.kind = kind
        self.id = id
        self.name = name
        self.parts: list[str] = []
        self.signature = ""


class StreamReader:
    """The state of one streamed reply (see the module docstring)."""

    def __init__(self) -> None:
        self._open: dict[int, _Block] = {}
        self.kept: list[dict[str, Any]] = []
        """Thinking and redacted-thinking blocks of the reply, as the API sent them."""
        self.call_ids: list[str] = []
        self.thinking: list[str] = []
        self.text: list[str] = []
        self.stop_reason: str | None = None
        self.stopped = False
        """``message_stop`` came: the reply is complete."""
        self.error: Any = None
        self._usage: dict[str, int] = {}
        self._handlers = {
            "content_block_delta": self._delta,
            "content_block_start": self._start,
            "content_block_stop": self._stop,
            "message_start": self._message_start,
            "message_delta": self._message_delta,
            "message_stop": self._message_stop,
        }

    def feed(self, event: Any) -> ModelDelta | None:
        """Take one stream event; the delta it makes, if any (``ping`` and unknown
        events make none)."""
        handler = self._handlers.get(event.type)
        return handler(event) if handler is not None else None

    # --- events ------------------------------------------------------------------------

    def _delta(self, event: Any) -> ModelDelta | None:
        delta = event.delta
        kind = delta.type
        if kind == "text_delta":
            text = delta.text
            if not text:
                return None
            self.text.append(text)
            return ModelTextDelta(text=text)
        block = self._open.get(event.index)
        if kind == "thinking_delta":
            text = getattr(delta, "thinking", "") or ""
            if block is not None:
                block.parts.append(text)
            if not text:
                return None
            self.thinking.append(text)
            return ModelThinkingDelta(text=text)
        if block is None:
            return None
        if kind == "input_json_delta":
            block.parts.append(getattr(delta, "partial_json", "") or "")
        elif kind == "signature_delta":
            block.signature += getattr(delta, "signature", "") or ""
        return None

    def _start(self, event: Any) -> ModelDelta | None:
        content = event.content_block
        kind = content.type
        if kind == "text":
            self._open[event.index] = _Block("text")
            if content.text:
                self.text.append(content.text)
                return ModelTextDelta(text=content.text)
        elif kind == "thinking":
            block = self._open[event.index] = _Block("thinking")
            block.signature = getattr(content, "signature", "") or ""
            text = getattr(content, "thinking", "") or ""
            if text:
                block.parts.append(text)
                self.thinking.append(text)
                return ModelThinkingDelta(text=text)
        elif kind == "redacted_thinking":
            self.kept.append({"type": "redacted_thinking", "data": getattr(content, "data", "")})
        elif kind == "tool_use":
            block = self._open[event.index] = _Block("tool_use", content.id, content.name)
            given = getattr(content, "input", None)
            if given:  # Sent whole (some proxies do), not as deltas.
                block.parts.append(json.dumps(given))
        return None

    def _stop(self, event: Any) -> ModelDelta | None:
        block = self._open.pop(event.index, None)
        if block is None:
            return None
        if block.kind == "tool_use":
            self.call_ids.append(block.id)
            call = ToolCall(id=block.id, name=block.name, arguments="".join(block.parts) or "{}")
            return ModelToolCall(call=call)
        if block.kind == "thinking":
            self.kept.append(
                {"type": "thinking", "thinking": "".join(block.parts), "signature": block.signature}
            )
        return None

    def _message_start(self, event: Any) -> None:
        self._take_usage(getattr(event.message, "usage", None))

    def _message_delta(self, event: Any) -> None:
        reason = getattr(event.delta, "stop_reason", None)
        if reason:
            self.stop_reason = reason
        self._take_usage(getattr(event, "usage", None))

    def _message_stop(self, event: Any) -> None:
        self.stopped = True

    def _take_usage(self, usage: Any) -> None:
        if usage is None:
            return
        for key in (
            "input_tokens",
            "output_tokens",
            "cache_read_input_tokens",
            "cache_creation_input_tokens",
        ):
            value = getattr(usage, key, None)
            if value is not None:  # message_delta repeats some counts, or leaves them out.
                self._usage[key] = value

    # --- results -----------------------------------------------------------------------

    @property
    def complete(self) -> bool:
        """Whether the reply ended properly (a stop reason and ``message_stop``)."""
        return self.stopped and self.stop_reason is not None

    def usage(self) -> Usage:
        """The reply's usage in agentica's terms (see ``usage_of``)."""
        return usage_of(self._usage)

    @property
    def cache_creation_tokens(self) -> int:
        """Input tokens written to the prompt cache by this call (billed above input)."""
        return self._usage.get("cache_creation_input_tokens", 0)

    def finish_reason(self) -> FinishReason:
        reason = STOP_REASONS.get(self.stop_reason or "", "stop")
        if self.call_ids and reason == "stop":
            reason = "tool_calls"
        return reason

    def key(self) -> ReplyKey:
        """The reply's ``ThinkingMemory`` key (as the engine's history message will have)."""
        return reply_key(self.call_ids, "".join(self.thinking), "".join(self.text))


def usage_of(raw: dict[str, int]) -> Usage:
    """Anthropic's usage counts as a ``Usage``.

    Anthropic's ``input_tokens`` leaves out the tokens read from and written to the
    prompt cache; agentica's counts every prompt token, with the cache reads again in
    ``cached_tokens`` and the cache writes (``cache_creation_input_tokens``) in
    ``cache_write_tokens`` (the model keeps a count of them too:
    ``AnthropicChat.cache_creation_tokens``).
    """
    read = raw.get("cache_read_input_tokens", 0)
    written = raw.get("cache_creation_input_tokens", 0)
    prompt = raw.get("input_tokens", 0) + read + written
    output = raw.get("output_tokens", 0)
    return Usage(
        input_tokens=prompt,
        output_tokens=output,
        total_tokens=prompt + output,
        cached_tokens=read,
        cache_write_tokens=written,
        requests=1,
    )


__all__ = ["STOP_REASONS", "StreamReader", "usage_of"]
