"""Built-in tools of one model turn run in parallel, and edits of one file stay serial."""

from __future__ import annotations

import anyio

from agentica.agent import Agent
from agentica.events import ToolCallFinished
from agentica.testing import ScriptedModel, tool_call
from agentica.tools.builtin import WorkspaceTools
from agentica.workspace.local import LocalWorkspace


def _agent(tmp_path, *calls) -> Agent:
    model = ScriptedModel([ScriptedModel.tool_calls(*calls), "done"])
    return Agent(model=model, tools=WorkspaceTools(LocalWorkspace(tmp_path)).functions())


async def test_execute_calls_of_one_turn_run_at_the_same_time(tmp_path):
    # Each command announces itself, then waits for the other one: run one after the other,
    # the first would time out waiting; run together, both see each other and exit 0.
    def rendezvous(me: str, other: str) -> str:
        return f"touch {me}; i=0; while [ ! -e {other} ] && [ $i -lt 100 ]; do sleep 0.05; " \
               f"i=$((i+1)); done; test -e {other} && echo met-{other}"

    agent = _agent(
        tmp_path,
        tool_call("execute", {"command": rendezvous("a", "b"), "timeout": 20}),
        tool_call("execute", {"command": rendezvous("b", "a"), "timeout": 20}),
    )
    with anyio.fail_after(30):
        result = await agent.run("go")
    finished = [e for e in result.events if isinstance(e, ToolCallFinished)]
    assert [e.status for e in finished] == ["completed", "completed"]
    outputs = sorted(e.result for e in finished)
    assert "met-b" in outputs[0] or "met-b" in outputs[1]
    assert any("met-a" in o for o in outputs)


async def test_two_edits_of_one_file_in_one_turn_both_land(tmp_path):
    (tmp_path / "f.txt").write_text("alpha\nbeta\n")
    agent = _agent(
        tmp_path,
        tool_call("edit_file", {"file_path": "f.txt", "old_string": "alpha", "new_string": "A"}),
        tool_call("edit_file", {"file_path": "f.txt", "old_string": "beta", "new_string": "B"}),
    )
    with anyio.fail_after(30):
        await agent.run("edit")
    assert (tmp_path / "f.txt").read_text() == "A\nB\n"
