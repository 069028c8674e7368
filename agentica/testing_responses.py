"""Server events of the OpenAI Responses API, for the fake endpoint ``OpenAIMock``.

``OpenAIMock`` serves ``POST /responses`` with these: a ``MockReply`` becomes
``reply_events(...)`` (what OpenAI streams for such a reply), and a list of event dicts
(``event("response.output_text.delta", delta="hi", output_index=0)``) is streamed as
given, so a test can interleave parallel calls or fail where it likes::

    mock = OpenAIMock([
        MockReply(text="Hello", reasoning="Let me think", usage=(12, 3)),
        MockReply(tool_calls=[("ls", {"path": "."}), ("cat", {"path": "a"})]),
        failed_events("server_error", "The server had an error"),
    ])
    model = OpenAIResponses("gpt-5", api_key="k", http_client=mock.http_client())

Only plain data here; ``agentica.testing_openai`` renders it as SSE.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from typing import Any

from agentica._chunks import split_words

_INCOMPLETE = {"length": "max_output_tokens", "content_filter": "content_filter"}


def event(kind: str, **fields: Any) -> dict[str, Any]:
    """One server event: ``{"type": kind, **fields}`` (``sequence_number`` set on render)."""
    return {"type": kind, **fields}


def response_object(model: str, *, status: str = "in_progress", **fields: Any) -> dict[str, Any]:
    """The ``response`` object the lifecycle events carry."""
    return {
        "id": "resp_mock",
        "object": "response",
        "created_at": 1700000000,
        "status": status,
        "model": model,
        "output": [],
        **fields,
    }


def responses_usage(usage: tuple[int, int] | dict[str, Any] | None) -> dict[str, Any] | None:
    """``(input, output)`` tokens as a Responses ``usage`` dict (a dict is sent as given)."""
    if usage is None or isinstance(usage, dict):
        return usage
    inp, out = usage
    return {
        "input_tokens": inp,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": out,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": inp + out,
    }


def reply_events(
    *,
    text: str = "",
    reasoning: str = "",
    refusal: str = "",
    calls: Sequence[tuple[str, str, Any]] = (),
    usage: tuple[int, int] | dict[str, Any] | None = (10, 5),
    finish_reason: str | None = None,
    split: int = 3,
    model: str = "mock-model",
) -> list[dict[str, Any]]:
    """The events OpenAI streams for a reply: reasoning item (summary and encrypted
    content), message (text, refusal), function calls (``(call_id, name, args)``, the
    arguments cut into ``split`` deltas), then ``response.completed`` (or
    ``response.incomplete`` for a ``finish_reason`` of "length" / "content_filter")."""
    out = [event("response.created", response=response_object(model))]
    items: list[dict[str, Any]] = []
    index = itertools.count()
    if reasoning:
        i, rid = next(index), "rs_mock_0"
        item = {"type": "reasoning", "id": rid, "summary": []}
        out.append(event("response.output_item.added", output_index=i, item=item))
        out.append(
            event(
                "response.reasoning_summary_part.added",
                item_id=rid,
                output_index=i,
                summary_index=0,
                part={"type": "summary_text", "text": ""},
            )
        )
        out += [
            event(
                "response.reasoning_summary_text.delta",
                item_id=rid,
                output_index=i,
                summary_index=0,
                delta=piece,
            )
            for piece in split_words(reasoning)
        ]
        done = {
            **item,
            "summary": [{"type": "summary_text", "text": reasoning}],
            "encrypted_content": f"enc:{reasoning[:16]}",
        }
        out.append(event("response.output_item.done", output_index=i, item=done))
        items.append(done)
    if text or refusal or not calls:
        i, mid = next(index), "msg_mock_0"
        item = {"type": "message", "id": mid, "role": "assistant", "status": "in_progress"}
        added = {**item, "content": []}
        out.append(event("response.output_item.added", output_index=i, item=added))
        where = {"item_id": mid, "output_index": i, "content_index": 0}
        out += [
            event("response.output_text.delta", **where, delta=p, logprobs=[])
            for p in split_words(text)
        ]
        out += [event("response.refusal.delta", **where, delta=p) for p in split_words(refusal)]
        content = [{"type": "output_text", "text": text, "annotations": []}]
        if refusal:
            content.append({"type": "refusal", "refusal": refusal})
        done = {**item, "status": "completed", "content": content}
        out.append(event("response.output_item.done", output_index=i, item=done))
        items.append(done)
    for call_id, name, args in calls:
        out += call_events(next(index), call_id, name, args, split=split)
        items.append(out[-1]["item"])
    reason = _INCOMPLETE.get(finish_reason or "")
    final = response_object(
        model,
        status="incomplete" if reason else "completed",
        output=items,
        usage=responses_usage(usage),
        incomplete_details={"reason": reason} if reason else None,
    )
    out.append(event("response.incomplete" if reason else "response.completed", response=final))
    return out


def call_events(
    index: int, call_id: str, name: str, args: Any, *, split: int = 3
) -> list[dict[str, Any]]:
    """One function call item: added, its arguments in ``split`` deltas, done."""
    text = args if isinstance(args, str) else json.dumps(args)
    size = max(1, -(-len(text) // max(1, split)))
    item = {"type": "function_call", "id": f"fc_{call_id}", "call_id": call_id, "name": name}
    where = {"item_id": item["id"], "output_index": index}
    return [
        event(
            "response.output_item.added",
            output_index=index,
            item={**item, "arguments": "", "status": "in_progress"},
        ),
        *(
            event("response.function_call_arguments.delta", **where, delta=text[k : k + size])
            for k in range(0, len(text), size)
        ),
        event("response.function_call_arguments.done", **where, arguments=text),
        event(
            "response.output_item.done",
            output_index=index,
            item={**item, "arguments": text, "status": "completed"},
        ),
    ]


def failed_events(code: str, message: str, *, model: str = "mock-model") -> list[dict[str, Any]]:
    """A response that fails after it started (``response.failed`` with the error)."""
    error = {"code": code, "message": message}
    return [
        event("response.created", response=response_object(model)),
        event("response.failed", response=response_object(model, status="failed", error=error)),
    ]


__all__ = [
    "call_events",
    "event",
    "failed_events",
    "reply_events",
    "response_object",
    "responses_usage",
]
