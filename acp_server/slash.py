"""Slash commands and the ``model`` config option of a live ACP session.

The commands themselves are ``agentica.commands``; this module is their host for one
session (``SessionHost``): the model switch goes through the session factory (the
conversation is kept), the mode through ``Session.set_mode``, ``/clear`` and
``/compact`` rewrite the stored history too. Also: the session's complete config option
list (mode + model) and its ``available_commands_update``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from acp_server import modes
from acp_server.factory import SessionFactory
from acp_server.sessions import Session

if TYPE_CHECKING:
    from agentica.messages import Message
    from agentica.models.base import Model

MODEL_CONFIG_ID = "model"


def current_model(session: Session, factory: SessionFactory) -> str:
    """The model spec the session uses."""
    if session.recorder is not None:
        stored = session.recorder.record.config.get("model")
        if isinstance(stored, str) and stored:
            return stored
    return factory.model_spec


def model_choices(factory: SessionFactory, current: str) -> list[str]:
    """The models the user can switch to: the current one, the configured list
    (``models``), the presets whose API key is set, and the demo."""
    from agentica.models.registry import list_presets

    config = factory.config
    found = [current, factory.model_spec, *config.models]
    for preset in list_presets():
        key = config.api_key if preset.name == "openai" else None
        if preset.needs_key and preset.resolve_api_key(key):
            found.append(f"{preset.name}/{preset.default_model}")
    found.append("demo")
    return list(dict.fromkeys(m for m in found if m))


def config_options(session: Session, factory: SessionFactory) -> list[dict[str, Any]]:
    """The complete ``SessionConfigOption`` list: the mode, then the model."""
    current = current_model(session, factory)
    model = {
        "id": MODEL_CONFIG_ID,
        "name": "Model",
        "description": "The model answering in this session (the conversation is kept)",
        "category": "model",
        "type": "select",
        "currentValue": current,
        "options": [{"value": m, "name": m} for m in model_choices(factory, current)],
    }
    return [*modes.config_options(session.mode), model]


def config_option_update(session: Session, factory: SessionFactory) -> dict[str, Any]:
    """The ``config_option_update`` payload (the full set)."""
    return {
        "sessionUpdate": "config_option_update",
        "configOptions": config_options(session, factory),
    }


def available_commands_update() -> dict[str, Any]:
    """The ``available_commands_update`` payload listing the slash commands."""
    from agentica.commands import COMMANDS

    listed: list[dict[str, Any]] = []
    for c in COMMANDS:
        entry: dict[str, Any] = {"name": c.name, "description": c.description}
        if c.hint:
            entry["input"] = {"hint": c.hint}
        listed.append(entry)
    return {"sessionUpdate": "available_commands_update", "availableCommands": listed}


def switch_model(session: Session, factory: SessionFactory, spec: str) -> str:
    """Give the session's agent the model ``spec``, keeping the conversation.

    Raises:
        ValueError: The model cannot be set up, or a turn is running.
    """
    spec = spec.strip()
    if session.agent is None:
        raise ValueError("this session has no working model to switch")
    if session.agent.is_running:
        raise ValueError("a turn is running; switch the model when it has ended")
    model = factory.model_for(spec)
    session.agent.model = model
    session.context_size = model.context_window or factory.config.context_window
    if session.recorder is not None:
        session.recorder.save(config={**session.recorder.record.config, "model": spec})
    return spec


class SessionHost:
    """``agentica.commands.CommandHost`` for one ACP session."""

    def __init__(self, session: Session, factory: SessionFactory) -> None:
        self.session = session
        self.factory = factory

    @property
    def history(self) -> list[Message]:
        return [] if self.session.agent is None else self.session.agent.messages

    def replace_history(self, messages: Sequence[Message]) -> None:
        if self.session.agent is not None:
            self.session.agent.reset(messages)
        if self.session.recorder is not None:
            self.session.recorder.replace_history(messages)

    @property
    def model(self) -> Model | None:
        return None if self.session.agent is None else self.session.agent.model

    def models(self) -> tuple[str, list[str]]:
        current = current_model(self.session, self.factory)
        return current, model_choices(self.factory, current)

    def set_model(self, name: str) -> str:
        return switch_model(self.session, self.factory, name)

    def modes(self) -> tuple[str, list[str]]:
        return self.session.mode, list(modes.MODE_IDS)

    def set_mode(self, mode: str) -> None:
        self.session.set_mode(modes.check_mode_id(mode))

    def status(self) -> list[tuple[str, str]]:
        s = self.session
        roots = ", ".join(f"`{r}`" for r in [s.cwd, *s.roots])
        db = self.factory.db
        where = "in memory only (not kept)" if db.path is None else f"`{db.path}`"
        used = f"{s.tokens_used} of {s.context_size}" if s.context_size else str(s.tokens_used)
        return [
            ("Model", f"`{current_model(s, self.factory)}`"),
            ("Mode", f"{modes.mode_name(s.mode)} (`{s.mode}`)"),
            ("Roots", roots),
            ("Context tokens used", used),
            ("Session", f"`{s.id}`"),
            ("Stored", where),
        ]


__all__ = [
    "MODEL_CONFIG_ID",
    "SessionHost",
    "available_commands_update",
    "config_option_update",
    "config_options",
    "current_model",
    "model_choices",
    "switch_model",
]
