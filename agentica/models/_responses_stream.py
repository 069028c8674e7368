"""Reading a streamed Responses API reply: server events in, model deltas out.

``ResponsesReader.feed(event)`` takes one parsed server event (``response.*``) and
returns the deltas it makes, in order:

* ``response.output_text.delta`` -> text; ``response.refusal.delta`` -> text (refused);
* ``response.reasoning_summary_text.delta`` (and ``response.reasoning_text.delta`` of
  open-weight models) -> thinking; a new summary part starts a new paragraph;
* ``response.output_item.added`` of a ``function_call`` opens a call at its
  ``output_index``; ``response.function_call_arguments.delta`` pieces are assembled
  there; ``response.output_item.done`` yields the call complete (calls streamed in
  parallel are each handed out when their own item is done);
* ``response.output_item.done`` of a ``reasoning`` item keeps it for the next request;
* ``response.completed`` / ``response.incomplete`` -> usage and the finish reason;
  ``response.failed`` and ``error`` raise ``ResponseFailed``.

Any other event (created, in_progress, content parts, annotations, ...) is ignored.
"""

from __future__ import annotations

from typing import Any

from agentica.messages import ToolCall
from agentica.models._responses_parts import responses_usage
from agentica.models.base import (
    FinishReason,
    ModelDelta,
    ModelTextDelta,
    ModelThinkingDelta,
    ModelToolCall,
    ModelUsage,
)

_INCOMPLETE: dict[str, FinishReason] = {
    "max_output_tokens": "length",
    "content_filter": "content_filter",
}
_NOTHING: tuple[ModelDelta, ...] = ()


class ResponseFailed(Exception):
    """The server reported a failed response (``response.failed`` or ``error``)."""

    def __init__(self, message: str, code: str | None) -> None:
        self.code = code
        super().__init__(message)


def _get(obj: Any, key: str) -> Any:
    return obj.get(key) if isinstance(obj, dict) else getattr(obj, key, None)


class ResponsesReader:
    """The state of one streamed reply (see the module docstring)."""

    def __init__(self) -> None:
        self.finish: FinishReason | None = None
        self.refused = False
        self.calls = 0
        self.reasoning: list[dict[str, Any]] = []
        """Reasoning items to send back with the next request (id, encrypted content)."""
        self.call_ids: list[str] = []
        self._open: dict[int, dict[str, Any]] = {}

    def feed(self, event: Any) -> tuple[ModelDelta, ...]:
        """The deltas one server event makes (usually none or one)."""
        kind = event.type
        if kind == "response.output_text.delta":
            return (ModelTextDelta(text=event.delta),) if event.delta else _NOTHING
        if kind == "response.function_call_arguments.delta":
            call = self._open.get(event.output_index)
            if call is not None:
                call["args"].append(event.delta)
            return _NOTHING
        if kind in ("response.reasoning_summary_text.delta", "response.reasoning_text.delta"):
            return (ModelThinkingDelta(text=event.delta),) if event.delta else _NOTHING
        if kind == "response.output_item.added":
            return self._added(event.output_index, event.item)
        if kind == "response.output_item.done":
            return self._done(event.output_index, event.item)
        if kind == "response.function_call_arguments.done":
            call = self._open.get(event.output_index)
            if call is not None and event.arguments:
                call["args"] = [event.arguments]
            return _NOTHING
        if kind == "response.reasoning_summary_part.added":
            return (ModelThinkingDelta(text="\n\n"),) if event.summary_index else _NOTHING
        if kind == "response.refusal.delta":
            self.refused = True
            return (ModelTextDelta(text=event.delta),) if event.delta else _NOTHING
        if kind in ("response.completed", "response.incomplete"):
            return self._completed(event.response)
        if kind == "response.failed":
            error = _get(event.response, "error")
            raise ResponseFailed(
                _get(error, "message") or "the model reported a failed response",
                _get(error, "code"),
            )
        if kind == "error":
            raise ResponseFailed(
                getattr(event, "message", None) or "the stream reported an error",
                getattr(event, "code", None),
            )
        return _NOTHING

    def _added(self, index: int, item: Any) -> tuple[ModelDelta, ...]:
        if _get(item, "type") == "function_call":
            args = _get(item, "arguments")
            self._open[index] = {
                "id": _get(item, "call_id") or _get(item, "id") or "",
                "name": _get(item, "name") or "",
                "args": [args] if args else [],
            }
        return _NOTHING

    def _done(self, index: int, item: Any) -> tuple[ModelDelta, ...]:
        kind = _get(item, "type")
        if kind == "function_call":
            call = self._open.pop(index, None) or {"id": "", "name": "", "args": []}
            # The finished item holds the whole arguments; prefer them to our pieces.
            args = _get(item, "arguments") or "".join(call["args"]) or "{}"
            done = ToolCall(
                id=_get(item, "call_id") or call["id"],
                name=_get(item, "name") or call["name"],
                arguments=args,
            )
            self.calls += 1
            self.call_ids.append(done.id)
            return (ModelToolCall(call=done),)
        if kind == "reasoning":
            kept = {"type": "reasoning", "id": _get(item, "id"), "summary": []}
            encrypted = _get(item, "encrypted_content")
            if encrypted:
                kept["encrypted_content"] = encrypted
            if kept["id"]:
                self.reasoning.append(kept)
        return _NOTHING

    def flush(self) -> tuple[ModelDelta, ...]:
        """Calls whose item never said done (a lenient server), in output order."""
        out = []
        for index in sorted(self._open):
            out += self._done(index, {"type": "function_call"})
        return tuple(out)

    def _completed(self, response: Any) -> tuple[ModelDelta, ...]:
        out: list[ModelDelta] = [*self.flush()]
        usage = _get(response, "usage")
        if usage is not None:
            out.append(ModelUsage(usage=responses_usage(usage)))
        reason: FinishReason = "stop"
        if _get(response, "status") == "incomplete":
            why = _get(_get(response, "incomplete_details"), "reason")
            reason = _INCOMPLETE.get(why or "", "length")
        if self.calls and reason == "stop":
            reason = "tool_calls"
        elif self.refused and reason == "stop":
            reason = "content_filter"
        self.finish = reason
        return tuple(out)


__all__ = ["ResponseFailed", "ResponsesReader"]
