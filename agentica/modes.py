"""Permission modes: what may run without asking the user, and remembered answers.

One vocabulary for every front end (the ACP server, the ``agentica`` command). A session
is in one mode at a time:

=================  ====================================================================
``ask``            ask before every edit and command (the default)
``accept_edits``   edits inside the session's roots run without asking; commands ask
``read_only``      edits and commands are refused without asking
``full_access``    nothing asks, except paths outside the roots
=================  ====================================================================

``ModePolicy`` decides a call that needs approval (``agentica.tools.base.ApprovalRequest``)
from the mode and the remembered "always" answers; what it does not decide, the front end
asks the user. It reads ``mode`` at each decision, so a mode change mid-turn applies to
the next call decided. Precedence, first match wins:

1. ``read_only``: refused without asking, whatever was remembered (``ModeRefusal``: the
   model is told the session is read-only and that the user can switch modes).
2. A remembered "always reject" for the tool (for a file change: for any tool changing
   files): ``"deny"``, in every mode (an explicit "never" beats a permissive mode).
3. A remembered "always allow" for the tool: ``"allow"`` when every location of the
   call is inside a root (``inside_roots``); outside, it asks.
4. ``full_access``: ``"allow"`` when the call stays inside the roots (every location
   inside a root; a path tool without a resolvable location does not qualify).
5. ``accept_edits``: ``"allow"`` for file changes (kinds edit/delete/move) whose every
   location is inside a root; commands and everything else fall through.
6. Ask the user (``ask``, and whatever the steps above did not decide).

So a path outside the roots is never allowed by a mode alone.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from agentica._records import record
from agentica.exceptions import ToolError
from agentica.tools.base import ApprovalDecision, ApprovalRequest

ASK = "ask"
ACCEPT_EDITS = "accept_edits"
READ_ONLY = "read_only"
FULL_ACCESS = "full_access"


@record(kw_only=False)
class Mode:
    """One permission mode as the user sees it."""

    id: str
    name: str
    description: str


MODES: tuple[Mode, ...] = (
    Mode(ASK, "Ask", "Ask before editing files or running commands"),
    Mode(ACCEPT_EDITS, "Accept edits", "Edit project files without asking; ask before commands"),
    Mode(READ_ONLY, "Read only", "Read and search only: no file changes, no commands"),
    Mode(FULL_ACCESS, "Full access", "Edit and run without asking; paths outside the project ask"),
)
"""Every mode, in the order they are listed."""

MODE_IDS: tuple[str, ...] = tuple(m.id for m in MODES)
DEFAULT_MODE = ASK

FILE_CHANGE_KINDS = frozenset({"edit", "delete", "move"})
"""Tool kinds ``accept_edits`` allows inside the roots."""

PATH_KINDS = FILE_CHANGE_KINDS | {"read", "search"}
"""Tool kinds that act on paths: allowed by a mode only with every location inside a root."""


def mode_name(mode_id: str) -> str:
    """The display name of a mode (the id itself when unknown)."""
    return next((m.name for m in MODES if m.id == mode_id), mode_id)


def check_mode_id(mode_id: Any) -> str:
    """``mode_id`` if it names a mode; else ``ValueError`` listing the valid ids."""
    if isinstance(mode_id, str) and mode_id in MODE_IDS:
        return mode_id
    raise ValueError(f"unknown mode {mode_id!r}; available modes: {', '.join(MODE_IDS)}")


def read_only_refusal(tool_name: str) -> str:
    """What the model reads when a call was refused because the session is read-only."""
    others = ", ".join(m.name for m in MODES if m.id != READ_ONLY)
    return (
        f"Not run: this session is in {mode_name(READ_ONLY)} mode, which does not allow "
        f"{tool_name} (no file changes, no commands). Do not retry it; tell the user, who "
        f"can switch the session to another mode ({others}) to allow it."
    )


class ModeRefusal(ToolError):
    """Raised by an approver for a call the session's mode refuses (``read_only``).

    The engine turns an approver's exception into a failed call (never run) whose text,
    shown to the model and the user, includes this message. A ``ToolError``: its message
    is meant for the model verbatim.
    """


class ModePolicy:
    """The mode and remembered "always" answers of one session (see the module doc).

    Args:
        mode: The permission mode (``MODE_IDS``), read at each decision.
        roots: The session's directories; paths outside them always ask.
    """

    def __init__(
        self, *, mode: str = DEFAULT_MODE, roots: Iterable[str | os.PathLike[str]] = ()
    ) -> None:
        self.mode = mode
        """The session's permission mode, read at each decision."""
        self._roots = tuple(Path(r) for r in roots)
        self._remembered: dict[tuple[str, str], ApprovalDecision] = {}

    def inside_roots(self, request: ApprovalRequest) -> bool:
        """Whether every location of the call is inside a root (see the module doc)."""
        if not request.locations:
            return request.kind not in PATH_KINDS
        for loc in request.locations:
            path = Path(os.path.normpath(loc.path))
            if not path.is_absolute() or not any(
                path == root or path.is_relative_to(root) for root in self._roots
            ):
                return False
        return True

    def mode_decision(self, request: ApprovalRequest) -> ApprovalDecision | None:
        """The decision the mode and remembered answers make, or None: ask the user.

        Raises:
            ModeRefusal: The session is read-only.
        """
        if self.mode == READ_ONLY:
            raise ModeRefusal(read_only_refusal(request.tool_name))
        remembered = self.remembered_decision(request)
        if remembered is not None:
            return remembered
        if self.mode == FULL_ACCESS and self.inside_roots(request):
            return "allow"
        if (
            self.mode == ACCEPT_EDITS
            and request.kind in FILE_CHANGE_KINDS
            and request.locations
            and self.inside_roots(request)
        ):
            return "allow"
        return None

    def remembered_decision(self, request: ApprovalRequest) -> ApprovalDecision | None:
        """What a remembered "always" answer decides for the call (module doc), or None."""
        if request.kind in FILE_CHANGE_KINDS and any(
            decision == "deny" and kind in FILE_CHANGE_KINDS
            for (_, kind), decision in self._remembered.items()
        ):
            return "deny"
        remembered = self._remembered.get((request.tool_name, request.kind))
        if remembered == "allow" and not self.inside_roots(request):
            return None  # "Always allow" never reaches outside the roots.
        return remembered

    @property
    def remembered(self) -> dict[tuple[str, str], ApprovalDecision]:
        """The "always" answers so far, keyed by ``(tool name, kind)``."""
        return dict(self._remembered)

    def remember(self, tool_name: str, kind: str, decision: ApprovalDecision) -> None:
        """Remember an "always" answer (one given earlier, e.g. in a stored session)."""
        self._remembered[(tool_name, kind)] = decision

    def forget(self) -> None:
        """Drop every remembered answer."""
        self._remembered.clear()


__all__ = [
    "ACCEPT_EDITS",
    "ASK",
    "DEFAULT_MODE",
    "FILE_CHANGE_KINDS",
    "FULL_ACCESS",
    "MODES",
    "MODE_IDS",
    "PATH_KINDS",
    "READ_ONLY",
    "Mode",
    "ModePolicy",
    "ModeRefusal",
    "check_mode_id",
    "mode_name",
    "read_only_refusal",
]
