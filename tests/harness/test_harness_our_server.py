"""The harness against our own server (`python -m acp_server --model demo`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from acp_server.harness.cli import main


def test_check_passes_against_our_server(capsys: pytest.CaptureFixture[str]) -> None:
    # A generous per-request timeout: on a loaded machine a turn can take seconds.
    code = main(["check", "--demo", "--timeout", "30"])  # our server, demo model
    lines = capsys.readouterr().out.splitlines()
    # Every check must observe its behaviour against our server: none fails or warns. The
    # only skips: what our server rightly does not offer (authentication, and the checks of
    # agents *without* persistence), and a terminal cancel whose command finished before the
    # cancel landed three times (the demo's command is quick: inconclusive, not a fault), and
    # the check of our own ``$/cancel_request``s when the run happened to send none.
    assert [line for line in lines if line.startswith(("FAIL", "WARN"))] == []
    expected = {"session.load-unadvertised", "session.gated", "auth.unknown-method"}
    skipped = {line.split()[1] for line in lines if line.startswith("SKIP")}
    assert skipped - {"cancel.terminal", "client.cancel-request"} == expected
    assert code == 0
    assert lines[-1].endswith(f" 0 failed, 0 warnings, {len(skipped)} skipped")


def test_run_prints_the_demo_session(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["run", "--cwd", str(project)])  # the README's "run it" command
    out = capsys.readouterr().out
    assert code == 0
    assert "▸ Show me what you can do in this directory" in out
    assert "■ end_turn" in out
    assert "Plan:" in out
    # No agent command: our own offline demo, whose shell command is approved by default.
    assert "python3 --version`: allow" in out
    assert "falls back to reject" not in out
