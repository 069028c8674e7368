"""`acp-harness run` and `acp-harness check` as a user runs them."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import anyio
import pytest

from acp_server.harness.cli import load_script, main, split_argv


def test_run_prints_the_streamed_session_readably(
    fake_agent: Any, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "run",
            "--cwd",
            str(project),
            "--prompt",
            "hello",
            "--permissions",
            "allow",
            "--",
            *fake_agent(),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "● minimal-agent 0.1 (protocol 1)" in out
    assert "▸ hello" in out
    assert "Hello" in out and ", world." in out
    assert "○ Read README.md [read] pending" in out
    assert "permission for Read README.md: allow" in out
    assert "# Demo project" in out  # the tool output, served from the session cwd
    assert "[x] Say hello" in out
    assert re.search(r"■ end_turn · \d+\.\d\ds", out)
    assert "\x1b[" not in out  # no colour when stdout is not a TTY


def test_run_json_writes_the_raw_transcript_as_ndjson(
    fake_agent: Any, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["run", "--json", "--cwd", str(project), "--prompt", "hi", "--", *fake_agent()])
    lines = capsys.readouterr().out.splitlines()
    assert code == 0
    entries = [json.loads(line) for line in lines]
    assert entries[0]["dir"] == "send" and entries[0]["msg"]["method"] == "initialize"
    assert any(
        e["dir"] == "recv" and e["msg"].get("result") == {"stopReason": "end_turn"} for e in entries
    )


def test_run_cancel_after_and_permissions_ask_without_a_tty(
    fake_agent: Any,
    project: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sys, "stdin", open(os.devnull))
    code = main(
        [
            "run",
            "--cwd",
            str(project),
            "--permissions",
            "ask",
            "--cancel-after",
            "0.05",
            "--prompt",
            "hello",
            "--prompt",
            "Take your time",
            "--",
            *fake_agent(),
        ]
    )
    out = capsys.readouterr().out
    sys.stdin.close()
    assert code == 0
    assert "--permissions ask falls back to reject" in out
    assert "permission for Read README.md: reject" in out
    assert "■ cancelled" in out


def test_run_asks_before_approving_a_given_agent_and_rejects_without_a_tty(
    fake_agent: Any,
    project: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with open(os.devnull) as devnull:
        monkeypatch.setattr(sys, "stdin", devnull)
        code = main(["run", "--cwd", str(project), "--prompt", "hello", "--", *fake_agent()])
    out = capsys.readouterr().out
    assert code == 0
    assert "stdin is not a TTY: --permissions ask falls back to reject" in out
    assert "pass --permissions allow" in out
    assert "permission for Read README.md: reject" in out
    assert "# Demo project" not in out  # the read was refused, so it never ran


def test_run_help_documents_the_permission_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "Default: allow for the built-in demo (no agent command), ask for an agent" in (
        help_text
    )


def test_run_reports_an_agent_that_exits_mid_turn(
    fake_agent: Any, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        ["run", "--cwd", str(project), "--prompt", "hi", "--", *fake_agent("exit-mid-turn")]
    )
    assert code == 1
    assert "error: agent closed its stdout during session/prompt (exit status 3)" in (
        capsys.readouterr().out
    )


def test_check_prints_one_line_per_check_and_the_summary_last(
    fake_agent: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", "--", *fake_agent()]) == 0
    good = capsys.readouterr().out.splitlines()
    assert re.fullmatch(r"\d+ passed, 0 failed, 0 warnings, 8 skipped", good[-1])
    assert all(re.match(r"(PASS|FAIL|WARN|SKIP|#) ", line) for line in good[:-1])

    assert main(["check", "--", *fake_agent("noise")]) == 1
    bad = capsys.readouterr().out.splitlines()
    assert any(line.startswith("FAIL transport.clean-stdout") for line in bad)
    assert re.fullmatch(r"\d+ passed, 1 failed, 0 warnings, 8 skipped", bad[-1])


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("p.txt", "# a comment\nfirst\n\nsecond\n"),
        ("p.json", '["first", {"prompt": "second"}]'),
        ("p.toml", 'prompts = ["first", "second"]\n'),
    ],
)
def test_load_script_reads_every_documented_format(tmp_path: Path, name: str, text: str) -> None:
    (tmp_path / name).write_text(text)
    assert load_script(str(tmp_path / name)) == ["first", "second"]


def test_split_argv_separates_the_agent_command() -> None:
    assert split_argv(["run", "--prompt", "x", "--", "agent", "--flag"]) == (
        ["run", "--prompt", "x"],
        ["agent", "--flag"],
    )


async def test_ctrl_c_sends_session_cancel_and_the_turn_ends_cancelled(
    fake_agent: Any, project: Path
) -> None:
    argv = [
        sys.executable,
        "-m",
        "acp_server.harness",
        "run",
        "--cwd",
        str(project),
        "--prompt",
        "Take your time",
        "--",
        *fake_agent(),
    ]
    proc = await anyio.open_process(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    output = b""
    try:
        assert proc.stdout is not None
        with anyio.fail_after(20):
            while b"Working on it" not in output:
                output += await proc.stdout.receive()
            proc.send_signal(signal.SIGINT)
            async for chunk in proc.stdout:
                output += chunk
            assert await proc.wait() == 0
    finally:
        if proc.returncode is None:
            proc.kill()
        await proc.aclose()
    text = output.decode()
    assert "sending session/cancel" in text
    assert "■ cancelled" in text
