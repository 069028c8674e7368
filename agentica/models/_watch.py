"""A watchdog over a streamed model reply: stalls are detected, the wait is reported.

``watch(open_stream, ...)`` yields the items of the stream ``await open_stream()``
returns, plus a ``Waiting`` marker whenever no item has come for ``notice_after``
seconds (then every ``notice_every``), so the caller can tell the user it is waiting for
the model. It raises ``Stalled`` when the first item has not come within
``first_timeout`` seconds of the start (the request and any retries of the HTTP client
included), or when ``gap_timeout`` seconds pass between two items.

Design note. Waiting on a read and reporting the wait at the same time needs the read
to continue while the caller is handed a ``Waiting``; cancelling an HTTP read kills the
response. So the stream is read by a *reader task* hosted outside the caller's task tree
(a loop-level task on asyncio, a system task on trio; an async generator cannot keep a
task group open across its ``yield``), which feeds a queue the generator waits on with
timeouts. Closing the generator cancels the reader and waits (bounded) until it has
closed the HTTP response. On any other event loop the stream is read inline: the
timeouts still hold (a timed-out read is cancelled, ending the reply), without notices.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from typing import Any, Generic, TypeVar

import anyio

from agentica._records import record
from agentica.hosting import host_task

logger = logging.getLogger(__name__)

T = TypeVar("T")

_CLOSE_TIMEOUT = 5.0
"""Seconds the generator waits, when closed, for the reader to close the response."""

_READ_AHEAD = 16
"""Items the reader may buffer before it waits for the caller (the response stays lazy)."""


@record(kw_only=False)
class Waiting:
    """No item for ``seconds`` (``first``: none at all yet)."""

    seconds: float
    first: bool


class Stalled(Exception):
    """No first item within ``first_timeout``, or no item within ``gap_timeout``."""

    def __init__(self, seconds: float, *, first: bool) -> None:
        self.seconds = seconds
        self.first = first
        super().__init__(f"no data for {seconds:g}s ({'before' if first else 'during'} the reply)")


class _Feed(Generic[T]):
    """What the reader hands over: items, then the end (or the error that ended it)."""

    def __init__(self) -> None:
        self.items: deque[T] = deque()
        self.ended = False
        self.error: BaseException | None = None
        self.wake: anyio.Event | None = None
        self.space: anyio.Event | None = None
        self.scope: anyio.CancelScope | None = None
        self.cancelled = False
        self.done = anyio.Event()

    def _poke(self) -> None:
        if self.wake is not None:
            self.wake.set()

    async def put(self, item: T) -> None:
        self.items.append(item)
        self._poke()
        while len(self.items) >= _READ_AHEAD:
            self.space = anyio.Event()
            await self.space.wait()

    def take(self) -> T:
        item = self.items.popleft()
        if self.space is not None:
            self.space.set()
            self.space = None
        return item

    def end(self, error: BaseException | None = None) -> None:
        self.ended, self.error = True, error
        self._poke()

    def cancel(self) -> None:
        self.cancelled = True
        if self.scope is not None:
            self.scope.cancel()


async def _read(
    open_stream: Callable[[], Awaitable[Any]],
    close: Callable[[Any], Awaitable[None]],
    feed: _Feed[Any],
) -> None:
    """The reader task's body: never lets an exception escape onto the loop."""
    stream: Any = None
    try:
        with anyio.CancelScope() as scope:
            feed.scope = scope
            if feed.cancelled:
                scope.cancel()
            try:
                stream = await open_stream()
                async for item in stream:
                    await feed.put(item)
            except Exception as e:
                feed.end(e)
            else:
                feed.end()
            finally:
                if stream is not None:
                    with anyio.move_on_after(_CLOSE_TIMEOUT, shield=True):
                        await close(stream)
    except Exception as e:  # pragma: no cover - only a bug gets here
        logger.debug("the model stream reader failed", exc_info=True)
        if not feed.ended:
            feed.end(e)
    finally:
        if not feed.ended:  # Cancelled from outside (the loop is shutting down).
            feed.end(RuntimeError("the model stream reader was cancelled"))
        feed.done.set()


async def watch(
    open_stream: Callable[[], Awaitable[Any]],
    close: Callable[[Any], Awaitable[None]],
    *,
    first_timeout: float,
    gap_timeout: float,
    notice_after: float,
    notice_every: float,
) -> AsyncGenerator[Any, None]:
    """The stream's items and ``Waiting`` markers; raises ``Stalled`` (see the module doc).

    ``close(stream)`` releases the stream ``open_stream()`` returned. An exception of
    ``open_stream()`` or of the iteration is raised here, after the items before it.
    """
    feed: _Feed[Any] = _Feed()

    async def body() -> None:
        await _read(open_stream, close, feed)

    if host_task(body) is None:
        async for item in _inline(open_stream, close, first_timeout, gap_timeout):
            yield item
        return
    try:
        first = True
        while True:
            if feed.items:
                yield feed.take()
                first = False
                continue
            if feed.ended:
                if feed.error is not None:
                    raise feed.error
                return
            # Nothing buffered: wait for the reader, telling the caller how long it takes.
            limit = first_timeout if first else gap_timeout
            start = anyio.current_time()
            notice = notice_after
            while not feed.items and not feed.ended:
                waited = anyio.current_time() - start
                if waited >= limit:
                    raise Stalled(limit, first=first)
                if waited >= notice:
                    yield Waiting(round(waited, 1), first)
                    notice += notice_every
                    continue
                feed.wake = anyio.Event()
                with anyio.move_on_after(min(limit, notice) - waited):
                    await feed.wake.wait()
                feed.wake = None
    finally:
        feed.cancel()
        with anyio.move_on_after(_CLOSE_TIMEOUT, shield=True):
            await feed.done.wait()


async def _inline(
    open_stream: Callable[[], Awaitable[Any]],
    close: Callable[[Any], Awaitable[None]],
    first_timeout: float,
    gap_timeout: float,
) -> AsyncIterator[Any]:
    """The stream read in the caller's task: timeouts without notices."""
    deadline = anyio.current_time() + first_timeout
    stream: Any = None
    try:
        with anyio.move_on_after(first_timeout):
            stream = await open_stream()
        if stream is None:
            raise Stalled(first_timeout, first=True)
        it = stream.__aiter__()
        first = True
        while True:
            wait = deadline - anyio.current_time() if first else gap_timeout
            item: Any = None
            got = False
            with anyio.move_on_after(max(wait, 0)):
                try:
                    item = await it.__anext__()
                except StopAsyncIteration:
                    return
                got = True
            if not got:
                raise Stalled(first_timeout if first else gap_timeout, first=first)
            first = False
            yield item
    finally:
        if stream is not None:
            with anyio.move_on_after(_CLOSE_TIMEOUT, shield=True):
                await close(stream)


__all__ = ["Stalled", "Waiting", "watch"]
