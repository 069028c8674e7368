"""Session permission modes: what may run without asking the user.

Every session is in one mode at a time, shown to the editor in two equivalent views
(acp-spec §6, §13): the ``modes`` state (``session/set_mode``, ``current_mode_update``;
stable but deprecated) and a ``select`` config option with ``category: "mode"``
(``session/set_config_option``, ``config_option_update``). Both are plain dicts built
here, without pydantic, and validated against the official schema in the tests.

=================  ====================================================================
``ask``            ask before every edit and command (the default)
``accept_edits``   edits inside the session's roots run without asking; commands ask
``read_only``      edits and commands are refused without asking
``full_access``    nothing asks, except paths outside the roots
=================  ====================================================================

The vocabulary and the decision (how a mode combines with remembered "always" answers)
are ``agentica.modes``, shared with the ``agentica`` command, and re-exported here on
first use: the server reads its settings and answers ``initialize`` before it imports
agentica (``acp_server.startup``), so only the mode ids are spelled out here, for the
config (a test keeps them equal to agentica's).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from agentica.modes import MODES, Mode, check_mode_id, mode_name, read_only_refusal

logger = logging.getLogger(__name__)

ASK = "ask"
ACCEPT_EDITS = "accept_edits"
READ_ONLY = "read_only"
FULL_ACCESS = "full_access"
MODE_IDS: tuple[str, ...] = (ASK, ACCEPT_EDITS, READ_ONLY, FULL_ACCESS)
DEFAULT_MODE = ASK

_FROM_AGENTICA = frozenset({"MODES", "Mode", "check_mode_id", "mode_name", "read_only_refusal"})


def __getattr__(name: str) -> Any:
    """``MODES``, ``Mode``, ``check_mode_id``, ``mode_name``, ``read_only_refusal``:
    ``agentica.modes``' (imported on first use, see the module doc)."""
    if name in _FROM_AGENTICA:
        import agentica.modes

        return getattr(agentica.modes, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

MODE_CONFIG_ID = "mode"
"""The ``configId`` of the mode option."""


def default_mode(configured: str | None) -> str:
    """The mode new sessions start in: ``configured`` if it is a mode, else ``ask``.

    The server config validates ``mode`` when loaded, so the fallback is only a guard.
    """
    if configured in MODE_IDS:
        return configured
    if configured:
        logger.warning("unknown default mode %r; sessions start in %r", configured, DEFAULT_MODE)
    return DEFAULT_MODE


def mode_state(current: str) -> dict[str, Any]:
    """The ``SessionModeState`` (``modes`` of ``session/new``)."""
    from agentica.modes import MODES

    return {
        "currentModeId": current,
        "availableModes": [
            {"id": m.id, "name": m.name, "description": m.description}
            for m in MODES
        ],
    }


def config_options(current: str) -> list[dict[str, Any]]:
    """The complete ``SessionConfigOption`` list: the mode as a ``select``."""
    from agentica.modes import MODES

    return [
        {
            "id": MODE_CONFIG_ID,
            "name": "Mode",
            "description": "What the agent may do without asking you",
            "category": "mode",
            "type": "select",
            "currentValue": current,
            "options": [
                {"value": m.id, "name": m.name, "description": m.description}
                for m in MODES
            ],
        }
    ]


def current_mode_update(current: str) -> dict[str, Any]:
    """The ``current_mode_update`` ``session/update`` payload."""
    return {"sessionUpdate": "current_mode_update", "currentModeId": current}


def config_option_update(current: str) -> dict[str, Any]:
    """The ``config_option_update`` ``session/update`` payload (the full set)."""
    return {"sessionUpdate": "config_option_update", "configOptions": config_options(current)}


__all__ = [
    "ACCEPT_EDITS",
    "ASK",
    "DEFAULT_MODE",
    "FULL_ACCESS",
    "MODES",
    "MODE_CONFIG_ID",
    "MODE_IDS",
    "READ_ONLY",
    "Mode",
    "check_mode_id",
    "config_option_update",
    "config_options",
    "current_mode_update",
    "default_mode",
    "mode_name",
    "mode_state",
    "read_only_refusal",
]
