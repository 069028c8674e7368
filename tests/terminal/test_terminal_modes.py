"""The mode vocabulary and decision live in ``agentica.modes``; the ACP server uses them."""

from __future__ import annotations

import pytest

import acp_server.modes
import acp_server.permissions
from agentica import modes
from agentica.events import Location
from agentica.tools.base import ApprovalRequest


def request(tool: str, kind: str, *paths: str) -> ApprovalRequest:
    return ApprovalRequest(
        call_id="c1", tool_name=tool, title=tool, kind=kind,  # type: ignore[arg-type]
        arguments={}, locations=tuple(Location(path=p) for p in paths),
    )


def test_the_server_re_exports_agenticas_modes_and_its_approver_is_a_policy() -> None:
    for name in ("MODES", "Mode", "check_mode_id", "mode_name", "read_only_refusal"):
        assert getattr(acp_server.modes, name) is getattr(modes, name)
    # Spelled out in the server (its config reads them before agentica is imported).
    for name in ("ASK", "ACCEPT_EDITS", "READ_ONLY", "FULL_ACCESS", "MODE_IDS", "DEFAULT_MODE"):
        assert getattr(acp_server.modes, name) == getattr(modes, name)
    assert acp_server.permissions.ModeRefusal is modes.ModeRefusal
    assert issubclass(acp_server.permissions.PermissionApprover, modes.ModePolicy)


@pytest.mark.parametrize(
    ("mode", "call", "decision"),
    [
        ("ask", request("write_file", "edit", "/p/a"), None),
        ("accept_edits", request("write_file", "edit", "/p/a"), "allow"),
        ("accept_edits", request("execute", "execute"), None),
        ("accept_edits", request("write_file", "edit", "/elsewhere/a"), None),
        ("full_access", request("execute", "execute"), "allow"),
        ("full_access", request("write_file", "edit", "/elsewhere/a"), None),
    ],
)
def test_what_each_mode_decides_alone(
    mode: str, call: ApprovalRequest, decision: str | None
) -> None:
    assert modes.ModePolicy(mode=mode, roots=["/p"]).mode_decision(call) == decision


def test_read_only_refuses_and_an_always_reject_beats_full_access() -> None:
    policy = modes.ModePolicy(mode="read_only", roots=["/p"])
    with pytest.raises(modes.ModeRefusal, match="Read only mode"):
        policy.mode_decision(request("execute", "execute"))
    policy.mode = "full_access"
    policy.remember("edit_file", "edit", "deny")
    assert policy.mode_decision(request("write_file", "edit", "/p/a")) == "deny"
    policy.forget()
    assert policy.mode_decision(request("write_file", "edit", "/p/a")) == "allow"
