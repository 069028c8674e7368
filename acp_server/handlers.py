"""ACP method handlers: one small function per method: validate, then call sessions.

``build_handlers(conn, config)`` returns the ``Handlers`` the connection dispatches to:

- ``initialize``: protocol version 1 whatever was asked, our capabilities, and the
  client's capabilities remembered for routing files and commands;
- ``session/new``: a session with its own agent, rooted at the absolute ``cwd``;
- ``session/prompt``: one turn (``Session.prompt``), answered with ``{stopReason}``;
- ``session/cancel`` (notification): cancels the session's running turn;
- ``session/set_mode`` / ``session/set_config_option``: switch the session's permission
  mode (``acp_server.modes``), idle or mid-turn. Each sends the other view's update
  (``config_option_update`` / ``current_mode_update``) so the editor stays in sync; the
  notification is queued before the response, so a client holding the response already
  has both views agreeing.

Startup: answering ``initialize`` imports nothing heavy. Its params are checked and
its result built from plain dicts by ``acp_server.handshake`` (a request the quick
check cannot vouch for goes through the pydantic wire models, which give the exact
-32602). The wire models, the
mapping, agentica's agent and tools and the model's module are imported by a warm-up
thread started once the ``initialize`` response is written; handlers that need them
wait for it (``_State.ready``). The model itself is created on the first
``session/new``; one model instance is shared by every session.

Testing hook: when the environment variable ``AGENTICA_TEST_MODEL`` is set to
``package.module:factory``, each new session calls ``factory()`` (no arguments) for its
model instead of ``--model``. End-to-end tests use it to script deterministic models
(``agentica.testing.ScriptedModel`` / ``FunctionModel``). It is meant for tests only.
"""

from __future__ import annotations

import importlib
import logging
import os
import threading
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import anyio

from acp_server import modes
from acp_server.errors import RpcError
from acp_server.handshake import (
    PROTOCOL_VERSION,
    agent_version,
    initialize_result,
    is_demo_spec,
    quick_initialize_params,
    spec_supports_images,
)
from acp_server.sessions import CallLedger, Session, SessionStore, describe_setup_error

if TYPE_CHECKING:
    from acp_server import wire

logger = logging.getLogger(__name__)

WARM_UP_MODULES = (
    "acp_server.wire",
    "acp_server.mapping",
    "acp_server.permissions",
    "acp_server.workspace",
    "agentica.agent",
    "agentica.tools.builtin",
    "agentica.models.registry",
)
"""Imported in the background once ``initialize`` is answered (see the module doc)."""

TEST_MODEL_ENV = "AGENTICA_TEST_MODEL"
"""``module:factory`` of a test model factory (see the module docstring)."""

INSTRUCTIONS = (
    "You are Agentica, a coding agent running inside the user's editor. The project is at "
    "{cwd}; paths are relative to it. Use the tools to read, search, edit files and run "
    "commands; keep answers short and in Markdown."
)


@dataclass(eq=False)
class Handlers:
    """What the connection dispatches to (see ``acp_server.connection``)."""

    requests: dict[str, Callable[[dict[str, Any]], Awaitable[Any]]]
    notifications: dict[str, Callable[[dict[str, Any]], Awaitable[None]]]
    cancelled_results: dict[str, Any] = field(default_factory=dict)
    sessions: SessionStore = field(default_factory=SessionStore)
    _close: Callable[[], Awaitable[None]] | None = None

    async def aclose(self) -> None:
        """Cancel every running turn and release the model."""
        self.sessions.cancel_all()
        if self._close is not None:
            await self._close()


class _State:
    """Per-connection state shared by the handlers."""

    def __init__(self, conn: Any, config: Any) -> None:
        self.conn = conn
        self.config = config
        self.sessions = SessionStore()
        self.model: Any = None
        self.model_error: Exception | None = None
        self.model_loaded = False
        self._client_caps: Any = None
        self._client_caps_raw: dict[str, Any] = {}
        self._warm_up: threading.Thread | None = None

    @property
    def model_spec(self) -> str:
        return getattr(self.config, "model", None) or "demo"

    @property
    def client_caps(self) -> wire.ClientCapabilities:
        """The client's capabilities from ``initialize`` (defaults before it)."""
        if self._client_caps is None:
            from acp_server import wire

            self._client_caps = wire.ClientCapabilities.model_validate(self._client_caps_raw)
        return self._client_caps

    def set_client_caps(self, caps: wire.ClientCapabilities | dict[str, Any]) -> None:
        """Remember the capabilities: a parsed model, or raw params known to validate."""
        if isinstance(caps, dict):
            self._client_caps, self._client_caps_raw = None, caps
        else:
            self._client_caps = caps

    def start_warm_up(self) -> None:
        """Import ``WARM_UP_MODULES`` (and the model's module) in a thread, once.

        Not a daemon thread: the interpreter joins it before finalising, since a thread
        still importing while the interpreter shuts down can crash the process.
        """
        if self._warm_up is not None:
            return
        modules = [*WARM_UP_MODULES]
        if not os.environ.get(TEST_MODEL_ENV):
            demo = is_demo_spec(self.model_spec)
            modules.append("agentica.models.demo" if demo else "agentica.models.openai")

        def run() -> None:
            for name in modules:
                try:
                    importlib.import_module(name)
                except Exception as e:  # The handler that needs it imports it again.
                    logger.debug("warm-up import of %s failed: %s", name, e)
                    return

        self._warm_up = threading.Thread(target=run, name="acp-warm-up")
        self._warm_up.start()

    async def ready(self) -> None:
        """Wait for the warm-up imports, if they are running.

        Handlers import the heavy modules only after this, never concurrently with the
        warm-up thread (concurrent imports of mutually importing modules can deadlock).
        """
        thread = self._warm_up
        if thread is not None and thread.is_alive():
            import anyio.to_thread

            await anyio.to_thread.run_sync(thread.join, abandon_on_cancel=True)

    def shared_model(self) -> Any:
        """The configured model, created once (raises its setup error every time)."""
        if not self.model_loaded:
            self.model_loaded = True
            try:
                from agentica.models.registry import get_model

                self.model = get_model(self.model_spec, **model_options(self.config))
            except Exception as e:  # Reported to the user in the session, not fatal.
                logger.error("could not set up model %r: %s", self.model_spec, e)
                self.model_error = e
        if self.model_error is not None:
            raise self.model_error
        return self.model

    def session_model(self) -> tuple[Any, bool]:
        """The model for a new session and whether it is the demo model."""
        hook = os.environ.get(TEST_MODEL_ENV)
        if hook:
            module, _, attr = hook.partition(":")
            factory = getattr(importlib.import_module(module), attr or "model")
            return factory(), False
        model = self.shared_model()
        return model, _is_demo(model, self.model_spec)


def model_options(config: Any) -> dict[str, Any]:
    """Options for ``get_model`` from the server config (``model_timeout``).

    With a model timeout, an unanswered request is not retried either: the user hears
    about it after ``model_timeout`` seconds, not after several attempts.
    """
    timeout = getattr(config, "model_timeout", None)
    if not timeout:
        return {}
    return {"timeout": timeout, "connect_timeout": min(timeout, 10.0), "max_retries": 0}


def _is_demo(model: Any, spec: str) -> bool:
    if spec == "demo":
        return True
    try:
        from agentica.models.demo import DemoModel
    except ImportError:
        return False
    return isinstance(model, DemoModel)


def _demo_explains_itself() -> bool:
    """Whether the demo model's own answers already say how to configure a real model."""
    try:
        from agentica.models import demo
    except ImportError:
        return False
    # Its final answer of every turn ends with ``HOW_TO_SWITCH`` (how to pick a real model).
    return bool(getattr(demo, "HOW_TO_SWITCH", ""))


def build_handlers(conn: Any, config: Any) -> Handlers:
    """The ACP handlers for one connection.

    Args:
        conn: The connection (``request()`` and ``notify()`` are used).
        config: The server configuration (``model``, ``max_turns``, ...).
    """
    state = _State(conn, config)

    async def initialize(params: dict[str, Any]) -> dict[str, Any]:
        quick = quick_initialize_params(params)
        if quick is not None:
            version, caps = quick
            state.set_client_caps(caps)
        else:
            await state.ready()
            from acp_server import wire

            p = wire.parse(wire.InitializeParams, params)
            version = p.protocol_version
            state.set_client_caps(p.client_capabilities)
        if version != PROTOCOL_VERSION:
            logger.info("client asked for protocol %s; answering 1", version)
        result = initialize_result(image=_supports_images(state), version=agent_version())
        after_write = getattr(state.conn, "call_after_next_write", None)
        if after_write is not None:
            after_write(state.start_warm_up)
        return result

    async def new_session(params: dict[str, Any]) -> dict[str, Any]:
        await state.ready()
        from acp_server import wire

        p = wire.parse(wire.NewSessionParams, params)
        if not await anyio.Path(p.cwd).is_dir():
            raise RpcError.invalid_params(f"cwd {p.cwd!r} is not an existing directory")
        session_id = f"sess_{uuid.uuid4().hex[:16]}"
        for server in p.mcp_servers:  # MCP support is planned; say so rather than be silent.
            logger.warning(
                "session %s: MCP server %r ignored: this agent does not support MCP servers yet",
                session_id,
                server.get("name") if isinstance(server, dict) else server,
            )
        session = _create_session(state, session_id, p)
        state.sessions.add(session)
        logger.info("session %s created in %s (mode %s)", session_id, p.cwd, session.mode)
        return wire.dump(
            wire.NewSessionResult(
                session_id=session_id,
                modes=modes.mode_state(session.mode),
                config_options=modes.config_options(session.mode),
            )
        )

    async def set_mode(params: dict[str, Any]) -> dict[str, Any]:
        session = state.sessions.get((params or {}).get("sessionId"))
        await state.ready()
        from acp_server import wire

        p = wire.parse(wire.SetModeParams, params)
        session.set_mode(p.mode_id)
        await session.notify(modes.config_option_update(session.mode))
        return {}

    async def set_config_option(params: dict[str, Any]) -> dict[str, Any]:
        session = state.sessions.get((params or {}).get("sessionId"))
        await state.ready()
        from acp_server import wire

        p = wire.parse(wire.SetConfigOptionParams, params)
        if p.config_id != modes.MODE_CONFIG_ID:
            raise RpcError.invalid_params(
                f"unknown config option {p.config_id!r}; this agent has: {modes.MODE_CONFIG_ID}"
            )
        if isinstance(p.value, bool) or p.type == "boolean":
            raise RpcError.invalid_params(
                f"config option {p.config_id!r} is a select: its value must be one of "
                f"{', '.join(modes.MODE_IDS)}, not a boolean"
            )
        session.set_mode(p.value)
        await session.notify(modes.current_mode_update(session.mode))
        return {"configOptions": modes.config_options(session.mode)}

    async def prompt(params: dict[str, Any]) -> dict[str, Any]:
        session = state.sessions.get((params or {}).get("sessionId"))
        await state.ready()
        from acp_server import wire
        from acp_server.mapping import prompt_to_message

        p = wire.parse(wire.PromptParams, params)
        supports_images = bool(getattr(getattr(session.agent, "model", None), "supports_images", 0))
        message = prompt_to_message(p.prompt, supports_images=supports_images)
        reason = await session.prompt(message)
        return wire.dump(wire.PromptResult(stop_reason=reason))

    async def cancel(params: dict[str, Any]) -> None:
        session_id = (params or {}).get("sessionId")
        session = state.sessions.find(session_id)
        if session is None:
            logger.info("session/cancel for unknown session %r ignored", session_id)
            return
        session.cancel()

    async def close() -> None:
        model = state.model
        if model is not None and hasattr(model, "aclose"):
            await model.aclose()

    handlers = Handlers(
        requests={
            "initialize": initialize,
            "session/new": new_session,
            "session/prompt": prompt,
            "session/set_mode": set_mode,
            "session/set_config_option": set_config_option,
        },
        notifications={"session/cancel": cancel},
        # acp-spec §10.2: a cancelled prompt answers a result, never an error (clients show
        # errors to users), also when it was cancelled with $/cancel_request (§10.3).
        cancelled_results={"session/prompt": {"stopReason": "cancelled"}},
        sessions=state.sessions,
        _close=close,
    )
    return handlers


def _supports_images(state: _State) -> bool:
    """Whether prompts may carry images, decided without importing the model stack."""
    if os.environ.get(TEST_MODEL_ENV):
        try:
            model, _ = state.session_model()
        except Exception:
            return False
        return bool(getattr(model, "supports_images", False))
    return spec_supports_images(state.model_spec)


def _create_session(state: _State, session_id: str, p: wire.NewSessionParams) -> Session:
    """A session with its agent; a model that cannot be set up is reported in the session."""

    async def notify(update: dict[str, Any]) -> None:
        await state.conn.notify("session/update", {"sessionId": session_id, "update": update})

    mode = modes.default_mode(getattr(state.config, "mode", None))
    try:
        model, is_demo = state.session_model()
    except Exception as e:
        return Session(
            id=session_id,
            cwd=p.cwd,
            agent=None,
            notify=notify,
            setup_error=describe_setup_error(e),
            mode=mode,
        )

    from acp_server.permissions import PermissionApprover
    from acp_server.workspace import KILL_GRACE, ClientWorkspace
    from agentica.agent import Agent
    from agentica.tools.builtin import WorkspaceTools

    ledger = CallLedger()
    workspace = ClientWorkspace(
        p.cwd,
        extra_roots=tuple(p.additional_directories or ()),
        allow_outside=bool(getattr(state.config, "allow_outside", False)),
        conn=state.conn,
        session_id=session_id,
        capabilities=state.client_caps,
        kill_grace=KILL_GRACE,
        ledger=ledger,
    )
    approver = PermissionApprover(
        state.conn, session_id, announced=ledger.announced, mode=mode, roots=workspace.roots
    )
    agent = Agent(
        model=model,
        name="agentica",
        instructions=INSTRUCTIONS.format(cwd=p.cwd),
        tools=[WorkspaceTools(workspace)],
        approver=approver,
        max_turns=int(getattr(state.config, "max_turns", None) or 50),
        session_id=session_id,
        work_dir=p.cwd,
    )
    return Session(
        id=session_id,
        cwd=p.cwd,
        agent=agent,
        notify=notify,
        workspace=workspace,
        approver=approver,
        context_size=getattr(model, "context_window", None),
        demo_notice=is_demo and not _demo_explains_itself(),
        ledger=ledger,
        mode=mode,
    )


__all__ = ["TEST_MODEL_ENV", "Handlers", "build_handlers", "model_options"]
