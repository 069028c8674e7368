"""A fake Anthropic Messages endpoint (no network): in process, or on 127.0.0.1.

Point the real ``anthropic`` client at it, in process through an HTTP client over a mock
transport, or over a loopback socket (for a server in another process)::

    mock = AnthropicMock([
        AnthropicReply(text="Hello", thinking="hmm", usage=(12, 3), cache_read=8),
        AnthropicReply(tool_calls=[("ls", {"path": "."}), ("cat", {"path": "a"})]),
        anthropic_error(529, "Overloaded", type="overloaded_error"),
    ])
    model = AnthropicChat("claude-test", api_key="k", http_client=mock.http_client())

    with AnthropicServer([AnthropicReply(text="Hi")]) as server:
        model = AnthropicChat("claude-test", api_key="k", base_url=server.url)

Each request to ``/v1/messages`` consumes the next item: an ``AnthropicReply`` (streamed
as server-sent events), a list of ``(event, data)`` pairs (streamed as given), an error
from ``anthropic_error``, or a callable taking the request's JSON body and returning one
of these. An exception raised by the mock transport is raised to the client. Request
bodies are recorded in ``.bodies``. Needs ``anthropic`` (its HTTP library is used).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import ModuleType
from typing import Any

import anyio

from agentica._chunks import split_words
from agentica._records import record

Event = tuple[str, dict[str, Any]]


@record(kw_only=False)
class ErrorReply:
    """An HTTP error with Anthropic's JSON error body."""

    status: int
    body: dict[str, Any]


def anthropic_error(
    status: int,
    message: str,
    *,
    type: str = "invalid_request_error",  # noqa: A002  (the provider's field name)
) -> ErrorReply:
    """An error response as Anthropic sends it."""
    return ErrorReply(status, {"type": "error", "error": {"type": type, "message": message}})


def _pieces(text: str, split: int) -> list[str]:
    size = max(1, -(-len(text) // max(1, split)))
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


@record(frozen=False, slots=False)
class AnthropicReply:
    """One assistant reply, streamed as Anthropic does.

    Attributes:
        text: The answer (streamed word by word in one text block).
        thinking: Extended thinking, in a thinking block before the text, with ``signature``.
        redacted: The ``data`` of a redacted thinking block, when given.
        tool_calls: ``(name, input)`` or ``(id, name, input)``: one tool_use block each,
            its input JSON cut into ``split`` ``input_json_delta`` pieces.
        usage: ``(input_tokens, output_tokens)`` (output sent in ``message_delta``).
        cache_read, cache_creation: Prompt-cache counts of ``message_start``.
        stop_reason: Defaults to ``tool_use`` with tool calls, else ``end_turn``.
        cut_after: Drop the connection after this many events.
        error_after: Send an ``error`` event (``error``: ``(type, message)``) after this
            many events, then end the stream.
        delay: Seconds between two events.
    """

    text: str = ""
    thinking: str = ""
    signature: str = "sig-mock"
    redacted: str | None = None
    tool_calls: Sequence[tuple[Any, ...]] = ()
    usage: tuple[int, int] = (10, 5)
    cache_read: int = 0
    cache_creation: int = 0
    stop_reason: str | None = None
    split: int = 3
    cut_after: int | None = None
    error_after: int | None = None
    error: tuple[str, str] = ("overloaded_error", "Overloaded")
    delay: float = 0.0
    model: str = "claude-mock"

    def events(self) -> list[Event]:
        """The reply's ``(event, data)`` pairs (without the cut or the error)."""
        usage = {
            "input_tokens": self.usage[0],
            "output_tokens": 1,
            "cache_read_input_tokens": self.cache_read,
            "cache_creation_input_tokens": self.cache_creation,
        }
        message = {
            "id": "msg_mock", "type": "message", "role": "assistant", "model": self.model,
            "content": [], "stop_reason": None, "stop_sequence": None, "usage": usage,
        }  # fmt: skip
        out: list[Event] = [("message_start", {"type": "message_start", "message": message})]
        blocks: list[tuple[dict[str, Any], list[dict[str, Any]]]] = []
        if self.thinking:
            deltas = [{"type": "thinking_delta", "thinking": t} for t in split_words(self.thinking)]
            deltas.append({"type": "signature_delta", "signature": self.signature})
            blocks.append(({"type": "thinking", "thinking": "", "signature": ""}, deltas))
        if self.redacted is not None:
            blocks.append(({"type": "redacted_thinking", "data": self.redacted}, []))
        if self.text:
            deltas = [{"type": "text_delta", "text": t} for t in split_words(self.text)]
            blocks.append(({"type": "text", "text": ""}, deltas))
        for i, call in enumerate(self.tool_calls):
            call_id, name, args = call if len(call) == 3 else (f"toolu_mock_{i}", *call)
            raw = args if isinstance(args, str) else json.dumps(args)
            deltas = [{"type": "input_json_delta", "partial_json": p} for p in _pieces(raw, 3)]
            start = {"type": "tool_use", "id": call_id, "name": name, "input": {}}
            blocks.append((start, deltas))
        for index, (start, deltas) in enumerate(blocks):
            out.append(("content_block_start", {"type": "content_block_start", "index": index,
                                                "content_block": start}))  # fmt: skip
            out += [
                ("content_block_delta", {"type": "content_block_delta", "index": index, "delta": d})
                for d in deltas
            ]
            out.append(("content_block_stop", {"type": "content_block_stop", "index": index}))
        stop = self.stop_reason or ("tool_use" if self.tool_calls else "end_turn")
        out.append(("message_delta", {"type": "message_delta",
                                      "delta": {"stop_reason": stop, "stop_sequence": None},
                                      "usage": {"output_tokens": self.usage[1]}}))  # fmt: skip
        out.append(("message_stop", {"type": "message_stop"}))
        return out

    def frames(self) -> tuple[list[bytes], bool]:
        """The SSE frames to send, and whether the connection drops after them."""
        events = self.events()
        if self.error_after is not None:
            kind, message = self.error
            error = {"type": "error", "error": {"type": kind, "message": message}}
            events = [*events[: self.error_after], ("error", error)]
        cut = self.cut_after is not None
        if self.cut_after is not None:
            events = events[: self.cut_after]
        return [sse(name, data) for name, data in events], cut


def sse(event: str, data: dict[str, Any]) -> bytes:
    """One server-sent event."""
    return f"event: {event}\ndata: {json.dumps(data)}\n\n".encode()


class _Script:
    """The scripted replies and what was asked, shared by the mock and the server."""

    def __init__(self, replies: Iterable[Any]) -> None:
        self.replies: list[Any] = list(replies)
        self.bodies: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []

    def add(self, *replies: Any) -> None:
        """Append replies to the script."""
        self.replies.extend(replies)

    def next(self, path: str, body: dict[str, Any], headers: dict[str, str]) -> Any:
        """The item answering one request (an ``ErrorReply`` when there is none)."""
        self.bodies.append(body)
        self.headers.append(headers)
        if not path.endswith("/v1/messages"):
            return anthropic_error(404, f"the fake does not serve {path}", type="not_found_error")
        if not self.replies:
            return anthropic_error(400, f"no scripted reply left for request {len(self.bodies)}")
        item = self.replies.pop(0)
        if callable(item) and not isinstance(item, BaseException):
            item = item(body)
        return item


def _frames(item: Any) -> tuple[list[bytes], bool, float]:
    if isinstance(item, AnthropicReply):
        frames, cut = item.frames()
        return frames, cut, item.delay
    if isinstance(item, list | tuple):
        return [sse(name, data) for name, data in item], False, 0.0
    raise TypeError(f"the Anthropic fake cannot serve {item!r}")


def http_module() -> ModuleType:
    """The HTTP library (``httpx`` or its successor) of the installed ``anthropic``."""
    import anthropic

    from agentica.models._openai_parts import httpx_module

    return httpx_module(anthropic)


class AnthropicMock(_Script):
    """The fake on a mock transport of ``anthropic``'s HTTP library (in process)."""

    __test__ = False

    def __init__(self, replies: Iterable[Any] = ()) -> None:
        super().__init__(replies)
        self.closed = 0
        """Streamed responses closed by the client (or finished)."""
        self._http = http_module()
        self.transport = self._http.MockTransport(self.handle)

    def http_client(self, **kwargs: Any) -> Any:
        """An async HTTP client served by this mock (pass it as ``http_client=``)."""
        return self._http.AsyncClient(transport=self.transport, **kwargs)

    async def handle(self, request: Any) -> Any:
        """The transport handler."""
        body = json.loads(request.content or b"{}")
        item = self.next(request.url.path, body, dict(request.headers))
        if isinstance(item, BaseException):
            raise item
        if isinstance(item, ErrorReply):
            return self._http.Response(item.status, json=item.body)
        frames, cut, delay = _frames(item)
        error = self._http.RemoteProtocolError

        async def stream() -> AsyncIterator[bytes]:
            try:
                for frame in frames:
                    if delay:
                        await anyio.sleep(delay)
                    yield frame
                if cut:
                    raise error("peer closed connection without sending complete message body")
            finally:
                self.closed += 1

        headers = {"content-type": "text/event-stream"}
        return self._http.Response(200, headers=headers, content=stream())


class AnthropicServer(_Script):
    """The fake on ``http://127.0.0.1:<port>`` (a thread; use it as a context manager).

    ``disconnected`` is set when a client hangs up before its stream was sent whole.
    """

    __test__ = False

    def __init__(self, replies: Iterable[Any] = ()) -> None:
        super().__init__(replies)
        self.disconnected = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> AnthropicServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


def _handler(script: AnthropicServer) -> Callable[..., BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            item = script.next(self.path, body, dict(self.headers))
            if isinstance(item, ErrorReply):
                data = json.dumps(item.body).encode()
                self.send_response(item.status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                return
            frames, cut, delay = _frames(item)
            self.send_response(200)
            self.send_header("content-type", "text/event-stream")
            self.send_header("transfer-encoding", "chunked")
            self.end_headers()
            try:
                for frame in frames:
                    if delay:
                        time.sleep(delay)
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(frame), frame))
                    self.wfile.flush()
                if not cut:
                    self.wfile.write(b"0\r\n\r\n")
            except OSError:
                script.disconnected.set()
            self.close_connection = True

    return Handler


__all__ = [
    "AnthropicMock",
    "AnthropicReply",
    "AnthropicServer",
    "ErrorReply",
    "anthropic_error",
    "http_module",
    "sse",
]
