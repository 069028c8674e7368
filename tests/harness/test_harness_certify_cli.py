"""`acp-harness check` as a CI user runs it: levels, exit codes, reports, refusals."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from acp_server.harness.catalog import CATALOG
from acp_server.harness.cli import main


def test_check_of_a_missing_program_prints_one_line_and_exits_2(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["check", "--", "/nonexistent"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines() == [
        "error: cannot start the agent: '/nonexistent' is not an executable"
    ]


def test_check_without_an_agent_command_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check"]) == 2
    err = capsys.readouterr().err
    assert "no agent command" in err and "--demo" in err


def test_check_list_shows_every_check_with_its_level_and_description(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["check", "--list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(CATALOG)
    for line, info in zip(lines, CATALOG.values(), strict=True):
        assert re.match(rf"{re.escape(info.id)} +{info.level} +{re.escape(info.description)}", line)
    assert any(re.match(r"rpc\.parse-error +SHOULD ", line) for line in lines)


def test_a_broken_should_warns_without_failing_unless_strict(
    fake_agent: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["check", "--only", "rpc", "--", *fake_agent("silent-parse-error")]
    assert main(argv) == 0
    out = capsys.readouterr().out.splitlines()
    warn = next(line for line in out if line.startswith("WARN rpc.parse-error"))
    assert warn.endswith(
        "[SHOULD: checklist item 8: invalid JSON answers -32700, connection survives]"
    )
    assert re.fullmatch(r"\d+ passed, 0 failed, 1 warnings, 0 skipped", out[-1])
    assert main(["check", "--strict", *argv[1:]]) == 1


def test_check_writes_json_and_junit_reports_for_the_selected_groups(
    fake_agent: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report, junit = tmp_path / "r.json", tmp_path / "r.xml"
    code = main(
        [
            "check", "--only", "init", "--only", "config", "--env", "HARNESS_X=1",
            "--permissions", "reject", "--timeout", "5",
            "--json", str(report), "--junit", str(junit), "--", *fake_agent("lax-config"),
        ]
    )  # fmt: skip
    capsys.readouterr()
    assert code == 0  # a SHOULD (item 61) broken: a warning
    doc = json.loads(report.read_text())
    ids = [c["id"] for c in doc["checks"]]
    assert set(ids) == {
        "init.v1", "init.shape", "init.invalid-version", "init.v99", "init.agent-info", "config.set"
    }  # fmt: skip
    config = next(c for c in doc["checks"] if c["id"] == "config.set")
    assert config["status"] == "WARN" and config["level"] == "SHOULD"
    assert "an unknown value was accepted" in config["reason"]
    assert config["rule"].startswith("checklist items 60-61: ")
    assert doc["summary"] == {"passed": 5, "failed": 0, "warnings": 1, "skipped": 0}
    suite = ET.parse(junit).getroot()
    assert suite.get("tests") == "6" and suite.get("failures") == "1"
    failure = suite.find("testcase[@name='config.set']/failure")
    assert failure is not None and failure.get("type") == "SHOULD"


def test_check_rejects_a_malformed_env_pair(
    fake_agent: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", "--env", "NOEQUALS", "--", *fake_agent()]) == 2
    assert "expected K=V" in capsys.readouterr().err


def test_run_says_what_it_is_waiting_for(
    fake_agent: Any, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "run", "--cwd", str(project), "--prompt", "hi", "--progress", "0.5",
            "--timeout", "2", "--", *fake_agent("never-ends"),
        ]
    )  # fmt: skip
    captured = capsys.readouterr()
    assert code == 1
    assert "… waiting for the agent's answer to session/prompt" in captured.out + captured.err


def test_an_agent_slow_to_exit_after_stdin_eof_is_warned(
    fake_agent: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    # The agent itself exits at EOF; the shell around it lingers 1.5 s more.
    slow = ["sh", "-c", '"$@"; sleep 1.5', "agent", *fake_agent()]
    assert main(["check", "--only", "transport.eof", "--", *slow]) == 0
    out = capsys.readouterr().out.splitlines()
    warn = next(line for line in out if line.startswith("WARN transport.eof"))
    assert re.search(r"exited with status 0 but \d\.\d\d s after stdin EOF \(over 1 s\)", warn)
    assert main(["check", "--only", "transport.eof", "--", *fake_agent()]) == 0
    out = capsys.readouterr().out.splitlines()
    assert re.match(r"PASS transport.eof .* exited with status 0 0\.\d\d s after stdin EOF", out[0])
