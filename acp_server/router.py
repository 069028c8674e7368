"""``AcpRouter``: serves an ``AcpAgent`` over a JSON-RPC connection.

The JSON-RPC boundary, in one place for every method: a request's params are parsed
once into the method's wire model (bad params: -32602 naming the field), a session's
method looks its ``sessionId`` up once (unknown: -32602 naming the id, before anything
else is checked), and the result model is dumped to JSON. The routes are built on first
use, after the warm-up: the wire models import pydantic, which answering ``initialize``
must not wait for (``acp_server.startup``).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from acp_server.agent import AcpAgent
from acp_server.auth import SignIn
from acp_server.errors import RpcError
from acp_server.jsonrpc import NotificationHandler, RequestHandler
from acp_server.sessions import Session

if TYPE_CHECKING:
    from acp_server.wire import WireModel

logger = logging.getLogger(__name__)

REQUESTS = (
    "initialize",
    "authenticate",
    "logout",
    "session/new",
    "session/load",
    "session/resume",
    "session/list",
    "session/close",
    "session/delete",
    "session/prompt",
    "session/set_mode",
    "session/set_config_option",
)
"""The requests the agent answers (anything else: -32601)."""

NOTIFICATIONS = ("session/cancel",)
"""The notifications the agent acts on (others are ignored)."""

SESSION_METHODS = frozenset(
    {
        "session/prompt",
        "session/set_mode",
        "session/set_config_option",
        "session/cancel",
        "session/close",
    }
)
"""Methods of an existing session: the router looks the session up for them."""

CANCELLED_RESULTS: Mapping[str, Any] = {"session/prompt": {"stopReason": "cancelled"}}
"""acp-spec §10.2: a cancelled prompt answers a result, never an error (clients show
errors to users), also when it was cancelled with ``$/cancel_request`` (§10.3)."""


@dataclass(frozen=True, slots=True)
class Route:
    """How one method is served: its params model and the agent's method.

    ``call(agent, session, params)`` for a session's method, else ``call(agent, params)``.
    """

    params: type[WireModel]
    call: Callable[..., Awaitable[WireModel | None]]


def routes() -> dict[str, Route]:
    """The method table (imports the wire models)."""
    from acp_server import wire

    return {
        "initialize": Route(wire.InitializeParams, AcpAgent.initialize),
        "session/new": Route(wire.NewSessionParams, AcpAgent.new_session),
        "session/load": Route(wire.LoadSessionParams, AcpAgent.load_session),
        "session/resume": Route(wire.ResumeSessionParams, AcpAgent.resume_session),
        "session/list": Route(wire.ListSessionsParams, AcpAgent.list_sessions),
        "session/close": Route(wire.CloseSessionParams, AcpAgent.close_session),
        "session/delete": Route(wire.DeleteSessionParams, AcpAgent.delete_session),
        "session/prompt": Route(wire.PromptParams, AcpAgent.prompt),
        "session/set_mode": Route(wire.SetModeParams, AcpAgent.set_mode),
        "session/set_config_option": Route(wire.SetConfigOptionParams, AcpAgent.set_config_option),
        "session/cancel": Route(wire.CancelParams, AcpAgent.cancel),
    }


class AcpRouter:
    """The ``Handlers`` (``acp_server.jsonrpc``) that serve ``agent``."""

    def __init__(self, agent: AcpAgent, *, sign_in: SignIn | None = None) -> None:
        self.agent = agent
        self.sign_in = sign_in or SignIn(agent.config, enabled=False)
        """``authMethods``, ``authenticate``, ``logout``, the -32000 gate (``acp_server.auth``)."""
        self.requests: dict[str, RequestHandler] = {
            name: partial(self.answer, name) for name in REQUESTS
        }
        self.notifications: dict[str, NotificationHandler] = {
            name: partial(self.notified, name) for name in NOTIFICATIONS
        }
        self.cancelled_results = CANCELLED_RESULTS
        self._routes: dict[str, Route] | None = None

    async def answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        """Serve one request: its JSON result (raises ``RpcError``)."""
        self.sign_in.check(method)
        if method in ("authenticate", "logout"):
            return await self._sign_in(method, params)
        session = (
            self.agent.sessions.get(params.get("sessionId")) if method in SESSION_METHODS else None
        )
        result = await self._call(method, session, params)
        if method == "initialize":
            result = self.sign_in.amend(result, params.get("clientCapabilities"))
        return result

    async def _sign_in(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        """``authenticate`` / ``logout``; new sessions get the model they chose."""
        sign_in = self.sign_in
        changed = sign_in.authenticate(params) if method == "authenticate" else sign_in.logout()
        if changed:
            await self.agent.ready()  # The warm-up may still be using the old factory.
            from acp_server.factory import SessionFactory

            old = self.agent.factory
            # The old factory's model stays with the sessions that have it (not closed).
            self.agent.factory = SessionFactory(
                self.agent.conn, self.agent.config, model_factory=old.model_factory, db=old.db
            )
        return {}

    async def notified(self, method: str, params: dict[str, Any]) -> None:
        """Act on one notification; bad params and unknown sessions are logged, not fatal."""
        session: Session | None = None
        if method in SESSION_METHODS:
            session = self.agent.sessions.find(params.get("sessionId"))
            if session is None:
                logger.info("%s for unknown session %r ignored", method, params.get("sessionId"))
                return
        try:
            await self._call(method, session, params)
        except RpcError as e:
            logger.warning("ignored %s notification: %s", method, e.message)

    async def _call(
        self, method: str, session: Session | None, params: dict[str, Any]
    ) -> dict[str, Any]:
        await self.agent.ready()
        from acp_server import wire

        if self._routes is None:
            self._routes = routes()
        route = self._routes[method]
        parsed = wire.parse(route.params, params)
        if session is None:
            result = await route.call(self.agent, parsed)
        else:
            result = await route.call(self.agent, session, parsed)
        return {} if result is None else wire.dump(result)

    async def aclose(self) -> None:
        """Cancel every running turn and release the model."""
        await self.agent.aclose()


__all__ = ["CANCELLED_RESULTS", "NOTIFICATIONS", "REQUESTS", "AcpRouter", "Route", "routes"]
