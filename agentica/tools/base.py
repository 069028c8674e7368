"""Shared tool-side types: what a tool returns, the running call's context, approvals.

A tool may return any value (it is turned into text for the model) or a
``ToolResult`` when it also has something to show the user (a diff, a terminal, file
locations). While it runs, ``current_call()`` gives it the ``ToolCallContext`` of its
call, through which it can report live progress (e.g. the id of an editor terminal).

Tools that change things are gated by an ``Approver``: an async callable the agent is
given (the ACP server's asks the editor through ``session/request_permission``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextvars import ContextVar, Token
from dataclasses import field
from typing import Any, Literal, TypeAlias

from agentica._records import record
from agentica.events import (
    ImageContent,
    Location,
    RunEvent,
    ToolCallProgress,
    ToolContent,
    ToolKind,
)


@record
class ToolResult:
    """A tool's result with user-facing extras.

    Attributes:
        text: What the model receives.
        content: What the user sees in the tool call (diffs, terminal, text). When empty,
            ``text`` is shown.
        locations: Files the call touched.
        raw_output: Structured output for ``rawOutput`` (any JSON-able value).
        images: Images the model receives with ``text`` (when it accepts images). They
            are not shown by themselves: put them in ``content`` too for the user.
    """

    text: str
    content: tuple[ToolContent, ...] = ()
    locations: tuple[Location, ...] | None = None
    raw_output: Any = None
    images: tuple[ImageContent, ...] = ()


@record
class CallDescription:
    """How a call is shown before it runs: a human title and the files it touches."""

    title: str
    locations: tuple[Location, ...] = ()


@record(frozen=False)
class ToolCallContext:
    """The context of the tool call being executed (see ``current_call()``)."""

    call_id: str
    tool_name: str
    arguments: dict[str, Any] = field(default_factory=dict)
    emit: Callable[[RunEvent], Awaitable[None]]
    """Sends an event into the run's stream (e.g. a ``PlanUpdated``)."""
    run: Any = None
    """The ``agentica.context.RunContext`` of the run (``None`` outside a run)."""
    agent: str | None = None
    """Name of the agent making the call: events a tool makes should carry it (``emit``
    passes events on as they are, so set ``agent=ctx.agent`` when making one)."""

    async def progress(
        self,
        *,
        content: tuple[ToolContent, ...] | None = None,
        title: str | None = None,
        locations: tuple[Location, ...] | None = None,
    ) -> None:
        """Report live progress of this call to the user."""
        await self.emit(
            ToolCallProgress(
                call_id=self.call_id, content=content, title=title, locations=locations,
                agent=self.agent,
            )
        )


_current_call: ContextVar[ToolCallContext | None] = ContextVar(
    "agentica_current_tool_call", default=None
)


def current_call() -> ToolCallContext | None:
    """The context of the tool call running in this task, or ``None`` outside a call."""
    return _current_call.get()


class call_context:
    """Make ``context`` the ``current_call()`` inside a ``with`` block (engine and tests).

    A plain class rather than ``@contextmanager``: it is entered once per tool call.
    """

    __slots__ = ("_context", "_token")

    def __init__(self, context: ToolCallContext) -> None:
        self._context = context
        self._token: Token[ToolCallContext | None] | None = None

    def __enter__(self) -> ToolCallContext:
        self._token = _current_call.set(self._context)
        return self._context

    def __exit__(self, *exc_info: object) -> None:
        if self._token is not None:
            _current_call.reset(self._token)
            self._token = None


# --- Approval ----------------------------------------------------------------------------

ApprovalDecision: TypeAlias = Literal["allow", "deny", "cancel"]
"""``deny`` reports a rejection to the model; ``cancel`` ends the run as cancelled."""


@record
class ApprovalRequest:
    """A tool call that needs the user's approval before it runs."""

    call_id: str
    tool_name: str
    title: str
    kind: ToolKind
    arguments: dict[str, Any]
    locations: tuple[Location, ...] = ()


Approver: TypeAlias = Callable[[ApprovalRequest], Awaitable[ApprovalDecision]]
"""Decides whether a call that changes things may run.

Raising ``ToolError`` denies the call with that message as the model's result (e.g. "this
session is read-only"); any other exception denies it as a failed approval.
"""

__all__ = [
    "ApprovalDecision",
    "ApprovalRequest",
    "Approver",
    "CallDescription",
    "ToolCallContext",
    "ToolResult",
    "call_context",
    "current_call",
]
