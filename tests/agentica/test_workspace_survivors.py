"""Commands leave no survivors: a ``setsid`` daemon (its own session, so outside the
process group) is stopped on cancel, timeout and exit too (issue 9, fault 10)."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import anyio
import pytest
from proc_util import alive

from agentica.workspace.local import LocalWorkspace

DAEMON = "setsid sleep 300 > /dev/null 2>&1 & echo $! > pid"
ORPHAN = "(setsid sleep 300 > /dev/null 2>&1 & echo $! > pid)"  # Parent gone at once.


async def _pid(root: Path) -> int:
    with anyio.fail_after(5):
        while not (root / "pid").exists() or not (root / "pid").read_text().strip():  # noqa: ASYNC110
            await anyio.sleep(0.02)
    return int((root / "pid").read_text())


async def _gone(pid: int) -> bool:
    with anyio.move_on_after(5):
        while alive(pid):  # noqa: ASYNC110 (not our child: no event to wait on)
            await anyio.sleep(0.02)
    return not alive(pid)


def _cleanup(pid: int | None) -> None:
    if pid is not None and alive(pid):
        os.kill(pid, signal.SIGKILL)


@pytest.mark.parametrize("command", [DAEMON, ORPHAN], ids=["setsid", "orphaned-setsid"])
async def test_cancel_stops_a_setsid_daemon(tmp_path: Path, command: str) -> None:
    ws = LocalWorkspace(tmp_path, kill_grace=0.2)
    pid = None
    try:
        async with anyio.create_task_group() as tg:
            tg.start_soon(ws.run_command, f"{command}; sleep 30")
            pid = await _pid(tmp_path)
            assert alive(pid)
            await anyio.sleep(0.3)  # Let a /proc scan see (or miss) it.
            tg.cancel_scope.cancel()
        assert pid is not None and await _gone(pid)
    finally:
        _cleanup(pid)


async def test_timeout_stops_a_setsid_daemon(tmp_path: Path) -> None:
    ws = LocalWorkspace(tmp_path, kill_grace=0.2)
    pid = None
    try:
        result = await ws.run_command(f"{ORPHAN}; sleep 30", timeout=1)
        assert result.timed_out
        pid = await _pid(tmp_path)
        assert await _gone(pid)
    finally:
        _cleanup(pid)


async def test_a_daemon_holding_the_output_is_stopped_when_the_shell_exits(
    tmp_path: Path,
) -> None:
    ws = LocalWorkspace(tmp_path, kill_grace=0.2, background_grace=0.2)
    pid = None
    try:
        result = await ws.run_command("setsid sleep 300 & echo $! > pid")
        assert "were stopped when the command exited" in result.output
        pid = await _pid(tmp_path)
        assert await _gone(pid)
    finally:
        _cleanup(pid)


async def test_a_redirected_daemon_of_a_finished_command_keeps_running(tmp_path: Path) -> None:
    ws = LocalWorkspace(tmp_path)
    pid = None
    try:
        result = await ws.run_command(DAEMON)
        assert result.exit_code == 0
        pid = await _pid(tmp_path)
        assert alive(pid)  # Deliberately started to last (documented).
    finally:
        _cleanup(pid)


async def test_a_cancel_does_not_wait_for_a_daemon_that_ignores_sigterm(tmp_path: Path) -> None:
    # The survivor sweep (SIGTERM, kill_grace, SIGKILL) runs after the cancel returned:
    # a daemon outside the group that ignores SIGTERM is still killed, later.
    ws = LocalWorkspace(tmp_path, kill_grace=2.0)
    stubborn = "setsid sh -c 'trap \"\" TERM; sleep 300' > /dev/null 2>&1 & echo $! > pid"
    started = anyio.current_time()
    pid = None
    try:
        async with anyio.create_task_group() as tg:
            tg.start_soon(ws.run_command, f"{stubborn}; sleep 30")
            pid = await _pid(tmp_path)
            await anyio.sleep(0.3)  # Let a /proc scan see it.
            started = anyio.current_time()
            tg.cancel_scope.cancel()
        assert anyio.current_time() - started < 1.0  # Not the 2 s grace of the daemon.
        assert pid is not None and await _gone(pid)
    finally:
        _cleanup(pid)
