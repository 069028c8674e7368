"""The launchers: ``agentica-acp`` / ``python -m acp_server`` and ``agentica acp|harness``."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import types
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest

from acp_server.__main__ import main as acp_main
from agentica.cli import main as agentica_main

ROOT = Path(__file__).resolve().parents[2]


def run(*command: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        command, capture_output=True, text=True, timeout=30, env=env, cwd=ROOT, check=False
    )


def test_acp_server_help_lists_the_settings() -> None:
    result = run(sys.executable, "-m", "acp_server", "--help")
    assert result.returncode == 0
    assert result.stdout.startswith("usage: agentica-acp")
    for flag in ("--model", "--log-level", "--log-file", "--config", "--version"):
        assert flag in result.stdout
    assert "acp.toml" in result.stdout


def test_acp_server_version() -> None:
    result = run(sys.executable, "-m", "acp_server", "--version")
    assert result.returncode == 0
    assert result.stdout == f"agentica-acp {version('agentica')}\n"


@pytest.mark.skipif(shutil.which("agentica-acp") is None, reason="console scripts not installed")
def test_agentica_acp_console_script_runs() -> None:
    result = run("agentica-acp", "--version")
    assert (result.returncode, result.stdout.split()[0]) == (0, "agentica-acp")


def test_agentica_acp_subcommand_runs_the_server_cli() -> None:
    result = run(sys.executable, "-m", "agentica.cli", "acp", "--help")
    assert result.returncode == 0
    assert result.stdout.startswith("usage: agentica acp")


def test_acp_main_reports_unusable_settings_with_status_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert acp_main(["--config", str(tmp_path / "missing.toml")]) == 2
    assert "missing.toml does not exist" in capsys.readouterr().err


def test_acp_main_reports_an_unwritable_log_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    monkeypatch.delenv("AGENTICA_CONFIG", raising=False)
    assert acp_main(["--log-file", str(tmp_path / "no" / "such" / "dir.log")]) == 2
    assert "cannot open log file" in capsys.readouterr().err


def test_agentica_help_lists_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    assert agentica_main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "acp" in out and "harness" in out


def test_agentica_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert agentica_main(["--version"]) == 0
    assert capsys.readouterr().out == f"agentica {version('agentica')}\n"


@pytest.mark.parametrize("argv", [[], ["bogus"]])
def test_agentica_without_a_known_command_fails_with_usage(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert agentica_main(argv) == 2
    assert "usage: agentica" in capsys.readouterr().err


def test_agentica_acp_passes_its_arguments_on(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        agentica_main(["acp", "--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.startswith("agentica acp ")


@pytest.mark.parametrize("takes_argv", [True, False])
def test_agentica_harness_dispatches_to_the_harness_cli(
    monkeypatch: pytest.MonkeyPatch, takes_argv: bool
) -> None:
    seen: list[Any] = []
    fake = types.ModuleType("acp_server.harness.cli")
    if takes_argv:

        def main(argv: list[str] | None = None) -> int:
            seen.append(argv)
            return 3

    else:

        def main() -> int:  # type: ignore[misc]
            seen.append(sys.argv[1:])
            return 3

    fake.main = main  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "acp_server.harness.cli", fake)
    monkeypatch.setattr(sys, "argv", list(sys.argv))
    assert agentica_main(["harness", "run", "x.json"]) == 3
    assert seen == [["run", "x.json"]]
