"""Building sessions: the model, the workspace, the approver and the mode of each new one.

One ``SessionFactory`` per connection. The configured model is created once and shared
by every session (``shared_model()``, called by the warm-up thread or on the first
``session/new``); a model that cannot be set up is reported inside the session, not as
an error. Tests pass a ``model_factory`` instead, called once per session.

API keys and base URLs from the settings go to the model client as arguments, never into
``os.environ``: commands the agent runs must not inherit a secret the user did not put
in their own environment.

agentica's agent, tools and models, the workspace and the approver are imported on
first use (after the warm-up), never when this module is imported.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Awaitable, Callable, Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any

from acp_server import modes
from acp_server.config import ServerConfig
from acp_server.model_settings import credential_overrides, model_options, with_reasoning_effort
from acp_server.protocol import ClientConnection
from acp_server.sessions import CallLedger, Session
from acp_server.startup import model_modules, spec_supports_images
from acp_server.turn_errors import describe_setup_error
from acp_server.usage import stored as stored_usage

if TYPE_CHECKING:
    from acp_server import wire
    from agentica.agent import Agent
    from agentica.messages import Message
    from agentica.models.base import Model
    from agentica.sessions import SessionDB, SessionRecord
    from agentica.skills import SkillTool

logger = logging.getLogger(__name__)

ModelFactory = Callable[[], "Model"]
"""Makes the model of one new session (tests script models with it)."""

INSTRUCTIONS = (
    "You are Agentica, a coding agent running inside the user's editor. The project is at "
    "{cwd}; paths are relative to it. Use the tools to read, search, edit files and run "
    "commands; keep answers short and in Markdown."
)


def instructions_for(cwd: str, skills: SkillTool | None = None) -> Callable[[], str]:
    """The system prompt of a session, read again at every run: ours, the project's
    ``AGENTS.md`` files (``agentica.commands.project_instructions``), the skills."""
    base = INSTRUCTIONS.format(cwd=cwd)

    def instructions() -> str:
        from agentica.commands import project_instructions

        parts = (base, project_instructions(cwd), skills.prompt() if skills else "")
        return "\n\n".join(p for p in parts if p)

    return instructions


class SessionFactory:
    """Creates the sessions of one connection.

    Args:
        conn: The connection to the client (permission requests, ``fs/*``, terminals).
        config: The server settings.
        model_factory: Called once per session for its model, instead of the
            configured ``config.model`` (tests).
    """

    def __init__(
        self,
        conn: ClientConnection,
        config: ServerConfig,
        *,
        model_factory: ModelFactory | None = None,
        db: SessionDB | None = None,
    ) -> None:
        self.conn = conn
        self.config = config
        self.model_factory = model_factory
        self._db = db
        self._db_lock = threading.Lock()
        self._model: Model | None = None
        self._model_error: Exception | None = None
        self._model_lock = threading.Lock()  # The warm-up thread may be building it.
        self._model_loaded = False
        self._http_client: Any = None
        """The model's pooled HTTP client, built with it (its TLS setup is slow), ours to close."""
        self.agent_factory: Callable[[dict[str, Any]], Agent[Any]] | None = None
        """Builds each session's agent from ``Agent``'s keyword arguments (``acp_server.serve``)."""

    @property
    def model_spec(self) -> str:
        """The configured model spec (``demo`` when empty)."""
        return self.config.model or "demo"

    @property
    def db(self) -> SessionDB:
        """The session database, opened on first use (by the warm-up, normally).

        One that cannot be used is reported on stderr and replaced by one in memory:
        sessions then work but do not survive a restart.
        """
        with self._db_lock:
            if self._db is None:
                from agentica.sessions import open_db

                self._db, problem = open_db()
                if problem:
                    logger.error("%s", problem)
                    sys.stderr.write(problem + "\n")  # Also when logs go to a file.
                    sys.stderr.flush()
            return self._db

    @property
    def model(self) -> Model | None:
        """The shared model, once created (None before, with a factory, or on failure)."""
        return self._model

    def supports_images(self) -> bool:
        """Whether prompts may carry images, decided without importing the model stack."""
        if self.model_factory is not None:
            try:
                return bool(self.model_factory().supports_images)
            except Exception:
                return False
        return spec_supports_images(self.model_spec)

    def warm_up_modules(self) -> tuple[str, ...]:
        """The model's own modules, for the warm-up to import (none with a factory)."""
        return () if self.model_factory is not None else model_modules(self.model_spec)

    def shared_model(self) -> Model:
        """The configured model, created once (raises its setup error every time)."""
        with self._model_lock:
            if not self._model_loaded:
                self._model_loaded = True
                try:
                    self._model = self._create_model()
                except Exception as e:  # Reported to the user in the session, not fatal.
                    logger.error("could not set up model %r: %s", self.model_spec, e)
                    self._model_error = e
        if self._model_error is not None:
            raise self._model_error
        assert self._model is not None
        return self._model

    def _create_model(self) -> Model:
        """The configured model; an OpenAI-compatible one gets its HTTP client now.

        Building the client loads the TLS certificates (tens of ms): done here, by the
        warm-up, rather than by the first prompt.
        """
        from agentica.models.openai import OpenAIChat
        from agentica.models.registry import get_model

        options = {"env_overrides": credential_overrides(self.config), **model_options(self.config)}
        model = get_model(self.model_spec, **options)
        if not isinstance(model, OpenAIChat):
            return model
        import openai

        httpx = _httpx_of(openai)
        self._http_client = openai.DefaultAsyncHttpxClient(
            timeout=openai.Timeout(model.timeout, connect=model.connect_timeout),
            limits=httpx.Limits(
                max_connections=model.max_connections,
                max_keepalive_connections=model.max_connections,
            ),
        )
        from agentica.models.openai_rehearsal import rehearse_first_request

        rehearse_first_request()  # The client's first-request set-up, done now, not mid-prompt.
        return get_model(self.model_spec, http_client=self._http_client, **options)

    def session_model(self) -> tuple[Model, bool]:
        """The model for a new session and whether it is the demo model."""
        if self.model_factory is not None:
            return self.model_factory(), False
        model = self.shared_model()
        return model, _is_demo(model, self.model_spec)

    def model_for(self, spec: str) -> Model:
        """A new model for ``spec`` (the test factory's model when one is set).

        Raises:
            ValueError: The model cannot be set up (the message says why).
        """
        if spec == self.model_spec and self.model_factory is None:
            return self.shared_model()
        if self.model_factory is not None:
            return self.model_factory()
        from agentica.models.registry import get_model

        options = {"env_overrides": credential_overrides(self.config), **model_options(self.config)}
        try:
            return get_model(spec, **options)
        except Exception as e:
            raise ValueError(f"cannot use model {spec!r}: {e}") from None

    def create(
        self,
        session_id: str,
        params: wire.NewSessionParams,
        capabilities: wire.ClientCapabilities,
        *,
        record: SessionRecord | None = None,
        history: Sequence[Message] = (),
    ) -> Session:
        """A session with its agent; a model that cannot be set up is reported in it.

        ``session/new``, ``session/load`` and ``session/resume`` all build their session
        here (``params`` of the latter two extend ``NewSessionParams``); a stored session
        passes its ``record`` and ``history``, which the agent continues from.
        """
        from acp_server.recorder import Recorder
        from agentica.sessions import SessionRecord

        roots = list(params.additional_directories or ())
        if record is None:
            mode = modes.default_mode(self.config.mode)
            record = SessionRecord(
                id=session_id, cwd=params.cwd, roots=roots, mode=mode,
                config={"model": self.model_spec},
            )
            recorder = Recorder(self.db, record, _notifier(self.conn, session_id))
        else:
            mode = record.mode if record.mode in modes.MODE_IDS else modes.default_mode(None)
            record.cwd, record.roots = params.cwd, roots
            recorder = Recorder(
                self.db, record, _notifier(self.conn, session_id),
                committed=len(history), saved=True,
            )
        notify = recorder.notify
        try:
            model, is_demo = self.session_model()
            stored = record.config.get("model")
            if isinstance(stored, str) and stored != self.model_spec:
                try:  # The model the session used last, if it can still be set up.
                    model, is_demo = self.model_for(stored), stored == "demo"
                except ValueError as e:
                    logger.warning("session %s: %s; using %s", session_id, e, self.model_spec)
                    record.config["model"] = self.model_spec
            effort = record.config.get("thought_level")  # Kept by ``slash.set_thought_level``.
            if isinstance(effort, str) and model.supports_reasoning_effort:
                model = with_reasoning_effort(model, effort)
        except Exception as e:
            return Session(
                id=session_id,
                cwd=params.cwd,
                agent=None,
                notify=notify,
                setup_error=describe_setup_error(e),
                mode=mode,
                recorder=recorder,
            )

        from acp_server.permissions import PermissionApprover
        from acp_server.workspace import KILL_GRACE, ClientWorkspace
        from agentica.agent import Agent
        from agentica.run import RunConfig
        from agentica.skills import SkillTool
        from agentica.tools.builtin import WorkspaceTools
        from agentica.tools.subagent_types import agent_dirs, load_subagent_types
        from agentica.tools.task import TaskTool

        ledger = CallLedger()
        workspace = ClientWorkspace(
            params.cwd,
            extra_roots=tuple(params.additional_directories or ()),
            allow_outside=self.config.allow_outside,
            conn=self.conn,
            session_id=session_id,
            capabilities=capabilities,
            kill_grace=KILL_GRACE,
            ledger=ledger,
        )
        approver = PermissionApprover(
            self.conn,
            session_id,
            announced=ledger.announced,
            wire_id=ledger.wire_id,
            mode=mode,
            roots=workspace.roots,
        )
        for tool_name, kind, decision in record.permissions:  # A stored session's answers.
            if decision in ("allow", "deny"):
                approver.remember(tool_name, kind, decision)
        # Subagents (``task``): the built-in types and the user's Markdown ones.
        task = TaskTool(types=load_subagent_types(agent_dirs(params.cwd)))
        skills = SkillTool.for_project(params.cwd)  # Read from disk, also with the editor's fs.
        from acp_server.mcp_tools import session_mcp

        mcp = session_mcp(
            self.config.mcp_servers, params.mcp_servers, cwd=params.cwd, session_id=session_id,
            startup_timeout=self.config.mcp_startup_timeout,
        )
        has_skills = bool(skills.skills)
        options: dict[str, Any] = {
            "model": model, "name": "agentica", "approver": approver, "session_id": session_id,
            "instructions": instructions_for(params.cwd, skills if has_skills else None),
            "tools": [WorkspaceTools(workspace), task, *([skills] if has_skills else [])],
            "max_turns": self.config.max_turns or 50, "work_dir": params.cwd,
            "mcp_servers": mcp or (), "history": history,
        }
        agent = self.agent_factory(options) if self.agent_factory else Agent(**options)
        task.bind(agent)
        used, cost = stored_usage(record.config)  # Known for a stored session.
        return Session(
            id=session_id,
            cwd=params.cwd,
            roots=tuple(roots),
            agent=agent,
            notify=notify,
            workspace=workspace,
            approver=approver,
            context_size=model.context_window or self.config.context_window,
            tokens_used=used,
            cost=cost,
            demo_notice=is_demo and not _demo_explains_itself(),
            ledger=ledger,
            mode=mode,
            recorder=recorder,
            run_config=RunConfig(
                token_limit=self.config.turn_token_limit,
                request_limit=self.config.turn_request_limit,
            ) if self.config.turn_token_limit or self.config.turn_request_limit else None,
        )

    async def aclose(self) -> None:
        """Commit the stored sessions' last writes; release the shared model's client."""
        if self._db is not None:
            import anyio

            # At most 0.3 s: a write stuck on another process's lock must not hold the exit
            # (the writer thread is a daemon; an unfinished transaction rolls back).
            with anyio.move_on_after(0.3, shield=True):
                await anyio.to_thread.run_sync(self._db.close, abandon_on_cancel=True)
        if self._model is not None:
            await self._model.aclose()
        if self._http_client is not None:
            await self._http_client.aclose()


def _httpx_of(openai: ModuleType) -> ModuleType:
    """The HTTP library the installed ``openai`` is built on (``httpx`` or its successor)."""
    for cls in openai.DefaultAsyncHttpxClient.__mro__:
        if cls.__name__ == "AsyncClient":
            return sys.modules[cls.__module__.split(".")[0]]
    import httpx

    return httpx


def _notifier(
    conn: ClientConnection, session_id: str
) -> Callable[[dict[str, Any]], Awaitable[None]]:
    async def notify(update: dict[str, Any]) -> None:
        await conn.notify("session/update", {"sessionId": session_id, "update": update})

    return notify


def _is_demo(model: Model, spec: str) -> bool:
    if spec == "demo":
        return True
    from agentica.models.demo import DemoModel

    return isinstance(model, DemoModel)


def _demo_explains_itself() -> bool:
    """Whether the demo model's own answers already say how to configure a real model."""
    from agentica.models.demo import HOW_TO_SWITCH

    # Its final answer of every turn ends with ``HOW_TO_SWITCH`` (how to pick a real model).
    return bool(HOW_TO_SWITCH)


__all__ = [
    "INSTRUCTIONS",
    "ModelFactory",
    "SessionFactory",
    "credential_overrides",
    "model_options",
]
