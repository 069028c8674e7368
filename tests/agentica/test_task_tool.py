"""The ``task`` tool: a DeepAgent delegates work to a sub-agent and gets its report back."""

from __future__ import annotations

from typing import Any

import anyio

from agentica import DeepAgent
from agentica.events import ToolCallFinished, ToolCallProgress, ToolCallStarted
from agentica.exceptions import ModelResponseError
from agentica.messages import Message
from agentica.models.base import ToolSpec
from agentica.testing import FunctionModel, RecordedCall, ScriptedModel, tool_call
from agentica.tools.base import ApprovalRequest
from agentica.tools.function import tool
from agentica.tools.task import TaskTool


def _is_sub(messages: list[Message]) -> bool:
    first = messages[0] if messages else None
    return first is not None and first.role == "system" and "for another agent" in first.text


def _tool_results(messages: list[Message]) -> list[Message]:
    return [m for m in messages if m.role == "tool"]


def _task(description: str, subagent_type: str | None = None, call_id: str | None = None) -> Any:
    args = {"description": description}
    if subagent_type is not None:
        args["subagent_type"] = subagent_type
    return tool_call("task", args, id=call_id)


def _parent_echo(messages: list[Message]) -> str:
    """The parent's final answer: every tool result it got, one per line."""
    return "\n".join(f"[{m.text}]" for m in _tool_results(messages))


def _model(parent_first: Any, sub: Any) -> FunctionModel:
    """Parent: ``parent_first`` then echo its tool results. Sub-agents: ``sub(messages)``."""

    def fn(messages: list[Message], tools: list[ToolSpec]) -> Any:
        if _is_sub(messages):
            return sub(messages, tools)
        if not _tool_results(messages):
            return parent_first
        return _parent_echo(messages)

    return FunctionModel(fn)


def _sub_calls(model: FunctionModel) -> list[RecordedCall]:
    return [c for c in model.calls if _is_sub(c.messages)]


async def test_parent_gets_the_sub_agents_final_answer(tmp_path):
    (tmp_path / "notes.txt").write_text("the secret is 42\n")

    def sub(messages, tools):
        results = _tool_results(messages)
        if not results:
            return ScriptedModel.tool_calls(tool_call("read_file", {"file_path": "notes.txt"}))
        assert "the secret is 42" in results[0].text
        return "Report: the secret is 42."

    first = ScriptedModel.tool_calls(_task("Find the secret in notes.txt", call_id="t1"))
    model = _model(first, sub)
    agent = DeepAgent(model=model, work_dir=tmp_path)
    with anyio.fail_after(10):
        result = await agent.run("what is the secret?")

    assert result.stop_reason == "end_turn"
    assert result.text == "[Report: the secret is 42.]"
    started = [e for e in result.events if isinstance(e, ToolCallStarted)]
    # The sub-agent's own calls join the stream, named and titled after the sub-agent.
    assert [(e.tool_name, e.title, e.kind, e.agent) for e in started] == [
        ("task", "Task: Find the secret in notes.txt", "think", None),
        ("read_file", "general-purpose: Read `notes.txt`", "read", "general-purpose"),
    ]
    assert started[1].call_id.startswith("t1/")
    finished = [e for e in result.events if isinstance(e, ToolCallFinished)]
    assert [(e.call_id, e.status) for e in finished] == [
        (started[1].call_id, "completed"), ("t1", "completed")
    ]
    assert finished[-1].result == "Report: the secret is 42."
    # The sub-agent's tool calls show as progress lines of the task call.
    progress = [e for e in result.events if isinstance(e, ToolCallProgress) and e.content]
    assert progress and progress[-1].call_id == "t1"
    assert progress[-1].content[0].text.startswith("→ Read")
    assert "notes.txt" in progress[-1].content[0].text
    # The sub-agent started from a fresh history: its instructions and the task only.
    first = _sub_calls(model)[0]
    assert [m.role for m in first.messages] == ["system", "user"]
    assert first.messages[1].text == "Find the secret in notes.txt"
    assert "what is the secret?" not in "".join(m.text for m in first.messages)
    # Its tools are the parent's, without task itself.
    parent_tools = set(model.calls[0].tool_names)
    assert "task" in parent_tools
    assert set(first.tool_names) == parent_tools - {"task"}
    # The parent's history holds the task call and its result, not the sub-agent's calls.
    assert [m.name for m in agent.messages if m.role == "tool"] == ["task"]


async def test_explore_sub_agent_sees_only_read_only_tools(tmp_path):
    def sub(messages, tools):
        return "nothing to report"

    model = _model(ScriptedModel.tool_calls(_task("look around", "explore")), sub)
    agent = DeepAgent(model=model, work_dir=tmp_path)
    with anyio.fail_after(10):
        result = await agent.run("explore")
    assert result.text == "[nothing to report]"
    (call,) = _sub_calls(model)
    assert sorted(call.tool_names) == ["glob", "grep", "ls", "read_file"]
    assert "read-only" in call.messages[0].text


async def test_unknown_subagent_type_is_an_error_result_and_the_run_goes_on(tmp_path):
    model = _model(ScriptedModel.tool_calls(_task("x", "wizard")), lambda m, t: "never")
    agent = DeepAgent(model=model, work_dir=tmp_path)
    with anyio.fail_after(10):
        result = await agent.run("go")
    (finished,) = [e for e in result.events if isinstance(e, ToolCallFinished)]
    assert finished.status == "failed"
    assert "'wizard'" in finished.result
    assert "'general-purpose'" in finished.result and "'explore'" in finished.result
    assert result.stop_reason == "end_turn"
    assert result.text.startswith("[Unknown subagent_type")
    assert not _sub_calls(model)


async def test_sub_agent_model_error_is_a_readable_result_and_the_parent_goes_on(tmp_path):
    def sub(messages, tools):
        raise ModelResponseError("upstream exploded", model="m")

    model = _model(ScriptedModel.tool_calls(_task("do it")), sub)
    agent = DeepAgent(model=model, work_dir=tmp_path)
    with anyio.fail_after(10):
        result = await agent.run("go")
    (finished,) = [e for e in result.events if isinstance(e, ToolCallFinished)]
    assert finished.status == "failed"
    assert "sub-agent failed" in finished.result and "upstream exploded" in finished.result
    assert result.stop_reason == "end_turn"
    assert "upstream exploded" in result.text


async def test_two_task_calls_of_one_turn_run_concurrently(tmp_path):
    events = {"a": anyio.Event(), "b": anyio.Event()}

    @tool(requires_approval=False)
    async def rendezvous(me: str, other: str) -> str:
        """Wait until the other sub-agent has arrived too."""
        events[me].set()
        with anyio.fail_after(5):  # Run one after the other, this would time out.
            await events[other].wait()
        return f"{me} met {other}"

    def sub(messages, tools):
        me = messages[1].text
        results = _tool_results(messages)
        if not results:
            other = "b" if me == "a" else "a"
            return ScriptedModel.tool_calls(tool_call("rendezvous", {"me": me, "other": other}))
        return f"done: {results[0].text}"

    model = _model(ScriptedModel.tool_calls(_task("a"), _task("b")), sub)
    agent = DeepAgent(model=model, work_dir=tmp_path, tools=[rendezvous])
    with anyio.fail_after(10):
        result = await agent.run("go")
    finished = [e for e in result.events if isinstance(e, ToolCallFinished) and e.agent is None]
    assert sorted(e.result for e in finished) == ["done: a met b", "done: b met a"]
    assert all(e.status == "completed" for e in finished)


async def test_cancelling_the_parent_cancels_the_sub_agents_running_tool(tmp_path):
    started = anyio.Event()
    ended: list[str] = []

    @tool(requires_approval=False)
    async def block() -> str:
        """Run until cancelled."""
        started.set()
        try:
            await anyio.sleep_forever()
        finally:
            ended.append("cancelled")
        return "unreachable"

    def sub(messages, tools):
        return ScriptedModel.tool_calls(tool_call("block", {}))

    model = _model(ScriptedModel.tool_calls(_task("block forever")), sub)
    agent = DeepAgent(model=model, work_dir=tmp_path, tools=[block])
    results: list[Any] = []

    async def run() -> None:
        results.append(await agent.run("go"))

    with anyio.fail_after(10):
        async with anyio.create_task_group() as tg:
            tg.start_soon(run)
            await started.wait()
            agent.cancel()
    (result,) = results
    assert result.stop_reason == "cancelled"
    assert ended == ["cancelled"]
    (finished,) = [e for e in result.events if isinstance(e, ToolCallFinished)]
    assert (finished.tool_name, finished.status) == ("task", "cancelled")
    assert not agent.is_running


async def test_sub_agents_edits_go_through_the_parents_approver(tmp_path):
    requests: list[ApprovalRequest] = []

    async def approver(request: ApprovalRequest) -> str:
        requests.append(request)
        return "deny"

    def sub(messages, tools):
        results = _tool_results(messages)
        if not results:
            return ScriptedModel.tool_calls(
                tool_call("write_file", {"file_path": "out.txt", "content": "x"})
            )
        return f"could not write: {results[0].text}"

    model = _model(ScriptedModel.tool_calls(_task("write out.txt")), sub)
    agent = DeepAgent(model=model, work_dir=tmp_path, approver=approver)
    with anyio.fail_after(10):
        result = await agent.run("go")
    # task itself needs no approval; the sub-agent's write_file does.
    assert [r.tool_name for r in requests] == ["write_file"]
    assert not (tmp_path / "out.txt").exists()
    assert "rejected" in result.text
    assert result.stop_reason == "end_turn"


async def test_cancel_at_a_sub_agents_approval_cancels_the_parent_run(tmp_path):
    async def approver(request: ApprovalRequest) -> str:
        return "cancel"

    def sub(messages, tools):
        return ScriptedModel.tool_calls(tool_call("execute", {"command": "echo hi"}))

    model = _model(ScriptedModel.tool_calls(_task("run echo")), sub)
    agent = DeepAgent(model=model, work_dir=tmp_path, approver=approver)
    with anyio.fail_after(10):
        result = await agent.run("go")
    assert result.stop_reason == "cancelled"
    assert len([c for c in model.calls if not _is_sub(c.messages)]) == 1


async def test_deep_agent_without_subagents_has_no_task_tool(tmp_path):
    agent = DeepAgent(model=FunctionModel(lambda m, t: "ok"), work_dir=tmp_path, subagents=False)
    assert "task" not in {f.name for f in agent.functions}
    assert "task" not in (agent.system_prompt() or "")
    assert "task" in {f.name for f in DeepAgent(model="demo", work_dir=tmp_path).functions}


async def test_task_tool_schema_matches_agentica_1_5():
    (fn,) = TaskTool().functions()
    assert fn.name == "task"
    assert set(fn.parameters["properties"]) == {"description", "subagent_type"}
    assert fn.parameters["required"] == ["description"]
    assert (fn.kind, fn.requires_approval, fn.is_destructive, fn.concurrency_safe) == (
        "think",
        False,
        False,
        True,
    )
