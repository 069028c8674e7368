"""Running one shell command in its own process group, leaving no process behind.

See ``agentica.workspace.local`` for the behaviour (timeouts, cancellation, background
children); this module holds the mechanics.

Which processes are stopped: the process group, plus every process we can tie to the
command, found by ``agentica.procs.snapshot`` (``/proc`` on Linux) while it runs (every
``SCAN_INTERVAL`` seconds) and again when it is stopped: the descendants of the shell
and of every process seen before (by parent pid, checked against each process's start
time so a reused pid is never signalled), and any process carrying the command's
``AGENTICA_RUN_ID`` environment mark. So a ``setsid`` daemon, which leaves the group, is
stopped too. On a cancel the group is signalled at once and that final sweep runs in a thread
(``_sweep``), so the cancel does not wait for it: survivors die up to ``kill_grace``
(plus two scans) after the call returned.

What cannot be caught: a process that leaves the family between two scans (it
double-forks or is orphaned, so its parent chain no longer leads to the shell) *and*
clears its environment (``env -i``), or one that changes user. Without a process listing
(macOS without ``psutil``) only the process group is stopped. The platform specifics
(shell, group, signals) are in ``agentica.procs``. A command that finishes normally
keeps what it deliberately left running (``server > log 2>&1 &``).
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import anyio
import anyio.abc

from agentica import procs
from agentica.workspace.base import CommandResult

logger = logging.getLogger(__name__)

MARK = "AGENTICA_RUN_ID"
"""Environment variable carrying a per-command id, inherited by its processes."""
SCAN_INTERVAL = 0.2
"""Seconds between two scans of ``/proc`` for the command's processes."""


async def _spawn(command: str, workdir: Path, mark: str) -> anyio.abc.Process:
    """Start ``command`` in a new session, shielded from cancellation.

    Shielded: a cancellation while asyncio finishes setting up the pipes would kill only
    the shell and orphan what it already started.
    """
    with anyio.CancelScope(shield=True):
        return await anyio.open_process(
            procs.shell_command(command),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            cwd=workdir,
            env={**os.environ, MARK: mark},
            **procs.new_group_kwargs(),
        )
    raise AssertionError("unreachable: a shielded scope is never cancelled")


async def run_shell(
    command: str,
    *,
    workdir: Path,
    timeout: float,
    output_limit: int,
    kill_grace: float,
    background_grace: float,
) -> CommandResult:
    """Run ``command`` under the shell (``/bin/sh -c``) in its own process group."""
    mark = os.urandom(16).hex()  # The process family's unique mark (not uuid: 2 ms to import).
    process = await _spawn(command, workdir, mark)
    logger.debug("started pid %s in %s", process.pid, workdir)
    family = Family(process.pid, mark)
    tail = _Tail(max(output_limit, 0))
    eof = anyio.Event()
    timed_out = lingering = finished = False
    try:
        async with anyio.create_task_group() as tg:
            tg.start_soon(_pump, process, tail, eof)
            tg.start_soon(_watch, family)
            with anyio.move_on_after(timeout) as scope:
                await process.wait()
                # The shell is done; a background child (``server &``) may still hold
                # the pipe. Give it a moment, then stop the group and return.
                with anyio.move_on_after(background_grace) as grace:
                    await eof.wait()
                lingering = grace.cancelled_caught
            timed_out = scope.cancelled_caught
            if timed_out or lingering:
                await _stop_group(process, eof, kill_grace, family)
            finished = True
            tg.cancel_scope.cancel()  # A process outside the group may hold the pipe.
    finally:
        with anyio.CancelScope(shield=True):
            if not finished:  # Cancelled: the shell may be gone, its children not.
                await _stop_cancelled(process, kill_grace, family)
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
    process: anyio.abc.Process, eof: anyio.Event | None, kill_grace: float, family: Family
) -> None:
    """SIGTERM the process group and the family, wait a little, then SIGKILL the rest.

    The group id is the shell's pid; signalling it reaches the background children
    even after the shell itself has exited (the id stays reserved while any member
    lives, so it cannot name an unrelated group).
    """
    pgid = process.pid
    for sig in (procs.TERM, procs.KILL):
        family.scan(environ=True)
        _signal_group(pgid, sig)
        family.signal(sig)
        with anyio.move_on_after(kill_grace):
            await process.wait()
            if eof is not None:
                await eof.wait()  # Collect what the stopped processes wrote last.
            else:
                await _drain(process)  # Until no child holds the pipe any more.
            while family.alive():  # noqa: ASYNC110 (processes that are not our children)
                await anyio.sleep(0.01)


async def _stop_cancelled(process: anyio.abc.Process, kill_grace: float, family: Family) -> None:
    """Stop a cancelled command without making the cancel wait for a ``/proc`` sweep.

    The group gets SIGTERM at once (as before the survivor tracking, so a cancel is
    answered in a few ms); the family sweep, which reads all of ``/proc``, runs in a
    thread of its own (``_sweep``) and outlives the call by at most ``kill_grace`` plus
    two scans. Only the shell and the pipe are awaited here, as long as ``kill_grace``.
    """
    pgid = process.pid
    _signal_group(pgid, procs.TERM)
    sweeper = threading.Thread(
        target=_sweep, args=(family, pgid, kill_grace), name=f"agentica-sweep-{pgid}"
    )
    sweeper.start()  # Not a daemon: a shutdown still lets it SIGKILL the survivors.
    for sig in (None, procs.KILL):
        if sig is not None:
            _signal_group(pgid, sig)
        with anyio.move_on_after(kill_grace) as scope:
            await process.wait()
            await _drain(process)  # Until no child holds the pipe any more.
        if not scope.cancelled_caught:
            return


def _sweep(family: Family, pgid: int, kill_grace: float) -> None:
    """SIGTERM the family (and the group), SIGKILL what is left after ``kill_grace``.

    Runs in a thread: blocking ``/proc`` reads and sleeps only. ``family`` is no longer
    touched by anything else (its watcher stopped with the command).
    """
    for sig in (procs.TERM, procs.KILL):
        family.scan(environ=True)
        _signal_group(pgid, sig)
        family.signal(sig)
        deadline = time.monotonic() + kill_grace
        while family.alive() and time.monotonic() < deadline:
            time.sleep(0.01)
        if not family.alive():
            return


async def _watch(family: Family) -> None:
    """Record the command's processes while it runs (see the module docstring)."""
    while True:
        family.scan()
        await anyio.sleep(SCAN_INTERVAL)


class Family:
    """The processes of one command: see the module docstring."""

    def __init__(self, pid: int, mark: str) -> None:
        self.root = pid
        self.needle = f"{MARK}={mark}".encode()
        self.seen: dict[int, int] = {}
        """pid -> start time of every process found so far (the shell included)."""

    def scan(self, *, environ: bool = False) -> None:
        """Add the descendants of known processes (and marked ones when ``environ``)."""
        live = procs.snapshot()
        family = {p for p, start in self.seen.items() if live.get(p, (0, -1))[1] == start}
        if self.root in live and self.root not in self.seen:
            family.add(self.root)
        children: dict[int, list[int]] = {}
        for pid, (ppid, _) in live.items():
            children.setdefault(ppid, []).append(pid)
        stack = list(family)
        while stack:
            for child in children.get(stack.pop(), ()):
                if child not in family:
                    family.add(child)
                    stack.append(child)
        if environ:
            me = os.getpid()
            family.update(
                p for p in live if p not in family and p != me and procs.has_env(p, self.needle)
            )
        for pid in family:
            self.seen[pid] = live[pid][1]

    def _live(self) -> list[int]:
        live = procs.snapshot()
        return [p for p, start in self.seen.items() if live.get(p, (0, -1))[1] == start]

    def alive(self) -> bool:
        """Whether a process of the family still runs (zombies do not count)."""
        return bool(self._live())

    def signal(self, sig: int) -> None:
        """Send ``sig`` to every live member (checked against its start time)."""
        for pid in self._live():
            procs.send_signal(pid, sig)


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


def _signal_group(pgid: int, sig: int) -> None:
    procs.signal_group(pgid, sig)


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"
