"""LocalWorkspace commands whose background children outlive the shell; threads for paths."""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path

import anyio
import pytest
from proc_util import alive

from agentica.workspace.local import LocalWorkspace

needs_pidfd = pytest.mark.skipif(not hasattr(os, "pidfd_open"), reason="needs Linux pidfd")


async def _wait_gone(pid: int) -> None:
    """Wait (event-driven, via a pidfd) until ``pid`` has exited; fail after 5 seconds."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return
    try:
        with anyio.fail_after(5):
            await anyio.wait_readable(fd)
    finally:
        os.close(fd)


def _kill_quietly(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


@needs_pidfd
async def test_cancel_after_the_shell_exited_kills_the_child_holding_the_pipe(
    tmp_path: Path,
) -> None:
    ws = LocalWorkspace(tmp_path, background_grace=60)  # Only the cancel may stop it.
    fifo = tmp_path / "pids"
    os.mkfifo(fifo)
    pids: list[int] = []

    def read_pids() -> None:
        with open(fifo) as f:  # Blocks until the command opens the FIFO for writing.
            pids.extend(int(p) for p in f.read().split())

    try:
        with anyio.fail_after(10):
            async with anyio.create_task_group() as tg:

                async def run() -> None:
                    await ws.run_command("sleep 30 & echo $$ $! > pids; echo hi", timeout=60)

                tg.start_soon(run)
                await anyio.to_thread.run_sync(read_pids)
                shell, child = pids
                await _wait_gone(shell)  # The shell is done; ``sleep`` still holds stdout.
                tg.cancel_scope.cancel()
        await _wait_gone(child)
    finally:
        for pid in pids:
            _kill_quietly(pid)


@needs_pidfd
async def test_a_background_child_holding_the_pipe_is_stopped_soon_after_the_shell_exits(
    tmp_path: Path,
) -> None:
    ws = LocalWorkspace(tmp_path, background_grace=0.2)
    child = None
    try:
        with anyio.fail_after(10):  # Not the 60 s timeout.
            result = await ws.run_command("sleep 30 & echo $!; echo started", timeout=60)
        child = int(result.output.split()[0])
        assert result.output.splitlines()[1] == "started"
        assert "background processes still holding the output were stopped" in result.output
        assert (result.exit_code, result.timed_out) == (0, False)
        await _wait_gone(child)
    finally:
        if child is not None:
            _kill_quietly(child)


async def test_a_background_child_with_redirected_output_is_left_running(tmp_path: Path) -> None:
    ws = LocalWorkspace(tmp_path)
    child = None
    try:
        with anyio.fail_after(10):
            result = await ws.run_command("sleep 30 > /dev/null 2>&1 & echo $!", timeout=60)
        child = int(result.output.split()[0])
        assert result.output == f"{child}\n"
        assert result.exit_code == 0
        assert alive(child)
    finally:
        if child is not None:
            _kill_quietly(child)


async def test_async_methods_resolve_paths_in_a_worker_thread(tmp_path: Path) -> None:
    loop_thread = threading.get_ident()
    threads: list[int] = []

    class Recording(LocalWorkspace):
        def resolve(self, path):
            threads.append(threading.get_ident())
            return super().resolve(path)

    ws = Recording(tmp_path)
    real_root = str(ws.root)
    await ws.write_text("a.txt", "x\n")
    assert await ws.read_text("a.txt") == "x\n"
    assert await ws.exists("a.txt")
    assert [e.name for e in await ws.list_dir(".")] == ["a.txt"]
    assert await ws.glob("*.txt") == ["a.txt"]
    assert len(await ws.grep("x")) == 1
    assert (await ws.run_command("pwd", cwd=".")).output.strip() == real_root
    assert len(threads) == 7
    assert loop_thread not in threads
