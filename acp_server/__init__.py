"""An Agent Client Protocol (ACP) stdio server for agentica agents.

Run it with ``agentica-acp`` (or ``agentica acp``, ``python -m acp_server``). Importing
this package is cheap: every name loads its module on first use (so ``acp-harness``,
which lives below this package, does not pay for the server's settings).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from acp_server.config import ServerConfig as ServerConfig
    from acp_server.connection import Connection as Connection
    from acp_server.connection import serve as serve
    from acp_server.errors import RpcError as RpcError

__all__ = ["Connection", "RpcError", "ServerConfig", "serve"]


def __getattr__(name: str) -> Any:
    if name in ("Connection", "serve"):
        from acp_server import connection

        return getattr(connection, name)
    if name == "ServerConfig":
        from acp_server.config import ServerConfig

        return ServerConfig
    if name == "RpcError":
        from acp_server.errors import RpcError

        return RpcError
    raise AttributeError(f"module 'acp_server' has no attribute {name!r}")
