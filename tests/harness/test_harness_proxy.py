"""`acp-harness proxy`: byte-exact pass-through, live validation, exit status and signals."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

from harness_util import FakeAgent

from acp_server.harness import AcpHarness

PROXY = [sys.executable, "-m", "acp_server.harness", "proxy"]


def test_every_byte_passes_through_unchanged_both_ways(tmp_path: Path) -> None:
    log = tmp_path / "proxy.log"
    data = (
        b'{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}\n'
        b"not json at all \xff\xfe\n"
        b"\n" + b"x" * 200_000 + b"\n"
        b'{"jsonrpc":"2.0","method":"session/cancel","params":{"sessionId":"s"}}'  # no newline
    )
    done = subprocess.run(
        [*PROXY, "--log", str(log), "--", "cat"], input=data, capture_output=True, timeout=30
    )
    assert done.returncode == 0
    assert done.stdout == data
    text = log.read_text()
    assert "!! VIOLATION: not valid JSON" in text
    assert text.rstrip().endswith("violations")


async def _session(argv: list[str], cwd: Path) -> None:
    async with AcpHarness.spawn(argv, cwd=cwd, timeout=10) as h:
        await h.initialize()
        sid = await h.new_session()
        outcome = await h.prompt(sid, "hello")
        assert outcome.stop_reason == "end_turn"
        await h.wait_for(lambda m: False, timeout=0.3)  # let a late update through


async def test_a_clean_session_logs_no_violation(fake_agent: FakeAgent, tmp_path: Path) -> None:
    log = tmp_path / "clean.log"
    await _session([*PROXY, "--log", str(log), "--", *fake_agent()], tmp_path)
    text = log.read_text()
    assert "→ initialize #0" in text and "← session/update tool_call" in text
    assert "VIOLATION" not in text
    assert text.splitlines()[-1].endswith(" messages, 0 violations")


async def test_an_update_after_the_prompt_response_is_marked_live(
    fake_agent: FakeAgent, tmp_path: Path
) -> None:
    log = tmp_path / "late.jsonl"
    argv = [*PROXY, "--log", str(log), "--format", "jsonl", "--", *fake_agent("late-update")]
    await _session(argv, tmp_path)
    records = [json.loads(line) for line in log.read_text().splitlines()]
    flagged = [r for r in records if r.get("violations")]
    assert len(flagged) == 1
    assert flagged[0]["dir"] == "agent->editor"
    assert flagged[0]["msg"]["params"]["update"]["content"]["text"] == " (late)"
    assert flagged[0]["violations"] == [
        "agent_message_chunk after the session/prompt response that ended the turn"
    ]


def test_the_agent_exit_status_passes_through() -> None:
    done = subprocess.run(
        [*PROXY, "--", sys.executable, "-c", "import sys; sys.exit(7)"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=30,
    )
    assert done.returncode == 7


def test_sigterm_reaches_the_agent_and_its_exit_status_comes_back(tmp_path: Path) -> None:
    script = (
        "import signal, sys, time\n"
        "signal.signal(signal.SIGTERM, lambda *a: sys.exit(5))\n"
        "print('ready', flush=True)\n"
        "time.sleep(30)\n"
    )
    with subprocess.Popen(
        [*PROXY, "--", sys.executable, "-c", script],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    ) as proc:
        try:
            assert proc.stdout is not None
            assert proc.stdout.readline() == b"ready\n"
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=10) == 5
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def test_an_agent_killed_by_a_signal_kills_the_proxy_with_it() -> None:
    script = "import os, signal; os.kill(os.getpid(), signal.SIGKILL)"
    started = time.monotonic()
    done = subprocess.run(
        [*PROXY, "--", sys.executable, "-c", script], stdin=subprocess.DEVNULL, timeout=30
    )
    assert done.returncode == -signal.SIGKILL
    assert time.monotonic() - started < 10
