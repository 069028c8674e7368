"""``Workflow``: several agents as one program, with the same four entry points.

Subclass it and write ``async def run(...)``; run agents as named steps, one after the
other or concurrently::

    class Report(Workflow):
        async def run(self, topic: str) -> str:
            facts, quotes = await self.gather(
                self.step("facts", researcher, f"Facts about {topic}"),
                self.step("quotes", quoter, f"Quotes about {topic}"),
            )
            return (await self.step("write", writer, f"{facts.text}\\n{quotes.text}")).text

    text = await Report().run("tides")             # or Report().run_sync("tides")
    async for event in Report().run_stream("tides"):
        print(event.step, event.agent, event)       # every step's events, tagged

``run_stream()`` streams the events of every step live, each tagged with its step and
agent (``event.step``, ``event.agent``); ``stream.result`` is what ``run()`` returned.
The workflow cancels as one: ``cancel()``, a ``break`` out of the stream, or a failing
step (its siblings in ``gather`` are cancelled) end every step; a failing step raises
``StepError`` naming the step, with the step's error as its cause.
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from dataclasses import replace
from typing import Any, Generic, TypeVar

import anyio
import anyio.abc
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

from agentica import _sync
from agentica._stream import host_task
from agentica.agent import Agent
from agentica.events import RunEvent
from agentica.exceptions import StepError, UserError
from agentica.run import Prompt, RunConfig, RunResponse

T = TypeVar("T")

_emit: contextvars.ContextVar[MemoryObjectSendStream[Any] | None] = contextvars.ContextVar(
    "agentica_workflow_emit", default=None
)
_BUFFER = 512


class Workflow:
    """Base class of a workflow: override ``async def run(self, ...)``.

    Args:
        name: The workflow's name.
        description: What it does.
    """

    def __init__(self, *, name: str | None = None, description: str | None = None) -> None:
        self.name = name or type(self).__name__
        self.description = description
        self._scopes: list[anyio.CancelScope] = []

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        run = cls.__dict__.get("run")
        if run is not None:
            # setattr: the wrapper's type is not the declared coroutine method's.
            setattr(cls, "run", _in_own_scope(run))  # noqa: B010

    async def run(self, *args: Any, **kwargs: Any) -> Any:
        """The workflow's program; subclasses implement it."""
        raise NotImplementedError(f"{type(self).__name__} must implement async def run(...)")

    # --- Steps --------------------------------------------------------------------------

    async def step(
        self,
        name: str,
        agent: Agent[T],
        prompt: Prompt,
        *,
        config: RunConfig | None = None,
        deps: Any = None,
    ) -> RunResponse[T]:
        """Run ``agent`` on ``prompt`` as the step ``name``; its events go to the stream.

        Raises:
            StepError: The step failed (``__cause__`` is the agent's error).
        """
        send = _emit.get()
        try:
            if send is None:
                return await agent.run(prompt, config=config, deps=deps)
            agent_name = agent.name or name
            async with agent.run_stream(prompt, config=config, deps=deps) as stream:
                async for event in stream:
                    await send.send(replace(event, step=name, agent=event.agent or agent_name))
            return stream.response
        except StepError:
            raise
        except Exception as e:
            raise StepError(name, e) from e

    async def gather(self, *steps: Awaitable[T]) -> list[T]:
        """Run ``steps`` concurrently; results in order. The first failure cancels the rest
        and is raised (a ``StepError`` as is)."""
        results: list[Any] = [None] * len(steps)

        async def one(i: int, aw: Awaitable[T]) -> None:
            results[i] = await aw

        try:
            async with anyio.create_task_group() as tg:
                for i, aw in enumerate(steps):
                    tg.start_soon(one, i, aw)
        except BaseExceptionGroup as group:
            first = group.exceptions[0]
            while isinstance(first, BaseExceptionGroup):
                first = first.exceptions[0]
            raise first from None
        return results

    # --- Entry points ---------------------------------------------------------------------

    def run_sync(self, *args: Any, **kwargs: Any) -> Any:
        """``run()`` for sync code."""
        return _sync.call_sync(
            lambda: self.run(*args, **kwargs),
            api="run_sync()", alternative="await workflow.run(...)",
        )

    def run_stream(self, *args: Any, **kwargs: Any) -> WorkflowStream:
        """Stream every step's events (``async with wf.run_stream(...) as s: async for ...``
        or a bare ``async for``); ``stream.result`` is ``run()``'s value afterwards."""
        return WorkflowStream(lambda: self.run(*args, **kwargs), self)

    def run_stream_sync(self, *args: Any, **kwargs: Any) -> SyncWorkflowStream:
        """``run_stream()`` for sync code: ``for ev in stream``, then ``stream.result``
        (breaking out of the loop cancels the workflow)."""
        return SyncWorkflowStream(lambda: self.run_stream(*args, **kwargs))

    def cancel(self) -> None:
        """Cancel every running ``run()`` and stream of this workflow (every step of them).

        A cancelled ``await wf.run(...)`` returns ``None`` (as a cancelled stream's
        ``result`` is ``None``). Call it on the workflow's event loop."""
        for scope in list(self._scopes):
            scope.cancel()


def _in_own_scope(
    run: Callable[..., Awaitable[Any]],
) -> Callable[..., Coroutine[Any, Any, Any]]:
    """Wrap a subclass's ``run`` in the workflow's own cancel scope (see ``cancel()``)."""

    @functools.wraps(run)
    async def wrapper(self: Workflow, *args: Any, **kwargs: Any) -> Any:
        with anyio.CancelScope() as scope:
            self._scopes.append(scope)
            try:
                return await run(self, *args, **kwargs)
            finally:
                self._scopes.remove(scope)
        return None  # Cancelled by ``cancel()``.

    return wrapper


class WorkflowStream(Generic[T]):
    """The events of one workflow run: async-iterable and an async context manager."""

    def __init__(self, body: Callable[[], Awaitable[Any]], workflow: Workflow) -> None:
        self._body = body
        self._workflow = workflow
        self._recv: MemoryObjectReceiveStream[Any] | None = None
        self._tg: anyio.abc.TaskGroup | None = None
        self._scope: anyio.CancelScope | None = None
        self._schedule: Callable[[Callable[[], None]], None] | None = None
        self._error: BaseException | None = None
        self._done = False
        self.result: Any = None
        """What ``run()`` returned (once the stream ended)."""

    async def _drive(self, send: MemoryObjectSendStream[Any]) -> None:
        token = _emit.set(send)
        try:
            with send, anyio.CancelScope() as scope:
                self._scope = scope
                self._workflow._scopes.append(scope)
                try:
                    self.result = await self._body()
                    self._done = True
                except Exception as e:
                    self._error = e
                finally:
                    self._workflow._scopes.remove(scope)
        finally:
            _emit.reset(token)

    async def __aenter__(self) -> WorkflowStream[T]:
        if self._tg is not None:
            raise UserError("a workflow stream can be started only once")
        send, self._recv = anyio.create_memory_object_stream[Any](_BUFFER)
        self._tg = anyio.create_task_group()
        await self._tg.__aenter__()
        self._tg.start_soon(self._drive, send)
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        assert self._tg is not None and self._recv is not None
        if self._scope is not None and not self._done:
            self._scope.cancel()
        self._recv.close()
        await self._tg.__aexit__(None, None, None)

    def _start_bare(self) -> None:
        """A bare ``async for``: the workflow runs in a task the stream owns (as agents')."""
        send, recv = anyio.create_memory_object_stream[Any](_BUFFER)
        schedule = host_task(functools.partial(self._drive, send))
        if schedule is None:
            send.close()
            recv.close()
            raise UserError("use `async with workflow.run_stream(...) as stream` on this loop")
        self._recv, self._schedule = recv, schedule

    async def aclose(self) -> None:
        """Stop the workflow early (cancels every step)."""
        if self._scope is not None and not self._done:
            self._scope.cancel()
        if self._recv is not None:
            self._recv.close()

    def __del__(self) -> None:
        # A bare loop left early: cancel the workflow on its loop (thread-safe hand-over).
        if self._schedule is not None and self._recv is not None:
            self._schedule(self._recv.close)
        if self._schedule is not None and self._scope is not None and not self._done:
            try:
                self._schedule(self._scope.cancel)
            except RuntimeError:  # The loop is gone, and the workflow with it.
                pass

    def __aiter__(self) -> WorkflowStream[T]:
        return self

    async def __anext__(self) -> RunEvent:
        if self._recv is None:
            self._start_bare()
        assert self._recv is not None
        try:
            return await self._recv.receive()
        except (anyio.EndOfStream, anyio.ClosedResourceError):
            self._recv.close()
            if self._error is not None:
                error, self._error = self._error, None
                raise error from None
            raise StopAsyncIteration from None


class SyncWorkflowStream:
    """``Workflow.run_stream_sync()``'s stream: iterate it, then read ``result``."""

    def __init__(self, open_stream: Callable[[], WorkflowStream[Any]]) -> None:
        opened: list[WorkflowStream[Any]] = []  # Not ``self``: no cycle (see SyncRunStream).

        def opener() -> WorkflowStream[Any]:
            opened.append(open_stream())
            return opened[0]

        self._opened = opened
        self._events: Iterator[RunEvent] = _sync.iterate_sync(
            opener, api="run_stream_sync()", alternative="async with workflow.run_stream(...)"
        )

    def __iter__(self) -> Iterator[RunEvent]:
        return self

    def __next__(self) -> RunEvent:
        return next(self._events)

    @property
    def result(self) -> Any:
        """What the workflow's ``run()`` returned (once the events were consumed)."""
        if not self._opened:
            raise UserError("the workflow has not started; iterate the stream first")
        return self._opened[0].result


__all__ = ["StepError", "SyncWorkflowStream", "Workflow", "WorkflowStream"]
