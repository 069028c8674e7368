"""Agent: history, instructions, one run at a time, cancellation, streams, presets."""

from __future__ import annotations

import anyio
import pytest

from agentica import Agent, DeepAgent, RunConfig, RunResponse, RunResult, tool
from agentica.events import RunFinished, TextDelta, ToolCallFinished, ToolCallStarted
from agentica.exceptions import UserError
from agentica.messages import Message, TextPart
from agentica.testing import FunctionModel, ScriptedModel, Step, tool_call


def kinds(events):
    return [type(e).__name__ for e in events]


async def test_agent_run_returns_run_response_with_alias():
    result = await Agent(model=ScriptedModel(["Hi there"])).run("hello")
    assert RunResult is RunResponse
    assert isinstance(result, RunResponse)
    assert result.content == "Hi there" and str(result) == "Hi there"
    assert result.stop_reason == "end_turn"
    assert [m.role for m in result.messages] == ["user", "assistant"]
    assert result.run_id


async def test_agent_keeps_history_across_runs():
    model = ScriptedModel(["first answer", "second answer"])
    agent = Agent(model=model)
    await agent.run("one")
    await agent.run("two")
    assert [m.text for m in model.calls[1].messages] == ["one", "first answer", "two"]
    assert [m.role for m in agent.messages] == ["user", "assistant", "user", "assistant"]


async def test_agent_without_history_starts_each_run_fresh():
    model = ScriptedModel(["a", "b"])
    agent = Agent(model=model, add_history_to_context=False)
    await agent.run("one")
    await agent.run("two")
    assert [m.text for m in model.calls[1].messages] == ["two"]


async def test_agent_explicit_history_and_reset():
    model = ScriptedModel(["a", "b", "c"])
    start = [Message.user("earlier"), Message.assistant("noted")]
    agent = Agent(model=model, history=start)
    await agent.run("next")
    assert [m.text for m in model.calls[0].messages] == ["earlier", "noted", "next"]
    await agent.run("other", history=[Message.user("only this")])
    assert [m.text for m in model.calls[1].messages] == ["only this", "other"]
    agent.reset()
    assert agent.messages == []
    await agent.run("fresh")
    assert [m.text for m in model.calls[2].messages] == ["fresh"]


@pytest.mark.parametrize(
    ("instructions", "expected"),
    [
        ("Be brief.", "Be brief."),
        (["Be brief.", "Be kind."], "Be brief.\n\nBe kind."),
        (lambda: "Dynamic.", "Dynamic."),
        (lambda agent: f"I am {agent.name}.", "I am bot."),
    ],
    ids=["str", "list", "callable", "callable-with-agent"],
)
async def test_agent_instructions_are_prepended_but_not_stored(instructions, expected):
    model = ScriptedModel(["ok"])
    agent = Agent(model=model, name="bot", instructions=instructions)
    await agent.run("hi")
    first = model.calls[0].messages[0]
    assert first.role == "system" and first.text == expected
    assert all(m.role != "system" for m in agent.messages)


async def test_agent_accepts_content_parts_and_messages_as_prompt():
    model = ScriptedModel(["a", "b"])
    agent = Agent(model=model)
    await agent.run([TextPart(text="parts")])
    await agent.run(Message.user("message"))
    assert model.calls[0].messages[-1].text == "parts"
    assert model.calls[1].messages[-1].text == "message"
    with pytest.raises(UserError, match="prompt must be"):
        await agent.run(42)


def test_agent_rejects_bad_settings():
    with pytest.raises(UserError, match="max_turns must be >= 1, got 0"):
        Agent(max_turns=0)
    with pytest.raises(UserError, match="named 'echo'"):
        Agent(tools=[echo, echo])


@tool(is_read_only=True)
def echo(text: str) -> str:
    """Echo."""
    return text


async def test_agent_second_concurrent_run_raises_user_error():
    model = ScriptedModel([Step(hang=True)])
    agent = Agent(model=model)
    async with agent.run_stream("first") as stream:
        with pytest.raises(UserError, match="already running"):
            await agent.run("second")
        stream.cancel()
        events = [e async for e in stream]
    assert events[-1].stop_reason == "cancelled"
    assert not agent.is_running


async def test_agent_run_config_overrides_max_turns():
    model = ScriptedModel([ScriptedModel.tool_calls(tool_call("echo", {"text": "x"}))])
    result = await Agent(model=model, tools=[echo]).run("go", config=RunConfig(max_turns=1))
    assert result.stop_reason == "max_turns"


# --- Cancellation ----------------------------------------------------------------------------


def hanging_tool():
    started = anyio.Event()

    @tool
    async def hang() -> str:
        """Hang until cancelled."""
        started.set()
        await anyio.sleep_forever()
        return "never"

    return hang, started


async def test_agent_cancel_during_tool_call_in_run_finishes_calls_before_run_finished():
    hang, started = hanging_tool()
    model = ScriptedModel(
        [ScriptedModel.tool_calls(tool_call("hang", {}, id="h1"), tool_call("echo", {"text": "x"}))]
    )
    agent = Agent(model=model, tools=[hang, echo])
    results: list[RunResponse] = []

    async def run() -> None:
        results.append(await agent.run("go"))

    with anyio.fail_after(5):
        async with anyio.create_task_group() as tg:
            tg.start_soon(run)
            await started.wait()
            agent.cancel()
    result = results[0]
    assert result.stop_reason == "cancelled"
    names = kinds(result.events)
    assert names[-1] == "RunFinished" and result.events[-1].stop_reason == "cancelled"
    hang_finish = next(
        e for e in result.events if isinstance(e, ToolCallFinished) and e.call_id == "h1"
    )
    assert hang_finish.status == "cancelled"
    # History stays valid: every tool call has a result.
    assert [m.role for m in agent.messages] == ["user", "assistant", "tool", "tool"]
    assert agent.messages[2].is_error


@pytest.mark.parametrize("mode", ["async-with", "bare"])
async def test_agent_cancel_during_tool_call_in_stream(mode):
    hang, started = hanging_tool()
    model = ScriptedModel([ScriptedModel.tool_calls(tool_call("hang", {}, id="h1")), "unused"])
    agent = Agent(model=model, tools=[hang])
    events = []

    async def canceller() -> None:
        await started.wait()
        agent.cancel()

    with anyio.fail_after(5):
        async with anyio.create_task_group() as tg:
            tg.start_soon(canceller)
            if mode == "bare":
                async for event in agent.run_stream("go"):
                    events.append(event)
            else:
                async with agent.run_stream("go") as stream:
                    async for event in stream:
                        events.append(event)
    assert kinds(events)[-2:] == ["ToolCallFinished", "RunFinished"]
    assert events[-2].status == "cancelled" and events[-1].stop_reason == "cancelled"
    started_ids = {e.call_id for e in events if isinstance(e, ToolCallStarted)}
    finished_ids = {e.call_id for e in events if isinstance(e, ToolCallFinished)}
    assert started_ids == finished_ids == {"h1"}
    assert not agent.is_running


async def test_agent_cancel_from_another_thread_interrupts_a_silent_model():
    model = ScriptedModel([Step(deltas=[], hang=True)])
    agent = Agent(model=model)
    async with agent.run_stream("go") as stream:
        await anyio.to_thread.run_sync(agent.cancel)
        with anyio.fail_after(5):
            events = [e async for e in stream]
    assert isinstance(events[-1], RunFinished) and events[-1].stop_reason == "cancelled"


async def test_agent_leaving_async_with_early_cancels_the_run_and_frees_the_agent():
    hang, started = hanging_tool()
    model = ScriptedModel([ScriptedModel.tool_calls(tool_call("hang", {}))])
    agent = Agent(model=model, tools=[hang])
    with anyio.fail_after(5):
        async with agent.run_stream("go") as stream:
            async for event in stream:
                if isinstance(event, ToolCallStarted):
                    break
            await started.wait()
    assert not agent.is_running
    assert [m.role for m in agent.messages] == ["user", "assistant", "tool"]


async def test_agent_breaking_a_bare_stream_frees_the_agent():
    model = ScriptedModel(["one two three four", "again"])
    agent = Agent(model=model)
    async for event in agent.run_stream("go"):
        if isinstance(event, TextDelta):
            break
    assert not agent.is_running
    assert (await agent.run("next")).content == "again"


async def test_agent_bare_stream_aclose_ends_the_run():
    agent = Agent(model=ScriptedModel(["one two three", "b"]))
    stream = agent.run_stream("go")
    first = await stream.__anext__()
    assert first is not None
    await stream.aclose()
    assert not agent.is_running


async def test_agent_stream_response_after_the_run():
    agent = Agent(model=ScriptedModel(["streamed text"]))
    stream = agent.run_stream("go")
    with pytest.raises(UserError, match="not finished"):
        _ = stream.response
    async with stream:
        async for _ in stream:
            pass
    assert stream.response.content == "streamed text"
    with pytest.raises(UserError, match="only once"):
        async with stream:
            pass


async def test_agent_as_tool_lets_another_agent_delegate():
    helper = Agent(model=ScriptedModel(["helper says hi"]), name="helper", description="Helps.")
    model = ScriptedModel([ScriptedModel.tool_calls(tool_call("helper", {"prompt": "hi"})), "done"])
    boss = Agent(model=model, tools=[helper.as_tool()])
    await boss.run("delegate")
    assert model.calls[1].messages[-1].text == "helper says hi"
    assert model.calls[0].tools[0].description == "Helps."


async def test_agent_model_string_goes_through_the_registry():
    agent = Agent(model="demo")
    assert agent.model.name
    result = await agent.run("hello")
    assert result.stop_reason == "end_turn"


async def test_deep_agent_has_workspace_tools_and_history(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    model = FunctionModel(lambda messages, tools: "ok")
    agent = DeepAgent(model=model, work_dir=tmp_path)
    names = {f.name for f in agent.functions}
    assert {
        "read_file",
        "write_file",
        "edit_file",
        "ls",
        "glob",
        "grep",
        "execute",
        "write_todos",
    } <= names
    assert agent.add_history_to_context
    await agent.run("hi")
    assert "read_file" in model.calls[0].messages[0].text


async def test_agent_runs_in_parallel_agents_independently():
    agents = [Agent(model=ScriptedModel([f"answer {i}"])) for i in range(3)]
    results: dict[int, str] = {}

    async def go(i: int) -> None:
        results[i] = (await agents[i].run("q")).content

    async with anyio.create_task_group() as tg:
        for i in range(3):
            tg.start_soon(go, i)
    assert results == {0: "answer 0", 1: "answer 1", 2: "answer 2"}
