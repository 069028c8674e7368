"""How a run is driven: collected (``run()``) or streamed from a task the stream owns.

Design note. Three drivers share ``_engine.Pump``:

* ``drive_collect()`` (``Agent.run``) iterates the pump inside one cancel scope; no
  extra task, no channel.
* ``RunStream`` entered with ``async with`` runs the pump in a task of its own task
  group and hands events over through a bounded memory object stream. Tool events are
  sent live by the tool tasks, and ``cancel()`` interrupts even a silent model call.
  Leaving the block cancels the run and waits for the task, so nothing leaks.
* ``RunStream`` iterated bare (``async for ev in agent.run_stream(p)``) must be just as
  live, but no task group can stay open across the caller's ``yield`` points. So the
  first ``__anext__`` *hosts* the same driver outside the caller's task tree: a
  loop-level task on asyncio, a system task on trio, feeding the same memory stream.
  The stream owns that task: a consumer that stops waiting (cancelled while awaiting an
  event) cancels the run; a consumer that leaves (``break`` and drops the stream,
  garbage collection, ``aclose()``) closes the receiving end, cancels the run and frees
  the agent at once, and the task then ends its tool calls (killing their processes).
  ``aclose()`` also waits for the task. On an event loop that is neither asyncio nor
  trio, the pump is pulled inline in the caller's task (tool events then arrive when
  their phase ends).

Hot path: events are passed with ``send_nowait``/``receive_nowait`` and only fall back to
the awaiting calls when the buffer is full or empty.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable, Iterator
from typing import Any, Generic, NoReturn

import anyio
import anyio.abc
import anyio.lowlevel
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

from agentica import _sync
from agentica._engine import Pump
from agentica._run_state import RunState
from agentica.events import RunEvent
from agentica.exceptions import RunTimeoutError, UserError
from agentica.hosting import Schedule, host_task
from agentica.run import OutputT, RunResponse

logger = logging.getLogger(__name__)

_BUFFER = 512
_CLOSE_TIMEOUT = 10.0
"""Seconds ``aclose()`` waits for a hosted run to end its tool calls."""


StartRun = Callable[[], RunState]
"""Claims the agent for one run and builds its state (``Agent`` passes its own)."""
Respond = Callable[[RunState, list[RunEvent]], RunResponse[OutputT]]
"""Builds the ``RunResponse`` of a finished run."""


def _bind(state: RunState) -> None:
    state.bind_loop()
    _sync.enter_run(state.loop_thread)


async def drive_collect(state: RunState) -> list[RunEvent]:
    """Run to the end and return every event (cancellation ends it, too)."""
    events: list[RunEvent] = []
    pump = Pump(state)
    _bind(state)
    try:
        with anyio.CancelScope(deadline=_deadline(state)) as scope:
            state.attach(scope)
            async for event in pump:
                events.append(event)
        state.detach(scope)
        if scope.cancelled_caught:
            events.extend(await pump.cancelled(_timed_out(state)))
            _check_timeout(state)
    finally:
        if not state.finished:  # The caller's task was cancelled.
            await pump.end_abandoned()
        state.finish(None)
    return events


def _deadline(state: RunState) -> float:
    """The run's wall-clock deadline (``RunConfig.timeout``), for its outermost scope."""
    return anyio.current_time() + state.timeout if state.timeout else float("inf")


def _timed_out(state: RunState) -> RunTimeoutError | None:
    """After the outer scope was cancelled: the ``RunTimeoutError`` if the deadline did it."""
    if state.timeout and not state.cancel_requested:
        return RunTimeoutError(f"the run took longer than its {state.timeout:g} s timeout")
    return None


def _check_timeout(state: RunState) -> None:
    """After the outer scope was cancelled: raise ``RunTimeoutError`` if the deadline did it."""
    error = _timed_out(state)
    if error is not None:
        raise error


class _Failure:
    __slots__ = ("error",)

    def __init__(self, error: BaseException) -> None:
        self.error = error


async def _drive(state: RunState, send: MemoryObjectSendStream[Any]) -> None:
    """Run the pump and send its events (an exception last, as a ``_Failure``)."""

    async def put(event: Any) -> None:
        # Tool tasks emit through here too: once the consumer has left, an event is
        # dropped (nobody can see it) and the run is cancelled, rather than the closed
        # stream being reported as the tool's own failure.
        try:
            try:
                send.send_nowait(event)
            except anyio.WouldBlock:
                await send.send(event)
        except (anyio.BrokenResourceError, anyio.ClosedResourceError):
            state.cancel()

    pump = Pump(state, put)
    with send:
        try:
            with anyio.CancelScope(deadline=_deadline(state)) as scope:
                state.attach(scope)
                async for event in pump:
                    try:
                        send.send_nowait(event)
                    except anyio.WouldBlock:
                        await send.send(event)
            state.detach(scope)
            if scope.cancelled_caught:
                for event in await pump.cancelled(_timed_out(state)):
                    await put(event)
                _check_timeout(state)
        except (anyio.BrokenResourceError, anyio.ClosedResourceError):
            pass  # The consumer left and cancelled the run.
        except Exception as e:
            try:
                await put(_Failure(e))
            except (anyio.BrokenResourceError, anyio.ClosedResourceError):
                pass
        finally:
            with anyio.move_on_after(5, shield=True):
                await pump.aclose()


async def _host(state: RunState, send: MemoryObjectSendStream[Any], done: anyio.Event) -> None:
    """Body of a hosted task: ``_drive`` must never let an error escape onto the loop."""
    try:
        await _drive(state, send)
    except Exception:  # pragma: no cover - _drive hands errors to the consumer
        logger.exception("agentica: the driver of run %s failed", state.run_id)
    finally:
        done.set()


def _abandon(recv: MemoryObjectReceiveStream[Any] | None, state: RunState) -> None:
    """The consumer left: unblock the driver, cancel the run and free the agent now."""
    if recv is not None:
        recv.close()
    if not state.finished:
        state.cancel()
        state.finish(None)


async def _end_of_stream(recv: MemoryObjectReceiveStream[Any]) -> NoReturn:
    """The driver closed the stream: end the iteration, or raise a pending cancellation.

    In an ``async with`` block the driver runs in the consumer's task tree, so cancelling
    an enclosing scope ends the driver too, and its closing the stream can wake the
    consumer before the cancellation reaches it. Ending the loop quietly then would turn
    a cancelled caller into one that saw its run end normally.
    """
    recv.close()
    await anyio.lowlevel.checkpoint_if_cancelled()
    raise StopAsyncIteration from None


class RunStream(Generic[OutputT]):
    """The events of one run: async-iterable and an async context manager.

    Both ``async for ev in agent.run_stream(p)`` and ``async with agent.run_stream(p) as
    stream: async for ev in stream`` deliver tool events live, in completion order, and
    ``cancel()`` takes effect at once. Leaving a bare loop early (``break``) cancels the
    run and frees the agent; ``await stream.aclose()`` does the same and also waits
    until the run's tool calls have ended. After the run, ``stream.response`` holds the
    ``RunResponse``.
    """

    def __init__(self, start: StartRun, respond: Respond[OutputT]) -> None:
        self._start_run = start
        self._respond = respond
        self._state: RunState | None = None
        self._pump: Pump | None = None
        self._recv: MemoryObjectReceiveStream[Any] | None = None
        self._tg: anyio.abc.TaskGroup | None = None
        self._done: anyio.Event | None = None
        self._schedule: Schedule | None = None
        self._entered = False

    def _start(self) -> RunState:
        if self._entered or self._state is not None:
            raise UserError("a run stream can be started only once; call run_stream() again")
        state = self._state = self._start_run()
        _bind(state)
        return state

    # --- Task mode ---------------------------------------------------------------------

    async def __aenter__(self) -> RunStream[OutputT]:
        state = self._start()
        self._entered = True
        send, self._recv = anyio.create_memory_object_stream[Any](_BUFFER)
        self._tg = anyio.create_task_group()
        await self._tg.__aenter__()
        self._tg.start_soon(_drive, state, send)
        return self

    async def __aexit__(self, *exc_info: Any) -> bool | None:
        assert self._tg is not None and self._state is not None and self._recv is not None
        self._state.cancel()
        self._recv.close()
        if exc_info[0] is not None:
            self._tg.cancel_scope.cancel()
        # The caller's own exception (if any) propagates as is, not wrapped in a group.
        await self._tg.__aexit__(None, None, None)
        if exc_info[0] is None:
            # A cancellation of an enclosing scope that landed while the task group was
            # closing is absorbed by the group's own (cancelled) scope: raise it again.
            await anyio.lowlevel.checkpoint_if_cancelled()
        return None

    # --- Bare iteration ----------------------------------------------------------------

    def _start_bare(self) -> MemoryObjectReceiveStream[Any] | None:
        """Host the driver (see the module docstring); ``None``: iterate inline."""
        state = self._start()
        send, recv = anyio.create_memory_object_stream[Any](_BUFFER)
        done = anyio.Event()
        schedule = host_task(functools.partial(_host, state, send, done))
        if schedule is None:
            send.close()
            recv.close()
            self._pump = Pump(state)
            return None
        self._recv, self._done, self._schedule = recv, done, schedule
        return recv

    # --- Iteration -----------------------------------------------------------------------

    def __aiter__(self) -> RunStream[OutputT]:
        return self

    async def __anext__(self) -> RunEvent:
        recv = self._recv
        if recv is None:
            if self._pump is None:
                recv = self._start_bare()
            if recv is None:
                assert self._pump is not None
                return await self._pump.__anext__()
        try:
            item = recv.receive_nowait()
        except anyio.WouldBlock:
            try:
                item = await recv.receive()
            except (anyio.EndOfStream, anyio.ClosedResourceError):
                await _end_of_stream(recv)
            except BaseException:
                # The consumer was cancelled (or interrupted) while waiting: so is the run,
                # and a hosted run is abandoned at once, as after a ``break`` (the agent is
                # free for the next run while the run's tools are still ending).
                if self._done is not None and self._state is not None:
                    _abandon(recv, self._state)
                else:
                    self.cancel()
                raise
        except (anyio.EndOfStream, anyio.ClosedResourceError):
            await _end_of_stream(recv)
        if item.__class__ is _Failure:
            raise item.error
        return item

    async def aclose(self) -> None:
        """Stop the run early: cancel it, free the agent and wait until its tools ended."""
        state = self._state
        if state is None:
            return
        if self._done is not None:
            _abandon(self._recv, state)
            with anyio.move_on_after(_CLOSE_TIMEOUT, shield=True):
                await self._done.wait()
        elif self._pump is not None:
            await self._pump.aclose()
        else:
            state.cancel()

    def __del__(self) -> None:
        state = self._state
        if state is None or self._tg is not None:
            return  # Not started, or the ``async with`` block cleaned up.
        if self._schedule is None:  # Inline: the pump holds no scope, just end the run.
            if not state.finished:
                state.finish(None)
            return
        abandon = functools.partial(_abandon, self._recv, state)
        try:
            if threading.get_ident() == state.loop_thread:
                abandon()
            else:  # Collected on another thread: hand over to the run's loop.
                self._schedule(abandon)
        except Exception:  # The loop is gone, and the hosted task with it.
            logger.debug("could not cancel the abandoned run %s", state.run_id, exc_info=True)

    # --- Control and result --------------------------------------------------------------

    def cancel(self) -> None:
        """Cancel the run (thread-safe)."""
        if self._state is not None:
            self._state.cancel()

    @property
    def response(self) -> RunResponse[OutputT]:
        """The ``RunResponse`` (available once the run has finished)."""
        if self._state is None or not self._state.finished:
            raise UserError("the run has not finished yet; iterate the stream to its end first")
        return self._respond(self._state, [])


class SyncRunStream(Generic[OutputT]):
    """``run_stream_sync()``'s stream: ``for ev in stream``, then ``stream.response``
    (breaking out of the loop, or ``close()``, cancels the run)."""

    def __init__(self, open_stream: Callable[[], RunStream[OutputT]]) -> None:
        # A list, not ``self``, in the opener: no cycle, so dropping this object closes the run.
        opened: list[RunStream[OutputT]] = []
        self._opened = opened

        def opener() -> RunStream[OutputT]:
            opened.append(open_stream())
            return opened[0]

        self._events: Iterator[RunEvent] = _sync.iterate_sync(opener)

    def __iter__(self) -> Iterator[RunEvent]:
        return self

    def __next__(self) -> RunEvent:
        return next(self._events)

    def close(self) -> None:
        """Stop the run early (cancels it and waits for its thread)."""
        self._events.close()  # type: ignore[attr-defined]

    @property
    def response(self) -> RunResponse[OutputT]:
        """The ``RunResponse`` (with the parsed output) once the events were consumed."""
        if not self._opened:
            raise UserError("the run has not started; iterate the stream to its end first")
        return self._opened[0].response


__all__ = ["Respond", "RunStream", "StartRun", "SyncRunStream", "drive_collect", "host_task"]
