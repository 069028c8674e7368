"""Harness exceptions.

HarnessError                 anything that stops the harness talking to the agent
 ├── AgentRpcError           the agent answered a request with a JSON-RPC error
 ├── HarnessTimeout          no answer within the timeout
 ├── IdMismatch              an answer whose id does not echo the request's ("0" for 0)
 └── AgentExited             the agent's stdout closed (it exited or crashed)
RpcFault                     raised by a client-side handler; becomes the error we answer
"""

from __future__ import annotations

from typing import Any


class HarnessError(Exception):
    """Base of the harness errors."""


class AgentRpcError(HarnessError):
    """The agent answered a request with a JSON-RPC error object."""

    def __init__(self, method: str, error: dict[str, Any]) -> None:
        self.method = method
        self.error = error
        self.code: Any = error.get("code")
        self.message: Any = error.get("message")
        self.data: Any = error.get("data")
        super().__init__(f"{method} failed: {self.code} {self.message}")


class HarnessTimeout(HarnessError, TimeoutError):
    """The agent did not answer within the allowed time."""

    def __init__(self, what: str, seconds: float) -> None:
        self.what = what
        self.seconds = seconds
        super().__init__(f"no answer to {what} within {seconds:g}s")


class IdMismatch(HarnessError):
    """The agent answered a request with an id that does not echo the request's."""

    def __init__(self, method: str, sent: Any, got: Any) -> None:
        super().__init__(
            f"the response to {method} has id {got!r}, which does not echo the request's id "
            f"{sent!r} (a response must carry the request's id exactly, same JSON type)"
        )
        self.sent, self.got = sent, got


class AgentExited(HarnessError):
    """The agent's stdout reached EOF while an answer was still expected."""

    def __init__(self, what: str, returncode: int | None, stderr_tail: str = "") -> None:
        self.what = what
        self.returncode = returncode
        self.stderr_tail = stderr_tail
        status = "still running" if returncode is None else f"exit status {returncode}"
        msg = f"agent closed its stdout during {what} ({status})"
        if stderr_tail.strip():
            msg += f"; stderr ends with: {stderr_tail.strip()[-300:]}"
        super().__init__(msg)


class RpcFault(Exception):
    """An error the harness (playing the client) answers to one of the agent's requests."""

    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.data = data

    def to_dict(self) -> dict[str, Any]:
        """The JSON-RPC error object."""
        out: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.data is not None:
            out["data"] = self.data
        return out

    @classmethod
    def invalid_params(cls, message: str) -> RpcFault:
        """-32602 Invalid params."""
        return cls(-32602, message)

    @classmethod
    def method_not_found(cls, method: str) -> RpcFault:
        """-32601 Method not found."""
        return cls(-32601, "Method not found", {"method": method})

    @classmethod
    def internal_error(cls, message: str) -> RpcFault:
        """-32603 Internal error."""
        return cls(-32603, "Internal error", message)

    @classmethod
    def resource_not_found(cls, uri: str) -> RpcFault:
        """-32002 Resource not found."""
        return cls(-32002, "Resource not found", {"uri": uri})
