"""How a run is driven: collected (``run()``), streamed inline, or streamed from a task.

Design note. Three drivers share ``_engine.Pump``:

* ``drive_collect()`` (``Agent.run``) iterates the pump inside one cancel scope; no
  extra task, no channel.
* ``RunStream`` entered with ``async with`` runs the pump in a task of its own task
  group and hands events over through a bounded memory object stream. Tool events are
  sent live by the tool tasks, and ``cancel()`` interrupts even a silent model call.
  Leaving the block cancels the run and waits for the task, so nothing leaks.
* ``RunStream`` iterated bare (``async for ev in agent.run_stream(p)``) pulls the pump in
  the caller's task: no task group can be left open across the caller's ``yield``
  points, so the events of a parallel tool phase are delivered when the phase ends and
  ``cancel()`` takes effect at the next model delta or immediately during tool calls.
  Abandoning the iteration frees the agent (``__del__``) and the engine generator is
  finalised by the event loop; it holds no scope, so that is safe.

Hot path: events are passed with ``send_nowait``/``receive_nowait`` and only fall back to
the awaiting calls when the buffer is full or empty.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import anyio
import anyio.abc
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

from agentica import _sync
from agentica._engine import Pump, RunState
from agentica.events import RunEvent
from agentica.exceptions import UserError
from agentica.messages import Message

if TYPE_CHECKING:
    from agentica.agent import Agent, RunConfig, RunResponse

_BUFFER = 512


def _bind(state: RunState) -> None:
    state.bind_loop()
    _sync.enter_run(state._thread)


async def drive_collect(state: RunState) -> list[RunEvent]:
    """Run to the end and return every event (cancellation ends it, too)."""
    events: list[RunEvent] = []
    pump = Pump(state)
    _bind(state)
    try:
        with anyio.CancelScope() as scope:
            state.attach(scope)
            async for event in pump:
                events.append(event)
        state.detach(scope)
        if scope.cancelled_caught:
            events.extend(pump.cancelled())
    finally:
        state.finish(None)
    return events


class _Failure:
    __slots__ = ("error",)

    def __init__(self, error: BaseException) -> None:
        self.error = error


class RunStream:
    """The events of one run: async-iterable and an async context manager.

    ``async with agent.run_stream(p) as stream: async for ev in stream`` is the full
    form (live tool events, immediate cancellation, no task left behind); a bare
    ``async for ev in agent.run_stream(p)`` works too (see the module docstring).
    After the run, ``stream.response`` holds the ``RunResponse``.
    """

    def __init__(
        self,
        agent: Agent,
        prompt: Any,
        *,
        history: Sequence[Message] | None = None,
        config: RunConfig | None = None,
    ) -> None:
        self._agent = agent
        self._prompt = prompt
        self._history = history
        self._config = config
        self._state: RunState | None = None
        self._pump: Pump | None = None
        self._recv: MemoryObjectReceiveStream[Any] | None = None
        self._tg: anyio.abc.TaskGroup | None = None
        self._entered = False

    # --- Task mode ---------------------------------------------------------------------

    async def __aenter__(self) -> RunStream:
        if self._entered or self._state is not None:
            raise UserError("a run stream can be started only once; call run_stream() again")
        self._entered = True
        self._state = self._agent._start_run(self._prompt, self._history, self._config)
        send, self._recv = anyio.create_memory_object_stream[Any](_BUFFER)
        self._tg = anyio.create_task_group()
        await self._tg.__aenter__()
        self._tg.start_soon(self._drive, send)
        return self

    async def __aexit__(self, *exc_info: Any) -> bool | None:
        assert self._tg is not None and self._state is not None and self._recv is not None
        self._state.cancel()
        self._recv.close()
        if exc_info[0] is not None:
            self._tg.cancel_scope.cancel()
        # The caller's own exception (if any) propagates as is, not wrapped in a group.
        await self._tg.__aexit__(None, None, None)
        return None

    async def _drive(self, send: MemoryObjectSendStream[Any]) -> None:
        state = self._state
        assert state is not None

        async def put(event: Any) -> None:
            try:
                send.send_nowait(event)
            except anyio.WouldBlock:
                await send.send(event)

        pump = self._pump = Pump(state, put)
        _bind(state)
        with send:
            try:
                with anyio.CancelScope() as scope:
                    state.attach(scope)
                    async for event in pump:
                        await put(event)
                state.detach(scope)
                if scope.cancelled_caught:
                    for event in pump.cancelled():
                        await put(event)
            except (anyio.BrokenResourceError, anyio.ClosedResourceError):
                pass  # The consumer left; __aexit__ cancelled the run.
            except Exception as e:
                try:
                    await put(_Failure(e))
                except (anyio.BrokenResourceError, anyio.ClosedResourceError):
                    pass
            finally:
                with anyio.move_on_after(5, shield=True):
                    await pump.aclose()

    # --- Iteration -----------------------------------------------------------------------

    def __aiter__(self) -> RunStream:
        return self

    async def __anext__(self) -> RunEvent:
        recv = self._recv
        if recv is not None:
            try:
                item = recv.receive_nowait()
            except anyio.WouldBlock:
                try:
                    item = await recv.receive()
                except anyio.EndOfStream:
                    raise StopAsyncIteration from None
            except anyio.EndOfStream:
                raise StopAsyncIteration from None
            if item.__class__ is _Failure:
                raise item.error
            return item
        if self._entered:
            raise StopAsyncIteration
        pump = self._pump
        if pump is None:
            self._state = self._agent._start_run(self._prompt, self._history, self._config)
            pump = self._pump = Pump(self._state)
            _bind(self._state)
        return await pump.__anext__()

    async def aclose(self) -> None:
        """Stop a bare iteration early: cancel the run and release the agent."""
        if self._recv is None and self._pump is not None:
            await self._pump.aclose()
        elif self._state is not None:
            self._state.cancel()

    def __del__(self) -> None:
        state = self._state
        if state is not None and not state.finished and self._recv is None:
            state.finish(None)

    # --- Control and result --------------------------------------------------------------

    def cancel(self) -> None:
        """Cancel the run (thread-safe)."""
        if self._state is not None:
            self._state.cancel()

    @property
    def response(self) -> RunResponse:
        """The ``RunResponse`` (available once the run has finished)."""
        if self._state is None or not self._state.finished:
            raise UserError("the run has not finished yet; iterate the stream to its end first")
        return self._agent._response(self._state, [])


__all__ = ["RunStream", "drive_collect"]
