"""Local execution of the agent's ``terminal/*`` requests, the way an editor does it.

Each terminal is a subprocess in its own process group (stdout and stderr merged). Output
is kept up to ``outputByteLimit`` bytes, dropping from the beginning at a UTF-8 character
boundary. ``terminal/kill`` and ``terminal/release`` kill the whole group.
"""

from __future__ import annotations

import os
import signal
import subprocess
from dataclasses import dataclass, field
from itertools import count
from typing import Any

import anyio
import anyio.abc

from agentica import procs

from .errors import RpcFault

DEFAULT_OUTPUT_LIMIT = 1024 * 1024


def trim_to_limit(data: bytearray, limit: int) -> bool:
    """Drop bytes from the start of ``data`` so it fits ``limit``; True if anything was cut.

    The cut moves forward past UTF-8 continuation bytes so the result starts on a
    character boundary.
    """
    if len(data) <= limit:
        return False
    cut = len(data) - limit
    while cut < len(data) and (data[cut] & 0xC0) == 0x80:
        cut += 1
    del data[:cut]
    return True


@dataclass(slots=True)
class Terminal:
    """One running (or finished) command."""

    terminal_id: str
    session_id: str
    process: anyio.abc.Process
    limit: int
    output: bytearray = field(default_factory=bytearray)
    truncated: bool = False
    exited: anyio.Event = field(default_factory=anyio.Event)
    released: bool = False

    def exit_status(self) -> dict[str, Any] | None:
        """``{exitCode, signal}`` once exited, else None."""
        rc = self.process.returncode
        if rc is None or not self.exited.is_set():
            return None
        if rc < 0:
            try:
                name = signal.Signals(-rc).name
            except ValueError:
                name = str(-rc)
            return {"exitCode": None, "signal": name}
        return {"exitCode": rc, "signal": None}

    def kill(self) -> None:
        """SIGKILL the command's process group."""
        procs.signal_group(self.process.pid, procs.KILL)


class TerminalManager:
    """Serves ``terminal/*`` requests; needs a task group to run output readers."""

    def __init__(self, task_group: anyio.abc.TaskGroup) -> None:
        self._tg = task_group
        self._terminals: dict[str, Terminal] = {}
        self._ids = count(1)
        self.created: list[str] = []
        """Every terminal id handed out, in order."""
        self.released: list[str] = []
        """Every terminal id the agent released, in order."""

    def _get(self, params: dict[str, Any]) -> Terminal:
        tid = params.get("terminalId")
        term = self._terminals.get(tid) if isinstance(tid, str) else None
        if term is None or term.released:
            raise RpcFault.invalid_params(f"unknown terminal id {tid!r}")
        return term

    async def create(self, params: dict[str, Any], default_cwd: str | None) -> dict[str, Any]:
        """``terminal/create``: start the command and return its id at once."""
        command = params.get("command")
        if not isinstance(command, str) or not command:
            raise RpcFault.invalid_params("terminal/create needs a non-empty 'command'")
        args = params.get("args") or []
        cwd = params.get("cwd") or default_cwd
        if cwd is not None and not os.path.isabs(cwd):
            raise RpcFault.invalid_params(f"terminal cwd must be absolute, got {cwd!r}")
        env = dict(os.environ)
        for var in params.get("env") or []:
            if isinstance(var, dict) and "name" in var:
                env[str(var["name"])] = str(var.get("value", ""))
        # A command with no args is run by the shell (agents send whole command lines).
        argv = [command, *map(str, args)] if args else procs.shell_command(command)
        limit = params.get("outputByteLimit")
        limit = int(limit) if isinstance(limit, int) and limit >= 0 else DEFAULT_OUTPUT_LIMIT
        try:
            proc = await anyio.open_process(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                cwd=cwd,
                env=env,
                **procs.new_group_kwargs(),
            )
        except OSError as exc:
            raise RpcFault.internal_error(f"cannot start {command!r}: {exc}") from exc
        tid = f"term_{next(self._ids)}"
        term = Terminal(tid, str(params.get("sessionId")), proc, limit)
        self._terminals[tid] = term
        self.created.append(tid)
        self._tg.start_soon(self._pump, term)
        return {"terminalId": tid}

    async def _pump(self, term: Terminal) -> None:
        stream = term.process.stdout
        try:
            if stream is not None:
                while True:
                    try:
                        chunk = await stream.receive(65536)
                    except (
                        anyio.EndOfStream,
                        anyio.ClosedResourceError,
                        anyio.BrokenResourceError,
                    ):
                        break
                    term.output += chunk
                    if trim_to_limit(term.output, term.limit):
                        term.truncated = True
            await term.process.wait()
        finally:
            term.exited.set()
            with anyio.CancelScope(shield=True):
                await term.process.aclose()

    async def output(self, params: dict[str, Any]) -> dict[str, Any]:
        """``terminal/output``: the output so far, truncation flag and exit status."""
        term = self._get(params)
        result: dict[str, Any] = {
            "output": term.output.decode("utf-8", errors="replace"),
            "truncated": term.truncated,
        }
        status = term.exit_status()
        if status is not None:
            result["exitStatus"] = status
        return result

    async def wait_for_exit(self, params: dict[str, Any]) -> dict[str, Any]:
        """``terminal/wait_for_exit``: resolve when the command exits."""
        term = self._get(params)
        await term.exited.wait()
        return term.exit_status() or {"exitCode": None, "signal": None}

    async def kill(self, params: dict[str, Any]) -> dict[str, Any]:
        """``terminal/kill``: kill the command, keep the id valid."""
        self._get(params).kill()
        return {}

    async def release(self, params: dict[str, Any]) -> dict[str, Any]:
        """``terminal/release``: kill if running and forget the id."""
        term = self._get(params)
        term.kill()
        term.released = True
        self.released.append(term.terminal_id)
        return {}

    def output_text(self, terminal_id: str) -> str | None:
        """The captured output of a terminal (also after release), or None if unknown."""
        term = self._terminals.get(terminal_id)
        return None if term is None else term.output.decode("utf-8", errors="replace")

    def exit_status(self, terminal_id: str) -> dict[str, Any] | None:
        """A terminal's ``{exitCode, signal}`` once it exited (None if unknown or running)."""
        term = self._terminals.get(terminal_id)
        return None if term is None else term.exit_status()

    def kill_all(self) -> None:
        """Kill every terminal's process group (harness shutdown)."""
        for term in self._terminals.values():
            if not term.exited.is_set():
                term.kill()
