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

Modes are a session-wide policy on top of the remembered answers: the decision
(``mode_decision``, precedence in ``agentica.modes``) is ``agentica.modes.ModePolicy``,
which this approver extends with asking the editor. A path outside the roots is never
allowed by a mode alone: it asks, as in ``ask`` (and the workspace still refuses it
unless the server allows paths outside).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, Protocol

from acp_server import wire
from acp_server.errors import REQUEST_CANCELLED, ConnectionClosed, RequestTimeout, RpcError
from acp_server.mapping import call_content, locations, safe_title
from acp_server.modes import DEFAULT_MODE
from agentica.modes import FILE_CHANGE_KINDS, PATH_KINDS, ModePolicy, ModeRefusal
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

class Requester(Protocol):
    """What the approver needs of the connection."""

    async def request(self, method: str, params: dict[str, Any]) -> Any: ...


class PermissionApprover(ModePolicy):
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
        super().__init__(mode=mode, roots=roots)
        self._conn = conn
        self._session_id = session_id
        self._announced = announced
        self._wire_id = wire_id or str

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
                self.remember(*key, "allow")
                return "allow"
            case "reject_always":
                self.remember(*key, "deny")
                return "deny"
            case "reject_once":
                return "deny"
            case other:
                logger.warning("unknown permission option %r; treating it as a rejection", other)
                return "deny"


__all__ = [
    "FILE_CHANGE_KINDS",
    "OPTIONS",
    "PATH_KINDS",
    "ModeRefusal",
    "PermissionApprover",
    "Requester",
]
