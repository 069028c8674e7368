"""Pieces of the OpenAI adapter: message conversion, stream assembly, error details.

Pure functions over plain data and the ``openai`` response objects; no client here.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Sequence
from types import ModuleType
from typing import Any

from agentica.events import Usage
from agentica.messages import ImagePart, Message, TextPart, ToolCall

_REASONING_KEYS = ("reasoning_content", "reasoning", "thinking")
_CONTEXT_HINTS = (
    "context length",
    "context_length",
    "context window",
    "maximum context",
    "too many tokens",
    "prompt is too long",
    "input is too long",
    "reduce the length",
)


def to_chat_messages(
    messages: Sequence[Message], *, images: bool = True, reasoning: bool = False
) -> list[dict[str, Any]]:
    """A history in Chat Completions form.

    A ``tool`` message can only carry text there, so images a tool returned are sent (to
    a model that accepts images) in one ``user`` message right after the run of ``tool``
    messages they belong to: every call still has exactly one ``tool`` message, and the
    ``tool`` messages of one assistant turn stay together.
    """
    out: list[dict[str, Any]] = []
    seen: list[dict[str, Any]] = []  # Image parts of the current run of tool messages.
    for msg in messages:
        if msg.role != "tool" and seen:
            out.append({"role": "user", "content": seen})
            seen = []
        out.append(to_chat_message(msg, images=images, reasoning=reasoning))
        if msg.role == "tool" and images and isinstance(msg.content, list):
            parts = [_part(p, True) for p in msg.content if isinstance(p, ImagePart)]
            if parts:
                note = f"The image(s) returned by tool call {msg.tool_call_id} ({msg.name}):"
                seen += [{"type": "text", "text": note}, *parts]
    if seen:
        out.append({"role": "user", "content": seen})
    return out


def to_chat_message(
    msg: Message, *, images: bool = True, reasoning: bool = False
) -> dict[str, Any]:
    """One agentica message in Chat Completions form (a tool message's images left out)."""
    if msg.role == "tool":
        return {"role": "tool", "tool_call_id": msg.tool_call_id, "content": msg.text}
    if msg.role == "assistant":
        out: dict[str, Any] = {"role": "assistant", "content": msg.text or None}
        if msg.tool_calls:
            out["tool_calls"] = [
                {
                    "id": c.id,
                    "type": "function",
                    "function": {"name": c.name, "arguments": c.arguments or "{}"},
                }
                for c in msg.tool_calls
            ]
        elif out["content"] is None:
            out["content"] = ""
        if reasoning and msg.reasoning_content:
            out["reasoning_content"] = msg.reasoning_content
        return out
    if isinstance(msg.content, list):
        return {"role": msg.role, "content": [_part(p, images) for p in msg.content]}
    return {"role": msg.role, "content": msg.content or ""}


def _part(part: TextPart | ImagePart, images: bool) -> dict[str, Any]:
    if isinstance(part, TextPart):
        return {"type": "text", "text": part.text}
    if not images:
        return {"type": "text", "text": "[an image was attached; this model cannot see it]"}
    url = part.url or f"data:{part.mime_type};base64,{part.data or ''}"
    return {"type": "image_url", "image_url": {"url": url}}


class ToolCallAssembler:
    """Collects streamed tool-call pieces by index; hands out each call once complete."""

    def __init__(self) -> None:
        self._open: dict[int, dict[str, Any]] = {}
        self._next_index = 0
        self.count = 0

    def add(self, piece: Any) -> list[ToolCall]:
        """Add one ``delta.tool_calls`` item; returns calls finished by it (earlier indices)."""
        index = piece.index
        if index is None:
            # No index: a piece naming a call starts one, any other continues the last.
            starts = piece.id or (piece.function is not None and piece.function.name)
            index = self._next_index if starts or not self._open else max(self._open)
        fn = piece.function
        done: list[ToolCall] = []
        current = self._open.get(index)
        if current is not None and piece.id and current["id"] and piece.id != current["id"]:
            # Some servers reuse index 0 for every call; a new id starts a new call.
            done.append(self._finish(self._open.pop(index)))
            current = None
        if current is None:
            done += [self._finish(self._open.pop(i)) for i in sorted(self._open) if i < index]
            current = self._open[index] = {"id": "", "name": "", "args": []}
            self._next_index = max(self._next_index, index + 1)
        if piece.id:
            current["id"] = piece.id
        if fn is not None and fn.name:
            current["name"] = fn.name
        if fn is not None and fn.arguments:
            current["args"].append(fn.arguments)
        return done

    def flush(self) -> list[ToolCall]:
        """Every call still open, in index order."""
        done = [self._finish(self._open[i]) for i in sorted(self._open)]
        self._open.clear()
        return done

    def _finish(self, raw: dict[str, Any]) -> ToolCall:
        self.count += 1
        return ToolCall(
            id=raw["id"] or f"call_{uuid.uuid4().hex[:12]}",
            name=raw["name"],
            arguments="".join(raw["args"]) or "{}",
        )


def reasoning_text(delta: Any) -> str:
    extra = delta.model_extra or {}
    for key in _REASONING_KEYS:
        value = extra.get(key)
        if isinstance(value, str) and value:
            return value
    return ""


def usage_from(u: Any) -> Usage:
    extra = u.model_extra or {}
    details = getattr(u, "prompt_tokens_details", None)
    cached = getattr(details, "cached_tokens", None) or extra.get("prompt_cache_hit_tokens") or 0
    out_details = getattr(u, "completion_tokens_details", None)
    prompt, completion = u.prompt_tokens or 0, u.completion_tokens or 0
    return Usage(
        input_tokens=prompt,
        output_tokens=completion,
        total_tokens=u.total_tokens or prompt + completion,
        cached_tokens=int(cached),
        reasoning_tokens=getattr(out_details, "reasoning_tokens", None) or 0,
        requests=1,
    )


def provider_message(e: Any) -> str:
    body = getattr(e, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and inner.get("message"):
            return str(inner["message"])
        if isinstance(inner, str):
            return inner
    return str(getattr(e, "message", None) or e)


def is_context_error(e: Any, message: str) -> bool:
    body = getattr(e, "body", None)
    code = body.get("code") if isinstance(body, dict) else None
    text = message.lower()
    return code == "context_length_exceeded" or any(h in text for h in _CONTEXT_HINTS)


def httpx_module(openai: ModuleType) -> Any:
    """The HTTP library the installed ``openai`` is built on (``httpx`` or its successor)."""
    for cls in openai.DefaultAsyncHttpxClient.__mro__:
        if cls.__name__ == "AsyncClient":
            return sys.modules[cls.__module__.split(".")[0]]
    import httpx

    return httpx


def http_errors(openai: ModuleType) -> tuple[type[BaseException], ...]:
    """HTTP-level errors that may escape a stream un-wrapped by ``openai``."""
    mods = {httpx_module(openai), sys.modules.get("httpx")}
    return tuple(m.HTTPError for m in mods if m is not None)
