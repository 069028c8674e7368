"""End to end over real stdio: EOF, SIGTERM and session/cancel stop a command that
ignores SIGTERM quickly, and leave no process behind.

The server gives a stopped command's process group a short grace after SIGTERM, then
SIGKILLs it, so these finish in well under a second. The bounds below are only hang
guards; the measured seconds are logged and recorded as test properties
(``shutdown_seconds``) for the report.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import time
from pathlib import Path

import anyio
import pytest
from e2e_util import open_server, wait_gone
from proc_util import alive

logger = logging.getLogger(__name__)


def stubborn(fifo: Path) -> str:
    """A prompt running a command that ignores SIGTERM (its children inherit that)."""
    command = f"trap '' TERM; sleep 30 & echo $$ $! > {fifo}; wait"
    return "call " + json.dumps([{"name": "execute", "args": {"command": command}}])


@pytest.mark.parametrize("how", ["eof", "sigterm", "cancel"])
async def test_stop_during_a_command_that_ignores_sigterm(workdir, how, record_property):
    fifo = workdir / "pids.fifo"
    os.mkfifo(fifo)
    async with open_server(workdir, answers=["allow_once"]) as server:
        await server.initialize()
        sid = await server.new_session()
        result: list[str] = []
        answered = anyio.Event()
        with anyio.fail_after(15):
            async with anyio.create_task_group() as tg:

                async def run() -> None:
                    try:
                        result.append(await server.prompt(sid, stubborn(fifo)))
                    except Exception as e:  # The connection may close first on shutdown.
                        result.append(f"error: {e}")
                    answered.set()

                tg.start_soon(run)
                pids = await anyio.to_thread.run_sync(Path(fifo).read_text)
                shell, child = (int(p) for p in pids.split())
                start = time.monotonic()
                with anyio.fail_after(5):  # Hang guard only.
                    if how == "cancel":
                        await server.conn.cancel(session_id=sid)
                        await answered.wait()
                    else:
                        if how == "eof":
                            assert server.process.stdin is not None
                            server.process.stdin.close()
                        else:
                            server.process.send_signal(signal.SIGTERM)
                        code = await server.process.wait()
                elapsed = time.monotonic() - start
            record_property("shutdown_seconds", round(elapsed, 3))
            logger.info("%s during a SIGTERM-ignoring command: %.3f s", how, elapsed)
            assert await wait_gone(child) and await wait_gone(shell)
            assert not alive(child) and not alive(shell)
            # What the user sees: the running prompt ends as cancelled, never an error.
            assert result == ["cancelled"]
            if how == "cancel":
                assert await server.prompt(sid, "say still here") == "end_turn"
            else:
                assert code == 0
