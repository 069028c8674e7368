"""The sync adapters: ``run_sync()`` and ``run_stream_sync()`` over the async API.

Design note. The engine is async; these adapters only *drive* it from sync code.

* ``call_sync()`` runs a coroutine function to completion: with ``anyio.run()`` when the
  calling thread has no event loop (a plain script), or on a fresh loop in a worker
  thread (a blocking portal) when it has one (Jupyter, an async server calling sync
  code). Blocking the caller's loop is the caller's choice; blocking the loop that is
  *running an agentica run* would stall or deadlock that run, so that case fails fast
  with a ``UserError`` naming the async alternative.
* ``iterate_sync()`` runs the whole ``async with stream: async for ...`` in one task on
  a private loop thread and hands events over through a bounded ``queue.Queue``.
  Closing the generator early (``break``), an exception or ``KeyboardInterrupt`` in the
  caller cancels that task, drains the queue until the task has finished and joins the
  thread, so nothing outlives the loop. Exceptions of the run are re-raised in the
  caller with their original type. The loop thread is a daemon thread, so a generator
  that is never closed (a partly consumed ``run_stream_sync()`` still referenced when
  the program ends) cannot block interpreter exit the way a non-daemon thread (a
  blocking portal's) is joined before anything is finalised; an ``atexit`` hook cancels
  such runs instead and waits (bounded) until their tools have ended.
"""

from __future__ import annotations

import atexit
import logging
import queue
import sys
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AbstractAsyncContextManager
from typing import Any, TypeVar

import anyio
import anyio.lowlevel
import anyio.to_thread

from agentica.exceptions import UserError

T = TypeVar("T")

logger = logging.getLogger(__name__)

_QUEUE_SIZE = 1024
_EXIT_TIMEOUT = 10.0
"""Seconds the exit hook waits for the runs of unclosed sync streams to end."""
_run_threads: dict[int, int] = {}
_lock = threading.Lock()


def enter_run(thread_id: int) -> None:
    """Record that the event loop of ``thread_id`` is running an agentica run."""
    with _lock:
        _run_threads[thread_id] = _run_threads.get(thread_id, 0) + 1


def exit_run(thread_id: int) -> None:
    """Undo ``enter_run()``."""
    with _lock:
        left = _run_threads.get(thread_id, 0) - 1
        if left > 0:
            _run_threads[thread_id] = left
        else:
            _run_threads.pop(thread_id, None)


def _in_running_loop(api: str, alternative: str) -> bool:
    """Whether this thread runs an event loop; raise if that loop is running a run."""
    asyncio = sys.modules.get("asyncio")  # no asyncio imported: no loop can be running
    if asyncio is None:
        return False
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    if threading.get_ident() in _run_threads:
        raise UserError(
            f"{api} was called on the event loop that is running an agentica run and would "
            f"deadlock; use `{alternative}` instead"
        )
    return True


def call_sync(
    fn: Callable[[], Awaitable[T]],
    *,
    api: str = "run_sync()",
    alternative: str = "await agent.run(...)",
) -> T:
    """Run ``fn()`` to completion from sync code (see the module docstring)."""
    if not _in_running_loop(api, alternative):
        return anyio.run(fn)
    from anyio.from_thread import start_blocking_portal  # ~4 ms to import: only when needed.

    with start_blocking_portal() as portal:
        return portal.start_task_soon(fn).result()


class _Raised:
    __slots__ = ("error",)

    def __init__(self, error: BaseException) -> None:
        self.error = error


_DONE = object()


async def _pump(
    open_stream: Callable[[], AbstractAsyncContextManager[AsyncIterator[Any]]],
    q: queue.Queue[Any],
) -> None:
    async def put(item: Any) -> None:
        try:
            q.put_nowait(item)
        except queue.Full:
            await anyio.to_thread.run_sync(q.put, item)

    try:
        async with open_stream() as stream:
            async for event in stream:
                await put(event)
    except Exception as e:
        await put(_Raised(e))
    finally:
        # The consumer drains until it sees _DONE, so this put always completes.
        with anyio.CancelScope(shield=True):
            await put(_DONE)


class _Feeder:
    """The private loop thread of one ``iterate_sync()`` and how to stop it."""

    def __init__(
        self, open_stream: Callable[[], AbstractAsyncContextManager[AsyncIterator[Any]]]
    ) -> None:
        self.q: queue.Queue[Any] = queue.Queue(maxsize=_QUEUE_SIZE)
        self.finished = False
        """The consumer has seen ``_DONE``: the task is over."""
        self._open_stream = open_stream
        self._lock = threading.Lock()
        self._stop = False
        self._cancel: Callable[[], None] | None = None
        self.thread = threading.Thread(
            target=self._main, name="agentica run_stream_sync portal", daemon=True
        )

    def _main(self) -> None:
        try:
            anyio.run(self._body)
        except BaseException:  # pragma: no cover - _pump hands errors to the consumer
            logger.exception("agentica: the loop of run_stream_sync() failed")
            try:
                self.q.put_nowait(_DONE)
            except queue.Full:
                pass

    async def _body(self) -> None:
        with anyio.CancelScope() as scope:
            token = anyio.lowlevel.current_token()
            with self._lock:
                # Scheduled without waiting: the loop may already be stopping (the run
                # ended while the consumer was leaving), and then never runs it.
                self._cancel = lambda: token.backend_class.run_sync_soon(
                    scope.cancel, (), token.native_token
                )
                if self._stop:
                    scope.cancel()
            await _pump(self._open_stream, self.q)

    def cancel(self) -> None:
        """Cancel the task (from any thread but the loop's; a no-op once it is over)."""
        with self._lock:
            self._stop = True
            cancel = self._cancel
        if cancel is not None and not self.finished:
            try:
                cancel()
            except RuntimeError:  # The loop is gone, and the task with it.
                pass

    def get(self, timeout: float | None = None) -> Any:
        item = self.q.get(timeout=timeout)
        if item is _DONE:
            self.finished = True
        return item

    def close(self, timeout: float | None = None) -> None:
        """Cancel the task, drain the queue until it has ended and join the thread."""
        self.cancel()
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            while not self.finished:
                self.get(None if deadline is None else max(deadline - time.monotonic(), 0))
        except queue.Empty:
            logger.warning("agentica: a run_stream_sync() run did not end in %ss", timeout)
            return
        self.thread.join(None if deadline is None else max(deadline - time.monotonic(), 0))


_feeders: set[_Feeder] = set()
"""Sync streams whose loop thread may still run (for the exit hook)."""


@atexit.register
def _close_unclosed_streams() -> None:
    """End the runs of sync streams nobody closed (atexit runs before finalisation)."""
    feeders = list(_feeders)
    for feeder in feeders:
        feeder.cancel()
    for feeder in feeders:
        feeder.close(_EXIT_TIMEOUT)


def iterate_sync(
    open_stream: Callable[[], AbstractAsyncContextManager[AsyncIterator[T]]],
    *,
    api: str = "run_stream_sync()",
    alternative: str = "async with agent.run_stream(...) as stream",
) -> Iterator[T]:
    """Iterate an async stream (an async context manager) from sync code."""
    _in_running_loop(api, alternative)
    feeder = _Feeder(open_stream)
    _feeders.add(feeder)
    try:
        feeder.thread.start()
        while True:
            item = feeder.get()
            if item is _DONE:
                return
            if type(item) is _Raised:
                raise item.error
            yield item
    finally:
        # While the interpreter is finalising, the exit hook has done what it could (and
        # a daemon thread may be frozen): waiting for it here would hang.
        if feeder.thread.ident is not None and not sys.is_finalizing():
            feeder.close()
        _feeders.discard(feeder)


__all__ = ["call_sync", "enter_run", "exit_run", "iterate_sync"]
