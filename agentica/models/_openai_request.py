"""The body of a streamed Chat Completions request, and how it is handed to the client.

``create_arguments()`` passes ``messages`` and ``tools`` through ``extra_body`` instead
of as parameters. The ``openai`` client walks every parameter recursively against its
TypedDicts (``_transform``) on each request, looking for aliases and formats that Chat
Completions messages and tools do not have; for a dozen tool schemas and a long history
that walk was most of our time before the first byte left. ``extra_body`` is merged
as given, and key for key into the places the empty ``messages``/``tools`` parameters
hold, so the JSON sent is byte for byte what the plain call sends (a test checks it).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from agentica.messages import Message
from agentica.models._openai_parts import to_chat_messages
from agentica.models.base import ToolSpec

_PRESERIALISED = ("messages", "input", "tools")
"""The parameters given through ``extra_body``: plain JSON the client need not walk
(``input`` is the history of a Responses API request)."""


def request_body(
    model: str,
    messages: Sequence[Message],
    tools: Sequence[ToolSpec],
    *,
    images: bool,
    reasoning: bool,
    stream_usage: bool,
    sampling: dict[str, Any],
    extra_body: dict[str, Any],
    extra_headers: dict[str, str],
) -> dict[str, Any]:
    """The keyword arguments of ``chat.completions.create`` for one streamed call.

    Args:
        sampling: ``temperature``, ``top_p``, ``max_tokens``: those not None are sent.
    """
    kwargs: dict[str, Any] = {
        "model": model,
        "messages": to_chat_messages(messages, images=images, reasoning=reasoning),
        "stream": True,
    }
    if stream_usage:
        kwargs["stream_options"] = {"include_usage": True}
    if tools:
        kwargs["tools"] = [tool_param(t) for t in tools]
    kwargs.update((k, v) for k, v in sampling.items() if v is not None)
    if extra_body:
        kwargs["extra_body"] = extra_body
    if extra_headers:
        kwargs["extra_headers"] = extra_headers
    return kwargs


def tool_param(spec: ToolSpec) -> dict[str, Any]:
    """One tool in Chat Completions form (its schema is shared, not copied)."""
    return {
        "type": "function",
        "function": {
            "name": spec.name,
            "description": spec.description,
            "parameters": spec.parameters,
        },
    }


def create_arguments(request: dict[str, Any]) -> dict[str, Any]:
    """``request`` with ``messages`` (or ``input``) and ``tools`` moved into ``extra_body``.

    Each moved parameter stays as an empty list, so it keeps its place in the body the
    client builds, and ``extra_body`` then fills that place. Extra fields the caller
    configured still win, as they do in the plain call.
    """
    moved = {k: request[k] for k in _PRESERIALISED if k in request}
    if not moved:
        return request
    args = {**request, **{key: [] for key in moved}}
    args["extra_body"] = {**moved, **request.get("extra_body", {})}
    return args


__all__ = ["create_arguments", "request_body", "tool_param"]
