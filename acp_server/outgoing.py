"""Our own requests to the peer: ids, pending slots, timeouts and ``$/cancel_request``.

Outgoing requests get string ids in our own namespace (``agentica-1``, …) and a pending
slot that the connection's reader resolves with the peer's response. A cancelled waiter
sends ``$/cancel_request`` for its id and forgets it; a timeout does the same and raises
``RequestTimeout``. At shutdown every pending request fails with ``ConnectionClosed``.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Awaitable, Callable, Coroutine
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any

import anyio
from anyio.abc import TaskGroup

from acp_server.errors import ConnectionClosed, RequestTimeout, RpcError
from acp_server.jsonrpc import encode

logger = logging.getLogger(__name__)

Send = Callable[[bytes], Awaitable[None]]
"""Queues one encoded message for the writer (raises anyio's closed/broken errors)."""


@dataclass
class _Pending:
    method: str
    done: anyio.Event = field(default_factory=anyio.Event)
    result: Any = None
    error: RpcError | None = None


class OutgoingRequests:
    """The requests we sent and still wait for.

    Args:
        send: Queues an encoded message for the writer.
        cancel_timeout: Seconds a shielded ``$/cancel_request`` may take to queue.
    """

    def __init__(self, send: Send, *, cancel_timeout: float) -> None:
        self._send = send
        self._cancel_timeout = cancel_timeout
        self._pending: dict[str, _Pending] = {}
        self._ids = itertools.count(1)

    def __len__(self) -> int:
        return len(self._pending)

    async def request(
        self, method: str, params: dict[str, Any] | None, timeout: float | None
    ) -> Any:
        """Send a request and wait for its result (see ``Connection.request``)."""
        request_id = f"agentica-{next(self._ids)}"
        pending = self._pending[request_id] = _Pending(method)
        message: dict[str, Any] = {"jsonrpc": "2.0", "id": request_id, "method": method}
        if params is not None:
            message["params"] = params
        sent = False
        try:
            try:
                await self._send(encode(message))
            except (anyio.ClosedResourceError, anyio.BrokenResourceError):
                raise ConnectionClosed(method) from None
            sent = True
            with anyio.fail_after(timeout) if timeout is not None else nullcontext():
                await pending.done.wait()
        except TimeoutError:
            if pending.done.is_set():  # Answered on the deadline: keep the answer.
                pass
            else:
                await self._cancel(request_id)
                raise RequestTimeout(method, timeout or 0.0) from None
        except anyio.get_cancelled_exc_class():
            if sent and not pending.done.is_set():
                await self._cancel(request_id)
            raise
        finally:
            self._pending.pop(request_id, None)
        if pending.error is not None:
            raise pending.error
        return pending.result

    async def _cancel(self, request_id: str) -> None:
        params = {"requestId": request_id}
        message: dict[str, Any] = {"jsonrpc": "2.0", "method": "$/cancel_request", "params": params}
        with anyio.CancelScope(shield=True), anyio.move_on_after(self._cancel_timeout):
            try:
                await self._send(encode(message))
            except (anyio.ClosedResourceError, anyio.BrokenResourceError):
                logger.debug("dropped $/cancel_request: connection closed")

    def resolve(self, message: dict[str, Any]) -> None:
        """Hand a response (``id`` plus ``result`` or ``error``) to its waiter."""
        request_id = message["id"]
        pending = self._pending.get(request_id) if isinstance(request_id, str) else None
        if pending is None or pending.done.is_set():
            logger.warning("response to unknown request id %r ignored", request_id)
            return
        if "error" in message:
            pending.error = RpcError.from_dict(message["error"])
        else:
            pending.result = message.get("result")
        pending.done.set()

    def fail_all(self) -> None:
        """Fail every pending request with ``ConnectionClosed`` (shutdown)."""
        for pending in list(self._pending.values()):
            pending.error = ConnectionClosed(pending.method)
            pending.done.set()


class BackgroundWork:
    """``start_background()`` for a connection: work apart from any request handler.

    For what must outlive a cancelled handler, like waiting for the answer to a request
    the handler gave up on. The connection sets ``_background`` to its task group while
    it serves; the work is cancelled at shutdown, like requests.
    """

    _background: TaskGroup | None = None

    def start_background(self, fn: Callable[..., Coroutine[Any, Any, object]], *args: Any) -> bool:
        """Run ``fn(*args)`` in the connection's task group.

        Returns:
            False, and nothing started, when the connection is not serving.
        """
        if self._background is None:
            return False
        try:
            self._background.start_soon(fn, *args)
        except RuntimeError:  # The task group has exited: the connection is closed.
            return False
        return True


__all__ = ["BackgroundWork", "OutgoingRequests", "Send"]
