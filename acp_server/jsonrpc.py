"""JSON-RPC 2.0 message helpers: envelope checks, encoding, routing, error mapping.

Pure functions used by ``acp_server.connection`` (and by the ``initialize`` fast path,
which must not wait for jsonrpcserver: it is imported on the first routed request).
Method routing and param binding go
through jsonrpcserver's synchronous dispatcher; the routed handler is returned, not run,
so the connection can await it inside the request's own task and cancel scope
(jsonrpcserver's async dispatcher runs handlers in a separate ``asyncio.gather`` task,
outside our cancel scopes, where shielded cleanup such as sending ``$/cancel_request``
is cancelled again and again). Envelope validation is ours because jsonrpcserver
answers every invalid request with ``id: null`` (JSON-RPC wants the id when it is
readable), rejects unknown top-level keys, and knows nothing of responses.
"""

from __future__ import annotations

import json
import logging
import math
import sys
import warnings
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

from acp_server.errors import RpcError

if TYPE_CHECKING:
    from jsonrpcserver.result import Result
    from pydantic_core import ValidationError

__all__ = [
    "BoundCall",
    "Handlers",
    "NotificationHandler",
    "RequestHandler",
    "Router",
    "SimpleHandlers",
    "classify",
    "decode",
    "encode",
    "error_from_exception",
    "error_response",
    "id_key",
    "valid_id",
]

logger = logging.getLogger(__name__)

RequestHandler = Callable[[dict[str, Any]], Awaitable[Any]]
NotificationHandler = Callable[[dict[str, Any]], Awaitable[None]]
MessageKind = Literal["request", "notification", "response", "invalid"]


class Handlers(Protocol):
    """What ``Connection.serve`` serves (``acp_server.router.AcpRouter`` is one)."""

    @property
    def requests(self) -> Mapping[str, RequestHandler]:
        """Request handlers by method name."""
        ...

    @property
    def notifications(self) -> Mapping[str, NotificationHandler]:
        """Notification handlers by method name."""
        ...

    @property
    def cancelled_results(self) -> Mapping[str, Any]:
        """Per method, the result that answers a request the peer cancelled with
        ``$/cancel_request`` or that shutdown cancelled (acp-spec §10.3 allows "a
        cancellation marker" instead of -32800; a prompt answers ``stopReason:
        cancelled``, which clients do not show as an error)."""
        ...

    async def aclose(self) -> None:
        """Cancel running work and release resources; called once on shutdown."""


@dataclass
class SimpleHandlers:
    """A plain ``Handlers`` built from two dicts (tests, fallbacks)."""

    requests: dict[str, RequestHandler] = field(default_factory=dict)
    notifications: dict[str, NotificationHandler] = field(default_factory=dict)
    cancelled_results: dict[str, Any] = field(default_factory=dict)

    async def aclose(self) -> None:
        """Nothing to release."""


@dataclass(frozen=True, slots=True)
class BoundCall:
    """A routed request: the handler and its params, still to be awaited."""

    method: str
    handler: RequestHandler
    params: dict[str, Any]


class Router:
    """Routes request objects to handlers ``async def handler(params: dict)``."""

    def __init__(self, handlers: Mapping[str, RequestHandler]) -> None:
        self._methods = {name: _bind(name, fn) for name, fn in handlers.items()}

    def route(self, message: dict[str, Any]) -> BoundCall | dict[str, Any]:
        """The call to run for a validated request, or an error response (-32601/-32602)."""
        with warnings.catch_warnings():
            # jsonrpcserver 5.0.9 reads its bundled schema with deprecated importlib APIs.
            warnings.simplefilter("ignore", DeprecationWarning)
            from jsonrpcserver import dispatch_to_serializable

        response = dispatch_to_serializable(
            "", self._methods, deserializer=lambda _: message, validator=_accept
        )
        if not isinstance(response, dict):  # Never for one request object.
            return error_response(message.get("id"), RpcError.internal_error("no response"))
        call = response.get("result")
        return call if isinstance(call, BoundCall) else response


def _bind(method: str, handler: RequestHandler) -> Callable[..., Result]:
    """A jsonrpcserver method for ``handler``: params bind as one dict, nothing runs yet."""

    def route(*args: Any, **params: Any) -> Result:
        from jsonrpcserver import Error, Success

        if args:
            return Error(-32602, "params must be a JSON object, not an array")
        return Success(BoundCall(method, handler, params))

    return route


def _accept(_: Any) -> None:
    return None


def error_from_exception(method: str, exc: Exception) -> RpcError:
    """Map a handler's exception to the wire: RpcError as is, pydantic errors to -32602."""
    while isinstance(exc, ExceptionGroup) and len(exc.exceptions) == 1:
        exc = exc.exceptions[0]
    if isinstance(exc, RpcError):
        return exc
    pydantic_core = sys.modules.get("pydantic_core")  # Not imported: cannot be its error.
    validation_error: type[ValidationError] | None = getattr(pydantic_core, "ValidationError", None)
    if validation_error is not None and isinstance(exc, validation_error):
        errors = exc.errors(include_url=False, include_context=False, include_input=False)
        from agentica.exceptions import format_validation_error  # Only on this error path.

        problems = format_validation_error(exc, root="params", limit=5)
        return RpcError.invalid_params(
            f"invalid params for {method}: {problems}", {"errors": errors[:5]}
        )
    logger.error("handler for %s failed", method, exc_info=exc)
    return RpcError.internal_error(f"{type(exc).__name__}: {exc}"[:200])


def classify(message: Any) -> tuple[MessageKind, str]:
    """What a parsed message is, and for an invalid one, the problem."""
    if not isinstance(message, dict):
        return "invalid", f"expected a JSON-RPC object, got {type(message).__name__}"
    if "method" not in message:
        if "id" in message and ("result" in message or "error" in message):
            return "response", ""
        return "invalid", "missing method"
    if message.get("jsonrpc") != "2.0":
        return "invalid", 'jsonrpc must be "2.0"'
    if not isinstance(message["method"], str):
        return "invalid", "method must be a string"
    if "id" in message and not valid_id(message["id"]):
        return "invalid", "id must be a string, a number or null"
    if "params" in message and not isinstance(message["params"], dict | list):
        return "invalid", "params must be an object or an array"
    return ("request" if "id" in message else "notification"), ""


def valid_id(value: Any) -> bool:
    """A usable request id: a string, a number (not a bool) or null."""
    return value is None or (isinstance(value, str | int | float) and not isinstance(value, bool))


def id_key(request_id: Any) -> tuple[bool, Any]:
    """A dict key telling ``1`` and ``"1"`` apart."""
    return isinstance(request_id, str), request_id


def error_response(request_id: Any, error: RpcError) -> dict[str, Any]:
    """The response object carrying ``error`` for ``request_id``."""
    return {"jsonrpc": "2.0", "id": request_id, "error": error.to_dict()}


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number {text[:40]} is out of range")
    return value


def decode(line: bytes | str) -> Any:
    """Parse one line of strict JSON (RFC 8259).

    Raises:
        ValueError: Not JSON, or JSON with ``NaN``, ``Infinity``, ``-Infinity`` or a
            number too large for a float (``1e999``), which Python's parser accepts.
    """
    return json.loads(line, parse_constant=_reject_constant, parse_float=_finite_float)


def encode(message: Any) -> bytes:
    """One compact UTF-8 JSON line (``ensure_ascii=False``, no spaces, ``\\n``).

    Always strict JSON: a NaN or an infinity (say, in a tool's arguments) is written as
    ``null``, never as Python's ``NaN`` / ``Infinity``.

    Raises:
        TypeError: ``message`` holds something that is not JSON.
    """
    try:
        return _dumps(message)
    except ValueError:  # A NaN or an infinity somewhere: strict JSON has neither.
        return _dumps(_finite(message))


def _dumps(message: Any) -> bytes:
    try:
        text = json.dumps(message, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        return text.encode("utf-8") + b"\n"
    except UnicodeEncodeError:  # Lone surrogates: \u-escape them so the line stays UTF-8.
        text = json.dumps(message, separators=(",", ":"), allow_nan=False)
        return text.encode("ascii") + b"\n"


def _finite(value: Any) -> Any:
    """``value`` with every non-finite float replaced by None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value
