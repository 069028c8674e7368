"""The state of one run: its context, what it accumulates, and how it ends.

``RunState`` is owned by one task at a time (the engine's, see ``agentica._engine``).
``cancel()`` may be called from any thread. ``finish()`` gives every run the same
ending: every started tool call gets ``ToolCallFinished(status="cancelled")``, then
``RunFinished``, and the history is repaired (a tool result for every tool call)
whatever the way the run was cancelled.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import field
from typing import TYPE_CHECKING, Any

import anyio
import anyio.lowlevel

from agentica._records import record
from agentica.context import RunContext
from agentica.events import RunEvent, RunFinished, StopReason, ToolCallFinished, Usage
from agentica.messages import Message, ToolCall
from agentica.models.base import Model, ToolSpec
from agentica.tools.base import Approver
from agentica.tools.call import FunctionCallResult, Hooks
from agentica.tools.function import Function

if TYPE_CHECKING:
    from agentica.run import OutputSpec, RunConfig, RunResponse

Emit = Callable[[RunEvent], Awaitable[None]]
"""Hands an event to the run's consumer."""

logger = logging.getLogger("agentica")

CANCELLED_TEXT = "Cancelled: the run was cancelled before this tool call finished."
REJECTED_TEXT = "The user rejected this tool call; do not retry it without asking."


class RunCancelled(Exception):
    """The run was cancelled cooperatively (flag or tool-phase scope)."""


@record(frozen=False, slots=False)
class Limits:
    """A run's budgets (see ``RunConfig``); ``None`` means no limit."""

    max_tokens: int | None = None
    max_cost: float | None = None
    """US dollars, compared with ``usage.cost`` (an unknown cost never trips it)."""
    max_requests: int | None = None
    warned: bool = False

    @classmethod
    def of(cls, config: RunConfig) -> Limits | None:
        """The budgets ``config`` sets, or None when it sets none."""
        if not (config.token_limit or config.cost_limit is not None or config.request_limit):
            return None
        return cls(
            max_tokens=config.token_limit, max_cost=config.cost_limit,
            max_requests=config.request_limit,
        )

    def exceeded(self, usage: Usage) -> str | None:
        """Why the usage is over budget (``None`` when it is not)."""
        tokens = usage.total_tokens or usage.input_tokens + usage.output_tokens
        if self.max_tokens is not None and tokens >= self.max_tokens:
            return f"the run's token budget ({self.max_tokens} tokens) is used up"
        if self.max_cost is not None:
            if usage.cost is None:
                if not self.warned:
                    self.warned = True
                    logger.warning(
                        "agentica: cost_limit is not enforced: the model's prices are "
                        "unknown (give RunConfig(prices=...) or the model's prices=)"
                    )
            elif usage.cost >= self.max_cost:
                return f"the run's cost budget (${self.max_cost:g}) is used up"
        return None


@record(frozen=False, slots=False, eq=False)
class RunState:
    """Everything one run needs and accumulates. Owned by one task at a time."""

    run_id: str
    model: Model
    functions: dict[str, Function]
    system: str | None
    history: list[Message]
    """The context before this run (not modified)."""
    new_messages: list[Message]
    """Messages of this run, starting with the prompt."""
    max_turns: int = 50
    parallel: bool = True
    max_concurrency: int | None = None
    approver: Approver | None = None
    hooks: Hooks | None = None
    output_spec: OutputSpec | None = None
    """How the structured output (``response_model``) is asked for and what came back."""
    on_finish: Callable[[RunState], None] | None = None
    """Called exactly once when the run is over (commits the history, frees the agent)."""
    agent_name: str | None = None
    """Name of the agent running (events are tagged with it; a handoff changes it)."""
    run_context: RunContext[Any] = field(default_factory=lambda: RunContext(deps=None))
    limits: Limits | None = None
    timeout: float | None = None
    """Wall-clock seconds the run may take (``RunConfig.timeout``)."""
    input_guardrails: tuple[Any, ...] = ()
    output_guardrails: tuple[Any, ...] = ()
    call_prefix: str = ""
    """Put before the model's tool call ids in events, approvals and tool contexts (a
    subagent's calls then have ids unique in its parent's stream); not in the history."""
    compaction: Any = None
    """``agentica.compaction.Compaction`` settings (``None``: never compact)."""
    switch_agent: Callable[[RunState, Any], None] | None = None
    """Hands the run over to a team member (``agentica.team``)."""
    prices: tuple[float, ...] | None = None
    """``RunConfig.prices``: price the calls at these instead of the model's prices."""
    tracing: bool | None = None
    """``RunConfig.tracing`` (``None``: as set for the process, ``agentica.tracing``)."""
    trace: Any = None
    """The run's spans (``agentica.tracing.RunTrace``) while tracing, else ``None``."""

    usage: Usage = field(default_factory=Usage)
    content: str = ""
    reasoning: list[str] = field(default_factory=list)
    stop_reason: StopReason | None = None
    pending: deque[RunEvent] = field(default_factory=deque)
    open_calls: dict[str, str] = field(default_factory=dict)
    """Started, unfinished tool calls: id -> tool name."""
    unanswered: list[ToolCall] = field(default_factory=list)
    results: dict[str, FunctionCallResult] = field(default_factory=dict)
    partial: list[str] | None = None
    """Text of the assistant message being streamed."""
    cancel_requested: bool = False
    finished: bool = False
    run_end_called: bool = False
    """Whether the ``on_run_end`` hook was called (it is called once per run)."""
    _scopes: list[anyio.CancelScope] = field(default_factory=list)
    _token: Any = None
    loop_thread: int = 0
    """Id of the thread whose event loop runs the run (0 until ``bind_loop()``)."""
    _specs: list[ToolSpec] | None = None

    # --- Cancellation ---------------------------------------------------------------------

    def bind_loop(self) -> None:
        """Record the running loop, so ``cancel()`` can be called from any thread."""
        self._token = anyio.lowlevel.current_token()
        self.loop_thread = threading.get_ident()

    def attach(self, scope: anyio.CancelScope) -> None:
        self._scopes.append(scope)
        if self.cancel_requested:
            scope.cancel()

    def detach(self, scope: anyio.CancelScope) -> None:
        if scope in self._scopes:
            self._scopes.remove(scope)

    def _cancel_now(self) -> None:
        self.cancel_requested = True
        for scope in list(self._scopes):
            scope.cancel()

    def cancel(self) -> None:
        """Cancel the run; thread-safe, a no-op once it finished."""
        if self.finished:
            return
        if self._token is None or self.loop_thread == threading.get_ident():
            self._cancel_now()
            return
        # Scheduled without waiting for the run's loop: that loop may be busy waiting on
        # this very thread (two loops cancelling each other's runs would deadlock).
        self.cancel_requested = True
        token = self._token
        try:
            token.backend_class.run_sync_soon(self._cancel_now, (), token.native_token)
        except RuntimeError:  # The loop is gone: the run is over.
            pass

    # --- History --------------------------------------------------------------------------

    def context(self) -> list[Message]:
        msgs = [Message.system(self.system)] if self.system else []
        return msgs + self.history + self.new_messages

    def use_functions(self, functions: dict[str, Function]) -> None:
        """Offer these tools from the next model call on (a handoff changes them)."""
        self.functions = functions
        self._specs = None

    def specs(self) -> list[ToolSpec]:
        if self._specs is None:
            self._specs = [f.spec() for f in self.functions.values()]
        return self._specs

    def response(self, events: list[RunEvent]) -> RunResponse[Any]:
        """The ``RunResponse`` of this (finished) run."""
        from agentica.run import RunResponse

        text = self.content
        output = self.output_spec
        parsed = output is not None and output.done and self.stop_reason == "end_turn"
        # Without a response model the output type is str; with one, a run that ended
        # normally carries the parsed object (see ``RunResponse.content``).
        content: Any = output.output if parsed and output is not None else text
        return RunResponse(
            content=content,
            reasoning_content="\n\n".join(self.reasoning),
            messages=self.messages(),
            new_messages=list(self.new_messages),
            usage=self.usage,
            run_id=self.run_id,
            stop_reason=self.stop_reason or "cancelled",
            events=events,
            text=text,
        )

    def messages(self) -> list[Message]:
        """The whole conversation after this run (history + new messages)."""
        return self.history + self.new_messages

    def finish(self, stop_reason: StopReason | None, note: str = CANCELLED_TEXT) -> list[RunEvent]:
        """End the run: final events (pending, cancelled calls, RunFinished) and history repair.

        ``stop_reason=None`` means the run failed (no ``RunFinished``). Idempotent.
        """
        if self.finished:
            return []
        events: list[RunEvent] = list(self.pending)
        self.pending.clear()
        for call_id, name in self.open_calls.items():
            events.append(
                ToolCallFinished(
                    call_id=call_id, tool_name=name, status="cancelled", result=note,
                    error=note, agent=self.agent_name,
                )
            )
        self.open_calls.clear()
        if self.partial:
            self.content = "".join(self.partial)
            self.new_messages.append(Message.assistant(self.content))
        self.partial = None
        for call in self.unanswered:
            done = self.results.get(self.call_prefix + call.id)
            self.new_messages.append(
                done.message(call.id, call.name) if done
                else Message.tool(call.id, call.name, note, is_error=True)
            )
        self.unanswered = []
        if stop_reason is not None:
            self.stop_reason = stop_reason
            events.append(self.run_finished())
        self.close()
        return events

    def run_finished(self) -> RunFinished:
        assert self.stop_reason is not None
        return RunFinished(
            stop_reason=self.stop_reason,
            content=self.content,
            usage=self.usage,
            run_id=self.run_id,
            agent=self.agent_name,
        )

    def close(self) -> None:
        """Mark the run over and call ``on_finish`` once (safe to call repeatedly)."""
        if self.finished:
            return
        self.finished = True
        if self.trace is not None:
            self.trace.close(self)
        if self.on_finish is not None:
            self.on_finish(self)


__all__ = ["CANCELLED_TEXT", "REJECTED_TEXT", "Emit", "Limits", "RunCancelled", "RunState"]
