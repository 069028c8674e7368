"""How far a remembered answer reaches (fault 6), and the approver's fail-closed branches.

Each fail-closed test would fail if its branch turned into "allow": the tool must not
run (or the decision must not be ``"allow"``).
"""

from __future__ import annotations

from typing import Any

import anyio
import pytest
from fake_client import FakeClient

from acp_server.errors import ConnectionClosed, RequestTimeout
from acp_server.modes import READ_ONLY
from acp_server.permissions import ModeRefusal, PermissionApprover
from agentica.agent import Agent
from agentica.events import Location
from agentica.testing import ScriptedModel, tool_call
from agentica.tools.base import ApprovalDecision, ApprovalRequest
from agentica.tools.function import tool

ROOT = "/project"


def req(
    name: str = "write_file", kind: Any = "edit", path: str = "/project/a.txt", call_id: str = "c1"
) -> ApprovalRequest:
    return ApprovalRequest(
        call_id=call_id,
        tool_name=name,
        title=f"{name} {path}",
        kind=kind,
        arguments={"file_path": path},
        locations=(Location(path=path),),
    )


async def test_always_allow_inside_the_project_still_asks_for_every_write_outside():
    client = FakeClient(["allow_always", "reject_once", "reject_once"])
    approver = PermissionApprover(client, "s1", roots=[ROOT])
    assert await approver(req(path="/project/a.txt", call_id="c1")) == "allow"
    assert await approver(req(path="/project/sub/b.txt", call_id="c2")) == "allow"
    assert len(client.requests) == 1  # Remembered inside the project.
    assert await approver(req(path="/home/me/.bashrc", call_id="c3")) == "deny"
    assert await approver(req(path="/project/../etc/passwd", call_id="c4")) == "deny"
    assert len(client.requests) == 3  # Outside: asked each time.


async def test_always_reject_of_write_file_also_rejects_edit_file_without_asking():
    client = FakeClient(["reject_always"])
    approver = PermissionApprover(client, "s1", roots=[ROOT])
    assert await approver(req("write_file")) == "deny"
    assert await approver(req("edit_file", call_id="c2")) == "deny"
    assert await approver(req("edit_file", path="/elsewhere/x", call_id="c3")) == "deny"
    assert len(client.requests) == 1
    # A command is not a file change: it still asks.
    assert await approver(req("execute", kind="execute", call_id="c4")) == "allow"
    assert len(client.requests) == 2


async def test_read_only_beats_a_remembered_always_allow():
    client = FakeClient(["allow_always"])
    approver = PermissionApprover(client, "s1", roots=[ROOT])
    assert await approver(req()) == "allow"
    approver.mode = READ_ONLY
    with pytest.raises(ModeRefusal, match="Read only"):
        await approver(req(call_id="c2"))
    assert len(client.requests) == 1


class Raising:
    """A connection whose request fails with ``error``."""

    def __init__(self, error: BaseException) -> None:
        self.error = error
        self.calls = 0

    async def request(self, method, params):
        self.calls += 1
        raise self.error


async def test_a_permission_request_that_times_out_denies():
    conn = Raising(RequestTimeout("session/request_permission", 0.1))
    approver = PermissionApprover(conn, "s1")
    assert await approver(req()) == "deny"
    assert approver.remembered == {}


async def test_a_connection_closed_while_asking_cancels():
    approver = PermissionApprover(Raising(ConnectionClosed("session/request_permission")), "s1")
    assert await approver(req()) == "cancel"


@pytest.mark.parametrize(
    "answer",
    [
        {"outcome": "selected"},  # no optionId
        {"outcome": "allow_always"},  # not an outcome kind
        {"optionId": "allow_once"},  # not wrapped in an outcome
        "allow_once",
        None,
        [],
    ],
    ids=["no-option", "bad-kind", "unwrapped", "string", "null", "list"],
)
async def test_an_unreadable_answer_denies(answer):
    class Answers:
        async def request(self, method, params):
            return answer if not isinstance(answer, dict) else {"outcome": answer}

    approver = PermissionApprover(Answers(), "s1")
    assert await approver(req()) == "deny"
    assert approver.remembered == {}


async def test_an_approver_that_raises_denies_and_the_tool_never_runs():
    ran: list[str] = []

    @tool(requires_approval=True)
    def touch(name: str) -> str:
        """Create a file."""
        ran.append(name)
        return "made"

    async def broken(request: ApprovalRequest) -> ApprovalDecision:
        raise RuntimeError("approval backend down")

    model = ScriptedModel([ScriptedModel.tool_calls(tool_call("touch", {"name": "x"})), "ok"])
    result = await Agent(model=model, tools=[touch], approver=broken).run("go")
    assert ran == []
    tool_msg = model.calls[1].messages[-1]
    assert tool_msg.role == "tool"
    assert "approval backend down" in tool_msg.text
    assert result.content == "ok"


async def test_two_gated_calls_never_overlap_their_requests_and_always_asks_once():
    active = 0
    peak = 0
    asked: list[str] = []

    class Slow:
        async def request(self, method, params):
            nonlocal active, peak
            active += 1
            peak = max(peak, active)
            asked.append(params["toolCall"]["toolCallId"])
            await anyio.sleep(0.05)
            active -= 1
            return {"outcome": {"outcome": "selected", "optionId": "allow_always"}}

    ran: list[str] = []

    @tool(requires_approval=True)
    async def touch(name: str) -> str:
        """Create a file."""
        ran.append(name)
        return "made"

    calls = [tool_call("touch", {"name": n}) for n in ("a", "b", "c")]
    model = ScriptedModel([ScriptedModel.tool_calls(*calls), "ok"])
    approver = PermissionApprover(Slow(), "s1")
    with anyio.fail_after(10):
        await Agent(model=model, tools=[touch], approver=approver).run("go")
    assert peak == 1
    assert len(asked) == 1
    assert sorted(ran) == ["a", "b", "c"]
