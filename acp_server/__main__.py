"""``agentica-acp`` / ``python -m acp_server``: serve ACP v1 on stdin/stdout.

Startup is kept to what answering ``initialize`` needs: the config, the connection
layer and the handlers module (which imports agentica's heavy parts lazily). The
protocol takes over the real stdin/stdout before any handler code is imported, so
nothing but protocol messages can reach stdout (see ``acp_server.stdio``).
"""

from __future__ import annotations

import logging
import signal
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from acp_server.config import ConfigError, ServerConfig, load_config

if TYPE_CHECKING:
    from anyio.abc import TaskStatus

    from acp_server.connection import Connection, Handlers
    from acp_server.stdio import ProtocolFds

logger = logging.getLogger("acp_server")

_LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def main(argv: Sequence[str] | None = None, *, prog: str = "agentica-acp") -> int:
    """Parse the settings, take over stdin/stdout and serve until EOF or SIGTERM.

    Returns:
        The exit status: 0 after a clean shutdown, 2 for unusable settings.
    """
    try:
        config = load_config(argv, prog=prog)
    except ConfigError as exc:
        sys.stderr.write(f"{prog}: error: {exc}\n")
        return 2
    try:
        _setup_logging(config)
    except OSError as exc:
        sys.stderr.write(f"{prog}: error: cannot open log file: {exc}\n")
        return 2
    if config.extra:
        logger.warning("unrecognised settings in %s: %s", config.config_file, sorted(config.extra))
    config.export_environment()

    from acp_server import stdio

    fds = stdio.claim_stdio()
    import anyio

    anyio.run(_serve, config, _handler_factory(config), fds)
    return 0


def _setup_logging(config: ServerConfig) -> None:
    handler: logging.Handler
    if config.log_file:
        handler = logging.FileHandler(config.log_file, encoding="utf-8")
    else:
        handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(_LOG_FORMAT))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(config.log_level)


def _handler_factory(config: ServerConfig) -> Callable[[Connection], Handlers]:
    """``build_handlers`` from ``acp_server.handlers`` (or the ``--handlers`` hook)."""
    if config.handlers:
        import importlib

        module, _, attr = config.handlers.partition(":")
        build = getattr(importlib.import_module(module), attr or "build_handlers")
    else:
        try:
            from acp_server.handlers import build_handlers as build
        except ModuleNotFoundError as exc:
            if exc.name != "acp_server.handlers":
                raise
            logger.error("acp_server.handlers is missing; serving `initialize` only")
            build = _fallback_handlers
    return lambda conn: build(conn, config)


def _fallback_handlers(conn: Connection, config: ServerConfig) -> Handlers:
    from acp_server.connection import SimpleHandlers

    async def initialize(params: dict[str, Any]) -> dict[str, Any]:
        return {
            "protocolVersion": 1,
            "agentCapabilities": {},
            "authMethods": [],
            "agentInfo": {"name": "agentica", "version": "0"},
        }

    return SimpleHandlers(requests={"initialize": initialize})


async def _serve(
    config: ServerConfig, build: Callable[[Connection], Handlers], fds: ProtocolFds
) -> None:
    import anyio

    from acp_server.connection import Connection
    from acp_server.stdio import FdReceiveStream, FdSendStream

    conn = Connection(
        FdReceiveStream(fds.stdin),
        FdSendStream(fds.stdout),
        request_timeout=config.request_timeout,
        shutdown_timeout=0.4,
    )
    handlers = build(conn)
    async with anyio.create_task_group() as tg:
        await tg.start(_close_on_signal, conn)
        await conn.serve(handlers)
        tg.cancel_scope.cancel()
    logger.debug("shut down")


async def _close_on_signal(conn: Connection, *, task_status: TaskStatus[None]) -> None:
    import anyio

    with anyio.open_signal_receiver(signal.SIGTERM, signal.SIGINT, signal.SIGHUP) as signals:
        task_status.started()
        async for signum in signals:
            logger.info("received %s; shutting down", signal.Signals(signum).name)
            conn.close()
            return


if __name__ == "__main__":
    sys.exit(main())
