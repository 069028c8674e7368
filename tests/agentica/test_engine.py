"""The turn loop as a user sees it: the events of a run, tool calls, stop reasons, cancellation."""

from __future__ import annotations

import anyio
import pytest

from agentica import Agent, tool
from agentica.events import (
    PlanEntry,
    PlanUpdated,
    RunFinished,
    TextContent,
    TextDelta,
    ThinkingDelta,
    ToolCallFinished,
    ToolCallProgress,
    ToolCallStarted,
    UsageUpdated,
)
from agentica.exceptions import ModelResponseError, StopRun, ToolError
from agentica.models.base import ModelFinish, ModelResponse, ModelTextDelta
from agentica.testing import ScriptedModel, Step, tool_call, usage
from agentica.tools.base import ApprovalRequest, CallDescription, ToolResult, current_call


def kinds(events):
    return [type(e).__name__ for e in events]


@tool(is_read_only=True)
def echo(text: str) -> str:
    """Echo the text."""
    return text


async def test_engine_text_run_streams_deltas_then_usage_then_run_finished():
    model = ScriptedModel(
        [ScriptedModel.text("Hello brave world", thinking="hmm ok", usage=usage(7, 3).usage)]
    )
    result = await Agent(model=model).run("hi")
    names = kinds(result.events)
    assert names[:2] == ["ThinkingDelta", "ThinkingDelta"]
    assert names[-2:] == ["UsageUpdated", "RunFinished"]
    text = [e for e in result.events if isinstance(e, TextDelta)]
    assert "".join(e.text for e in text) == "Hello brave world"
    thinking = [e for e in result.events if isinstance(e, ThinkingDelta)]
    assert {e.message_id for e in text} == {e.message_id for e in thinking}
    assert result.content == "Hello brave world"
    assert result.reasoning_content == "hmm ok"
    assert result.usage.input_tokens == 7 and result.usage.requests == 1
    finished = result.events[-1]
    assert isinstance(finished, RunFinished)
    assert finished.stop_reason == "end_turn" and finished.content == "Hello brave world"
    assert finished.run_id == result.run_id


async def test_engine_each_assistant_message_has_its_own_message_id():
    model = ScriptedModel(
        [
            ScriptedModel.tool_calls(tool_call("echo", {"text": "x"}), text="Let me look."),
            "Done.",
        ]
    )
    result = await Agent(model=model, tools=[echo]).run("go")
    ids = [e.message_id for e in result.events if isinstance(e, TextDelta)]
    assert len(set(ids)) == 2


async def test_engine_tool_call_lifecycle_events_in_order():
    model = ScriptedModel(
        [ScriptedModel.tool_calls(tool_call("echo", {"text": "hi"}, id="c1")), "ok"]
    )
    result = await Agent(model=model, tools=[echo]).run("go")
    tool_events = [e for e in result.events if getattr(e, "call_id", None) == "c1"]
    started, progress, finished = tool_events
    assert isinstance(started, ToolCallStarted)
    assert started.tool_name == "echo" and started.arguments == {"text": "hi"}
    assert "echo" in started.title
    assert isinstance(progress, ToolCallProgress) and progress.status == "in_progress"
    assert isinstance(finished, ToolCallFinished)
    assert finished.status == "completed" and finished.result == "hi"
    assert finished.duration > 0  # Measured, not the 0.0 default.
    # The usage of each model call is reported.
    assert sum(isinstance(e, UsageUpdated) for e in result.events) == 2


async def test_engine_uses_describe_for_title_and_locations_and_kind():
    from agentica.events import Location

    @tool(
        kind="read",
        is_read_only=True,
        describe=lambda a: CallDescription(
            title=f"Read {a['path']}", locations=(Location(path=a["path"]),)
        ),
    )
    def read(path: str) -> str:
        """Read."""
        return "content"

    model = ScriptedModel([ScriptedModel.tool_calls(tool_call("read", {"path": "/a.py"})), "ok"])
    result = await Agent(model=model, tools=[read]).run("go")
    started = next(e for e in result.events if isinstance(e, ToolCallStarted))
    assert started.title == "Read /a.py"
    assert started.kind == "read"
    assert started.locations[0].path == "/a.py"


async def test_engine_tool_results_go_to_history_in_call_order():
    order = []

    @tool
    async def wait_for(name: str, gate: str) -> str:
        """Finish when the gate opens."""
        if gate:
            await gates[gate].wait()
        order.append(name)
        if name == "second":
            gates["second"].set()
        return f"{name} result"

    gates = {"second": anyio.Event()}
    model = ScriptedModel(
        [
            ScriptedModel.tool_calls(
                tool_call("wait_for", {"name": "first", "gate": "second"}, id="a"),
                tool_call("wait_for", {"name": "second", "gate": ""}, id="b"),
            ),
            "ok",
        ]
    )
    with anyio.fail_after(5):
        result = await Agent(model=model, tools=[wait_for]).run("go")
    assert order == ["second", "first"]  # completion order
    finished = [e.call_id for e in result.events if isinstance(e, ToolCallFinished)]
    assert finished == ["b", "a"]  # events in completion order
    tool_msgs = [m for m in result.new_messages if m.role == "tool"]
    assert [m.tool_call_id for m in tool_msgs] == ["a", "b"]  # history in call order
    assert model.calls[1].messages[-2].tool_call_id == "a"


@pytest.mark.parametrize(
    ("name", "arguments", "expected"),
    [
        ("missing", '{"a": 1}', "Unknown tool 'missing'"),
        ("echo", '{"text": ', "Invalid JSON arguments for tool 'echo'"),
        ("echo", "[1, 2]", "must be a JSON object"),
        ("echo", '{"wrong": 1}', "Invalid arguments for tool 'echo': text"),
    ],
    ids=["unknown-tool", "malformed-json", "not-an-object", "validation-error"],
)
async def test_engine_bad_tool_call_becomes_an_error_result_for_the_model(
    name, arguments, expected
):
    model = ScriptedModel([ScriptedModel.tool_calls(tool_call(name, arguments, id="c")), "sorry"])
    result = await Agent(model=model, tools=[echo]).run("go")
    finished = next(e for e in result.events if isinstance(e, ToolCallFinished))
    assert finished.status == "failed"
    assert expected in finished.result
    tool_msg = model.calls[1].messages[-1]
    assert tool_msg.role == "tool" and tool_msg.is_error and expected in tool_msg.text
    assert result.content == "sorry"


async def test_engine_tool_exception_is_isolated_and_reported():
    @tool
    def boom() -> str:
        """Fail."""
        raise ValueError("disk on fire")

    model = ScriptedModel(
        [
            ScriptedModel.tool_calls(tool_call("boom", {}), tool_call("echo", {"text": "fine"})),
            "ok",
        ]
    )
    result = await Agent(model=model, tools=[boom, echo]).run("go")
    statuses = {e.tool_name: e.status for e in result.events if isinstance(e, ToolCallFinished)}
    assert statuses == {"boom": "failed", "echo": "completed"}
    assert "disk on fire" in model.calls[1].messages[-2].text


@pytest.mark.parametrize(
    ("finish", "stop_reason"),
    [("stop", "end_turn"), ("length", "max_tokens"), ("content_filter", "refusal")],
)
async def test_engine_maps_finish_reason_to_stop_reason(finish, stop_reason):
    step = Step(deltas=[ModelTextDelta(text="partial"), ModelFinish(reason=finish)])
    result = await Agent(model=ScriptedModel([step])).run("go")
    assert result.stop_reason == stop_reason
    assert result.events[-1].stop_reason == stop_reason


async def test_engine_stops_at_max_turns_with_tool_results_in_history():
    model = ScriptedModel(
        [ScriptedModel.tool_calls(tool_call("echo", {"text": str(i)})) for i in range(3)]
    )
    agent = Agent(model=model, tools=[echo], max_turns=2)
    result = await agent.run("loop")
    assert result.stop_reason == "max_turns"
    assert len(model.calls) == 2
    assert agent.messages[-1].role == "tool"


async def test_engine_tool_can_report_progress_and_plan_through_current_call():
    @tool
    async def work() -> ToolResult:
        """Work with progress."""
        ctx = current_call()
        assert ctx is not None and ctx.tool_name == "work"
        await ctx.progress(content=(TextContent(text="halfway"),))
        await ctx.emit(PlanUpdated(entries=(PlanEntry(content="step 1", status="completed"),)))
        return ToolResult(text="done", content=(TextContent(text="shown to user"),))

    model = ScriptedModel([ScriptedModel.tool_calls(tool_call("work", {})), "ok"])
    async with Agent(model=model, tools=[work]).run_stream("go") as stream:
        events = [e async for e in stream]
    names = kinds(events)
    i = names.index("ToolCallStarted")
    assert names[i : i + 5] == [
        "ToolCallStarted",
        "ToolCallProgress",
        "ToolCallProgress",
        "PlanUpdated",
        "ToolCallFinished",
    ]
    assert events[i + 2].content == (TextContent(text="halfway"),)
    assert events[i + 4].content == (TextContent(text="shown to user"),)
    assert current_call() is None


async def test_engine_structured_output_parses_and_retries_once():
    from pydantic import BaseModel

    class City(BaseModel):
        name: str
        population: int

    model = ScriptedModel(["not json", '```json\n{"name": "Oslo", "population": "700000"}\n```'])
    result = await Agent(model=model, response_model=City).run("a city")
    assert result.content == City(name="Oslo", population=700000)
    assert "JSON schema" in model.calls[0].messages[0].text
    assert "could not be parsed" in model.calls[1].messages[-1].text


async def test_engine_model_error_raises_typed_error_and_keeps_history_consistent():
    model = ScriptedModel(
        [
            ScriptedModel.tool_calls(tool_call("echo", {"text": "x"})),
            ModelResponseError("upstream exploded", status=500),
        ]
    )
    agent = Agent(model=model, tools=[echo])
    with pytest.raises(ModelResponseError, match="upstream exploded"):
        await agent.run("go")
    roles = [m.role for m in agent.messages]
    assert roles == ["user", "assistant", "tool"]
    assert not agent.is_running


async def test_engine_model_error_from_stream_after_events():
    model = ScriptedModel(
        [Step(deltas=[ModelTextDelta(text="par")], error=ModelResponseError("cut"))]
    )
    agent = Agent(model=model)
    seen = []
    with pytest.raises(ModelResponseError):
        async with agent.run_stream("go") as stream:
            async for event in stream:
                seen.append(event)
    assert kinds(seen) == ["TextDelta"]
    assert agent.messages[-1].text == "par"


async def test_engine_stop_run_from_tool_cancels_siblings_and_propagates():
    started = anyio.Event()

    @tool
    async def hang() -> str:
        """Hang."""
        started.set()
        await anyio.sleep_forever()
        return "never"

    @tool
    async def stop() -> str:
        """Stop."""
        await started.wait()
        raise StopRun("enough")

    model = ScriptedModel([ScriptedModel.tool_calls(tool_call("hang", {}), tool_call("stop", {}))])
    agent = Agent(model=model, tools=[hang, stop])
    seen = []
    with anyio.fail_after(5), pytest.raises(StopRun, match="enough"):
        async for event in agent.run_stream("go"):
            seen.append(event)
    finished = [e for e in seen if isinstance(e, ToolCallFinished)]
    assert {e.tool_name for e in finished} == {"hang", "stop"}
    assert all(e.status == "cancelled" for e in finished)
    assert [m.role for m in agent.messages] == ["user", "assistant", "tool", "tool"]


# --- Approval --------------------------------------------------------------------------------


@tool(kind="edit")
def write(path: str) -> str:
    """Write a file."""
    return f"wrote {path}"


async def test_engine_asks_the_approver_only_for_tools_that_need_it():
    asked: list[ApprovalRequest] = []

    async def approver(request: ApprovalRequest) -> str:
        asked.append(request)
        return "allow"

    model = ScriptedModel(
        [
            ScriptedModel.tool_calls(
                tool_call("write", {"path": "a"}), tool_call("echo", {"text": "b"})
            ),
            "ok",
        ]
    )
    result = await Agent(model=model, tools=[write, echo], approver=approver).run("go")
    assert [r.tool_name for r in asked] == ["write"]
    assert asked[0].kind == "edit" and asked[0].arguments == {"path": "a"}
    assert all(e.status == "completed" for e in result.events if isinstance(e, ToolCallFinished))


async def test_engine_denied_call_fails_with_a_rejection_for_the_model():
    async def deny(request):
        return "deny"

    model = ScriptedModel([ScriptedModel.tool_calls(tool_call("write", {"path": "a"})), "ok"])
    result = await Agent(model=model, tools=[write], approver=deny).run("go")
    finished = next(e for e in result.events if isinstance(e, ToolCallFinished))
    assert finished.status == "failed" and "rejected" in finished.result
    assert "in_progress" not in [getattr(e, "status", None) for e in result.events]
    assert result.stop_reason == "end_turn"


async def test_engine_cancel_decision_ends_the_run_cancelled():
    async def cancel(request):
        return "cancel"

    model = ScriptedModel([ScriptedModel.tool_calls(tool_call("write", {"path": "a"}))])
    result = await Agent(model=model, tools=[write], approver=cancel).run("go")
    assert result.stop_reason == "cancelled"
    assert kinds(result.events)[-2:] == ["ToolCallFinished", "RunFinished"]
    assert result.events[-2].status == "cancelled"


async def test_engine_without_approver_runs_tools_that_need_approval():
    model = ScriptedModel([ScriptedModel.tool_calls(tool_call("write", {"path": "a"})), "ok"])
    result = await Agent(model=model, tools=[write]).run("go")
    assert any(isinstance(e, ToolCallFinished) and e.status == "completed" for e in result.events)


async def test_engine_model_response_object_step_is_supported():
    model = ScriptedModel([ModelResponse(content="whole")])
    assert (await Agent(model=model).run("x")).content == "whole"


async def test_an_approver_raising_tool_error_denies_with_its_message():
    ran = []

    @tool(is_destructive=True)
    def wipe() -> str:
        """Wipe everything."""
        ran.append(True)
        return "wiped"

    async def approver(request):
        raise ToolError("Not run: the session is read-only.")

    model = ScriptedModel([ScriptedModel.tool_calls(tool_call("wipe", {})), "ok"])
    agent = Agent(model=model, tools=[wipe], approver=approver)
    events = [e async for e in agent.run_stream("go")]
    finished = [e for e in events if isinstance(e, ToolCallFinished)]
    assert not ran
    assert [(f.status, f.error) for f in finished] == [
        ("failed", "Not run: the session is read-only.")
    ]
    tool_message = next(m for m in agent.messages if m.role == "tool")
    assert tool_message.text == "Not run: the session is read-only."
