"""anyio byte streams over file descriptors, each served by one daemon thread.

Blocking ``os.read``/``os.write`` in a daemon thread works for pipes, ttys and regular
files alike, never blocks the event loop, and cannot hold up interpreter exit the way a
worker thread parked in ``read()`` would after a SIGTERM while stdin is still open.
Used for the protocol's private fds (``acp_server.stdio.claim_stdio``).
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable
from typing import Any

import anyio
import anyio.from_thread
import anyio.lowlevel
from anyio import EndOfStream
from anyio.abc import ByteReceiveStream, ByteSendStream

__all__ = ["FdReceiveStream", "FdSendStream"]

_CHUNK = 1 << 20


class _DaemonWorker:
    """One daemon thread running blocking calls handed over from the event loop."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._jobs: queue.SimpleQueue[tuple[Callable[[], Any], list[Any], anyio.Event] | None]
        self._jobs = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._token: anyio.lowlevel.EventLoopToken | None = None

    async def run(self, fn: Callable[[], Any]) -> Any:
        """Run ``fn()`` in the thread; on cancellation the call is abandoned, not stopped."""
        if self._thread is None:
            self._token = anyio.lowlevel.current_token()
            self._thread = threading.Thread(target=self._loop, name=self._name, daemon=True)
            self._thread.start()
        box: list[Any] = []
        done = anyio.Event()
        self._jobs.put((fn, box, done))
        await done.wait()
        ok, value = box
        if not ok:
            raise value
        return value

    def stop(self) -> None:
        """Let the thread exit once its current call returns."""
        if self._thread is not None:
            self._jobs.put(None)

    def _loop(self) -> None:
        while (job := self._jobs.get()) is not None:
            fn, box, done = job
            try:
                box.extend((True, fn()))
            except BaseException as exc:  # Handed back to the awaiting task.
                box.extend((False, exc))
            try:
                anyio.from_thread.run_sync(done.set, token=self._token)
            except Exception:  # The event loop is gone; nobody is waiting any more.
                return


class FdReceiveStream(ByteReceiveStream):
    """An anyio byte stream reading a file descriptor in a daemon thread."""

    def __init__(self, fd: int, *, unread: bytes = b"") -> None:
        self._fd = fd
        self._worker = _DaemonWorker(f"acp-read-fd{fd}")
        self._eof = False
        self._unread = unread

    async def receive(self, max_bytes: int = _CHUNK) -> bytes:
        """The next chunk (at most ``max_bytes``); raises ``EndOfStream`` at EOF.

        Bytes passed as ``unread`` (read from the fd before, by the startup fast path)
        come first.
        """
        if self._unread:
            data, self._unread = self._unread[:max_bytes], self._unread[max_bytes:]
            return data
        if self._eof:
            raise EndOfStream
        data: bytes = await self._worker.run(lambda: os.read(self._fd, max_bytes))
        if not data:
            self._eof = True
            self._worker.stop()
            raise EndOfStream
        return data

    async def aclose(self) -> None:
        """Stop the reader thread (a read already in progress is abandoned)."""
        self._eof = True
        self._worker.stop()


class FdSendStream(ByteSendStream):
    """An anyio byte stream writing a file descriptor in a daemon thread."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._worker = _DaemonWorker(f"acp-write-fd{fd}")

    async def send(self, item: bytes) -> None:
        """Write all of ``item``."""
        await self._worker.run(lambda: _write_all(self._fd, item))

    async def aclose(self) -> None:
        """Stop the writer thread; the fd itself stays open."""
        self._worker.stop()


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
