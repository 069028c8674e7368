"""Spawning an ACP agent and owning its process group.

The agent runs in a new process group (``agentica.procs.new_group_kwargs``: a new session
on POSIX), so whatever it starts (shells, language servers, grandchildren) is killed with
it (``os.killpg``; the process tree on Windows) when the harness is done. Nothing is ever
killed by name.

Stdout is read in chunks and split into lines here, not with a stream reader that has a
fixed line limit: a line longer than ``max_line_bytes`` is skipped up to its newline and
reported as an :class:`OversizeLine`, so one huge message never wedges the reader.
Stderr is drained continuously into a bounded tail buffer so a chatty agent can never
block on a full pipe.
"""

from __future__ import annotations

import logging
import os
import subprocess
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import anyio
import anyio.abc

from agentica import procs

logger = logging.getLogger(__name__)

DEFAULT_MAX_LINE_BYTES = 10 * 1024 * 1024
"""Longest stdout line (one JSON-RPC message) the harness accepts."""

DEFAULT_STDERR_TAIL_BYTES = 64 * 1024
"""How much of the agent's stderr is kept (the most recent bytes)."""

_CHUNK = 256 * 1024


@dataclass(frozen=True, slots=True)
class OversizeLine:
    """A stdout line that exceeded the limit and was skipped."""

    size: int
    """Bytes seen before the newline (or EOF)."""
    head: bytes
    """The first bytes of the line, for the report."""


class AgentProcess:
    """A running agent subprocess with line-based stdout and a drained stderr."""

    def __init__(
        self,
        process: anyio.abc.Process,
        argv: Sequence[str],
        *,
        max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
        stderr_tail_bytes: int = DEFAULT_STDERR_TAIL_BYTES,
        on_stderr: Callable[[bytes], None] | None = None,
    ) -> None:
        self.process = process
        self.argv = list(argv)
        self.max_line_bytes = max_line_bytes
        self._stderr_tail: deque[bytes] = deque()
        self._stderr_tail_len = 0
        self._stderr_tail_limit = stderr_tail_bytes
        self.stderr_total = 0
        """Total bytes the agent wrote to stderr."""
        self._on_stderr = on_stderr
        self._buf = bytearray()
        self._eof = False
        self._send_lock = anyio.Lock()
        self._closed = False

    @classmethod
    async def start(
        cls,
        argv: Sequence[str],
        *,
        cwd: str | os.PathLike[str] | None = None,
        env: Mapping[str, str] | None = None,
        **kwargs: object,
    ) -> AgentProcess:
        """Start ``argv`` with piped stdio in a new process group."""
        if not argv:
            raise ValueError("the agent command is empty")
        proc = await anyio.open_process(
            list(argv),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=cwd,
            env=dict(env) if env is not None else None,
            **procs.new_group_kwargs(),
        )
        logger.debug("started agent pid %s: %s", proc.pid, argv)
        return cls(proc, argv, **kwargs)  # type: ignore[arg-type]

    @property
    def pid(self) -> int:
        """The agent's pid (also its process-group id)."""
        return self.process.pid

    @property
    def returncode(self) -> int | None:
        """The exit status once the agent has exited, else None."""
        return self.process.returncode

    # -- stdout -------------------------------------------------------------------------

    async def read_line(self) -> bytes | OversizeLine | None:
        """Return the next stdout line without its newline, an OversizeLine, or None at EOF."""
        assert self.process.stdout is not None
        skipped = 0
        head = b""
        while True:
            nl = self._buf.find(b"\n")
            if nl >= 0:
                line = bytes(self._buf[:nl])
                del self._buf[: nl + 1]
                if skipped:
                    return OversizeLine(skipped + len(line), head)
                return line
            if len(self._buf) > self.max_line_bytes or (skipped and self._buf):
                if not skipped:
                    head = bytes(self._buf[:200])
                skipped += len(self._buf)
                self._buf.clear()
            if self._eof:
                if skipped:
                    return OversizeLine(skipped, head)
                if self._buf:
                    line = bytes(self._buf)
                    self._buf.clear()
                    return line
                return None
            try:
                chunk = await self.process.stdout.receive(_CHUNK)
            except (anyio.EndOfStream, anyio.ClosedResourceError, anyio.BrokenResourceError):
                self._eof = True
                continue
            self._buf += chunk

    # -- stdin --------------------------------------------------------------------------

    async def send(self, data: bytes) -> None:
        """Write bytes to the agent's stdin (serialised; raises BrokenResourceError if gone)."""
        assert self.process.stdin is not None
        async with self._send_lock:
            await self.process.stdin.send(data)

    async def close_stdin(self) -> None:
        """Close the agent's stdin (the ACP way to ask it to exit)."""
        if self.process.stdin is not None:
            try:
                await self.process.stdin.aclose()
            except (OSError, anyio.BrokenResourceError):
                pass

    # -- stderr -------------------------------------------------------------------------

    async def drain_stderr(self) -> None:
        """Read stderr until EOF, keeping a bounded tail. Run this in a task."""
        if self.process.stderr is None:
            return
        while True:
            try:
                chunk = await self.process.stderr.receive(_CHUNK)
            except (anyio.EndOfStream, anyio.ClosedResourceError, anyio.BrokenResourceError):
                return
            self.stderr_total += len(chunk)
            self._stderr_tail.append(chunk)
            self._stderr_tail_len += len(chunk)
            while self._stderr_tail_len > self._stderr_tail_limit and len(self._stderr_tail) > 1:
                self._stderr_tail_len -= len(self._stderr_tail.popleft())
            if self._on_stderr is not None:
                self._on_stderr(chunk)

    def stderr_tail(self, limit: int = 2000) -> str:
        """The most recent stderr text (at most ``limit`` characters)."""
        data = b"".join(self._stderr_tail)[-limit * 4 :]
        return data.decode("utf-8", errors="replace")[-limit:]

    # -- shutdown -----------------------------------------------------------------------

    async def wait(self) -> int:
        """Wait for the agent to exit and return its exit status."""
        return await self.process.wait()

    def kill_group(self, sig: int = procs.KILL) -> None:
        """Send ``sig`` to the agent's whole process group (ignored if it is gone)."""
        procs.signal_group(self.pid, sig)

    async def aclose(self, *, grace: float = 2.0) -> int | None:
        """Stop the agent: close stdin, wait ``grace`` s, SIGTERM, then SIGKILL the group.

        Always ends with a SIGKILL to the group so no grandchild outlives the harness.
        Returns the agent's exit status.
        """
        if self._closed:
            return self.returncode
        self._closed = True
        with anyio.CancelScope(shield=True):
            await self.close_stdin()
            if self.returncode is None:
                with anyio.move_on_after(grace):
                    await self.process.wait()
            if self.returncode is None:
                self.kill_group(procs.TERM)
                with anyio.move_on_after(1.0):
                    await self.process.wait()
            self.kill_group(procs.KILL)
            if self.returncode is None:
                with anyio.move_on_after(5.0):
                    await self.process.wait()
        return self.returncode

    async def aclose_streams(self) -> None:
        """Close the stdout/stderr pipes (after the readers have stopped)."""
        with anyio.CancelScope(shield=True):
            for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
                if stream is not None:
                    try:
                        await stream.aclose()
                    except (OSError, anyio.BrokenResourceError):
                        pass
