"""The harness against our own server (`python -m acp_server --model demo`)."""

from __future__ import annotations

import os
import sys
from functools import partial
from pathlib import Path

import anyio
import pytest

from acp_server.auth import PROVIDER_KEY_ENVS
from acp_server.harness.checks import CheckConfig, run_checks
from acp_server.harness.cli import main


def test_check_passes_against_our_server(capsys: pytest.CaptureFixture[str]) -> None:
    # A generous per-request timeout: on a loaded machine a turn can take seconds.
    code = main(["check", "--demo", "--timeout", "30"])  # our server, demo model
    lines = capsys.readouterr().out.splitlines()
    # Every check must observe its behaviour against our server: none fails or warns. The
    # only skips: what our server rightly does not offer (authentication: a model is
    # configured; the checks of agents *without* persistence), and a terminal cancel whose
    # command finished before the cancel landed three times (the demo's command is quick:
    # inconclusive, not a fault), and the check of our own ``$/cancel_request``s when the
    # run happened to send none.
    assert [line for line in lines if line.startswith(("FAIL", "WARN"))] == []
    expected = {
        "session.load-unadvertised",
        "auth.required",
        "auth.authenticate",
        "auth.logout",
        "auth.unknown-method",
    }
    skipped = {line.split()[1] for line in lines if line.startswith("SKIP")}
    assert skipped - {"cancel.terminal", "client.cancel-request"} == expected
    assert code == 0
    assert lines[-1].endswith(f" 0 failed, 0 warnings, {len(skipped)} skipped")


def test_check_passes_the_sign_in_of_our_server_without_a_model(tmp_path: Path) -> None:
    # No model configured anywhere: our server asks for a sign-in (authMethods, -32000),
    # and the harness signs in headlessly with "Use the offline demo model".
    cleared = {"AGENTICA_MODEL", "AGENTICA_CONFIG", "OPENAI_BASE_URL", *PROVIDER_KEY_ENVS}
    env = {k: v for k, v in os.environ.items() if k not in cleared}
    env["AGENTICA_CONFIG"] = str(tmp_path / "acp.toml")
    argv = [sys.executable, "-m", "acp_server"]
    run = anyio.run(partial(run_checks, CheckConfig(argv, timeout=30, env=env)))
    assert [r.line() for r in run.results if r.status == "FAIL"] == []
    verdicts = {r.id: r for r in run.results}
    for check_id in ("auth.required", "auth.authenticate", "auth.logout", "auth.unknown-method"):
        assert verdicts[check_id].status == "PASS", verdicts[check_id].line()
    assert "'agentica-demo' answered {}" in verdicts["auth.authenticate"].reason
    skipped = {r.id for r in run.results if r.status == "SKIP"}
    # Everything is advertised, logout too: no unadvertised method is left to try.
    assert skipped - {"cancel.terminal", "client.cancel-request"} == {
        "session.load-unadvertised", "session.gated"
    }  # fmt: skip


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
