"""A misbehaving Chat Completions endpoint on 127.0.0.1, for fault tests.

``FaultServer`` is a real TCP server (threads, raw sockets) so the client sees real
connections: one that is accepted and never answered, a stream that stops mid-answer,
an error status. Each request takes the next item of ``script`` (a normal reply
when the script is empty):

- a ``MockReply``: streamed as SSE, then ``[DONE]``;
- ``Silent()``: the request is read and never answered;
- ``Stall(n)``: the first ``n`` SSE chunks of a reply, then silence;
- ``Cut(n)``: the first ``n`` SSE chunks, then the connection is closed;
- ``Status(code, message)``: an error response with the provider's JSON error body.

Silent connections are released by ``close()``.
"""

from __future__ import annotations

import json
import socket
import threading
from dataclasses import dataclass, field
from typing import Any

from agentica.testing import MockReply


@dataclass
class Silent:
    pass


@dataclass
class Stall:
    after: int
    reply: MockReply = field(default_factory=lambda: MockReply(text="one two three four five"))


@dataclass
class Cut:
    after: int
    reply: MockReply = field(default_factory=lambda: MockReply(text="one two three four five"))


@dataclass
class Status:
    code: int
    message: str
    headers: dict[str, str] = field(default_factory=dict)


_REASONS = {401: "Unauthorized", 404: "Not Found", 429: "Too Many Requests", 500: "Error"}


class FaultServer:
    """See the module doc. Use as a context manager (or call ``close()``)."""

    def __init__(self, script: list[Any] | None = None) -> None:
        self.script: list[Any] = list(script or [])
        self.bodies: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self._sock.settimeout(0.05)
        self.port = self._sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/v1"
        self._threads: list[threading.Thread] = []
        self._accept = threading.Thread(target=self._serve, daemon=True)
        self._accept.start()

    @property
    def requests(self) -> int:
        with self._lock:
            return len(self.bodies)

    def __enter__(self) -> FaultServer:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        self._closing.set()
        self._accept.join(5)
        for t in self._threads:
            t.join(5)
        self._sock.close()

    def _serve(self) -> None:
        while not self._closing.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            t = threading.Thread(target=self._handle, args=(conn,), daemon=True)
            self._threads.append(t)
            t.start()

    def _handle(self, conn: socket.socket) -> None:
        conn.settimeout(0.05)
        buf = b""
        try:
            while not self._closing.is_set():
                request = self._read_request(conn, buf)
                if request is None:
                    return
                body, buf = request
                with self._lock:
                    self.bodies.append(json.loads(body or b"{}"))
                    item = self.script.pop(0) if self.script else MockReply(text="hello")
                if not self._answer(conn, item):
                    return
        finally:
            conn.close()

    def _read_request(self, conn: socket.socket, buf: bytes) -> tuple[bytes, bytes] | None:
        while b"\r\n\r\n" not in buf:
            chunk = self._recv(conn)
            if not chunk:
                return None
            buf += chunk
        head, _, rest = buf.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        while len(rest) < length:
            chunk = self._recv(conn)
            if not chunk:
                return None
            rest += chunk
        return rest[:length], rest[length:]

    def _recv(self, conn: socket.socket) -> bytes:
        while not self._closing.is_set():
            try:
                return conn.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                return b""
        return b""

    def _hang(self) -> bool:
        self._closing.wait()
        return False

    def _answer(self, conn: socket.socket, item: Any) -> bool:
        """Answer one request; False when the connection must end."""
        try:
            if isinstance(item, Silent):
                return self._hang()
            if isinstance(item, Status):
                body = json.dumps(
                    {"error": {"message": item.message, "type": "error", "code": None}}
                ).encode()
                extra = "".join(f"{k}: {v}\r\n" for k, v in item.headers.items())
                head = (
                    f"HTTP/1.1 {item.code} {_REASONS.get(item.code, 'Error')}\r\n"
                    f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n{extra}\r\n"
                )
                conn.sendall(head.encode() + body)
                return True
            reply = item.reply if isinstance(item, Stall | Cut) else item
            events = [f"data: {json.dumps(c)}\n\n".encode() for c in reply.chunks()]
            events.append(b"data: [DONE]\n\n")
            if isinstance(item, Stall | Cut):
                events = events[: item.after]
            conn.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                b"Transfer-Encoding: chunked\r\n\r\n"
            )
            for event in events:
                conn.sendall(b"%x\r\n%s\r\n" % (len(event), event))
            if isinstance(item, Stall):
                return self._hang()
            if isinstance(item, Cut):
                return False
            conn.sendall(b"0\r\n\r\n")
            return True
        except OSError:
            return False
