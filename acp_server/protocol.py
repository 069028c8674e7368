"""ACP constants and the agent side's view of the client connection (standard library only).

The lowest module of ``acp_server``: the wire models, the agent, the startup fast path
and the harness all import ``PROTOCOL_VERSION`` from here, so it exists once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

PROTOCOL_VERSION = 1
"""The only ACP protocol version this server speaks (and the harness asks for)."""


class ClientConnection(Protocol):
    """What the agent side needs of its connection to the client.

    ``acp_server.connection.Connection`` is one; tests pass in-process fakes.
    """

    async def request(self, method: str, params: dict[str, Any]) -> Any:
        """Send a request to the client and return its result (raises ``RpcError``)."""
        ...

    async def notify(self, method: str, params: dict[str, Any] | None = None) -> None:
        """Send a notification to the client."""
        ...

    def call_after_next_write(self, callback: Callable[[], object]) -> None:
        """Call ``callback()`` once the next output write is done."""
        ...


__all__ = ["PROTOCOL_VERSION", "ClientConnection"]
