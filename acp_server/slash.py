"""Slash commands and the ``model`` config option of a live ACP session.

The commands themselves are ``agentica.commands``; this module is their host for one
session (``SessionHost``): the model switch goes through the session factory (the
conversation is kept), the mode through ``Session.set_mode``, ``/clear`` and
``/compact`` rewrite the stored history too. Also: the session's complete config option
list (mode, model and, for a model that takes ``reasoning_effort``, ``thought_level``)
and its ``available_commands_update``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from acp_server import modes
from acp_server.factory import SessionFactory
from acp_server.model_settings import REASONING_EFFORTS, with_reasoning_effort
from acp_server.sessions import Session

if TYPE_CHECKING:
    from agentica.messages import Message
    from agentica.models.base import Model

MODEL_CONFIG_ID = "model"
THOUGHT_CONFIG_ID = "thought_level"


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
    """The complete ``SessionConfigOption`` list: the mode, the model, the thinking effort."""
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
    thought = thought_option(session)
    return [*modes.config_options(session.mode), model, *([thought] if thought else [])]


def thought_option(session: Session) -> dict[str, Any] | None:
    """The ``thought_level`` option, for a model that takes a reasoning effort."""
    model = None if session.agent is None else session.agent.model
    if model is None or not model.supports_reasoning_effort:
        return None
    return {
        "id": THOUGHT_CONFIG_ID,
        "name": "Thinking effort",
        "description": "How hard the model reasons before it answers (reasoning_effort)",
        "category": "thought_level",
        "type": "select",
        "currentValue": model.reasoning_effort or "medium",  # OpenAI's default.
        "options": [{"value": e, "name": e.capitalize()} for e in REASONING_EFFORTS],
    }


def set_thought_level(session: Session, effort: str) -> None:
    """Ask the session's model for ``effort`` from its next request on (kept stored).

    Raises:
        ValueError: The model takes no reasoning effort, or ``effort`` is not one.
    """
    agent = session.agent
    if agent is None or not agent.model.supports_reasoning_effort:
        raise ValueError("this session's model takes no thinking effort")
    if effort not in REASONING_EFFORTS:
        raise ValueError(
            f"config option {THOUGHT_CONFIG_ID!r} must be one of "
            f"{', '.join(REASONING_EFFORTS)}, got {effort!r}"
        )
    agent.model = with_reasoning_effort(agent.model, effort)
    if session.recorder is not None:
        config = session.recorder.record.config
        session.recorder.save(config={**config, THOUGHT_CONFIG_ID: effort})


def set_option(session: Session, factory: SessionFactory, config_id: str, value: object) -> None:
    """``session/set_config_option`` for the model or the thinking effort.

    Raises:
        ValueError: An unknown option or value (the message lists the valid ones).
    """
    ids = [o["id"] for o in config_options(session, factory)]
    if config_id not in ids:
        raise ValueError(f"unknown config option {config_id!r}; this agent has: {', '.join(ids)}")
    if not isinstance(value, str):
        raise ValueError(f"config option {config_id!r} is a select: its value must be a string")
    if config_id == THOUGHT_CONFIG_ID:
        set_thought_level(session, value)
        return
    choices = model_choices(factory, current_model(session, factory))
    if value not in choices:
        raise ValueError(
            f"config option 'model' must be one of {', '.join(choices)}, got {value!r}"
        )
    switch_model(session, factory, value)


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
    effort = session.recorder.record.config.get(THOUGHT_CONFIG_ID) if session.recorder else None
    if isinstance(effort, str) and model.supports_reasoning_effort:  # Kept across a switch.
        model = with_reasoning_effort(model, effort)
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
            *([("Cost so far", f"${s.cost:.4f}")] if s.cost is not None else []),
            ("Session", f"`{s.id}`"),
            ("Stored", where),
        ]


__all__ = [
    "MODEL_CONFIG_ID",
    "THOUGHT_CONFIG_ID",
    "SessionHost",
    "available_commands_update",
    "config_option_update",
    "config_options",
    "current_model",
    "model_choices",
    "set_option",
    "set_thought_level",
    "switch_model",
    "thought_option",
]
