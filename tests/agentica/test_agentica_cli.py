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
    assert "available: acp, broken, chat, doctor, eval, harness, hello, run" in err


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


@pytest.fixture
def chosen(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, list[str]]]:
    """The subcommand ``main`` dispatches to, and its arguments (nothing runs)."""
    seen: list[tuple[str, list[str]]] = []

    def find(name: str) -> object:
        def command(argv: list[str], prog: str = "") -> int:
            seen.append((name, list(argv)))
            return 0

        return command

    monkeypatch.setattr(cli, "find_command", find)
    return seen


def test_agentica_alone_on_a_terminal_opens_the_chat(
    chosen: list[tuple[str, list[str]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    assert cli.main([]) == 0
    assert chosen == [("chat", [])]


def test_agentica_alone_off_a_terminal_is_still_a_usage_error(
    chosen: list[tuple[str, list[str]]], capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main([]) == 2  # pytest's stdin is no terminal
    assert chosen == [] and "a command is required" in capsys.readouterr().err


def test_1_5s_query_flag_runs_and_other_leading_flags_chat(
    chosen: list[tuple[str, list[str]]],
) -> None:
    cli.main(["--query", "hi", "--model", "demo"])
    cli.main(["--model_provider", "deepseek", "--model_name", "deepseek-chat"])
    assert chosen == [
        ("run", ["--query", "hi", "--model", "demo"]),
        ("chat", ["--model_provider", "deepseek", "--model_name", "deepseek-chat"]),
    ]


def test_chat_and_run_are_agenticas_own_commands() -> None:
    run, chat = cli.find_command("run"), cli.find_command("chat")
    assert run is not None and chat is not None
    assert (run.__module__, chat.__module__) == ("agentica.terminal.run", "agentica.terminal.chat")
