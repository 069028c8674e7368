"""JSON-RPC errors as one exception type with named constructors.

Handlers raise ``RpcError`` and the connection turns it into the response's ``error``
object; a peer's error response to one of our requests comes back as an ``RpcError``
raised from ``Connection.request``. Codes follow JSON-RPC 2.0 plus ACP's additions
(acp-spec §12)::

    RpcError
     ├── RequestTimeout      (also a TimeoutError) our request got no answer in time
     └── ConnectionClosed    the peer went away before answering
"""

from __future__ import annotations

from typing import Any

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
REQUEST_CANCELLED = -32800
AUTH_REQUIRED = -32000
RESOURCE_NOT_FOUND = -32002

__all__ = [
    "AUTH_REQUIRED",
    "INTERNAL_ERROR",
    "INVALID_PARAMS",
    "INVALID_REQUEST",
    "METHOD_NOT_FOUND",
    "PARSE_ERROR",
    "REQUEST_CANCELLED",
    "RESOURCE_NOT_FOUND",
    "ConnectionClosed",
    "RequestTimeout",
    "RpcError",
]


class RpcError(Exception):
    """A JSON-RPC error: ``code``, human ``message`` and optional ``data``."""

    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(message)
        self.code = code
        """The JSON-RPC error code (an integer)."""
        self.message = message
        """Short human-readable text; shown to users by most clients."""
        self.data = data
        """Extra structured detail, omitted from the wire when None."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code}, message={self.message!r})"

    def to_dict(self) -> dict[str, Any]:
        """The wire ``error`` object: ``{"code", "message"[, "data"]}``."""
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.data is not None:
            error["data"] = self.data
        return error

    @classmethod
    def from_dict(cls, error: Any) -> RpcError:
        """Build an error from a peer's ``error`` object, tolerating malformed ones."""
        if not isinstance(error, dict):
            return cls(INTERNAL_ERROR, f"malformed error response: {error!r}"[:200])
        code = error.get("code")
        message = error.get("message")
        return cls(
            code if isinstance(code, int) and not isinstance(code, bool) else INTERNAL_ERROR,
            message if isinstance(message, str) else "(no message)",
            error.get("data"),
        )

    @classmethod
    def parse_error(cls, detail: str | None = None) -> RpcError:
        """-32700: the line was not valid JSON."""
        return cls(PARSE_ERROR, "Parse error", detail)

    @classmethod
    def invalid_request(cls, msg: str = "Invalid request") -> RpcError:
        """-32600: not a valid request object (or not valid in the current state)."""
        return cls(INVALID_REQUEST, msg)

    @classmethod
    def method_not_found(cls, method: str) -> RpcError:
        """-32601: no handler for ``method``; the name goes in ``data``."""
        return cls(METHOD_NOT_FOUND, "Method not found", method)

    @classmethod
    def invalid_params(cls, msg: str, data: Any = None) -> RpcError:
        """-32602: missing or malformed params; ``msg`` should name the field."""
        return cls(INVALID_PARAMS, msg, data)

    @classmethod
    def internal_error(cls, msg: str | None = None) -> RpcError:
        """-32603: an unexpected failure; the short detail goes in ``data``."""
        return cls(INTERNAL_ERROR, "Internal error", msg)

    @classmethod
    def request_cancelled(cls) -> RpcError:
        """-32800: the request was cancelled (``$/cancel_request``, timeout, shutdown)."""
        return cls(REQUEST_CANCELLED, "Request cancelled")

    @classmethod
    def resource_not_found(cls, uri: str) -> RpcError:
        """-32002: a file or other resource is missing; ``data`` is ``{"uri": uri}``."""
        return cls(RESOURCE_NOT_FOUND, f"Resource not found: {uri}", {"uri": uri})

    @classmethod
    def auth_required(cls) -> RpcError:
        """-32000: the client must authenticate first."""
        return cls(AUTH_REQUIRED, "Authentication required")


class RequestTimeout(RpcError, TimeoutError):
    """Our outgoing request got no response within its timeout (code -32800)."""

    def __init__(self, method: str, timeout: float) -> None:
        super().__init__(
            REQUEST_CANCELLED,
            f"{method} got no response within {timeout:g}s",
            {"method": method, "timeout": timeout},
        )


class ConnectionClosed(RpcError):
    """The connection closed before the peer answered our request (code -32603)."""

    def __init__(self, method: str) -> None:
        super().__init__(INTERNAL_ERROR, f"connection closed before {method} was answered")
