"""``Agent``: configuration plus four thin entry points over the one engine.

::

    async  agent.run(prompt)              -> RunResponse
    async  agent.run_stream(prompt)       -> RunStream (async iterable, async context manager)
    sync   agent.run_sync(prompt)         -> RunResponse        (adapter)
    sync   agent.run_stream_sync(prompt)  -> Iterator[RunEvent] (adapter)

An agent keeps its conversation (``agent.messages``) across runs, one run at a time.
``Agent(response_model=Answer)`` is an ``Agent[Answer]`` whose runs give a
``RunResponse[Answer]``; ``DeepAgent`` (built-in tools) is in ``agentica.deep_agent``."""

from __future__ import annotations

import functools
import inspect
import logging
import os
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Generic

from agentica import _sync
from agentica._run_state import Limits, RunState
from agentica._stream import RunStream, SyncRunStream, drive_collect
from agentica.compaction import Compaction
from agentica.context import RunContext, check_deps
from agentica.events import RunEvent
from agentica.exceptions import UserError
from agentica.messages import Message
from agentica.models.base import Model
from agentica.run import OutputSpec, OutputT, Prompt, RunConfig, RunResponse, RunResult, to_message
from agentica.team import agent_tool, switch_to, transfer_tool
from agentica.tools.base import Approver
from agentica.tools.function import Function, Hooks, as_functions

if TYPE_CHECKING:
    from agentica.mcp import MCPServer, MCPTools

logger = logging.getLogger(__name__)


class Agent(Generic[OutputT]):
    """An AI agent: a model, instructions, tools and a conversation.

    Args:
        model: A ``Model`` or a model string for ``agentica.models.registry.get_model``
            (``"demo"``, ``"deepseek/deepseek-chat"``, ...), or a list of them: the first
            with the others as fallbacks (``agentica.models.fallback``); ``None`` picks the default
            as the ACP server does (``$AGENTICA_MODEL``, else OpenAI with
            ``$OPENAI_API_KEY``, else the offline demo, with a logged warning).
        name: The agent's name (also the tool name of ``as_tool()``).
        instructions: System instructions: a string, a list of strings, or a callable
            returning one (called at the start of every run, never stored in history).
        description: A short description, put before the instructions.
        tools: Functions, ``Function`` objects and ``Tool`` instances.
        approver: Decides on calls of tools that need approval; without one they run.
        max_turns: At most this many model calls per run (then ``stop_reason="max_turns"``).
        parallel_tool_calls: Run the tool calls of one model turn concurrently.
        max_concurrency: At most this many tool calls at once.
        response_model: A pydantic model (or any type) to parse the final answer into.
        add_history_to_context: Keep the conversation across runs.
        session_id: An id for the conversation (free for the application's use).
        work_dir: The working directory (used by ``DeepAgent``'s workspace).
        history: The initial conversation.
        hooks: Lifecycle and tool hooks (``agentica.tools.call.Hooks``).
        deps_type: The type of the ``deps=`` runs take (checked; tools read them through a
            ``RunContext[Deps]`` parameter, see ``agentica.context``).
        team: Agents this one can hand the conversation to (``transfer_to_<name>`` tools,
            see ``agentica.team``).
        input_guardrails: Checks of the prompt before the run (``agentica.guardrails``).
        output_guardrails: Checks of the final answer.
        compaction: When to summarise older turns (``agentica.compaction.Compaction``);
            ``True``: the defaults, ``False``: never.
        mcp_servers: MCP servers (``agentica.mcp``) or an ``MCPTools``; their tools join the
            agent's while ``async with agent:`` keeps them running.
    """

    def __init__(
        self,
        *,
        model: Model | str | Sequence[Model | str] | None = None,
        name: str | None = None,
        instructions: str | list[str] | Callable[..., Any] | None = None,
        description: str | None = None,
        tools: Sequence[Any] = (),
        approver: Approver | None = None,
        max_turns: int = 50,
        parallel_tool_calls: bool = True,
        max_concurrency: int | None = None,
        response_model: type[OutputT] | None = None,
        add_history_to_context: bool = True,
        session_id: str | None = None,
        work_dir: str | os.PathLike[str] | None = None,
        history: Sequence[Message] | None = None,
        hooks: Hooks | None = None,
        deps_type: type[Any] | None = None,
        team: Sequence[Agent[Any]] = (),
        input_guardrails: Sequence[Any] = (),
        output_guardrails: Sequence[Any] = (),
        compaction: Compaction | bool = True,
        mcp_servers: Sequence[MCPServer] | MCPTools = (),
    ) -> None:
        if max_turns < 1:
            raise UserError(f"max_turns must be >= 1, got {max_turns}")
        if max_concurrency is not None and max_concurrency < 1:
            raise UserError(f"max_concurrency must be >= 1 or None, got {max_concurrency}")
        self._model_spec = model
        self._model: Model | None = model if isinstance(model, Model) else None
        self.name = name
        self.instructions = instructions
        self.description = description
        self.team = list(team)
        self.functions: list[Function] = as_functions(
            [*tools, *(self.get_transfer_function(m) for m in self.team)]
        )
        self.approver = approver
        self.max_turns = max_turns
        self.parallel_tool_calls = parallel_tool_calls
        self.max_concurrency = max_concurrency
        self.response_model = response_model
        self.add_history_to_context = add_history_to_context
        self.session_id = session_id or os.urandom(16).hex()  # (uuid costs 2 ms to import)
        self.work_dir = os.fspath(work_dir) if work_dir is not None else None
        self.hooks = hooks
        self.deps_type = deps_type
        self.input_guardrails = tuple(input_guardrails)
        self.output_guardrails = tuple(output_guardrails)
        self.compaction = Compaction() if compaction is True else compaction or None
        self._history: list[Message] = list(history or [])
        self._active: RunState | None = None
        self._lock = threading.Lock()
        self.mcp: MCPTools | None = None
        """The MCP servers' tool source (``None`` without servers)."""
        if mcp_servers:  # agentica.mcp (~7 ms to import) only for agents with MCP servers.
            from agentica.mcp import MCPTools

            self.mcp = MCPTools.of(mcp_servers)

    async def __aenter__(self) -> Agent[OutputT]:
        """Start the MCP servers (concurrently; waits until each is ready or failed)."""
        if self.mcp is not None:
            await self.mcp.__aenter__()
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        """Stop the MCP servers (their processes end)."""
        if self.mcp is not None:
            await self.mcp.__aexit__(*exc_info)

    def __repr__(self) -> str:
        model = getattr(self._model_spec, "name", self._model_spec)
        return f"Agent(name={self.name!r}, model={model!r})"

    # --- Configuration ---------------------------------------------------------------------

    @property
    def model(self) -> Model:
        """The model (a model string is resolved through the registry on first use)."""
        if self._model is None:
            from agentica.models.registry import get_default_model, get_model

            spec = self._model_spec
            self._model = get_default_model(self.name) if spec is None else get_model(spec)
        return self._model

    @model.setter
    def model(self, model: Model) -> None:
        """Switch the model; the conversation is kept (takes effect from the next run)."""
        self._model_spec = model
        self._model = model

    @property
    def messages(self) -> list[Message]:
        """The conversation so far (a copy)."""
        return list(self._history)

    @property
    def live_messages(self) -> list[Message]:
        """The conversation so far including the running run's messages (a copy).

        Mid-run, the last assistant message may still wait for its tool results (see
        ``agentica.sessions.consistent_prefix``).
        """
        state = self._active
        return state.messages() if state is not None else list(self._history)

    @property
    def is_running(self) -> bool:
        """Whether a run is in progress."""
        return self._active is not None

    def reset(self, history: Sequence[Message] | None = None) -> None:
        """Start a new conversation (optionally from ``history``)."""
        if self._active is not None:
            raise UserError("reset() was called while a run is in progress; cancel it first")
        self._history = list(history or [])

    def system_prompt(self) -> str | None:
        """The system message of the next run (instructions resolved now)."""
        parts: list[str] = []
        if self.description:
            parts.append(self.description)
        instructions = self.instructions
        if callable(instructions):
            params = inspect.signature(instructions).parameters
            instructions = instructions(self) if params else instructions()
        if isinstance(instructions, str):
            parts.append(instructions)
        elif instructions:
            parts.extend(str(i) for i in instructions)
        return "\n\n".join(p for p in parts if p) or None

    # --- Runs -----------------------------------------------------------------------------

    def _start_run(
        self,
        prompt: Prompt,
        history: Sequence[Message] | None,
        config: RunConfig | None,
        deps: Any = None,
    ) -> RunState:
        """Claim the agent for one run and build its state (raises when one is running)."""
        message = to_message(prompt)
        cfg = config or RunConfig()
        check_deps(self.deps_type, deps)
        system = self.system_prompt()
        functions = {f.name: f for f in self._run_functions()}
        output, system = OutputSpec.setup(self.response_model, self.model, system, functions)
        with self._lock:
            if self._active is not None:
                raise UserError(
                    f"agent {self.name or ''!r} is already running a run; an agent runs one "
                    "run at a time (a tool calling its own agent would deadlock): await the "
                    "run (or close its stream) first, or use another Agent"
                )
            if history is not None:
                self._history = list(history)
            base = self._history if self.add_history_to_context or history is not None else []
            run_id = os.urandom(16).hex()
            state = RunState(
                run_id=run_id,
                model=self.model,
                functions=functions,
                system=system,
                history=list(base),
                new_messages=[message],
                max_turns=cfg.max_turns or self.max_turns,
                parallel=cfg.parallel_tool_calls if cfg.parallel_tool_calls is not None
                else self.parallel_tool_calls,
                max_concurrency=cfg.max_concurrency or self.max_concurrency,
                approver=cfg.approver or self.approver,
                hooks=self.hooks, output_spec=output,
                on_finish=self._on_finish, agent_name=self.name,
                run_context=RunContext(
                    deps=deps, run_id=run_id, agent_name=self.name,
                    approver=cfg.approver or self.approver,
                ),
                limits=Limits.of(cfg), timeout=cfg.timeout,
                input_guardrails=self.input_guardrails, output_guardrails=self.output_guardrails,
                switch_agent=switch_to if self.team else None,
                compaction=self.compaction,
                call_prefix=cfg.call_id_prefix,
                prices=cfg.prices, tracing=cfg.tracing,
            )
            self._active = state
        return state

    def _run_functions(self) -> list[Function]:
        if self.mcp is None:
            return self.functions
        if not self.mcp.started:
            raise UserError(
                "this agent has MCP servers: start them with `async with agent:` first"
            )
        return self.functions + self.mcp.functions()

    def _on_finish(self, state: RunState) -> None:
        with self._lock:
            self._history = state.messages()
            if self._active is state:
                self._active = None
        if state.loop_thread:
            _sync.exit_run(state.loop_thread)

    def _response(self, state: RunState, events: list[RunEvent]) -> RunResponse[OutputT]:
        return state.response(events)

    async def run(
        self,
        prompt: Prompt,
        *,
        history: Sequence[Message] | None = None,
        config: RunConfig | None = None,
        deps: Any = None,
    ) -> RunResponse[OutputT]:
        """Run the agent on a prompt until the model stops.

        Args:
            prompt: A string, a list of content parts, or a ``Message``.
            history: Use this conversation instead of the agent's (it becomes the agent's).
            config: Per-run overrides and budgets.
            deps: The run's dependencies, for tools taking a ``RunContext``.

        Returns:
            The ``RunResponse`` (``stop_reason="cancelled"`` after ``cancel()``).

        Raises:
            UserError: The agent is already running.
            agentica.exceptions.ModelError: A model call failed.
            agentica.exceptions.StopRun: A tool or hook ended the run.
            agentica.exceptions.GuardrailTripped: A guardrail refused the prompt or answer.
            agentica.exceptions.OutputValidationError: The answer never fit ``response_model``.
            agentica.exceptions.RunTimeoutError: ``config.timeout`` ran out.
        """
        state = self._start_run(prompt, history, config, deps)
        events = await drive_collect(state)
        return self._response(state, events)

    def run_stream(
        self,
        prompt: Prompt,
        *,
        history: Sequence[Message] | None = None,
        config: RunConfig | None = None,
        deps: Any = None,
    ) -> RunStream[OutputT]:
        """Stream the run's events: ``async for ev in agent.run_stream(p)``.

        Tool events arrive live, in completion order, while calls run in parallel, and
        ``cancel()`` is immediate. ``async with agent.run_stream(p) as stream: async for ev
        in stream`` works too and scopes the run to the block; see ``RunStream``.
        Arguments as for ``run()``.
        """
        start = functools.partial(self._start_run, prompt, history, config, deps)
        return RunStream(start, self._response)

    def run_sync(
        self,
        prompt: Prompt,
        *,
        history: Sequence[Message] | None = None,
        config: RunConfig | None = None,
        deps: Any = None,
    ) -> RunResponse[OutputT]:
        """``run()`` for sync code (works inside a running event loop, too)."""
        return _sync.call_sync(
            lambda: self.run(prompt, history=history, config=config, deps=deps)
        )

    def run_stream_sync(
        self,
        prompt: Prompt,
        *,
        history: Sequence[Message] | None = None,
        config: RunConfig | None = None,
        deps: Any = None,
    ) -> SyncRunStream[OutputT]:
        """``run_stream()`` for sync code: ``for ev in agent.run_stream_sync(p)``; then
        ``stream.response`` is the ``RunResponse``.

        Breaking out of the loop cancels the run; ``KeyboardInterrupt`` cancels and re-raises.
        """
        return SyncRunStream(
            lambda: self.run_stream(prompt, history=history, config=config, deps=deps)
        )

    def cancel(self) -> None:
        """Cancel the running run, if any (thread-safe): it ends with stop_reason "cancelled"."""
        state = self._active
        if state is not None:
            state.cancel()

    async def print_response(self, prompt: Prompt, **kwargs: Any) -> RunResponse[OutputT]:
        """Run and render the run to the terminal (see ``agentica.printer.print_response``)."""
        from agentica.printer import print_response

        return await print_response(self, prompt, **kwargs)

    def print_response_sync(self, prompt: Prompt, **kwargs: Any) -> RunResponse[OutputT]:
        """``print_response()`` for sync code."""
        return _sync.call_sync(
            lambda: self.print_response(prompt, **kwargs),
            api="print_response_sync()", alternative="await agent.print_response(...)",
        )

    def get_transfer_function(self, member: Agent[Any]) -> Function:
        """The ``transfer_to_<name>`` tool handing the conversation to ``member`` (1.5's name)."""
        return transfer_tool(member)

    def as_tool(self, *, name: str | None = None, description: str | None = None) -> Function:
        """This agent as a tool another agent can call with a ``prompt``."""

        return agent_tool(self, name=name, description=description)


__all__ = ["Agent", "Prompt", "RunConfig", "RunResponse", "RunResult"]
