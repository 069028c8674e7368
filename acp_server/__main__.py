"""``agentica-acp`` / ``python -m acp_server``: serve ACP v1 on stdin/stdout.

Startup is kept to what answering ``initialize`` needs (``acp_server.startup``): the
settings, the protocol fds, and the first line of input. The protocol takes over the
real stdin/stdout before anything else is imported, so nothing but protocol messages
can reach stdout (see ``acp_server.stdio``). Then the connection serves the agent
(``acp_server.router``) until stdin EOF or a signal.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NoReturn

from acp_server import auth
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
    argv = sys.argv[1:] if argv is None else list(argv)
    if "--login" in argv or "--check" in argv:  # Not the server: a command in a terminal.
        from acp_server.doctor import login_or_check

        return login_or_check(argv, prog=prog)
    trace, argv = trace_flag(argv)
    try:
        config = load_config(argv, prog=prog)
        trace = start_tracing(trace, config, os.environ)
    except (ConfigError, ImportError) as exc:
        sys.stderr.write(f"{prog}: error: {exc}\n")
        return 2
    try:
        _setup_logging(config)
    except OSError as exc:
        sys.stderr.write(f"{prog}: error: cannot open log file: {exc}\n")
        return 2
    if config.extra:
        logger.warning("unrecognised settings in %s: %s", config.config_file, sorted(config.extra))
    auth.apply_login(config)
    sign_in = auth.SignIn(config, enabled=model_factory is None and build_handlers is None)

    from acp_server import stdio

    fds = stdio.claim_stdio()
    early_caps = None
    unread = b""
    previous: dict[int, Any] = {}
    if build_handlers is None:
        from acp_server import startup

        # A signal while waiting for the first line is a clean shutdown, as it is later.
        # After it, until the connection's own signal receiver is in place, a signal is
        # only remembered (``_Signals``): raised then, it would escape as a traceback.
        _signals.early = True
        previous = {sig: signal.signal(sig, _stop) for sig in _named("SIGTERM", "SIGHUP")}
        try:
            logger.debug("waiting for the first message")
            early = startup.answer_initialize_early(
                fds.stdin,
                fds.stdout,
                image=lambda: startup.supports_images(config.model, model_factory),
                amend=sign_in.amend,
            )
            _signals.early = False
        except (KeyboardInterrupt, _Stopped):
            logger.info("stopped before the first message")
            _restore(previous)
            return 0
        early_caps, unread = early.client_capabilities, early.unread
    import anyio

    def build(conn: Connection) -> Handlers:
        if build_handlers is not None:
            return build_handlers(conn, config)
        from acp_server.agent import AcpAgent
        from acp_server.router import AcpRouter

        agent = AcpAgent(conn, config, model_factory=model_factory, early_capabilities=early_caps)
        return AcpRouter(agent, sign_in=sign_in)

    try:
        anyio.run(_serve, config, build, fds, unread)
    finally:
        _restore(previous)
        if trace:  # Send the last spans before ``end_process`` skips the exit hooks.
            from agentica import tracing

            tracing.shutdown()
    return 0


def trace_flag(argv: Sequence[str]) -> tuple[bool, list[str]]:
    """``--trace`` (OpenTelemetry spans over OTLP), taken out of ``argv``."""
    rest = [a for a in argv if a != "--trace"]
    return len(rest) != len(argv), rest


def start_tracing(flag: bool, config: ServerConfig, environ: Mapping[str, str]) -> bool:
    """Turn on OTLP tracing when ``--trace``, ``trace = true`` in the config file or
    ``AGENTICA_TRACING`` ask for it; the exporter is imported at the first prompt (the
    ``OTEL_EXPORTER_OTLP_*`` variables set its endpoint and headers).

    Raises:
        ImportError: Tracing is asked for and the OpenTelemetry packages are missing.
    """
    in_file = config.extra.pop("trace", None)
    value = environ.get("AGENTICA_TRACING", "").strip().lower()
    if not (flag or in_file is True or value not in ("", "0", "false", "no", "off")):
        return False
    from agentica import tracing

    tracing.enable_otlp(lazy=True)
    logger.info("tracing: OpenTelemetry spans go to the OTLP exporter")
    return True


def run(argv: Sequence[str] | None = None, *, prog: str = "agentica-acp") -> NoReturn:
    """The command (``agentica-acp``, ``agentica acp``, ``python -m acp_server``):
    ``main()``, then ``end_process``."""
    end_process(main(argv, prog=prog))


def end_process(code: int) -> NoReturn:
    """Flush the logs and exit with ``code`` at once, without the interpreter's shutdown.

    That shutdown first joins every non-daemon thread: the warm-up's imports and the
    rehearsal of the model client's first request (seconds on a loaded machine), an
    anyio worker thread blocked in a tool's file read; then it tears the modules down
    (0.3 s with the model client loaded). Together they made stdin EOF or SIGTERM take
    up to 5 s. Everything worth keeping is done when ``main()`` returns (answers
    written, stored sessions committed by ``AcpAgent.aclose``), and ``os._exit`` also
    spares a still-importing thread from interpreter finalisation.
    """
    lingering = [t.name for t in threading.enumerate() if t.is_alive() and not t.daemon]
    if len(lingering) > 1:
        logger.debug("exiting without waiting for threads: %s", ", ".join(lingering[1:]))
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)


class _Signals:
    """Whether a stop signal raises ``_Stopped`` (while waiting for the first line) or is
    remembered until the connection's signal receiver takes over."""

    def __init__(self) -> None:
        self.early = False
        self.pending: list[int] = []


_signals = _Signals()


def _restore(previous: dict[int, Any]) -> None:
    for sig, handler in previous.items():
        signal.signal(sig, handler)
    _signals.pending.clear()


class _Stopped(BaseException):
    """SIGTERM or SIGHUP arrived while waiting for the first message.

    A ``BaseException``, like ``KeyboardInterrupt``: nothing on the way (logging's error
    handler, say) may swallow it.
    """


def _stop(signum: int, frame: object) -> None:
    if _signals.early:
        raise _Stopped(signum)
    _signals.pending.append(signum)


def _named(*names: str) -> tuple[signal.Signals, ...]:
    """The signals among ``names`` this platform has (Windows: no SIGHUP). Like
    ``agentica.procs.named_signals``, without importing agentica before ``initialize``."""
    return tuple(getattr(signal, n) for n in names if hasattr(signal, n))


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

    if sys.platform == "win32":  # asyncio cannot receive signals there: stdin EOF stops us.
        task_status.started()
        return
    with anyio.open_signal_receiver(*_named("SIGTERM", "SIGINT", "SIGHUP")) as signals:
        task_status.started()
        if pending := _signals.pending:  # Came before the receiver was there.
            logger.info("received %s; shutting down", signal.Signals(pending[0]).name)
            conn.close()
            return
        async for signum in signals:
            logger.info("received %s; shutting down", signal.Signals(signum).name)
            conn.close()
            return


if __name__ == "__main__":
    run()
