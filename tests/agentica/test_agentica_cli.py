"""The ``agentica`` command finds its subcommands through the ``agentica.commands`` group."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from agentica import cli


@pytest.fixture
def fake_dist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An installed distribution registering ``hello`` and ``broken`` commands."""
    info = tmp_path / "fakecmds-1.0.dist-info"
    info.mkdir()
    (info / "entry_points.txt").write_text(
        "[console_scripts]\nnot-a-command = fakecmds_hello:main\n\n"
        "[agentica.commands]\nhello = fakecmds_hello:main\nbroken = fakecmds_broken:main\n"
    )
    (tmp_path / "fakecmds_hello.py").write_text(
        "seen = []\n"
        "def main(argv, prog='hello'):\n"
        "    seen.append((list(argv), prog))\n"
        "    return 7\n"
    )
    (tmp_path / "fakecmds_broken.py").write_text("raise RuntimeError('imported')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in ("fakecmds_hello", "fakecmds_broken"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    return tmp_path


def test_a_registered_command_runs_with_its_arguments_and_prog(fake_dist: Path) -> None:
    assert cli.main(["hello", "--flag", "x"]) == 7
    hello = sys.modules["fakecmds_hello"]
    assert hello.seen == [(["--flag", "x"], "agentica hello")]
    # Only the chosen command was imported: the broken one would raise on import.
    assert "fakecmds_broken" not in sys.modules


def test_commands_of_every_installed_package_are_listed(fake_dist: Path) -> None:
    names = cli.available_commands()
    assert {"acp", "harness", "hello", "broken"} <= set(names)
    assert "not-a-command" not in names


def test_an_unknown_command_is_an_error_listing_the_available_ones(
    fake_dist: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["bogus"]) == 2
    err = capsys.readouterr().err
    assert "unknown command 'bogus'" in err
    assert "available: acp, broken, doctor, harness, hello" in err


def test_help_lists_the_registered_commands(
    fake_dist: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["--help"]) == 0
    out = capsys.readouterr().out
    for name in ("acp", "harness", "hello"):
        assert f"\n  {name}\n" in out


def test_the_acp_and_harness_commands_are_the_servers_entry_points() -> None:
    acp = cli.find_command("acp")
    harness = cli.find_command("harness")
    assert acp is not None and harness is not None
    assert (acp.__module__, acp.__name__) == ("acp_server.__main__", "run")
    assert (harness.__module__, harness.__name__) == ("acp_server.harness.cli", "main")
    assert cli.find_command("no-such-command") is None
