"""The agent's approver in the ACP server: ask the editor via ``session/request_permission``.

Every tool call that needs approval becomes one permission request offering four
options (allow once / allow always / reject once / reject always). "Always" answers
are remembered for the rest of the session, per tool name and kind, so the editor is
asked at most once per tool when the user says so.

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
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from acp_server import wire
from acp_server.errors import REQUEST_CANCELLED, ConnectionClosed, RequestTimeout, RpcError
from acp_server.mapping import locations
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


class PermissionApprover:
    """An agentica ``Approver`` that asks the ACP client, remembering "always" answers.

    Args:
        conn: The connection to the client (``request()`` is used).
        session_id: The session whose tool calls this approver decides.
        announced: ``await announced(call_id)`` returns once the call's ``tool_call``
            update has been written; awaited before asking (None: ask at once).
    """

    def __init__(
        self,
        conn: Requester,
        session_id: str,
        *,
        announced: Callable[[str], Awaitable[None]] | None = None,
    ) -> None:
        self._conn = conn
        self._session_id = session_id
        self._announced = announced
        self._remembered: dict[tuple[str, str], ApprovalDecision] = {}

    @property
    def remembered(self) -> dict[tuple[str, str], ApprovalDecision]:
        """The "always" answers so far, keyed by ``(tool name, kind)``."""
        return dict(self._remembered)

    def forget(self) -> None:
        """Drop every remembered answer."""
        self._remembered.clear()

    async def __call__(self, request: ApprovalRequest) -> ApprovalDecision:
        """Decide one call: a remembered answer, or ask the client."""
        key = (request.tool_name, request.kind)
        if key in self._remembered:
            return self._remembered[key]
        params = wire.RequestPermissionParams(
            session_id=self._session_id,
            tool_call=wire.ToolCallUpdate(
                session_update=None,
                tool_call_id=request.call_id,
                title=request.title,
                kind=request.kind,
                status="pending",
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


__all__ = ["OPTIONS", "PermissionApprover", "Requester"]
