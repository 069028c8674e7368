"""``AcpAgent``: the agent side of ACP, one typed method per ACP method.

Each method takes its parsed wire params (and, for a session's method, the session the
router looked up) and returns its wire result; the router (``acp_server.router``) does
the JSON-RPC part: parse once, look the session up once, dump the result.

- ``initialize``: protocol version 1 whatever was asked, our capabilities; the client's
  capabilities are remembered for routing files and commands;
- ``session/new``: a session with its own agent, rooted at the absolute ``cwd``;
- ``session/load`` / ``session/resume``: a stored session (``agentica.sessions``) built
  again through the same factory path, its history given to the agent; load replays what
  the user saw before answering, resume does not. Unknown id: -32002;
- ``session/list`` (newest first, pages), ``session/close`` (cancels the turn, frees the
  session, keeps it stored), ``session/delete`` (removes it from the store);
- ``session/prompt``: one turn (``Session.prompt``), answered with its stop reason;
- ``session/cancel`` (notification): cancels the session's running turn;
- ``session/set_mode`` / ``session/set_config_option``: switch the session's permission
  mode (``acp_server.modes``), idle or mid-turn. Each sends the other view's update
  (``config_option_update`` / ``current_mode_update``) so the editor stays in sync; the
  notification is queued before the response, so a client holding the response already
  has both views agreeing.

An ``initialize`` that ``acp_server.startup`` answered before the connection existed is
passed in as ``early_capabilities``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

import anyio

from acp_server import modes, slash, usage
from acp_server.config import ServerConfig
from acp_server.errors import RpcError
from acp_server.factory import ModelFactory, SessionFactory
from acp_server.protocol import PROTOCOL_VERSION, ClientConnection
from acp_server.sessions import Session, SessionStore
from acp_server.startup import WARM_UP_MODULES, WarmUp, agent_version, initialize_result

if TYPE_CHECKING:
    from acp_server import wire
    from agentica.sessions import SessionDB

logger = logging.getLogger(__name__)

CLOSE_TIMEOUT = 5.0
"""Seconds a closed session's cancelled turn may take to end."""

SHUTDOWN_TURN_TIMEOUT = 0.5
"""Seconds the cancelled turns may take to end on shutdown (stdin EOF or SIGTERM must
end the process within a second; a turn's finished steps are already stored)."""


class AcpAgent:
    """The ACP agent of one connection.

    Args:
        conn: The connection to the client.
        config: The server settings.
        model_factory: Makes each session's model instead of ``config.model`` (tests).
        early_capabilities: The raw ``clientCapabilities`` of an ``initialize`` already
            answered by the startup fast path (the warm-up is then started at once).
        db: The session database (default: opened at ``agentica.sessions.default_db_path``).
    """

    def __init__(
        self,
        conn: ClientConnection,
        config: ServerConfig,
        *,
        model_factory: ModelFactory | None = None,
        early_capabilities: dict[str, Any] | None = None,
        db: SessionDB | None = None,
    ) -> None:
        self.conn = conn
        self.config = config
        self.sessions = SessionStore()
        self.factory = SessionFactory(conn, config, model_factory=model_factory, db=db)
        self.warm_up = WarmUp()
        self._caps: wire.ClientCapabilities | None = None
        self._caps_raw: dict[str, Any] = early_capabilities or {}
        if early_capabilities is not None:
            self.start_warm_up()

    # --- lifecycle ---------------------------------------------------------------------

    def start_warm_up(self) -> None:
        """Import the heavy modules, build the wire models and the shared model (with its
        HTTP client) in the background, once: the first prompt then waits for none of it."""
        self.warm_up.start(WARM_UP_MODULES + self.factory.warm_up_modules(), then=self._build)

    def _build(self) -> None:
        from acp_server import wire
        from acp_server.mapping import prompt_to_message, text_chunk

        wire.build_all()
        prompt_to_message([wire.TextBlock(text="warm-up")])  # First uses fill caches.
        text_chunk("warm-up")
        if self.factory.model_factory is None:
            self.factory.shared_model()
        self.factory.db  # noqa: B018 (opens the database now, not on the first request)

    async def ready(self) -> None:
        """Wait until the heavy modules may be imported (see ``acp_server.startup``)."""
        await self.warm_up.wait()

    @property
    def client_capabilities(self) -> wire.ClientCapabilities:
        """The client's capabilities from ``initialize`` (defaults before it)."""
        if self._caps is None:
            from acp_server import wire

            self._caps = wire.ClientCapabilities.model_validate(self._caps_raw)
        return self._caps

    async def aclose(self) -> None:
        """Cancel every running turn, store what they did, stop the MCP servers and release
        the model."""
        from acp_server.mcp_tools import close_all

        self.sessions.cancel_all()
        with anyio.move_on_after(SHUTDOWN_TURN_TIMEOUT, shield=True):
            for session in self.sessions:
                await session.wait_idle()
        for session in self.sessions:  # Stuck on a locked database: closing the db commits.
            session.stop_storing()
        await close_all(session.agent for session in self.sessions)
        await self.factory.aclose()

    # --- methods -----------------------------------------------------------------------

    async def initialize(self, params: wire.InitializeParams) -> wire.InitializeResult:
        """``initialize`` (when the startup fast path did not answer it)."""
        from acp_server import wire

        self._caps = params.client_capabilities
        if params.protocol_version != PROTOCOL_VERSION:
            logger.info(
                "client asked for protocol %s; answering %s",
                params.protocol_version,
                PROTOCOL_VERSION,
            )
        result = wire.InitializeResult.model_validate(
            initialize_result(image=self.factory.supports_images(), version=agent_version())
        )
        self.conn.call_after_next_write(self.start_warm_up)
        return result

    async def new_session(self, params: wire.NewSessionParams) -> wire.NewSessionResult:
        """``session/new``: a session rooted at ``cwd`` (which must be a directory)."""
        from acp_server import wire

        if not await anyio.Path(params.cwd).is_dir():
            raise RpcError.invalid_params(f"cwd {params.cwd!r} is not an existing directory")
        from agentica.sessions.records import new_session_id

        session_id = new_session_id()
        session = self.factory.create(session_id, params, self.client_capabilities)
        self.sessions.add(session)
        logger.info("session %s created in %s (mode %s)", session_id, params.cwd, session.mode)
        # The client learns the id from the response: the commands follow it.
        self.conn.call_after_next_write(lambda: _spawn(self._announce_commands, session))
        return wire.NewSessionResult(
            session_id=session_id,
            modes=modes.mode_state(session.mode),
            config_options=slash.config_options(session, self.factory),
        )

    async def _announce_commands(self, session: Session) -> None:
        await session.notify(slash.available_commands_update())
        known = usage.usage_update(session.tokens_used, session.context_size, session.cost)
        if session.tokens_used and known is not None:  # A stored session (acp-spec §13).
            await session.notify(known)

    async def load_session(self, params: wire.LoadSessionParams) -> wire.LoadSessionResult:
        """``session/load``: the stored session, its history replayed before the answer."""
        session, updates = await self._restore(params)
        assert session.recorder is not None
        await session.recorder.replay(updates)
        await self._announce_commands(session)
        return self._restored_result(session)

    async def resume_session(self, params: wire.ResumeSessionParams) -> wire.LoadSessionResult:
        """``session/resume``: the stored session, ready to continue, without a replay."""
        session, _ = await self._restore(params)
        await self._announce_commands(session)
        return self._restored_result(session)

    async def list_sessions(self, params: wire.ListSessionsParams) -> wire.ListSessionsResult:
        """``session/list``: stored sessions, most recently active first, a page at a time."""
        from acp_server import wire
        from acp_server.recorder import iso_time

        db = self.factory.db
        try:
            page = await anyio.to_thread.run_sync(
                lambda: db.list_sessions(cwd=params.cwd, cursor=params.cursor)
            )
        except ValueError as e:
            raise RpcError.invalid_params(str(e)) from None
        return wire.ListSessionsResult(
            sessions=[
                wire.SessionInfo(
                    session_id=r.id,
                    cwd=r.cwd,
                    additional_directories=r.roots or None,
                    title=r.title,
                    updated_at=iso_time(r.updated_at),
                )
                for r in page.sessions
            ],
            next_cursor=page.next_cursor,
        )

    async def close_session(
        self, session: Session, params: wire.CloseSessionParams
    ) -> wire.EmptyResult:
        """``session/close``: cancel its turn, wait for it to end, free it (it stays stored)."""
        from acp_server import wire

        await self._close(session)
        return wire.EmptyResult()

    async def delete_session(self, params: wire.DeleteSessionParams) -> wire.EmptyResult:
        """``session/delete``: close it if it is live and remove it from the store."""
        from acp_server import wire
        from acp_server.recorder import wait

        live = self.sessions.find(params.session_id)
        if live is not None:
            await self._close(live)
        await wait(self.factory.db.delete(params.session_id))
        logger.info("session %s deleted", params.session_id)
        return wire.EmptyResult()

    async def _close(self, session: Session) -> None:
        session.cancel()
        with anyio.move_on_after(CLOSE_TIMEOUT):
            await session.wait_idle()
        if session.busy:
            raise RpcError.internal_error(f"session {session.id}: its turn did not end")
        self.sessions.remove(session.id)
        from acp_server.mcp_tools import close_all

        await close_all([session.agent])  # Its MCP server processes end with it.
        logger.info("session %s closed", session.id)

    async def _restore(
        self, params: wire.LoadSessionParams
    ) -> tuple[Session, list[dict[str, Any]]]:
        """Build a stored session again (closing its live copy first) and register it;
        also its stored updates (for the replay)."""
        if not await anyio.Path(params.cwd).is_dir():
            raise RpcError.invalid_params(f"cwd {params.cwd!r} is not an existing directory")
        live = self.sessions.find(params.session_id)
        if live is not None:
            await self._close(live)
        db = self.factory.db

        def read() -> tuple[Any, Any, list[dict[str, Any]]]:
            record = db.get(params.session_id)
            if record is None:
                return None, [], []
            return record, db.messages(record.id), db.updates(record.id)

        record, history, updates = await anyio.to_thread.run_sync(read)
        if record is None:
            raise RpcError.resource_not_found(f"session:{params.session_id}")
        session = self.factory.create(
            record.id, params, self.client_capabilities, record=record, history=history
        )
        for update in updates:  # New calls must not reuse an id the editor has seen.
            if update.get("sessionUpdate") == "tool_call":
                session.ledger.open_call(update["toolCallId"])
                session.ledger.close_call(update["toolCallId"])
        self.sessions.add(session)
        logger.info(
            "session %s restored in %s (%d messages)", record.id, params.cwd, len(history)
        )
        return session, updates

    def _restored_result(self, session: Session) -> wire.LoadSessionResult:
        from acp_server import wire

        return wire.LoadSessionResult(
            modes=modes.mode_state(session.mode),
            config_options=slash.config_options(session, self.factory),
        )

    async def set_mode(
        self, session: Session, params: wire.SetModeParams
    ) -> wire.SetSessionModeResult:
        """``session/set_mode``; tells the editor the config option changed too."""
        from acp_server import wire

        session.set_mode(params.mode_id)
        await session.notify(slash.config_option_update(session, self.factory))
        return wire.SetSessionModeResult()

    async def set_config_option(
        self, session: Session, params: wire.SetConfigOptionParams
    ) -> wire.SetConfigOptionResult:
        """``session/set_config_option``: the mode, the model or the thinking effort."""
        from acp_server import wire

        if params.config_id != modes.MODE_CONFIG_ID:  # The model or the thinking effort.
            try:
                slash.set_option(session, self.factory, params.config_id, params.value)
            except ValueError as e:
                raise RpcError.invalid_params(str(e)) from None
        elif isinstance(params.value, bool) or params.type == "boolean":
            raise RpcError.invalid_params(
                f"config option {params.config_id!r} is a select: its value must be one of "
                f"{', '.join(modes.MODE_IDS)}, not a boolean"
            )
        else:
            session.set_mode(params.value)
            await session.notify(modes.current_mode_update(session.mode))
        return wire.SetConfigOptionResult(
            config_options=slash.config_options(session, self.factory)
        )

    async def prompt(self, session: Session, params: wire.PromptParams) -> wire.PromptResult:
        """``session/prompt``: run one turn and answer its stop reason."""
        from acp_server import wire
        from acp_server.mapping import prompt_to_message
        from agentica.commands import parse

        shown = [
            {"sessionUpdate": "user_message_chunk", "content": wire.dump(block)}
            for block in params.prompt
        ]
        blocks = params.prompt
        single = blocks[0] if len(blocks) == 1 else None
        command = parse(single.text) if isinstance(single, wire.TextBlock) else None
        if command is not None:
            reason = await self._command(session, *command, shown)
        else:
            images = session.agent is not None and session.agent.model.supports_images
            message = prompt_to_message(params.prompt, supports_images=images)
            reason = await session.prompt(message, shown)
        wanted = usage.wants_prompt_usage(self.client_capabilities)
        return wire.PromptResult(
            stop_reason=reason, usage=usage.prompt_usage(session.turn_usage) if wanted else None
        )

    async def _command(
        self, session: Session, name: str, arg: str, shown: list[dict[str, Any]]
    ) -> wire.AcpStopReason:
        """Run a slash command typed as the prompt (``agentica.commands``)."""
        from agentica.commands import CommandResult, run_command
        from agentica.messages import Message

        host = slash.SessionHost(session, self.factory)
        outcome: list[CommandResult] = []

        async def run() -> str:
            result = await run_command(host, name, arg)
            outcome.append(result)
            return result.text or f"Running `/{name}`…"

        reason = await session.command(run, shown)
        if reason == "end_turn" and outcome and outcome[0].prompt:
            return await session.prompt(Message.user(outcome[0].prompt))
        if name in ("mode", "model") and arg:  # Keep the editor's pickers in sync.
            await session.notify(slash.config_option_update(session, self.factory))
            if name == "mode":
                await session.notify(modes.current_mode_update(session.mode))
        return reason

    async def cancel(self, session: Session, params: wire.CancelParams) -> None:
        """``session/cancel``: cancel the session's running turn, if any."""
        session.cancel()


def _spawn(fn: Callable[[Session], Coroutine[Any, Any, None]], session: Session) -> None:
    """Run ``fn(session)`` in the background (from a sync callback in the event loop)."""
    import asyncio

    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:  # Not asyncio: trio (anyio's other backend).
        import trio

        trio.lowlevel.spawn_system_task(fn, session)
        return
    task = loop.create_task(fn(session))
    _BACKGROUND.add(task)
    task.add_done_callback(_BACKGROUND.discard)


_BACKGROUND: set[Any] = set()
"""Background tasks, referenced until done (asyncio keeps only weak references)."""

__all__ = ["AcpAgent"]
