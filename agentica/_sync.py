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
  caller with their original type.
"""

from __future__ import annotations

import queue
import sys
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AbstractAsyncContextManager
from typing import Any, TypeVar

import anyio
import anyio.from_thread
import anyio.to_thread

from agentica.exceptions import UserError

T = TypeVar("T")

_QUEUE_SIZE = 1024
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
    fn: Callable[[], Awaitable[T]], *, api: str = "run_sync()",
    alternative: str = "await agent.run(...)",
) -> T:
    """Run ``fn()`` to completion from sync code (see the module docstring)."""
    if not _in_running_loop(api, alternative):
        return anyio.run(fn)
    with anyio.from_thread.start_blocking_portal() as portal:
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


def iterate_sync(
    open_stream: Callable[[], AbstractAsyncContextManager[AsyncIterator[T]]],
    *,
    api: str = "run_stream_sync()",
    alternative: str = "async with agent.run_stream(...) as stream",
) -> Iterator[T]:
    """Iterate an async stream (an async context manager) from sync code."""
    _in_running_loop(api, alternative)
    q: queue.Queue[Any] = queue.Queue(maxsize=_QUEUE_SIZE)
    with anyio.from_thread.start_blocking_portal() as portal:
        future = portal.start_task_soon(_pump, open_stream, q)
        done = False
        try:
            while True:
                item = q.get()
                if item is _DONE:
                    done = True
                    return
                if type(item) is _Raised:
                    raise item.error
                yield item
        finally:
            if not done:
                future.cancel()
                while q.get() is not _DONE:
                    pass


__all__ = ["call_sync", "enter_run", "exit_run", "iterate_sync"]
