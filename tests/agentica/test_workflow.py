"""``Workflow`` (steps in order and concurrently, tagged events, one cancellation, the
failing step named) and teams (``transfer_to_<name>`` handoffs)."""

from __future__ import annotations

import threading

import anyio
import pytest

from agentica import Agent
from agentica.events import RunFinished, TextDelta, ToolCallFinished, ToolCallStarted
from agentica.exceptions import ModelResponseError, StepError
from agentica.testing import ScriptedModel, tool_call
from agentica.workflow import Workflow


async def wait_a_bit(label: str) -> str:
    """Wait a little while."""
    await anyio.sleep(0.2)
    return f"done {label}"


def worker(name: str, answer: str, *, tool: bool = False) -> Agent:
    steps: list = [answer]
    if tool:
        steps.insert(0, ScriptedModel.tool_calls(tool_call("wait_a_bit", {"label": name})))
    return Agent(model=ScriptedModel(steps), name=name, tools=[wait_a_bit])


class Pipeline(Workflow):
    def __init__(self, failing: bool = False) -> None:
        super().__init__()
        self.failing = failing

    async def run(self, topic: str) -> str:
        a, b = await self.gather(
            self.step("research", worker("researcher", "facts", tool=True), topic),
            self.step("quotes", worker("quoter", "quotes", tool=True), topic),
        )
        writer = (
            Agent(model=ScriptedModel([ModelResponseError("boom", status=500)]), name="writer")
            if self.failing
            else worker("writer", "report")
        )
        final = await self.step("write", writer, f"{a.text} + {b.text}")
        return final.text


async def test_workflow_runs_steps_and_returns_the_result() -> None:
    assert await Pipeline().run("tides") == "report"


def test_workflow_run_sync() -> None:
    assert Pipeline().run_sync("tides") == "report"


async def test_workflow_stream_tags_events_with_step_and_agent_and_overlaps_steps() -> None:
    async with Pipeline().run_stream("tides") as stream:
        events = [e async for e in stream]
    assert stream.result == "report"
    assert {(e.step, e.agent) for e in events} == {
        ("research", "researcher"),
        ("quotes", "quoter"),
        ("write", "writer"),
    }
    kinds = [
        (type(e).__name__, e.step)
        for e in events
        if isinstance(e, ToolCallStarted | ToolCallFinished)
    ]
    # Both concurrent steps' tools started before either finished.
    first_finish = next(i for i, (k, _) in enumerate(kinds) if k == "ToolCallFinished")
    assert {s for k, s in kinds[:first_finish] if k == "ToolCallStarted"} == {"research", "quotes"}
    text = [e.text for e in events if isinstance(e, TextDelta) and e.step == "write"]
    assert "".join(text) == "report"


async def test_workflow_bare_async_for_works() -> None:
    events = [e async for e in Pipeline().run_stream("tides")]
    assert [e.step for e in events if isinstance(e, RunFinished)][-1] == "write"


def test_workflow_run_stream_sync_yields_tagged_events() -> None:
    stream = Pipeline().run_stream_sync("tides")
    events = list(stream)
    assert {e.step for e in events} == {"research", "quotes", "write"}
    assert stream.result == "report"


async def test_a_failing_step_is_named_and_its_cause_kept() -> None:
    with pytest.raises(StepError, match="workflow step 'write' failed") as info:
        await Pipeline(failing=True).run("tides")
    assert info.value.step == "write"
    assert isinstance(info.value.__cause__, ModelResponseError)


class Hanging(Workflow):
    async def run(self) -> None:
        slow = Agent(
            model=ScriptedModel([ScriptedModel.tool_calls(tool_call("hang", {}))]),
            name="slow",
            tools=[hang],
        )
        bad = Agent(model=ScriptedModel([ModelResponseError("nope", status=500)]), name="bad")
        await self.gather(self.step("slow", slow, "go"), self.step("bad", bad, "go"))


hang_cancelled = threading.Event()
hang_started: list[anyio.Event] = []


async def hang() -> str:
    """Hang until cancelled."""
    for event in hang_started:
        event.set()
    try:
        await anyio.sleep_forever()
    finally:
        hang_cancelled.set()
    return "never"


async def test_a_failing_concurrent_step_cancels_its_siblings() -> None:
    hang_cancelled.clear()
    with anyio.fail_after(5):
        with pytest.raises(StepError) as info:
            await Hanging().run()
    assert info.value.step == "bad"
    assert hang_cancelled.is_set()


class Forever(Workflow):
    async def run(self) -> None:
        slow = Agent(
            model=ScriptedModel([ScriptedModel.tool_calls(tool_call("hang", {}))]),
            name="slow",
            tools=[hang],
        )
        await self.step("slow", slow, "go")


async def test_leaving_the_stream_cancels_the_whole_workflow() -> None:
    hang_cancelled.clear()
    with anyio.fail_after(5):
        async with Forever().run_stream() as stream:
            async for event in stream:
                if isinstance(event, ToolCallStarted):
                    break
    assert hang_cancelled.is_set()


async def test_cancel_stops_a_streaming_workflow() -> None:
    hang_cancelled.clear()
    wf = Forever()
    with anyio.fail_after(5):
        async with wf.run_stream() as stream:
            async for event in stream:
                if isinstance(event, ToolCallStarted):
                    wf.cancel()
    assert hang_cancelled.is_set()


async def test_cancel_stops_a_plain_workflow_run() -> None:
    hang_cancelled.clear()
    hang_started[:] = [anyio.Event()]
    wf = Forever()
    results: list[object] = []

    async def run() -> None:
        results.append(await wf.run())

    with anyio.fail_after(5):
        async with anyio.create_task_group() as tg:
            tg.start_soon(run)
            await hang_started[0].wait()
            wf.cancel()
    assert hang_cancelled.is_set()
    assert results == [None]  # The run ended (cancelled), the caller was not cancelled.
    assert await Pipeline().run("tides") == "report"  # Other workflows are unaffected.


# --- Teams ----------------------------------------------------------------------------


def refund(order: str) -> str:
    """Refund an order."""
    return f"refunded {order}"


async def test_handoff_continues_with_the_member_its_instructions_tools_and_name() -> None:
    billing_model = ScriptedModel(
        [ScriptedModel.tool_calls(tool_call("refund", {"order": "42"})), "Refunded order 42."]
    )
    billing = Agent(
        model=billing_model,
        name="Billing",
        description="refunds and invoices",
        instructions="You handle billing.",
        tools=[refund],
    )
    triage_model = ScriptedModel(
        [ScriptedModel.tool_calls(tool_call("transfer_to_billing", {"reason": "refund"}))]
    )
    triage = Agent(model=triage_model, name="triage", team=[billing])
    assert "transfer_to_billing" in [f.name for f in triage.functions]
    assert triage.get_transfer_function(billing).name == "transfer_to_billing"
    result = await triage.run("refund order 42 please")
    assert result.text == "Refunded order 42."
    first = billing_model.calls[0]
    assert first.messages[0].text.endswith("You handle billing.")
    assert any(m.text == "refund order 42 please" for m in first.messages)
    assert first.tool_names == ["refund"]
    started = [e for e in result.events if isinstance(e, ToolCallStarted)]
    assert [(e.tool_name, e.agent) for e in started] == [
        ("transfer_to_billing", "triage"),
        ("refund", "Billing"),
    ]
    finished = [e for e in result.events if isinstance(e, RunFinished)]
    assert finished[-1].agent == "Billing"
    assert triage.messages[-1].text == "Refunded order 42."  # The conversation stays here.
    spec = next(t for t in triage_model.calls[0].tools if t.name == "transfer_to_billing")
    assert list(spec.parameters["properties"]) == ["reason"]  # The RunContext is hidden.
