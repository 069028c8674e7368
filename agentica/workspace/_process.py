"""Running one shell command in its own process group, leaving no process behind.

See ``agentica.workspace.local`` for the behaviour (timeouts, cancellation, background
children); this module holds the mechanics.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
from pathlib import Path

import anyio
import anyio.abc

from agentica.workspace.base import CommandResult

logger = logging.getLogger(__name__)

_SHELL = "/bin/sh"


async def run_shell(
    command: str,
    *,
    workdir: Path,
    timeout: float,
    output_limit: int,
    kill_grace: float,
    background_grace: float,
) -> CommandResult:
    """Run ``command`` under ``/bin/sh -c`` in a new session (its own process group)."""
    # Shielded: a cancellation while asyncio finishes setting up the pipes would
    # kill only the shell and orphan what it already started.
    with anyio.CancelScope(shield=True):
        process = await anyio.open_process(
            [_SHELL, "-c", command],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            cwd=workdir,
            start_new_session=True,
        )
    logger.debug("started pid %s in %s", process.pid, workdir)
    tail = _Tail(max(output_limit, 0))
    eof = anyio.Event()
    timed_out = lingering = finished = False
    try:
        async with anyio.create_task_group() as tg:
            tg.start_soon(_pump, process, tail, eof)
            with anyio.move_on_after(timeout) as scope:
                await process.wait()
                # The shell is done; a background child (``server &``) may still hold
                # the pipe. Give it a moment, then stop the group and return.
                with anyio.move_on_after(background_grace) as grace:
                    await eof.wait()
                lingering = grace.cancelled_caught
            timed_out = scope.cancelled_caught
            if timed_out or lingering:
                await _stop_group(process, eof, kill_grace)
            finished = True
            tg.cancel_scope.cancel()  # A process outside the group may hold the pipe.
    finally:
        with anyio.CancelScope(shield=True):
            if not finished:  # Cancelled: the shell may be gone, its children not.
                await _stop_group(process, None, kill_grace)
            await process.aclose()
    code = process.returncode
    signame = _signal_name(-code) if code is not None and code < 0 else None
    exit_code = None if timed_out or code is None or code < 0 else code
    output = tail.text()
    if lingering and not timed_out:
        output += ("\n" if output and not output.endswith("\n") else "") + _LINGERING_NOTE
    return CommandResult(
        output=output,
        exit_code=exit_code,
        signal=signame,
        timed_out=timed_out,
        truncated=tail.truncated,
    )


async def _stop_group(
    process: anyio.abc.Process, eof: anyio.Event | None, kill_grace: float
) -> None:
    """SIGTERM the process group, wait a little, then SIGKILL what is left.

    The group id is the shell's pid; signalling it reaches the background children
    even after the shell itself has exited (the id stays reserved while any member
    lives, so it cannot name an unrelated group).
    """
    pgid = process.pid
    for sig in (signal.SIGTERM, signal.SIGKILL):
        _signal_group(pgid, sig)
        with anyio.move_on_after(kill_grace):
            await process.wait()
            if eof is not None:
                await eof.wait()  # Collect what the stopped processes wrote last.
            else:
                await _drain(process)  # Until no child holds the pipe any more.


_LINGERING_NOTE = (
    "[background processes still holding the output were stopped when the command "
    "exited; to keep one running, redirect its output: `cmd > log 2>&1 &`]\n"
)


class _Tail:
    """The last ``limit`` bytes of a stream."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.data = bytearray()
        self.truncated = False

    def add(self, chunk: bytes) -> None:
        self.data += chunk
        excess = len(self.data) - self.limit
        if excess > 0:
            del self.data[:excess]
            self.truncated = True

    def text(self) -> str:
        data = bytes(self.data)
        if self.truncated:  # Do not start in the middle of a UTF-8 sequence.
            skip = 0
            while skip < min(len(data), 3) and data[skip] & 0xC0 == 0x80:
                skip += 1
            data = data[skip:]
        return data.decode("utf-8", errors="replace")


async def _pump(process: anyio.abc.Process, tail: _Tail, eof: anyio.Event) -> None:
    assert process.stdout is not None
    try:
        async for chunk in process.stdout:
            tail.add(chunk)
    except (anyio.ClosedResourceError, anyio.BrokenResourceError):
        pass
    eof.set()


async def _drain(process: anyio.abc.Process) -> None:
    assert process.stdout is not None
    try:
        async for _ in process.stdout:
            pass
    except (anyio.ClosedResourceError, anyio.BrokenResourceError):
        pass


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass  # The group is gone (PermissionError: only zombies left, on some systems).


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"
