"""A fake Chat Completions endpoint on ``httpx.MockTransport`` (no network).

Point the real ``openai`` client at it through ``OpenAIChat(http_client=mock.http_client())``::

    mock = OpenAIMock([
        MockReply(text="Hello there", reasoning="think", usage=(12, 3)),
        MockReply(tool_calls=[("ls", {"path": "."})], split=4),
        openai_error(429, "slow down", type="rate_limit_error"),
        httpx.ConnectError("refused"),             # raised by the transport
        [chunk(content="raw "), chunk(content="chunks", finish_reason="stop")],
    ])

Each request consumes the next item. A ``MockReply`` answers as SSE when the request
asked for ``stream`` and as one JSON completion otherwise; a list of chunk dicts is
always streamed as given; a ``dict`` is returned as a JSON body; an ``httpx.Response`` is
returned as is; an exception is raised by the transport; a callable gets the
``httpx.Request`` and returns any of these. Requests are recorded in ``.requests`` and
their JSON bodies in ``.bodies``.

``POST /responses`` is served too, as the Responses API streams: a ``MockReply`` as its
events (``agentica.testing_responses.reply_events``), a list as the event dicts given.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import AsyncIterator, Iterable, Sequence
from typing import Any

import httpx

from agentica._chunks import split_words
from agentica._records import record
from agentica.testing_responses import reply_events


def chunk(
    content: str | None = None,
    *,
    reasoning_content: str | None = None,
    tool_calls: list[dict[str, Any]] | None = None,
    finish_reason: str | None = None,
    usage: dict[str, Any] | None = None,
    role: str | None = None,
    model: str = "mock-model",
    extra_delta: dict[str, Any] | None = None,
    choices: bool = True,
) -> dict[str, Any]:
    """One ``chat.completion.chunk``. ``choices=False`` gives the usage-only final chunk."""
    delta: dict[str, Any] = {}
    if role is not None:
        delta["role"] = role
    if content is not None:
        delta["content"] = content
    if reasoning_content is not None:
        delta["reasoning_content"] = reasoning_content
    if tool_calls is not None:
        delta["tool_calls"] = tool_calls
    delta.update(extra_delta or {})
    body: dict[str, Any] = {
        "id": "chatcmpl-mock",
        "object": "chat.completion.chunk",
        "created": 1700000000,
        "model": model,
        "choices": (
            [{"index": 0, "delta": delta, "finish_reason": finish_reason, "logprobs": None}]
            if choices
            else []
        ),
    }
    if usage is not None:
        body["usage"] = usage
    return body


def tool_call_chunks(
    index: int, call_id: str, name: str, arguments: dict[str, Any] | str, *, split: int = 3
) -> list[dict[str, Any]]:
    """Chunks streaming one tool call with its JSON arguments cut into ``split`` pieces.

    The first chunk carries the id and name (and no arguments), as OpenAI sends them.
    """
    args = arguments if isinstance(arguments, str) else json.dumps(arguments)
    size = max(1, -(-len(args) // max(1, split)))
    pieces = [args[i : i + size] for i in range(0, len(args), size)] or [""]
    out = [
        chunk(
            tool_calls=[
                {
                    "index": index,
                    "id": call_id,
                    "type": "function",
                    "function": {"name": name, "arguments": ""},
                }
            ]
        )
    ]
    out += [chunk(tool_calls=[{"index": index, "function": {"arguments": p}}]) for p in pieces]
    return out


def _usage_dict(usage: tuple[int, int] | dict[str, Any] | None) -> dict[str, Any] | None:
    if usage is None or isinstance(usage, dict):
        return usage
    prompt, completion = usage
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }


@record(frozen=False, slots=False)
class MockReply:
    """A whole assistant reply, served as SSE chunks or as one JSON completion.

    Attributes:
        text: The visible answer (streamed word by word).
        reasoning: Thinking, sent as ``reasoning_key`` deltas before the text.
        refusal: A refusal, sent as ``refusal`` deltas after the text (as OpenAI does when
            the model declines; the finish reason stays "stop").
        tool_calls: ``(name, args)`` or ``(id, name, args)`` tuples.
        usage: ``(prompt_tokens, completion_tokens)`` or a raw usage dict; sent in a final
            choices-less chunk when streaming. ``None`` sends no usage.
        finish_reason: Defaults to "tool_calls" when there are tool calls, else "stop".
        split: Pieces each tool call's argument JSON is cut into.
        reasoning_key: The delta key for reasoning ("reasoning_content" or "reasoning").
        cut_after: Streaming: drop the connection after this many chunks.
        status: HTTP status of the response.
    """

    text: str = ""
    reasoning: str = ""
    refusal: str = ""
    tool_calls: Sequence[tuple[Any, ...]] = ()
    usage: tuple[int, int] | dict[str, Any] | None = (10, 5)
    finish_reason: str | None = None
    split: int = 3
    reasoning_key: str = "reasoning_content"
    cut_after: int | None = None
    model: str = "mock-model"
    status: int = 200

    def _calls(self) -> list[tuple[str, str, Any]]:
        out = []
        for i, tc in enumerate(self.tool_calls):
            if len(tc) == 3:
                out.append((str(tc[0]), str(tc[1]), tc[2]))
            else:
                out.append((f"call_mock_{i}", str(tc[0]), tc[1]))
        return out

    def _finish(self) -> str:
        return self.finish_reason or ("tool_calls" if self.tool_calls else "stop")

    def chunks(self) -> list[dict[str, Any]]:
        """The SSE chunk bodies of this reply."""
        out = [chunk(role="assistant", content="", model=self.model)]
        out += [
            chunk(extra_delta={self.reasoning_key: t}, model=self.model)
            for t in split_words(self.reasoning)
        ]
        out += [chunk(content=t, model=self.model) for t in split_words(self.text)]
        out += [
            chunk(extra_delta={"refusal": t}, model=self.model) for t in split_words(self.refusal)
        ]
        for index, (call_id, name, args) in enumerate(self._calls()):
            out += tool_call_chunks(index, call_id, name, args, split=self.split)
        out.append(chunk(finish_reason=self._finish(), model=self.model))
        usage = _usage_dict(self.usage)
        if usage is not None:
            out.append(chunk(usage=usage, choices=False, model=self.model))
        return out

    def events(self) -> list[dict[str, Any]]:
        """The Responses API server events of this reply."""
        return reply_events(
            text=self.text, reasoning=self.reasoning, refusal=self.refusal,
            calls=self._calls(), usage=self.usage, finish_reason=self.finish_reason,
            split=self.split, model=self.model,
        )  # fmt: skip

    def completion(self) -> dict[str, Any]:
        """The non-streaming ``chat.completion`` body of this reply."""
        message: dict[str, Any] = {"role": "assistant", "content": self.text or None}
        if self.reasoning:
            message[self.reasoning_key] = self.reasoning
        if self.refusal:
            message["refusal"] = self.refusal
        if self.tool_calls:
            message["tool_calls"] = [
                {
                    "id": call_id,
                    "type": "function",
                    "function": {
                        "name": name,
                        "arguments": args if isinstance(args, str) else json.dumps(args),
                    },
                }
                for call_id, name, args in self._calls()
            ]
        body: dict[str, Any] = {
            "id": "chatcmpl-mock",
            "object": "chat.completion",
            "created": 1700000000,
            "model": self.model,
            "choices": [{"index": 0, "message": message, "finish_reason": self._finish()}],
        }
        usage = _usage_dict(self.usage)
        if usage is not None:
            body["usage"] = usage
        return body


def openai_error(
    status: int,
    message: str,
    *,
    type: str = "invalid_request_error",  # noqa: A002  (the provider's field name)
    code: str | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """An error response with the provider's JSON error body."""
    body = {"error": {"message": message, "type": type, "param": None, "code": code}}
    return httpx.Response(status, json=body, headers=headers)


def sse_response(
    chunks: Iterable[dict[str, Any]], *, cut_after: int | None = None, named: bool = False
) -> httpx.Response:
    """A streaming response: ``data: {...}`` events then ``data: [DONE]``.

    With ``cut_after`` the connection drops (``httpx.RemoteProtocolError``) after that
    many events, without ``[DONE]``. ``named``: Responses API events, each with an
    ``event:`` line and a ``sequence_number``, and no ``[DONE]``.
    """
    items = list(chunks)

    async def body() -> AsyncIterator[bytes]:
        for n, item in enumerate(items):
            if cut_after is not None and n >= cut_after:
                raise httpx.RemoteProtocolError("peer closed connection mid-stream")
            if named:
                item = {**item, "sequence_number": n}
                yield f"event: {item['type']}\ndata: {json.dumps(item)}\n\n".encode()
            else:
                yield f"data: {json.dumps(item)}\n\n".encode()
        if cut_after is not None and cut_after <= len(items):
            raise httpx.RemoteProtocolError("peer closed connection mid-stream")
        if not named:
            yield b"data: [DONE]\n\n"

    return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body())


class OpenAIMock:
    """A scripted Chat Completions endpoint (see the module docstring)."""

    __test__ = False

    def __init__(self, replies: Iterable[Any] = ()) -> None:
        self._replies: list[Any] = list(replies)
        self.requests: list[httpx.Request] = []
        self.bodies: list[dict[str, Any]] = []
        self.transport = httpx.MockTransport(self.handle)

    def add(self, *replies: Any) -> None:
        """Append replies to the script."""
        self._replies.extend(replies)

    @property
    def remaining(self) -> int:
        """Replies not served yet."""
        return len(self._replies)

    def http_client(self, **kwargs: Any) -> httpx.AsyncClient:
        """An ``httpx.AsyncClient`` served by this mock."""
        return httpx.AsyncClient(transport=self.transport, **kwargs)

    async def handle(self, request: httpx.Request) -> httpx.Response:
        """The transport handler."""
        self.requests.append(request)
        body = json.loads(request.content or b"{}") if request.method == "POST" else {}
        self.bodies.append(body)
        responses = request.url.path.endswith("/responses")
        if not responses and not request.url.path.endswith("/chat/completions"):
            return openai_error(404, f"OpenAIMock does not serve {request.url.path}")
        if not self._replies:
            return openai_error(
                400, f"OpenAIMock has no scripted reply left for request {len(self.requests)}"
            )
        item = self._replies.pop(0)
        if callable(item) and not isinstance(item, BaseException | httpx.Response):
            item = item(request)
            if inspect.isawaitable(item):
                item = await item
        return self._render(item, stream=bool(body.get("stream")), responses=responses)

    @staticmethod
    def _render(item: Any, *, stream: bool, responses: bool = False) -> httpx.Response:
        match item:
            case BaseException():
                raise item
            case httpx.Response():
                return item
            case MockReply():
                if item.status != 200:
                    return httpx.Response(item.status, json=item.completion())
                if responses:  # Always streamed: the Responses model only streams.
                    return sse_response(item.events(), cut_after=item.cut_after, named=True)
                if stream:
                    return sse_response(item.chunks(), cut_after=item.cut_after)
                return httpx.Response(200, json=item.completion())
            case list() | tuple():
                return sse_response(item, named=responses)
            case dict():
                return httpx.Response(200, json=item)
        raise TypeError(f"OpenAIMock cannot serve {item!r}")


__all__ = [
    "MockReply",
    "OpenAIMock",
    "chunk",
    "openai_error",
    "split_words",
    "sse_response",
    "tool_call_chunks",
]
