"""An Agent Client Protocol (ACP) stdio server for agentica agents.

Run it with ``agentica-acp`` (or ``agentica acp``, ``python -m acp_server``). Importing
this package is cheap: the connection layer loads on first use of its names.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from acp_server.config import ServerConfig as ServerConfig
from acp_server.errors import RpcError as RpcError

if TYPE_CHECKING:
    from acp_server.connection import Connection as Connection
    from acp_server.connection import serve as serve

__all__ = ["Connection", "RpcError", "ServerConfig", "serve"]


def __getattr__(name: str) -> Any:
    if name in ("Connection", "serve"):
        from acp_server import connection

        return getattr(connection, name)
    raise AttributeError(f"module 'acp_server' has no attribute {name!r}")
