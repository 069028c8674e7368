"""What ``acp-harness run`` prints for the agent's requests."""

from __future__ import annotations

import io

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
