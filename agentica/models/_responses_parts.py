"""Pieces of the Responses API adapter: the request body and history conversion.

Pure functions over plain data; no client here. A conversation becomes ``input`` items:
system and user messages as role messages (images as ``input_image`` parts), an
assistant turn as its text plus one ``function_call`` item per call, a tool result as a
``function_call_output`` item. Images a tool returned follow the run of outputs in one
user message, as in the Chat Completions adapter.

Reasoning items of reasoning models (their ``id`` and ``encrypted_content``) are sent
back before the function calls of the turn that made them, when known (see
``ReasoningMemo``): with ``store=False`` the server keeps nothing between requests, and
a reasoning model that is handed its own reasoning back continues it instead of
thinking again after every tool call.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from agentica.events import Usage
from agentica.messages import ImagePart, Message, TextPart
from agentica.models.base import ToolSpec

_NO_IMAGES = "[an image was attached; this model cannot see it]"


class ReasoningMemo:
    """Reasoning items of recent turns, by the id of the turn's first tool call (bounded).

    Only turns that called tools need them (a final answer is never continued); the
    memo lives with the model instance, so a history loaded from disk simply has none.
    """

    def __init__(self, size: int = 256) -> None:
        self._items: OrderedDict[str, list[dict[str, Any]]] = OrderedDict()
        self._size = size

    def put(self, call_id: str, items: list[dict[str, Any]]) -> None:
        self._items[call_id] = items
        self._items.move_to_end(call_id)
        while len(self._items) > self._size:
            self._items.popitem(last=False)

    def get(self, call_id: str) -> list[dict[str, Any]]:
        return self._items.get(call_id, [])


def to_input_items(
    messages: Sequence[Message], *, images: bool = True, memo: ReasoningMemo | None = None
) -> list[dict[str, Any]]:
    """A history as Responses ``input`` items (see the module docstring)."""
    out: list[dict[str, Any]] = []
    seen: list[dict[str, Any]] = []  # Image parts of the current run of tool messages.
    for msg in messages:
        if msg.role != "tool" and seen:
            out.append({"role": "user", "content": seen})
            seen = []
        if msg.role == "tool":
            out.append(
                {"type": "function_call_output", "call_id": msg.tool_call_id, "output": msg.text}
            )
            if images and isinstance(msg.content, list):
                parts = [_part(p, True) for p in msg.content if isinstance(p, ImagePart)]
                if parts:
                    note = f"The image(s) returned by tool call {msg.tool_call_id} ({msg.name}):"
                    seen += [{"type": "input_text", "text": note}, *parts]
        elif msg.role == "assistant":
            if msg.tool_calls and memo is not None:
                out += memo.get(msg.tool_calls[0].id)
            if msg.text or not msg.tool_calls:
                out.append({"role": "assistant", "content": msg.text or ""})
            out += [
                {
                    "type": "function_call",
                    "call_id": c.id,
                    "name": c.name,
                    "arguments": c.arguments or "{}",
                }
                for c in msg.tool_calls
            ]
        elif isinstance(msg.content, list):
            out.append({"role": msg.role, "content": [_part(p, images) for p in msg.content]})
        else:
            out.append({"role": msg.role, "content": msg.content or ""})
    if seen:
        out.append({"role": "user", "content": seen})
    return out


def _part(part: TextPart | ImagePart, images: bool) -> dict[str, Any]:
    if isinstance(part, TextPart):
        return {"type": "input_text", "text": part.text}
    if not images:
        return {"type": "input_text", "text": _NO_IMAGES}
    url = part.url or f"data:{part.mime_type};base64,{part.data or ''}"
    return {"type": "input_image", "image_url": url, "detail": "auto"}


def tool_param(spec: ToolSpec) -> dict[str, Any]:
    """One tool in Responses form (flat, unlike Chat Completions; not strict)."""
    return {
        "type": "function",
        "name": spec.name,
        "description": spec.description,
        "parameters": spec.parameters,
        "strict": False,
    }


def request_body(
    model: str,
    messages: Sequence[Message],
    tools: Sequence[ToolSpec],
    *,
    images: bool,
    memo: ReasoningMemo | None,
    reasoning: dict[str, Any] | None,
    sampling: dict[str, Any],
    extra_body: dict[str, Any],
    extra_headers: dict[str, str],
) -> dict[str, Any]:
    """The keyword arguments of ``responses.create`` for one streamed call.

    Args:
        reasoning: The ``reasoning`` parameter (effort, summary) of a reasoning model,
            which also asks for its encrypted reasoning back; None for other models.
        sampling: ``temperature``, ``top_p``, ``max_output_tokens``: those set are sent.
    """
    kwargs: dict[str, Any] = {
        "model": model,
        "input": to_input_items(messages, images=images, memo=memo),
        "stream": True,
        "store": False,
    }
    if tools:
        kwargs["tools"] = [tool_param(t) for t in tools]
    if reasoning is not None:
        kwargs["reasoning"] = reasoning
        kwargs["include"] = ["reasoning.encrypted_content"]
    kwargs.update((k, v) for k, v in sampling.items() if v is not None)
    if extra_body:
        kwargs["extra_body"] = extra_body
    if extra_headers:
        kwargs["extra_headers"] = extra_headers
    return kwargs


def responses_usage(u: Any) -> Usage:
    """A Responses ``usage`` object (or dict) as agentica's ``Usage``."""
    get = u.get if isinstance(u, dict) else (lambda k, d=None: getattr(u, k, d))
    inp, out = get("input_tokens") or 0, get("output_tokens") or 0
    details, out_details = get("input_tokens_details"), get("output_tokens_details")
    return Usage(
        input_tokens=inp,
        output_tokens=out,
        total_tokens=get("total_tokens") or inp + out,
        cached_tokens=_field(details, "cached_tokens"),
        reasoning_tokens=_field(out_details, "reasoning_tokens"),
        requests=1,
    )


def _field(obj: Any, name: str) -> int:
    value = obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)
    return int(value or 0)


__all__ = ["ReasoningMemo", "request_body", "responses_usage", "to_input_items", "tool_param"]
