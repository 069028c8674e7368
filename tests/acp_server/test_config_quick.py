"""``quick_flags()``: the plain command lines argparse need not be imported for."""

from __future__ import annotations

import subprocess
import sys

import pytest

from acp_server.config import build_parser
from acp_server.quickflags import SWITCHES, VALUE_FLAGS, quick_flags


def _argparse_flags(argv: list[str]) -> dict[str, object]:
    args = build_parser().parse_args(argv)
    return {k: v for k, v in vars(args).items() if v is not None}


def test_the_tables_list_every_option_of_the_parser():
    values: dict[str, str] = {}
    switches: dict[str, str] = {}
    for action in build_parser()._actions:
        if action.dest in ("help", "version"):
            continue
        table = switches if action.nargs == 0 else values
        table.update(dict.fromkeys(action.option_strings, action.dest))
    assert values == VALUE_FLAGS
    assert switches == SWITCHES


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["--model", "demo"],
        ["--model=deepseek/deepseek-chat", "--max-turns", "7"],
        ["--model_provider", "ollama", "--model-name", "qwen3"],
        ["--log-level", "debug", "--log_file", "/tmp/x.log"],
        ["--log_level=info"],
        ["--allow-outside", "--mode", "read_only", "--work-dir", "a b"],
        ["--api-key=a=b", "--base_url", "http://h/v1", "--request-timeout", "0"],
        ["--model-timeout", "5", "--config", "c.toml", "--model", ""],
        ["--model", "a", "--model", "b"],
    ],
)
def test_plain_command_lines_parse_as_argparse_parses_them(argv):
    assert quick_flags(argv) == _argparse_flags(argv)


@pytest.mark.parametrize(
    "argv",
    [
        ["--help"],
        ["-h"],
        ["--version"],
        ["--mod", "demo"],  # An abbreviation.
        ["demo"],
        ["--model"],
        ["--model", "-x"],
        ["--max-turns", "-1"],
        ["--log-level", "loud"],
        ["--allow-outside=yes"],
        ["--", "--model", "x"],
        ["--unknown", "1"],
    ],
)
def test_anything_else_is_left_to_argparse(argv):
    assert quick_flags(argv) is None


def test_starting_the_server_does_not_import_argparse():
    code = (
        "import sys\n"
        "from acp_server.config import load_config\n"
        "load_config(['--model', 'demo'], {'XDG_CONFIG_HOME': '/nonexistent'})\n"
        "print('argparse' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert out.stdout.strip() == "False", out.stderr
