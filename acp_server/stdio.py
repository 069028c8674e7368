"""Reserve stdin/stdout for the protocol and expose them as anyio byte streams.

Why: ACP speaks JSON-RPC over the process's stdout, so a stray ``print`` in a tool,
a chatty library or a child process that inherits fd 1 would corrupt the stream.
``claim_stdio()`` duplicates the real fds 0 and 1 into private descriptors for the
protocol, points fd 1 at stderr and fd 0 at ``/dev/null`` (so children can neither
write protocol bytes nor steal client input) and rebinds ``sys.stdout`` to stderr.

The byte streams read and write the private fds through one *daemon* thread each.
Blocking ``os.read``/``os.write`` in a daemon thread works for pipes, ttys and regular
files alike, never blocks the event loop, and cannot hold up interpreter exit the way a
worker thread parked in ``read()`` would after a SIGTERM while stdin is still open.
"""

from __future__ import annotations

import os
import queue
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import anyio
import anyio.from_thread
import anyio.lowlevel
from anyio import EndOfStream
from anyio.abc import ByteReceiveStream, ByteSendStream

__all__ = ["FdReceiveStream", "FdSendStream", "ProtocolFds", "claim_stdio", "release_stdio"]

_CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class ProtocolFds:
    """The private descriptors holding the original stdin/stdout, plus what to restore."""

    stdin: int
    """A duplicate of the original fd 0, for reading protocol input."""
    stdout: int
    """A duplicate of the original fd 1, for writing protocol output."""
    saved_sys_stdout: Any
    """The ``sys.stdout`` object before it was rebound to stderr."""
    saved_sys_stdin: Any
    """The ``sys.stdin`` object before it was rebound to ``/dev/null``."""


def claim_stdio() -> ProtocolFds:
    """Move the protocol onto private fds and make fds 0/1 harmless.

    After this call, fd 1 is a copy of fd 2 (stderr), fd 0 reads ``/dev/null``,
    ``sys.stdout`` is ``sys.stderr`` and ``sys.stdin`` reads ``/dev/null``. The returned
    descriptors are not inherited by child processes.
    """
    for stream in (sys.stdout, sys.__stdout__):
        if stream is not None:
            stream.flush()
    fds = ProtocolFds(os.dup(0), os.dup(1), sys.stdout, sys.stdin)
    devnull = os.open(os.devnull, os.O_RDWR)
    try:
        os.dup2(devnull, 0)
        try:
            os.dup2(2, 1)
        except OSError:  # No usable stderr: send stray output nowhere.
            os.dup2(devnull, 1)
    finally:
        os.close(devnull)
    sys.stdout = sys.stderr
    sys.stdin = open(os.devnull, encoding="utf-8")  # Lives as long as the process.
    return fds


def release_stdio(fds: ProtocolFds) -> None:
    """Undo ``claim_stdio()``: restore fds 0/1 and ``sys.stdin``/``sys.stdout``."""
    os.dup2(fds.stdin, 0)
    os.dup2(fds.stdout, 1)
    os.close(fds.stdin)
    os.close(fds.stdout)
    devnull_stdin, sys.stdin = sys.stdin, fds.saved_sys_stdin
    if devnull_stdin is not fds.saved_sys_stdin:
        devnull_stdin.close()
    sys.stdout = fds.saved_sys_stdout


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
