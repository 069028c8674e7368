"""The sync adapters: run_sync() and run_stream_sync() from scripts, loops and tools."""

from __future__ import annotations

import threading

import anyio
import pytest

from agentica import Agent, tool
from agentica.events import RunFinished, TextDelta, ToolCallFinished, ToolCallStarted
from agentica.exceptions import ModelResponseError, UserError
from agentica.testing import ScriptedModel, Step, tool_call


def test_run_sync_from_plain_code():
    result = Agent(model=ScriptedModel(["plain"])).run_sync("hi")
    assert result.content == "plain"


async def test_run_sync_inside_a_running_loop_uses_a_worker_thread():
    agent = Agent(model=ScriptedModel(["from a loop"]))
    result = agent.run_sync("hi")  # blocks this loop on purpose; no agent runs on it
    assert result.content == "from a loop"


async def test_run_sync_on_the_loop_running_an_agent_raises_instead_of_deadlocking():
    inner = Agent(model=ScriptedModel(["inner"]))
    errors: list[str] = []

    @tool
    async def nested() -> str:
        """Call run_sync on the loop that runs the outer agent."""
        try:
            inner.run_sync("x")
        except UserError as e:
            errors.append(str(e))
            raise
        return "unreachable"

    model = ScriptedModel([ScriptedModel.tool_calls(tool_call("nested", {})), "ok"])
    with anyio.fail_after(5):
        await Agent(model=model, tools=[nested]).run("go")
    assert len(errors) == 1
    assert "would deadlock" in errors[0] and "await agent.run(...)" in errors[0]


async def test_run_sync_of_another_agent_inside_a_sync_tool_works():
    inner = Agent(model=ScriptedModel(["inner answer"]))

    @tool
    def ask_inner() -> str:
        """A sync tool (worker thread) may drive another agent synchronously."""
        return inner.run_sync("q").content

    model = ScriptedModel([ScriptedModel.tool_calls(tool_call("ask_inner", {})), "ok"])
    with anyio.fail_after(5):
        await Agent(model=model, tools=[ask_inner]).run("go")
    assert model.calls[1].messages[-1].text == "inner answer"


async def test_run_sync_of_the_same_agent_inside_its_sync_tool_raises_user_error():
    box: list[Agent] = []

    @tool
    def again() -> str:
        """Re-enter the running agent."""
        return box[0].run_sync("again").content

    model = ScriptedModel([ScriptedModel.tool_calls(tool_call("again", {})), "ok"])
    agent = Agent(model=model, tools=[again])
    box.append(agent)
    with anyio.fail_after(5):
        await agent.run("go")
    assert "already running" in model.calls[1].messages[-1].text


def test_run_stream_sync_yields_events_as_produced():
    agent = Agent(model=ScriptedModel(["a b c"]))
    events = list(agent.run_stream_sync("go"))
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "a b c"
    assert isinstance(events[-1], RunFinished)


def test_run_stream_sync_delivers_tool_start_while_the_tool_runs():
    release = threading.Event()

    @tool
    def wait() -> str:
        """Block until released."""
        assert release.wait(5)
        return "released"

    model = ScriptedModel([ScriptedModel.tool_calls(tool_call("wait", {})), "ok"])
    seen = []
    for event in Agent(model=model, tools=[wait]).run_stream_sync("go"):
        seen.append(event)
        if isinstance(event, ToolCallStarted):
            release.set()  # we got the event before the tool could finish
    assert any(isinstance(e, ToolCallFinished) and e.result == "released" for e in seen)


def _portal_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if "portal" in t.name}


def test_run_stream_sync_break_cancels_the_run_and_joins_the_thread():
    cancelled = threading.Event()

    @tool
    async def hang() -> str:
        """Hang."""
        try:
            await anyio.sleep_forever()
        finally:
            cancelled.set()
        return "never"

    agent = Agent(
        model=ScriptedModel([ScriptedModel.tool_calls(tool_call("hang", {}))]), tools=[hang]
    )
    before = _portal_threads()
    stream = agent.run_stream_sync("go")
    for event in stream:
        if isinstance(event, ToolCallStarted):
            break
    stream.close()
    assert cancelled.is_set()
    assert _portal_threads() == before
    assert not agent.is_running
    assert agent.messages[-1].role == "tool"


def test_run_stream_sync_raises_the_original_exception_type():
    model = ScriptedModel([Step(deltas=[], error=ModelResponseError("bad gateway", status=502))])
    with pytest.raises(ModelResponseError, match="bad gateway"):
        for _ in Agent(model=model).run_stream_sync("go"):
            pass


def test_run_stream_sync_keyboard_interrupt_cancels_and_reraises():
    started = threading.Event()
    cancelled = threading.Event()

    @tool
    async def hang() -> str:
        """Hang."""
        started.set()
        try:
            await anyio.sleep_forever()
        finally:
            cancelled.set()
        return "never"

    agent = Agent(
        model=ScriptedModel([ScriptedModel.tool_calls(tool_call("hang", {}))]), tools=[hang]
    )
    with pytest.raises(KeyboardInterrupt):
        for event in agent.run_stream_sync("go"):
            if isinstance(event, ToolCallStarted):
                assert started.wait(5)
                raise KeyboardInterrupt
    assert cancelled.is_set()
    assert not agent.is_running


async def test_run_stream_sync_on_the_loop_running_an_agent_raises():
    inner = Agent(model=ScriptedModel(["x"]))
    seen: list[str] = []

    @tool
    async def nested() -> str:
        """Sync-stream on the running loop."""
        try:
            list(inner.run_stream_sync("x"))
        except UserError as e:
            seen.append(str(e))
        return "ok"

    model = ScriptedModel([ScriptedModel.tool_calls(tool_call("nested", {})), "ok"])
    await Agent(model=model, tools=[nested]).run("go")
    assert "run_stream_sync()" in seen[0] and "agent.run_stream" in seen[0]


def test_print_response_sync_runs_from_plain_code(capsys):
    Agent(model=ScriptedModel(["printed answer"])).print_response_sync("hi")
    assert "printed answer" in capsys.readouterr().out


def test_breaking_out_during_a_sync_tool_reports_no_tool_failure(caplog):
    import logging
    import time

    from agentica.testing import ScriptedModel, tool_call

    def slow(x: int) -> int:
        """Block for a moment."""
        time.sleep(0.5)
        return x

    model = ScriptedModel([ScriptedModel.tool_calls(tool_call("slow", {"x": 1})), "done"])
    agent = Agent(model=model, tools=[slow])
    caplog.set_level(logging.WARNING)
    for event in agent.run_stream_sync("go"):
        if event.type == "tool_call_progress":
            break
    assert not [r for r in caplog.records if "failed unexpectedly" in r.getMessage()]
    # The agent is free again: the next run gets the model's next scripted reply.
    assert agent.run_sync("next").content == "done"
