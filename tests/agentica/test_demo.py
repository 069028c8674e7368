"""The offline demo model's script, driven without the engine (crafted histories)."""

from __future__ import annotations

import json

from agentica.messages import Message
from agentica.models.base import (
    ModelFinish,
    ModelTextDelta,
    ModelThinkingDelta,
    ModelUsage,
    ToolSpec,
)
from agentica.models.demo import DemoModel

NAMES = ["read_file", "write_file", "edit_file", "ls", "glob", "grep", "execute", "write_todos"]
TOOLS = [ToolSpec(name=n, description=n, parameters={"type": "object"}) for n in NAMES]

TOOL_OUTPUT = {
    "write_todos": "Plan updated.",
    "ls": "README.md  (120 bytes)\nsrc/\n[… 3 more entries not shown]",
    "glob": "src/a.py\nsrc/b.py",
    "execute": "hello from the demo shell\nPython 3.11.7\n[exit code 0]",
}


async def turn(model, history, tools=TOOLS, results=TOOL_OUTPUT, errors=()):
    """One model call plus (fake) tool results, appended to history; returns the reply."""
    deltas = [d async for d in model.response_stream(history, tools)]
    resp = await model.response(history, tools)
    history.append(resp.to_message())
    for call in resp.tool_calls:
        failed = call.name in errors
        text = "The user rejected this call." if failed else results[call.name]
        history.append(Message.tool(call.id, call.name, text, is_error=failed))
    return resp, deltas


async def test_demo_plays_plan_parallel_tools_completion_and_summary():
    model = DemoModel()
    history = [Message.system("sys"), Message.user("Tell me about this project")]

    resp, deltas = await turn(model, history)
    assert any(isinstance(d, ModelThinkingDelta) for d in deltas)
    assert len([d for d in deltas if isinstance(d, ModelTextDelta)]) > 3  # streamed in words
    assert "Tell me about this project" in resp.reasoning_content
    assert [c.name for c in resp.tool_calls] == ["write_todos"]
    todos = json.loads(resp.tool_calls[0].arguments)["todos"]
    assert len(todos) == 3 and {t["status"] for t in todos} == {"pending"}
    assert resp.finish_reason == "tool_calls"
    assert resp.usage.requests == 1 and resp.usage.input_tokens > 0

    resp, _ = await turn(model, history)
    assert [c.name for c in resp.tool_calls] == ["write_todos", "ls", "glob", "execute"]
    args = {c.name: json.loads(c.arguments) for c in resp.tool_calls}
    assert args["ls"] == {"path": "."}
    assert args["glob"] == {"pattern": "**/*.py", "path": "."}
    assert "echo hello from the demo shell" in args["execute"]["command"]
    assert "in_progress" in {t["status"] for t in args["write_todos"]["todos"]}

    resp, _ = await turn(model, history)
    assert [c.name for c in resp.tool_calls] == ["write_todos"]
    assert {t["status"] for t in json.loads(resp.tool_calls[0].arguments)["todos"]} == {"completed"}

    resp, deltas = await turn(model, history)
    assert resp.tool_calls == [] and resp.finish_reason == "stop"
    assert deltas[-1] == ModelFinish(reason="stop")
    assert isinstance(deltas[-2], ModelUsage)
    text = resp.content
    assert "listed 5 entries" in text
    assert "matched 2 Python files" in text
    assert "hello from the demo shell" in text and "exit code 0" in text
    assert "offline demo model" in text and "--model deepseek/deepseek-chat" in text
    assert "OPENAI_BASE_URL" in text and "AGENTICA_MODEL" in text


async def test_demo_reports_denied_or_failed_tools_gracefully():
    model = DemoModel()
    history = [Message.user("go")]
    for _ in range(3):
        await turn(model, history, errors=("execute",))
    resp, _ = await turn(model, history)
    assert "`execute` did not run: The user rejected this call." in resp.content
    assert "listed 5 entries" in resp.content


async def test_demo_runs_the_script_again_for_a_second_prompt_with_unique_call_ids():
    model = DemoModel()
    history = [Message.user("first")]
    first_ids = []
    for _ in range(4):
        resp, _ = await turn(model, history)
        first_ids += [c.id for c in resp.tool_calls]
    history.append(Message.user("second"))
    resp, _ = await turn(model, history)
    assert [c.name for c in resp.tool_calls] == ["write_todos"]
    assert "second" in resp.reasoning_content
    assert not set(first_ids) & {c.id for c in resp.tool_calls}
    assert len(set(first_ids)) == len(first_ids)


async def test_demo_only_offers_tools_that_exist():
    model = DemoModel()
    tools = [t for t in TOOLS if t.name in ("ls", "execute")]
    history = [Message.user("hi")]
    resp, _ = await turn(model, history, tools)
    assert [c.name for c in resp.tool_calls] == ["ls", "execute"]
    resp, _ = await turn(model, history, tools)
    assert resp.tool_calls == []
    assert "listed 5 entries" in resp.content and "Python files" not in resp.content


async def test_demo_without_tools_just_answers():
    resp = await DemoModel().response([Message.user("hello there")], [])
    assert resp.tool_calls == [] and resp.finish_reason == "stop"
    assert "hello there" in resp.content and "offline demo model" in resp.content


async def test_demo_empty_results_count_zero():
    model = DemoModel()
    history = [Message.user("go")]
    results = {**TOOL_OUTPUT, "glob": "No paths match '**/*.py' under .", "ls": "(. is empty)"}
    for _ in range(4):
        resp, _ = await turn(model, history, results=results)
    assert "listed 0 entries" in resp.content and "matched 0 Python files" in resp.content


async def test_demo_thinks_a_clause_a_delta_and_answers_a_word_a_delta():
    model = DemoModel(delay=0)
    prompt = "Tidy src, then\nrun the tests!"
    _, deltas = await turn(model, [Message.user(prompt)])
    thoughts = [d.text for d in deltas if isinstance(d, ModelThinkingDelta)]
    words = [d.text for d in deltas if isinstance(d, ModelTextDelta)]
    assert thoughts[0] == "The user asked: "
    assert "".join(thoughts).startswith('The user asked: "Tidy src, then run the tests!". ')
    assert all(t.rstrip()[-1] in ",.:;!?" for t in thoughts[:-1])  # Whole clauses.
    assert len(thoughts) < len("".join(thoughts).split()) / 2
    assert words[:3] == ["Hi! ", "I'm ", "the "]


async def test_demo_paces_its_answer_and_sends_its_thought_with_the_first_word(monkeypatch):
    # What the stream does, in order: each pause, and each delta's kind.
    steps: list[str] = []

    async def sleep(seconds: float) -> None:
        steps.append("pause")

    monkeypatch.setattr("agentica.models.demo.anyio.sleep", sleep)
    model = DemoModel(delay=0.002)
    async for delta in model.response_stream([Message.user("hello")], TOOLS):
        steps.append(type(delta).__name__)
    first_word = steps.index("ModelTextDelta")
    thought = [s for s in steps[:first_word] if s != "pause"]
    assert thought == ["ModelThinkingDelta"] * len(thought) and len(thought) > 2
    assert "pause" not in steps[:first_word]  # Thought and first word: all at once.
    # Then a pause before every later word (the answer streams at the demo's pace).
    after = steps[first_word + 1 :]
    words = after.count("ModelTextDelta")
    assert words > 5 and after[:4] == ["pause", "ModelTextDelta", "pause", "ModelTextDelta"]
    assert after.count("pause") >= words
