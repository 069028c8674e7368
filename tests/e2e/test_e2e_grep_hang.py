"""End to end over real stdio: a catastrophic grep freezes nothing (issue 9, fault 2).

While one session's grep backtracks on ``(\\w+\\s?)+$``, another session is answered,
and stdin EOF or SIGTERM still stop the server within a second, killing the grep
worker process.
"""

from __future__ import annotations

import json
import logging
import signal
import time
from pathlib import Path

import anyio
import pytest
from e2e_util import open_server, wait_gone
from proc_util import alive

logger = logging.getLogger(__name__)

LINE_OF_CODE = "result = compute_something_interesting(alpha, beta, gamma, delta, eps)!\n"
GREP = "call " + json.dumps([{"name": "grep", "args": {"pattern": r"(\w+\s?)+$"}}])


def grep_worker(server_pid: int) -> int | None:
    """The pid of the server's grep worker process, if one runs."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == server_pid and b"_search.py" in cmdline:
            return int(entry.name)
    return None


@pytest.mark.parametrize("how", ["eof", "sigterm"])
async def test_catastrophic_grep_blocks_no_session_and_not_the_shutdown(
    workdir, how, record_property
):
    (workdir / "code.py").write_text(LINE_OF_CODE)
    async with open_server(workdir) as server:
        await server.initialize()
        first = await server.new_session()
        worker: int | None = None
        elapsed, code = 0.0, None
        with anyio.fail_after(20):
            async with anyio.create_task_group() as tg:

                async def run() -> None:
                    try:
                        await server.prompt(first, GREP)
                    except Exception:  # The connection may close first on shutdown.
                        pass

                tg.start_soon(run)
                while worker is None:
                    await anyio.sleep(0.02)
                    worker = grep_worker(server.process.pid)
                await anyio.sleep(0.3)  # Well into the backtracking.
                with anyio.fail_after(3):  # Another session is served meanwhile.
                    second = await server.new_session()
                    assert await server.prompt(second, "say still here") == "end_turn"
                assert alive(worker)
                start = time.monotonic()
                with anyio.fail_after(5):  # Hang guard; the limit is asserted below.
                    if how == "eof":
                        assert server.process.stdin is not None
                        server.process.stdin.close()
                    else:
                        server.process.send_signal(signal.SIGTERM)
                    code = await server.process.wait()
                elapsed = time.monotonic() - start
        record_property("shutdown_seconds", round(elapsed, 3))
        logger.info("%s during a catastrophic grep: %.3f s", how, elapsed)
        assert elapsed < 1.0
        assert code == 0
        assert worker is not None and await wait_gone(worker)
