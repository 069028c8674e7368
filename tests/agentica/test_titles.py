"""Titles hide nothing (fault 5): hidden lines are counted, invisible characters shown."""

from __future__ import annotations

import pytest

from agentica.tools.builtin import WorkspaceTools
from agentica.tools.titles import code_span, command_block, command_title, escape


def execute_title(tmp_path, command: str) -> str:
    tools = {f.name: f for f in WorkspaceTools(tmp_path).functions()}
    return tools["execute"].describe_call({"command": command}).title


def test_a_multi_line_command_says_how_many_lines_the_title_leaves_out(tmp_path):
    assert execute_title(tmp_path, "ls\nrm -rf ~/important") == "Run `ls` (+1 more line)"
    assert execute_title(tmp_path, "a\nb\nc") == "Run `a` (+2 more lines)"
    assert execute_title(tmp_path, "\n\n  make test\n") == "Run `make test`"


def test_a_long_first_line_says_how_much_is_cut():
    title = command_title("echo " + "x" * 100 + "\nrm -rf /")
    assert title.startswith("Run `echo xxx")
    assert title.endswith("…` (+26 more characters, +1 more line)")


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("echo \x1b[8mhidden\x1b[0m", "echo \\x1b[8mhidden\\x1b[0m"),  # ANSI: conceal
        ("ls \u202etxt.exe", "ls \\u202etxt.exe"),  # right-to-left override
        ("a\u2066b\u2069c", "a\\u2066b\\u2069c"),  # isolates
        ("x\u200by", "x\\u200by"),  # zero-width space
        ("a\rb\x07", "a\\x0db\\x07"),  # carriage return, bell
        ("a\u2028b", "a\\u2028b"),  # line separator
        ("plain ascii", "plain ascii"),
        ("naïve café 日本", "naïve café 日本"),  # ordinary text is left alone
    ],
)
def test_escape_makes_hiding_characters_visible(raw, shown):
    assert escape(raw) == shown


def test_backticks_cannot_end_the_code_span_early():
    assert code_span("echo `date`") == "`` echo `date` ``"
    assert code_span("a`b") == "``a`b``"
    assert command_title("echo ``x``") == "Run ``` echo ``x`` ```"


def test_command_block_keeps_lines_and_escapes_the_rest():
    block = command_block("ls\nrm -rf ~/important\x1b[2K")
    assert block == "```sh\nls\nrm -rf ~/important\\x1b[2K\n```"
    assert command_block("echo ```").startswith("````sh\n")
