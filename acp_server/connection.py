"""The JSON-RPC connection: NDJSON framing, dispatch, and our own outgoing requests.

- **Framing.** One JSON value per ``\\n``-terminated UTF-8 line. Lines are split by hand
  from raw byte chunks, with no size limit (ACP prompts with embedded resources can be
  tens of megabytes; asyncio's ``StreamReader`` would stop at 64 KiB).
- **One writer.** Every outgoing message is serialised by its sender and queued on a
  bounded memory stream; a single writer task owns the output stream, batching whatever
  is queued into one write. Queue order is wire order, so a handler's notifications
  always precede its response.
- **One task per request** (and per notification, started in arrival order), each
  request under its own cancel scope: the reader never awaits a handler, so cancels and
  answers to our requests are read while a ``session/prompt`` runs.
- **jsonrpcserver** routes and binds (``jsonrpc.Router``); envelopes, batches, answers here.
- **``$/cancel_request``** is handled as soon as it is read: the named request's cancel
  scope (registered as the request is read) is cancelled, and it answers -32800, or the
  result ``Handlers.cancelled_results`` gives its method (a prompt: ``stopReason: cancelled``).
- **Outgoing requests**: ``acp_server.outgoing``. **Strict JSON** both ways: ``NaN``,
  ``Infinity`` and out-of-range numbers are a parse error on input (``jsonrpc.decode``)
  and never written (``jsonrpc.encode``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

import anyio
from anyio import CancelScope
from anyio.abc import ByteReceiveStream, ByteSendStream, TaskGroup

from acp_server.errors import ConnectionClosed, RpcError
from acp_server.jsonrpc import (
    BoundCall,
    Handlers,
    NotificationHandler,
    Router,
    SimpleHandlers,
    classify,
    decode,
    encode,
    error_from_exception,
    error_response,
    id_key,
    valid_id,
)
from acp_server.outgoing import BackgroundWork, OutgoingRequests

__all__ = ["Connection", "Handlers", "SimpleHandlers", "serve"]

logger = logging.getLogger(__name__)

_WRITE_QUEUE = 256
_WRITE_BATCH = 1 << 20
_GRACE = 0.1
_DEFAULT: Any = object()


class Connection(BackgroundWork):
    """A bidirectional JSON-RPC 2.0 peer over a pair of byte streams.

    Args:
        reader: Incoming bytes (NDJSON).
        writer: Outgoing bytes; only the connection's writer task writes to it.
        request_timeout: Default seconds to wait for answers to our requests (None: no limit).
        shutdown_timeout: Seconds shutdown may spend on ``handlers.aclose()`` and on
            letting cancelled requests answer; the final flush gets the same again.
    """

    def __init__(
        self,
        reader: ByteReceiveStream,
        writer: ByteSendStream,
        *,
        request_timeout: float | None = None,
        shutdown_timeout: float = 0.5,
    ) -> None:
        self._reader = reader
        self._writer = writer
        self.request_timeout = request_timeout
        self._shutdown_timeout = shutdown_timeout
        self._out_send, self._out_recv = anyio.create_memory_object_stream[bytes](_WRITE_QUEUE)
        self._outgoing = OutgoingRequests(self._out_send.send, cancel_timeout=shutdown_timeout)
        self._incoming: dict[tuple[bool, Any], anyio.CancelScope] = {}
        self._cancelled_by_peer: set[tuple[bool, Any]] = set()
        self._cancelled_results: Mapping[str, Any] = {}
        self._idle: anyio.Event | None = None
        self._router = Router({})
        self._notifications: Mapping[str, NotificationHandler] = {}
        self._read_scope: anyio.CancelScope | None = None
        self._input_closed = False
        self._after_write: list[Callable[[], object]] = []

    @property
    def closed(self) -> bool:
        """True once no more input will be read (EOF, ``close()`` or a write failure)."""
        return self._input_closed

    @property
    def pending_requests(self) -> int:
        """How many of our requests still wait for the peer's answer."""
        return len(self._outgoing)

    def close(self) -> None:
        """Stop reading and shut down gracefully, as on stdin EOF (e.g. on SIGTERM)."""
        self._input_closed = True
        if self._read_scope is not None:
            self._read_scope.cancel()

    def call_after_next_write(self, callback: Callable[[], object]) -> None:
        """Call ``callback()`` (sync, in the event loop) once the next output write is done.

        For background work that should not compete with sending a handler's response
        (the warm-up after ``initialize``); pending callbacks are dropped at shutdown.
        """
        self._after_write.append(callback)

    # Outgoing -------------------------------------------------------------------------

    async def notify(self, method: str, params: dict[str, Any] | None = None) -> None:
        """Send a notification; silently dropped once the output is closed."""
        message: dict[str, Any] = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            message["params"] = params
        try:
            await self._out_send.send(encode(message))
        except (anyio.ClosedResourceError, anyio.BrokenResourceError):
            logger.debug("dropped %s notification: connection closed", method)

    async def request(
        self, method: str, params: dict[str, Any] | None = None, *, timeout: Any = _DEFAULT
    ) -> Any:
        """Send a request and wait for its result.

        Args:
            method: The peer's method name.
            params: The params object.
            timeout: Seconds to wait; defaults to ``request_timeout``; None waits forever.

        Raises:
            RpcError: The peer answered with an error.
            RequestTimeout: No answer within the timeout (``$/cancel_request`` was sent).
            ConnectionClosed: The connection closed before the answer came.
        """
        if self._input_closed:
            raise ConnectionClosed(method)
        timeout = self.request_timeout if timeout is _DEFAULT else timeout
        return await self._outgoing.request(method, params, timeout)

    # Serving --------------------------------------------------------------------------

    async def serve(self, handlers: Handlers) -> None:
        """Serve ``handlers`` until EOF or ``close()``, then shut down.

        Shutdown: ``handlers.aclose()``, cancel requests still running (each answers
        -32800), fail our pending requests with ``ConnectionClosed``, flush the output.
        """
        self._router = Router(handlers.requests)
        self._notifications = handlers.notifications
        self._cancelled_results = handlers.cancelled_results
        try:
            async with anyio.create_task_group() as outer:
                outer.start_soon(self._write_loop)
                try:
                    async with anyio.create_task_group() as work:
                        self._background = work  # For start_background() (BackgroundWork).
                        try:
                            with anyio.CancelScope() as self._read_scope:
                                if not self._input_closed:
                                    await self._read_loop(work)
                        finally:
                            self._input_closed = True
                            with anyio.CancelScope(shield=True):
                                await self._stop_work(handlers)
                            work.cancel_scope.deadline = anyio.current_time() + (
                                self._shutdown_timeout
                            )
                finally:
                    self._out_send.close()
                    outer.cancel_scope.deadline = anyio.current_time() + self._shutdown_timeout
        finally:
            with anyio.CancelScope(shield=True):
                await self._writer.aclose()
                await self._reader.aclose()

    async def _stop_work(self, handlers: Handlers) -> None:
        with anyio.move_on_after(self._shutdown_timeout) as scope:
            try:
                await handlers.aclose()
            except Exception:
                logger.exception("handlers.aclose() failed")
        if scope.cancelled_caught:
            logger.warning("handlers.aclose() took over %gs; abandoned", self._shutdown_timeout)
        self._outgoing.fail_all()
        # Requests that aclose() or the failed client requests unblocked get a moment to
        # answer normally (a cancelled turn answers stopReason "cancelled"); the rest are
        # cancelled and answer -32800.
        with anyio.move_on_after(_GRACE):
            while self._incoming:
                self._idle = idle = anyio.Event()
                await idle.wait()
        for request_scope in list(self._incoming.values()):
            request_scope.cancel()

    async def _read_loop(self, work: TaskGroup) -> None:
        buffer = bytearray()
        while True:
            try:
                chunk = await self._reader.receive()
            except (anyio.EndOfStream, anyio.ClosedResourceError, anyio.BrokenResourceError):
                break
            start = 0
            while (end := chunk.find(b"\n", start)) >= 0:
                if buffer:
                    buffer += chunk[start:end]
                    line, buffer = bytes(buffer), bytearray()
                else:
                    line = chunk[start:end]
                start = end + 1
                await self._on_line(line, work)
            buffer += chunk[start:]
        if buffer:  # A last line without its newline.
            await self._on_line(bytes(buffer), work)
        logger.debug("input closed")

    async def _on_line(self, line: bytes, work: TaskGroup) -> None:
        if not line or line.isspace():
            return
        try:
            message = decode(line)
        except (ValueError, RecursionError) as exc:  # JSONDecodeError, UnicodeDecodeError
            logger.warning("unparsable input line (%d bytes): %s", len(line), exc)
            await self._send(error_response(None, RpcError.parse_error(str(exc)[:200])))
            return
        if isinstance(message, list):
            if not message:
                await self._send(error_response(None, RpcError.invalid_request("empty batch")))
            else:
                scopes = [self._admit(m) if classify(m)[0] == "request" else None for m in message]
                work.start_soon(self._run_batch, message, scopes)
            return
        response = self._route(message, work)
        if response is not None:
            await self._send(response)

    def _route(self, message: Any, work: TaskGroup) -> dict[str, Any] | None:
        """Start handling one message; return an immediate error response, if any."""
        kind, problem = classify(message)
        if kind == "invalid":
            request_id = message.get("id") if isinstance(message, dict) else None
            request_id = request_id if valid_id(request_id) else None
            return error_response(request_id, RpcError.invalid_request(problem))
        if kind == "response":
            self._outgoing.resolve(message)
        elif kind == "notification" and message["method"] == "$/cancel_request":
            # At once, not in a task: a cancel read before the request's response is
            # written then never finds the request finished meanwhile.
            self._cancel_incoming(message.get("params"))
        elif kind == "notification":
            work.start_soon(self._run_notification, message)
        else:
            work.start_soon(self._run_request, message, self._admit(message))
        return None

    def _cancel_incoming(self, params: Any) -> None:
        """``$/cancel_request``: cancel the named request of the peer's, if it is running."""
        request_id = params.get("requestId") if isinstance(params, dict) else None
        key = id_key(request_id) if valid_id(request_id) else None
        scope = self._incoming.get(key) if key is not None else None
        if key is not None and scope is not None:
            logger.debug("cancelling request %r on the peer's request", request_id)
            self._cancelled_by_peer.add(key)
            scope.cancel()

    async def _run_notification(self, message: dict[str, Any]) -> None:
        method: str = message["method"]
        params = message.get("params")
        handler = self._notifications.get(method)
        if handler is None:
            logger.debug("ignored notification %s", method)
            return
        if params is not None and not isinstance(params, dict):
            logger.warning("ignored %s notification: params is not an object", method)
            return
        try:
            await handler(params or {})
        except Exception:
            logger.exception("notification handler for %s failed", method)

    def _admit(self, message: dict[str, Any]) -> CancelScope:
        """Register the request's cancel scope as it is read (a cancel in the same chunk)."""
        if (key := id_key(message["id"])) in self._incoming:
            logger.warning("request id %r reused while still running", message["id"])
        scope = self._incoming[key] = anyio.CancelScope()
        return scope

    async def _run_request(self, message: dict[str, Any], scope: CancelScope) -> None:
        await self._send(await self._answer(message, scope))

    async def _answer(self, message: dict[str, Any], scope: CancelScope) -> dict[str, Any]:
        """Dispatch one request under its cancel scope (``_admit``) and return the response."""
        request_id, key = message["id"], id_key(message["id"])
        response: dict[str, Any] | None = None
        by_peer = False
        with scope:
            try:
                response = await self._dispatch(message)
            finally:
                by_peer = key in self._cancelled_by_peer and self._incoming.get(key) is scope
                if self._incoming.get(key) is scope:
                    del self._incoming[key]
                    self._cancelled_by_peer.discard(key)
                    if not self._incoming and self._idle is not None:
                        self._idle.set()
        if response is None:  # Cancelled by $/cancel_request or shutdown.
            method = message["method"]
            # A prompt stopped by shutdown (EOF, SIGTERM) answers its marker too, not -32800.
            if (by_peer or self._input_closed) and method in self._cancelled_results:
                result = self._cancelled_results[method]
                return {"jsonrpc": "2.0", "id": request_id, "result": result}
            return error_response(request_id, RpcError.request_cancelled())
        return response

    async def _dispatch(self, message: dict[str, Any]) -> dict[str, Any]:
        call = self._router.route(message)
        if not isinstance(call, BoundCall):
            return call  # -32601 or -32602, answered by the router.
        try:
            result = await call.handler(call.params)
        except Exception as exc:
            return error_response(message["id"], error_from_exception(call.method, exc))
        return {"jsonrpc": "2.0", "id": message["id"], "result": result}

    async def _run_batch(self, messages: list[Any], scopes: list[CancelScope | None]) -> None:
        responses: list[dict[str, Any] | None] = [None] * len(messages)

        async def answer(index: int, message: dict[str, Any], scope: CancelScope) -> None:
            responses[index] = await self._answer(message, scope)

        async with anyio.create_task_group() as batch:
            for index, (message, scope) in enumerate(zip(messages, scopes, strict=True)):
                if scope is not None:  # A request (see ``_on_line``).
                    batch.start_soon(answer, index, message, scope)
                else:
                    responses[index] = self._route(message, batch)
        answered = [r for r in responses if r is not None]
        if answered:
            await self._send(answered)

    async def _send(self, response: Any) -> None:
        """Queue a response; an unserialisable result becomes -32603."""
        try:
            data = encode(response)
        except (TypeError, ValueError) as exc:
            logger.error("unserialisable response: %s", exc)
            request_id = response.get("id") if isinstance(response, dict) else None
            error = RpcError.internal_error(f"result is not JSON-serialisable: {exc}"[:200])
            data = encode(error_response(request_id, error))
        try:
            await self._out_send.send(data)
        except (anyio.ClosedResourceError, anyio.BrokenResourceError):
            logger.debug("dropped a response: connection closed")

    async def _write_loop(self) -> None:
        async with self._out_recv:
            async for first in self._out_recv:
                batch, size = [first], len(first)
                while size < _WRITE_BATCH:
                    try:
                        item = self._out_recv.receive_nowait()
                    except (anyio.WouldBlock, anyio.EndOfStream):
                        break
                    batch.append(item)
                    size += len(item)
                try:
                    await self._writer.send(b"".join(batch))
                except (OSError, anyio.BrokenResourceError, anyio.ClosedResourceError) as exc:
                    logger.warning("output closed (%s); shutting down", exc)
                    self.close()
                    return
                if self._after_write and not self._input_closed:
                    callbacks, self._after_write = self._after_write, []
                    for callback in callbacks:
                        try:
                            callback()
                        except Exception:
                            logger.exception("after-write callback failed")


async def serve(
    reader: ByteReceiveStream,
    writer: ByteSendStream,
    build_handlers: Callable[[Connection], Handlers],
    *,
    request_timeout: float | None = None,
) -> None:
    """Serve ``build_handlers(conn)`` on a new ``Connection`` over the streams until EOF."""
    conn = Connection(reader, writer, request_timeout=request_timeout)
    await conn.serve(build_handlers(conn))
