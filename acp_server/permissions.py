"""The agent's approver in the ACP server: ask the editor via ``session/request_permission``.

Every tool call that needs approval becomes one permission request offering four
options (allow once / allow always / reject once / reject always). "Always" answers
are remembered for the rest of the session, per tool name and kind, with two limits
that keep them from reaching further than the user meant:

- "Always allow" covers calls of that tool *inside the session's roots* only. A call
  touching a path outside them (possible with ``--allow-outside``) asks every time.
- "Always reject" of a tool that changes files (kind edit, delete or move, e.g.
  ``write_file``) rejects every tool that changes files (``edit_file`` too), inside
  the roots or not; "always reject" of another tool rejects that tool.

A call's title and content are shown as they will run: titles are escaped
(``mapping.safe_title``) and a command is shown in full (``mapping.call_content``).

Outcomes map onto the agent's decisions:

- an ``allow_*`` option -> ``"allow"``;
- a ``reject_*`` option -> ``"deny"`` (the model is told the user rejected the call);
- ``{"outcome": "cancelled"}`` (the client cancelled the turn) -> ``"cancel"``.

The request is sent only once the call's ``tool_call`` update has been written
(``announced``, see ``acp_server.sessions.CallLedger``): the editor must know the call
before it is asked about it (acp-spec §8).

If the awaiting task is cancelled (``session/cancel`` cancelled the turn), the
connection sends ``$/cancel_request`` for the outstanding request and the cancellation
propagates: the tool never runs.

Modes (``acp_server.modes``) are a session-wide policy on top of the remembered answers.
The approver reads its ``mode`` at each decision, so a mode change mid-turn applies to the
next call decided. Precedence, first match wins:

1. ``read_only``: refused without asking, whatever was remembered; the model is told the
   session is read-only and that the user can switch modes (``ModeRefusal``).
2. A remembered "always reject" for the tool (for a file change: for any tool changing
   files): ``"deny"``, in every mode (an explicit "never" beats a permissive mode).
3. A remembered "always allow" for the tool: ``"allow"`` when every location of the
   call is inside a root (see ``inside_roots``); outside, it asks.
4. ``full_access``: ``"allow"`` when the call stays inside the session's roots (every
   location inside a root; a path tool without a resolvable location does not qualify).
5. ``accept_edits``: ``"allow"`` for file changes (kinds edit/delete/move) whose every
   location is inside a root; commands and everything else fall through.
6. Ask the client (``ask``, and whatever the steps above did not decide).

So a path outside the roots is never allowed by a mode alone: it asks, as in ``ask``
(and the workspace still refuses it unless the server allows paths outside).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import Any, Protocol

from acp_server import wire
from acp_server.errors import REQUEST_CANCELLED, ConnectionClosed, RequestTimeout, RpcError
from acp_server.mapping import call_content, locations, safe_title
from acp_server.modes import ACCEPT_EDITS, DEFAULT_MODE, FULL_ACCESS, READ_ONLY, read_only_refusal
from agentica.exceptions import ToolError
from agentica.tools.base import ApprovalDecision, ApprovalRequest

logger = logging.getLogger(__name__)

ALLOW_ONCE = "allow_once"
ALLOW_ALWAYS = "allow_always"
REJECT_ONCE = "reject_once"
REJECT_ALWAYS = "reject_always"

OPTIONS: tuple[wire.PermissionOption, ...] = (
    wire.PermissionOption(option_id=ALLOW_ONCE, name="Allow", kind="allow_once"),
    wire.PermissionOption(option_id=ALLOW_ALWAYS, name="Always allow", kind="allow_always"),
    wire.PermissionOption(option_id=REJECT_ONCE, name="Reject", kind="reject_once"),
    wire.PermissionOption(option_id=REJECT_ALWAYS, name="Always reject", kind="reject_always"),
)
"""The options offered with every permission request."""

FILE_CHANGE_KINDS = frozenset({"edit", "delete", "move"})
"""Tool kinds ``accept_edits`` allows inside the roots."""

PATH_KINDS = FILE_CHANGE_KINDS | {"read", "search"}
"""Tool kinds that act on paths: allowed by a mode only with every location inside a root."""


class ModeRefusal(ToolError):
    """Raised by the approver for a call the session's mode refuses (``read_only``).

    The engine turns an approver's exception into a failed call (never run) whose text,
    shown to the model and the user, includes this message. A ``ToolError``: its message
    is meant for the model verbatim.
    """


class Requester(Protocol):
    """What the approver needs of the connection."""

    async def request(self, method: str, params: dict[str, Any]) -> Any: ...


class PermissionApprover:
    """An agentica ``Approver`` that asks the ACP client, remembering "always" answers.

    Args:
        conn: The connection to the client (``request()`` is used).
        session_id: The session whose tool calls this approver decides.
        announced: ``await announced(call_id)`` returns once the call's ``tool_call``
            update has been written; awaited before asking (None: ask at once).
        wire_id: The call's ``toolCallId`` on the wire for the model's call id (the
            session's ``CallLedger.wire_id``; None: the same id).
    """

    def __init__(
        self,
        conn: Requester,
        session_id: str,
        *,
        announced: Callable[[str], Awaitable[None]] | None = None,
        wire_id: Callable[[str], str] | None = None,
        mode: str = DEFAULT_MODE,
        roots: Iterable[str | os.PathLike[str]] = (),
    ) -> None:
        self._conn = conn
        self._session_id = session_id
        self._announced = announced
        self._wire_id = wire_id or str
        self._remembered: dict[tuple[str, str], ApprovalDecision] = {}
        self.mode = mode
        """The session's permission mode (``acp_server.modes``), read at each decision."""
        self._roots = tuple(Path(r) for r in roots)

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
        """The decision the mode and remembered answers make, or None: ask the client.

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

    async def __call__(self, request: ApprovalRequest) -> ApprovalDecision:
        """Decide one call: by mode or remembered answer, or ask the client."""
        key = (request.tool_name, request.kind)
        decided = self.mode_decision(request)
        if decided is not None:
            logger.debug("call %s decided %s in mode %s", request.call_id, decided, self.mode)
            return decided
        params = wire.RequestPermissionParams(
            session_id=self._session_id,
            tool_call=wire.ToolCallUpdate(
                session_update=None,
                tool_call_id=self._wire_id(request.call_id),
                title=safe_title(request.title),
                kind=request.kind,
                status="pending",
                content=call_content(request.kind, request.arguments),
                locations=locations(request.locations) or None,
                raw_input=request.arguments,
            ),
            options=list(OPTIONS),
        )
        if self._announced is not None:
            await self._announced(request.call_id)
        try:
            raw = await self._conn.request("session/request_permission", wire.dump(params))
        except RequestTimeout as e:
            logger.warning("permission request for %s timed out: %s", request.call_id, e.message)
            return "deny"
        except ConnectionClosed:
            return "cancel"
        except RpcError as e:
            if e.code == REQUEST_CANCELLED:  # The client cancelled the request.
                return "cancel"
            logger.warning("permission request for %s failed: %s", request.call_id, e.message)
            return "deny"
        try:
            result = wire.parse(wire.RequestPermissionResult, raw)
        except RpcError as e:
            logger.warning("unusable permission answer for %s: %s", request.call_id, e.message)
            return "deny"
        outcome = result.outcome
        if isinstance(outcome, wire.CancelledOutcome):
            return "cancel"
        match outcome.option_id:
            case "allow_once":
                return "allow"
            case "allow_always":
                self._remembered[key] = "allow"
                return "allow"
            case "reject_always":
                self._remembered[key] = "deny"
                return "deny"
            case "reject_once":
                return "deny"
            case other:
                logger.warning("unknown permission option %r; treating it as a rejection", other)
                return "deny"


__all__ = ["FILE_CHANGE_KINDS", "OPTIONS", "ModeRefusal", "PermissionApprover", "Requester"]
