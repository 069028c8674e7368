"""The approver that asks the ACP client through session/request_permission."""

from __future__ import annotations

import anyio
import pytest
from fake_client import FakeClient

from acp_server.errors import RpcError
from acp_server.permissions import PermissionApprover
from agentica.events import Location
from agentica.tools.base import ApprovalRequest


def req(name: str = "write_file", kind: str = "edit", call_id: str = "c1") -> ApprovalRequest:
    return ApprovalRequest(
        call_id=call_id,
        tool_name=name,
        title=f"Write {call_id}",
        kind=kind,
        arguments={"file_path": "a.txt"},
        locations=(Location(path="/p/a.txt"),),
    )


async def test_permission_request_carries_the_tool_call_and_four_options():
    client = FakeClient(["allow_once"])
    assert await PermissionApprover(client, "s1")(req()) == "allow"
    method, params = client.requests[0]
    assert method == "session/request_permission"
    assert params["sessionId"] == "s1"
    assert params["toolCall"] == {
        "toolCallId": "c1",
        "title": "Write c1",
        "kind": "edit",
        "status": "pending",
        "locations": [{"path": "/p/a.txt"}],
        "rawInput": {"file_path": "a.txt"},
    }
    assert [(o["optionId"], o["kind"]) for o in params["options"]] == [
        ("allow_once", "allow_once"),
        ("allow_always", "allow_always"),
        ("reject_once", "reject_once"),
        ("reject_always", "reject_always"),
    ]


async def test_permission_is_asked_only_once_the_tool_call_is_announced():
    client = FakeClient(["allow_once"])
    order: list[str] = []
    announce = anyio.Event()

    async def announced(call_id: str) -> None:
        order.append(f"wait {call_id}")
        await announce.wait()
        order.append(f"announced {call_id}")

    approver = PermissionApprover(client, "s1", announced=announced)
    decisions: list[str] = []

    async def decide() -> None:
        decisions.append(await approver(req(call_id="c7")))

    with anyio.fail_after(5):
        async with anyio.create_task_group() as tg:
            tg.start_soon(decide)
            await anyio.wait_all_tasks_blocked()
            assert client.requests == []  # Not before the tool_call is written.
            announce.set()
    assert decisions == ["allow"]
    assert order == ["wait c7", "announced c7"]
    assert client.methods() == ["session/request_permission"]


@pytest.mark.parametrize(
    ("answer", "decision"),
    [("allow_once", "allow"), ("reject_once", "deny"), ("cancelled", "cancel"), ("bogus", "deny")],
)
async def test_permission_outcome_maps_to_decision(answer, decision):
    approver = PermissionApprover(FakeClient([answer]), "s1")
    assert await approver(req()) == decision
    assert approver.remembered == {}


async def test_allow_always_is_remembered_per_tool_and_kind():
    client = FakeClient(["allow_always", "allow_once"])
    approver = PermissionApprover(client, "s1", roots=["/p"])  # "Always" holds inside only.
    assert await approver(req(call_id="c1")) == "allow"
    assert await approver(req(call_id="c2")) == "allow"
    assert len(client.requests) == 1  # The second call was not asked.
    assert await approver(req(name="execute", kind="execute", call_id="c3")) == "allow"
    assert len(client.requests) == 2


async def test_reject_always_is_remembered():
    client = FakeClient(["reject_always"])
    approver = PermissionApprover(client, "s1")
    assert await approver(req(call_id="c1")) == "deny"
    assert await approver(req(call_id="c2")) == "deny"
    assert len(client.requests) == 1
    approver.forget()
    assert await approver(req(call_id="c3")) == "allow"  # Asked again (default answer).


class ErrorClient:
    def __init__(self, error: RpcError) -> None:
        self.error = error

    async def request(self, method, params):
        raise self.error


@pytest.mark.parametrize(
    ("error", "decision"),
    [(RpcError.request_cancelled(), "cancel"), (RpcError.internal_error("x"), "deny")],
)
async def test_client_error_answers_are_decisions_not_crashes(error, decision):
    assert await PermissionApprover(ErrorClient(error), "s1")(req()) == decision


async def test_cancelling_a_pending_permission_request_propagates_and_is_recorded():
    client = FakeClient(["hold"])
    approver = PermissionApprover(client, "s1")
    with anyio.fail_after(5):
        async with anyio.create_task_group() as tg:
            tg.start_soon(approver, req())
            await client.permission_asked.wait()
            tg.cancel_scope.cancel()
    assert client.cancelled_requests == ["session/request_permission"]
