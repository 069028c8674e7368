"""The run-end hook is called exactly once however a run ends (normally, stopped by a
budget, failed, cancelled, timed out), and the events a tool makes itself carry the
name of the agent running it."""

from __future__ import annotations

from typing import Any

import anyio
import pytest

from agentica import Agent, RunConfig
from agentica.events import PlanUpdated, TextContent, ToolCallProgress, ToolCallStarted, Usage
from agentica.exceptions import ModelResponseError, RunTimeoutError
from agentica.testing import ScriptedModel, tool_call
from agentica.tools.base import current_call
from agentica.tools.call import Hooks
from agentica.tools.todos import write_todos

started: list[anyio.Event] = []


async def hang() -> str:
    """Hang until cancelled."""
    for event in started:
        event.set()
    await anyio.sleep_forever()
    return "never"


def greet(name: str) -> str:
    """Greet someone."""
    return f"hello {name}"


class Recorder:
    """An ``on_run_end`` hook taking the error too; records every call."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, Any]] = []

    async def __call__(self, ctx: Any, stop: Any, error: BaseException | None = None) -> None:
        self.calls.append((stop, error))


def hanging_agent(hook: Any) -> Agent:
    model = ScriptedModel([ScriptedModel.tool_calls(tool_call("hang", {}))])
    return Agent(model=model, tools=[hang], hooks=Hooks(on_run_end=hook))


async def test_run_end_hook_gets_the_error_of_a_failed_run() -> None:
    hook = Recorder()
    agent = Agent(model=ScriptedModel([ModelResponseError("boom", status=500)]),
                  hooks=Hooks(on_run_end=hook))
    with pytest.raises(ModelResponseError):
        await agent.run("hi")
    assert len(hook.calls) == 1
    stop, error = hook.calls[0]
    assert stop is None and isinstance(error, ModelResponseError)


async def test_a_two_argument_run_end_hook_is_called_after_a_failure_too() -> None:
    seen: list[Any] = []

    def hook(ctx: Any, stop: Any) -> None:
        seen.append(stop)

    agent = Agent(model=ScriptedModel([ModelResponseError("boom", status=500)]),
                  hooks=Hooks(on_run_end=hook))
    with pytest.raises(ModelResponseError):
        await agent.run("hi")
    assert seen == [None]


async def test_run_end_hook_is_called_once_when_a_stream_is_cancelled() -> None:
    hook = Recorder()
    with anyio.fail_after(5):
        async with hanging_agent(hook).run_stream("go") as stream:
            async for event in stream:
                if isinstance(event, ToolCallStarted):
                    stream.cancel()
    assert hook.calls == [("cancelled", None)]


async def test_run_end_hook_is_called_once_when_a_stream_is_left_early() -> None:
    hook = Recorder()
    with anyio.fail_after(5):
        async with hanging_agent(hook).run_stream("go") as stream:
            async for event in stream:
                if isinstance(event, ToolCallStarted):
                    break
    assert hook.calls == [("cancelled", None)]


async def test_run_end_hook_is_called_once_when_the_callers_task_is_cancelled() -> None:
    hook = Recorder()
    started[:] = [anyio.Event()]
    with anyio.fail_after(5):
        async with anyio.create_task_group() as tg:
            tg.start_soon(hanging_agent(hook).run, "go")
            await started[0].wait()
            tg.cancel_scope.cancel()
    assert hook.calls == [("cancelled", None)]


async def test_run_end_hook_gets_the_timeout_error() -> None:
    hook = Recorder()
    with anyio.fail_after(5), pytest.raises(RunTimeoutError):
        await hanging_agent(hook).run("go", config=RunConfig(timeout=0.2))
    assert len(hook.calls) == 1
    assert hook.calls[0][0] == "cancelled" and isinstance(hook.calls[0][1], RunTimeoutError)


async def test_run_end_hook_is_called_once_when_a_budget_stops_the_run() -> None:
    hook = Recorder()
    big = Usage(input_tokens=600, output_tokens=100, total_tokens=700, requests=1)
    model = ScriptedModel([ScriptedModel.tool_calls(tool_call("greet", {"name": "x"}),
                                                    usage=big)] * 3 + ["end"])
    agent = Agent(model=model, tools=[greet], hooks=Hooks(on_run_end=hook))
    response = await agent.run("hi", config=RunConfig(token_limit=1000))
    assert response.stop_reason == "max_tokens"
    assert hook.calls == [("max_tokens", None)]


async def test_run_end_hook_is_called_once_on_a_normal_end() -> None:
    hook = Recorder()
    agent = Agent(model=ScriptedModel(["done"]), hooks=Hooks(on_run_end=hook))
    await agent.run("hi")
    assert hook.calls == [("end_turn", None)]


# --- Events a tool makes carry the agent's name -------------------------------------


async def plan_and_report() -> str:
    """Write a plan and report progress."""
    ctx = current_call()
    assert ctx is not None
    await ctx.progress(content=(TextContent(text="halfway"),))
    return await write_todos([{"content": "step 1", "status": "in_progress"}])


async def test_events_a_tool_makes_carry_the_agents_name() -> None:
    model = ScriptedModel([ScriptedModel.tool_calls(tool_call("plan_and_report", {})), "ok"])
    agent = Agent(model=model, tools=[plan_and_report], name="planner")
    async with agent.run_stream("go") as stream:
        events = [e async for e in stream]
    plans = [e for e in events if isinstance(e, PlanUpdated)]
    progress = [e for e in events if isinstance(e, ToolCallProgress) and e.content]
    assert len(plans) == 1 and plans[0].agent == "planner"
    assert len(progress) == 1 and progress[0].agent == "planner"
    collected = await Agent(
        model=ScriptedModel([ScriptedModel.tool_calls(tool_call("plan_and_report", {})), "ok"]),
        tools=[plan_and_report], name="planner",
    ).run("go")
    assert [e.agent for e in collected.events if isinstance(e, PlanUpdated)] == ["planner"]
