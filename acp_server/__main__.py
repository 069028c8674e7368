"""``agentica-acp`` / ``python -m acp_server``: serve ACP v1 on stdin/stdout.

Startup is kept to what answering ``initialize`` needs (``acp_server.startup``): the
settings, the protocol fds, and the first line of input. The protocol takes over the
real stdin/stdout before anything else is imported, so nothing but protocol messages
can reach stdout (see ``acp_server.stdio``). Then the connection serves the agent
(``acp_server.router``) until stdin EOF or a signal.
"""

from __future__ import annotations

import logging
import signal
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from acp_server.config import ConfigError, ServerConfig, load_config

if TYPE_CHECKING:
    from anyio.abc import TaskStatus

    from acp_server.connection import Connection
    from acp_server.factory import ModelFactory
    from acp_server.jsonrpc import Handlers
    from acp_server.stdio import ProtocolFds

logger = logging.getLogger("acp_server")

_LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

BuildHandlers = Callable[["Connection", ServerConfig], "Handlers"]
"""Builds what a connection serves, instead of the agent (tests of the process)."""


def main(
    argv: Sequence[str] | None = None,
    *,
    prog: str = "agentica-acp",
    model_factory: ModelFactory | None = None,
    build_handlers: BuildHandlers | None = None,
) -> int:
    """Parse the settings, take over stdin/stdout and serve until EOF or SIGTERM.

    Args:
        argv: The command-line arguments (default: ``sys.argv[1:]``).
        prog: The program name for messages.
        model_factory: Makes each session's model instead of the configured one (tests).
        build_handlers: Serve these handlers instead of the agent (tests).

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

    from acp_server import stdio

    fds = stdio.claim_stdio()
    early_caps = None
    unread = b""
    if build_handlers is None:
        from acp_server import startup

        # A signal while waiting for the first line is a clean shutdown, as it is later.
        previous = {sig: signal.signal(sig, _stop) for sig in (signal.SIGTERM, signal.SIGHUP)}
        try:
            logger.debug("waiting for the first message")
            early = startup.answer_initialize_early(
                fds.stdin,
                fds.stdout,
                image=lambda: startup.supports_images(config.model, model_factory),
            )
        except (KeyboardInterrupt, _Stopped):
            logger.info("stopped before the first message")
            return 0
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        early_caps, unread = early.client_capabilities, early.unread
    import anyio

    def build(conn: Connection) -> Handlers:
        if build_handlers is not None:
            return build_handlers(conn, config)
        from acp_server.agent import AcpAgent
        from acp_server.router import AcpRouter

        agent = AcpAgent(conn, config, model_factory=model_factory, early_capabilities=early_caps)
        return AcpRouter(agent)

    anyio.run(_serve, config, build, fds, unread)
    return 0


class _Stopped(BaseException):
    """SIGTERM or SIGHUP arrived while waiting for the first message.

    A ``BaseException``, like ``KeyboardInterrupt``: nothing on the way (logging's error
    handler, say) may swallow it.
    """


def _stop(signum: int, frame: object) -> None:
    raise _Stopped(signum)


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


async def _serve(
    config: ServerConfig,
    build: Callable[[Connection], Handlers],
    fds: ProtocolFds,
    unread: bytes,
) -> None:
    import anyio

    from acp_server.connection import Connection
    from acp_server.fdstreams import FdReceiveStream, FdSendStream

    conn = Connection(
        FdReceiveStream(fds.stdin, unread=unread),
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
