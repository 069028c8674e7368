"""Session persistence checks: skipped unless advertised, passed by a correct agent, and
failed by an agent that breaks each rule."""

from __future__ import annotations

import pytest
from harness_util import FakeAgent

from acp_server.harness.checks import CheckConfig, CheckRun, result_of, run_checks

PERSISTENCE = ("session.load", "session.resume", "session.close", "session.list", "session.delete")


async def check(argv: list[str], *groups: str) -> CheckRun:
    only = frozenset({"session", *groups})
    return await run_checks(CheckConfig(argv, timeout=3.0, startup_timeout=20.0, only=only))


async def test_persistence_checks_skip_and_name_the_capability_when_not_advertised(
    fake_agent: FakeAgent,
) -> None:
    run = await check(fake_agent())
    for cid in PERSISTENCE:
        result = result_of(run, cid)
        assert result is not None and result.status == "SKIP"
        assert "does not advertise" in result.reason
    gated = result_of(run, "session.gated")
    assert gated is not None and gated.status == "PASS"
    assert "session/list, session/resume, session/close, session/delete" in gated.reason


async def test_an_agent_that_implements_persistence_passes_every_check(
    fake_agent: FakeAgent,
) -> None:
    run = await check(fake_agent("persist"), "updates")
    # The history session/load replays is not "an update after the prompt response".
    order = result_of(run, "updates.order")
    assert order is not None and order.status == "PASS"
    # Nor is its replayed tool_call "a toolCallId announced twice".
    calls = result_of(run, "updates.tool-calls")
    assert calls is not None and calls.status == "PASS", calls
    got = {r.id: r.status for r in run.results}
    assert {cid: got[cid] for cid in PERSISTENCE} == dict.fromkeys(PERSISTENCE, "PASS")
    assert run.counts[1] == run.warnings == 0
    gated = result_of(run, "session.gated")  # Only logout is left unadvertised.
    assert gated is not None and (gated.status, gated.reason) == ("PASS", "logout answered -32601")


@pytest.mark.parametrize(
    ("fault", "check_id", "reason"),
    [
        ("persist-no-replay", "session.load", "before replaying any history"),
        ("persist-resume-replays", "session.resume", "replayed history before the response"),
        ("persist-close-no-cancel", "session.close", "the running prompt ended end_turn"),
        ("persist-list-relative", "session.list", "an absolute cwd: {'sessionId'"),
        ("persist-delete-keeps", "session.delete", "still lists deleted session"),
    ],
)
async def test_each_persistence_fault_fails_its_check_only(
    fault: str, check_id: str, reason: str, fake_agent: FakeAgent
) -> None:
    run = await check(fake_agent(fault))
    result = result_of(run, check_id)
    assert result is not None and result.status == "FAIL"
    assert reason in result.reason
    assert {r.id for r in run.results if r.status == "FAIL"} == {check_id}
