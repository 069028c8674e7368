"""What ``acp-harness run`` prints for the agent's requests."""

from __future__ import annotations

import io

from acp_server.harness.accumulator import TurnAccumulator
from acp_server.harness.render import Renderer


def test_a_permission_request_prints_the_title_and_the_choice() -> None:
    out = io.StringIO()
    Renderer(out, color=False).request(
        {"method": "session/request_permission", "params": {"toolCall": {"title": "ls"}}},
        {"jsonrpc": "2.0", "id": 1, "result": {"outcome": {"optionId": "allow"}}},
    )
    assert out.getvalue() == "  ? permission for ls: allow\n"


def test_a_malformed_permission_request_is_printed_not_raised() -> None:
    out = io.StringIO()
    Renderer(out, color=False).request(
        {"method": "session/request_permission", "params": {"toolCall": "rm -rf ~"}},
        {"jsonrpc": "2.0", "id": 1, "result": {"outcome": "selected"}},
    )
    assert out.getvalue() == "  ? permission for tool call: None\n"


def _play(renderer: Renderer, updates: list[dict]) -> None:
    acc = TurnAccumulator()
    for upd in updates:
        renderer.update("s1", upd, acc.apply(upd))


def test_content_without_a_status_is_printed_under_its_own_tool() -> None:
    out = io.StringIO()
    _play(
        Renderer(out, color=False),
        [
            {
                "sessionUpdate": "tool_call",
                "toolCallId": "a",
                "title": "Edit a.py",
                "status": "pending",
            },
            {
                "sessionUpdate": "tool_call",
                "toolCallId": "b",
                "title": "Run ls",
                "status": "pending",
            },
            {
                "sessionUpdate": "tool_call_update",
                "toolCallId": "a",
                "content": [{"type": "content", "content": {"type": "text", "text": "patched"}}],
            },
        ],
    )
    lines = out.getvalue().splitlines()
    assert lines[-2:] == ["  ↳ Edit a.py", "    patched"]


def test_an_embedded_terminal_shows_its_output_tail_and_exit_status() -> None:
    out = io.StringIO()
    renderer = Renderer(out, color=False)
    output = "".join(f"line {i}\n" for i in range(1, 31))
    renderer.terminal_output = lambda tid: output if tid == "term_1" else None
    exits: dict[str, dict] = {}
    renderer.terminal_exit = exits.get
    embed = [{"type": "terminal", "terminalId": "term_1"}]
    acc = TurnAccumulator()
    running = {"sessionUpdate": "tool_call_update", "toolCallId": "t", "status": "in_progress"}
    for upd in (
        {"sessionUpdate": "tool_call", "toolCallId": "t", "title": "make", "status": "pending"},
        {**running, "content": embed},
    ):
        renderer.update("s1", upd, acc.apply(upd))
    assert out.getvalue().endswith("    [terminal term_1: running]\n")
    exits["term_1"] = {"exitCode": 3, "signal": None}
    done = {"sessionUpdate": "tool_call_update", "toolCallId": "t", "status": "failed"}
    renderer.update("s1", done, acc.apply(done))
    text = out.getvalue()
    assert "[terminal term_1]" not in text
    assert "    line 30\n" in text and "    line 18\n" not in text
    assert "    … 18 earlier lines" in text
    assert text.endswith(
        "  ✗ make failed\n    … 18 earlier lines\n"
        + "".join(f"    line {i}\n" for i in range(19, 31))
        + "    [terminal term_1: exit status 3]\n"
    )
