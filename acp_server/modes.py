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

How a mode combines with remembered "always" answers is in ``acp_server.permissions``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

logger = logging.getLogger(__name__)

ASK = "ask"
ACCEPT_EDITS = "accept_edits"
READ_ONLY = "read_only"
FULL_ACCESS = "full_access"

MODE_CONFIG_ID = "mode"
"""The ``configId`` of the mode option."""


@dataclass(frozen=True, slots=True)
class Mode:
    """One permission mode as the editor shows it."""

    id: str
    name: str
    description: str


MODES: tuple[Mode, ...] = (
    Mode(ASK, "Ask", "Ask before editing files or running commands"),
    Mode(ACCEPT_EDITS, "Accept edits", "Edit project files without asking; ask before commands"),
    Mode(READ_ONLY, "Read only", "Read and search only: no file changes, no commands"),
    Mode(FULL_ACCESS, "Full access", "Edit and run without asking; paths outside the project ask"),
)
"""Every mode, in the order the editor lists them."""

MODE_IDS: tuple[str, ...] = tuple(m.id for m in MODES)
DEFAULT_MODE = ASK


def mode_name(mode_id: str) -> str:
    """The display name of a mode (the id itself when unknown)."""
    return next((m.name for m in MODES if m.id == mode_id), mode_id)


def check_mode_id(mode_id: Any) -> str:
    """``mode_id`` if it names a mode; else ``ValueError`` listing the valid ids."""
    if isinstance(mode_id, str) and mode_id in MODE_IDS:
        return mode_id
    raise ValueError(f"unknown mode {mode_id!r}; available modes: {', '.join(MODE_IDS)}")


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
    return {
        "currentModeId": current,
        "availableModes": [
            {"id": m.id, "name": m.name, "description": m.description} for m in MODES
        ],
    }


def config_options(current: str) -> list[dict[str, Any]]:
    """The complete ``SessionConfigOption`` list: the mode as a ``select``."""
    return [
        {
            "id": MODE_CONFIG_ID,
            "name": "Mode",
            "description": "What the agent may do without asking you",
            "category": "mode",
            "type": "select",
            "currentValue": current,
            "options": [
                {"value": m.id, "name": m.name, "description": m.description} for m in MODES
            ],
        }
    ]


def current_mode_update(current: str) -> dict[str, Any]:
    """The ``current_mode_update`` ``session/update`` payload."""
    return {"sessionUpdate": "current_mode_update", "currentModeId": current}


def config_option_update(current: str) -> dict[str, Any]:
    """The ``config_option_update`` ``session/update`` payload (the full set)."""
    return {"sessionUpdate": "config_option_update", "configOptions": config_options(current)}


def read_only_refusal(tool_name: str) -> str:
    """What the model reads when a call was refused because the session is read-only."""
    others = ", ".join(m.name for m in MODES if m.id != READ_ONLY)
    return (
        f"Not run: this session is in {mode_name(READ_ONLY)} mode, which does not allow "
        f"{tool_name} (no file changes, no commands). Do not retry it; tell the user, who "
        f"can switch the session to another mode ({others}) to allow it."
    )


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
