"""A bare ``async for ev in agent.run_stream(p)`` is as live as the ``async with`` form."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from pathlib import Path

import anyio
import pytest
from proc_util import group_alive

from agentica import Agent, tool
from agentica.events import RunFinished, TextDelta, ToolCallFinished, ToolCallProgress
from agentica.exceptions import ModelResponseError
from agentica.models.base import ModelTextDelta
from agentica.testing import FunctionModel, ScriptedModel, Step, tool_call
from agentica.tools.builtin import WorkspaceTools
from agentica.workspace.local import LocalWorkspace


def kinds(events):
    return [type(e).__name__ for e in events]


async def wait_until(predicate) -> None:
    """Poll ``predicate`` (the caller bounds the wait with ``fail_after``)."""
    while True:
        if predicate():
            return
        await anyio.sleep(0.01)


def two_tools():
    """``fast`` returns at once; ``slow`` waits until the test sets ``release``."""
    release = anyio.Event()

    @tool
    async def fast() -> str:
        """Return at once."""
        return "fast done"

    @tool
    async def slow() -> str:
        """Wait for the test."""
        await release.wait()
        return "slow done"

    return fast, slow, release


async def test_bare_stream_delivers_a_finished_tool_while_its_sibling_runs():
    fast, slow, release = two_tools()
    model = ScriptedModel(
        [
            ScriptedModel.tool_calls(tool_call("slow", {}, id="s"), tool_call("fast", {}, id="f")),
            "all done",
        ]
    )
    agent = Agent(model=model, tools=[fast, slow])
    events = []
    # Deadlock-free only if the fast call's ToolCallFinished arrives while slow still runs.
    with anyio.fail_after(5):
        async for event in agent.run_stream("go"):
            events.append(event)
            if isinstance(event, ToolCallFinished) and event.call_id == "f":
                release.set()
    finished = [e.call_id for e in events if isinstance(e, ToolCallFinished)]
    assert finished == ["f", "s"]  # completion order
    assert isinstance(events[-1], RunFinished) and events[-1].content == "all done"
    assert [m.text for m in agent.messages[2:4]] == ["slow done", "fast done"]  # call order


async def test_bare_stream_cancel_during_a_tool_ends_at_once():
    stuck = anyio.Event()

    @tool
    async def hang() -> str:
        """Hang until cancelled."""
        await anyio.sleep_forever()
        return "never"

    model = ScriptedModel([ScriptedModel.tool_calls(tool_call("hang", {}, id="h")), "unused"])
    agent = Agent(model=model, tools=[hang])
    events = []
    with anyio.fail_after(5):
        async for event in agent.run_stream("go"):
            events.append(event)
            if isinstance(event, ToolCallProgress) and event.status == "in_progress":
                stuck.set()
                agent.cancel()
    assert stuck.is_set()
    assert kinds(events)[-2:] == ["ToolCallFinished", "RunFinished"]
    assert events[-2].call_id == "h" and events[-2].status == "cancelled"
    assert events[-1].stop_reason == "cancelled"
    assert not agent.is_running
    assert [m.role for m in agent.messages] == ["user", "assistant", "tool"]


async def test_bare_stream_cancel_interrupts_a_silent_model():
    agent = Agent(model=ScriptedModel([Step(deltas=[], hang=True)]))
    stream = agent.run_stream("go")
    events = []

    async def consume() -> None:
        async for event in stream:
            events.append(event)

    with anyio.fail_after(5):
        async with anyio.create_task_group() as tg:
            tg.start_soon(consume)
            await wait_until(lambda: agent.is_running)
            await anyio.to_thread.run_sync(agent.cancel)
    assert kinds(events) == ["RunFinished"] and events[0].stop_reason == "cancelled"
    assert stream.response.stop_reason == "cancelled"


async def test_bare_stream_raises_the_model_error_with_its_type():
    model = ScriptedModel(
        [
            ScriptedModel.tool_calls(tool_call("fast", {})),
            ModelResponseError("upstream", status=502),
        ]
    )
    fast, _, _ = two_tools()
    agent = Agent(model=model, tools=[fast])
    seen = []
    with pytest.raises(ModelResponseError, match="upstream") as info:
        async for event in agent.run_stream("go"):
            seen.append(event)
    assert info.value.status == 502
    assert "ToolCallFinished" in kinds(seen)
    assert not agent.is_running


async def test_cancelling_the_consumer_of_a_bare_stream_cancels_the_run():
    started, cancelled = anyio.Event(), anyio.Event()

    @tool
    async def hang() -> str:
        """Hang until cancelled."""
        started.set()
        try:
            await anyio.sleep_forever()
        finally:
            cancelled.set()
        return "never"

    model = ScriptedModel([ScriptedModel.tool_calls(tool_call("hang", {})), "next run"])
    agent = Agent(model=model, tools=[hang])

    async def consume() -> None:
        async for _ in agent.run_stream("go"):
            pass

    with anyio.fail_after(5):
        async with anyio.create_task_group() as tg:
            tg.start_soon(consume)
            await started.wait()
            tg.cancel_scope.cancel()
        await cancelled.wait()
        await wait_until(lambda: not agent.is_running)
        assert (await agent.run("again")).content == "next run"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
async def test_breaking_a_bare_stream_kills_the_running_command(tmp_path):
    model = ScriptedModel(
        [
            ScriptedModel.tool_calls(tool_call("execute", {"command": "echo $$ > pid; sleep 30"})),
            "ran again",
        ]
    )
    agent = Agent(model=model, tools=[WorkspaceTools(LocalWorkspace(tmp_path))])
    pid_file = tmp_path / "pid"
    pid = 0
    tasks_before = len(asyncio.all_tasks())
    try:
        with anyio.fail_after(10):
            async for event in agent.run_stream("go"):
                if isinstance(event, ToolCallProgress) and event.status == "in_progress":
                    await wait_until(lambda: pid_file.exists() and pid_file.read_text().strip())
                    pid = int(pid_file.read_text())
                    break
            assert not agent.is_running
            assert group_alive(pid)  # the command was still running when the loop broke
            await wait_until(
                lambda: not group_alive(pid) and len(asyncio.all_tasks()) <= tasks_before
            )
            assert (await agent.run("again")).content == "ran again"
    finally:
        if pid:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)
    assert [m.role for m in agent.messages][:3] == ["user", "assistant", "tool"]


async def test_bare_stream_aclose_waits_until_the_tools_ended():
    started, cancelled = anyio.Event(), anyio.Event()

    @tool
    async def hang() -> str:
        """Hang until cancelled."""
        started.set()
        try:
            await anyio.sleep_forever()
        finally:
            cancelled.set()
        return "never"

    agent = Agent(
        model=ScriptedModel([ScriptedModel.tool_calls(tool_call("hang", {}))]), tools=[hang]
    )
    stream = agent.run_stream("go")
    with anyio.fail_after(5):
        async for event in stream:
            if isinstance(event, ToolCallProgress):
                break
        await started.wait()
        await stream.aclose()
    assert cancelled.is_set() and not agent.is_running
    assert [e async for e in stream] == []


async def test_bare_stream_on_an_unknown_loop_falls_back_to_inline(monkeypatch):
    monkeypatch.setattr("agentica._stream.host_task", lambda body: None)
    fast, slow, release = two_tools()
    release.set()
    model = ScriptedModel(
        [ScriptedModel.tool_calls(tool_call("slow", {}), tool_call("fast", {})), "done"]
    )
    agent = Agent(model=model, tools=[fast, slow])
    events = [e async for e in agent.run_stream("go")]
    assert kinds(events).count("ToolCallFinished") == 2
    assert events[-1].content == "done" and not agent.is_running


def test_bare_stream_is_live_on_trio_too():
    import trio  # noqa: F401  (the test extra installs it: a missing trio fails, never skips)

    async def main() -> list[str]:
        fast, slow, release = two_tools()
        model = ScriptedModel(
            [
                ScriptedModel.tool_calls(
                    tool_call("slow", {}, id="s"), tool_call("fast", {}, id="f")
                ),
                "done",
            ]
        )
        agent = Agent(model=model, tools=[fast, slow])
        order = []
        with anyio.fail_after(5):
            async for event in agent.run_stream("go"):
                if isinstance(event, ToolCallFinished):
                    order.append(event.call_id)
                    release.set()
                if isinstance(event, TextDelta):
                    break
        return order

    assert anyio.run(main, backend="trio") == ["f", "s"]


async def test_cancelling_an_enclosing_scope_of_a_stream_block_is_never_lost():
    # The ACP server's pattern: each event is handled under a shield. A cancel of an
    # enclosing scope that lands during that work also ends the driver, which closes the
    # stream; the block must still end by the cancellation, not as if the run finished.
    async def endless(messages, tools):
        for i in range(10_000):
            await anyio.sleep(0.005)
            yield ModelTextDelta(text=f"chunk{i} ")

    agent = Agent(model=FunctionModel(endless))
    seen: list[object] = []
    ended_normally = False
    with anyio.fail_after(5):
        with anyio.CancelScope() as outer:
            async with agent.run_stream("go") as stream:
                async for event in stream:
                    seen.append(event)
                    if len(seen) == 1:
                        outer.cancel()
                        with anyio.CancelScope(shield=True):
                            await anyio.sleep(0.05)  # The driver ends meanwhile.
            ended_normally = True
    assert outer.cancelled_caught
    assert not ended_normally
    assert not any(isinstance(e, RunFinished) for e in seen)
    assert not agent.is_running
