"""The pytest plugin fixtures, pointed at the fake agent."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from acp_server.harness import AcpHarness


@pytest.fixture
def acp_agent_command() -> list[str]:
    return [sys.executable, str(Path(__file__).parent / "fakes" / "minimal_agent.py")]


async def test_acp_harness_fixture_is_initialized_and_runs_a_turn(acp_harness: AcpHarness) -> None:
    assert acp_harness.init_result is not None
    sid = await acp_harness.new_session()
    outcome = await acp_harness.prompt(sid, "hello")
    assert outcome.stop_reason == "end_turn"


async def test_acp_harness_factory_spawns_more_agents(acp_harness_factory) -> None:  # type: ignore[no-untyped-def]
    first = await acp_harness_factory()
    second = await acp_harness_factory(fs=False)
    for h in (first, second):
        await h.initialize()
    assert second.client.capabilities()["fs"]["readTextFile"] is False
    assert first.process is not None and second.process is not None
    assert first.process.pid != second.process.pid
