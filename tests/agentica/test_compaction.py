"""Compaction: older turns summarised before the window overflows; the tool-result rule;
``compact()`` on demand."""

from __future__ import annotations

from typing import Any

from agentica import Agent
from agentica.compaction import SUMMARY_PREFIX, Compaction, compact, estimate_tokens, transcript
from agentica.events import ThinkingDelta
from agentica.messages import Message
from agentica.testing import FunctionModel, ScriptedModel, tool_call

WINDOW = 2000


def summariser() -> tuple[FunctionModel, list[list[Message]]]:
    seen: list[list[Message]] = []

    def summarise(messages: list[Message], tools: Any) -> str:
        seen.append(messages)
        return f"summary #{len(seen)}: the user asked many questions"

    return FunctionModel(summarise, name="summariser"), seen


async def test_a_100_turn_conversation_stays_under_the_window() -> None:
    sizes: list[int] = []

    def answer(messages: list[Message], tools: Any) -> str:
        sizes.append(estimate_tokens(messages))
        return "An answer of some length. " * 16  # ~100 tokens a reply

    model = FunctionModel(answer, context_window=WINDOW)
    summary_model, summaries = summariser()
    agent = Agent(model=model, compaction=Compaction(threshold=0.8, model=summary_model))
    for turn in range(100):
        await agent.run(f"Question {turn}: " + "please explain this in detail. " * 6)
    assert len(sizes) == 100
    assert max(sizes) < WINDOW
    assert summaries, "compaction never ran"
    assert agent.messages[0].text.startswith(SUMMARY_PREFIX)
    # Without compaction the same conversation would have been several windows long.
    one_turn = estimate_tokens(agent.messages[-2:])
    assert one_turn * 100 > 5 * WINDOW


async def test_compaction_within_one_long_run_keeps_calls_with_their_results() -> None:
    steps: list[Any] = [
        ScriptedModel.tool_calls(tool_call("read", {"path": f"f{i}"})) for i in range(30)
    ] + ["done"]
    model = ScriptedModel(steps, context_window=WINDOW)
    summary_model, summaries = summariser()

    def read(path: str) -> str:
        """Read a file."""
        return f"contents of {path}: " + "x" * 400

    agent = Agent(model=model, tools=[read], compaction=Compaction(model=summary_model))
    result = await agent.run("read everything")
    assert result.text == "done"
    assert summaries
    notes = [e for e in result.events if isinstance(e, ThinkingDelta) and "Compacted" in e.text]
    assert notes
    for call in model.calls:
        assert estimate_tokens(call.messages) < WINDOW
        ids = {c.id for m in call.messages for c in m.tool_calls}
        answered = {m.tool_call_id for m in call.messages if m.role == "tool"}
        assert answered <= ids  # No tool result without its call.


def test_older_tool_results_are_cut_for_the_summariser() -> None:
    long = Message.tool("c1", "read", "y" * 2000)
    text = transcript([Message.user("hi"), long], tool_result_chars=100)
    assert "y" * 100 + "[… 1900 more characters elided]" in text
    assert "y" * 101 not in text


async def test_compact_on_demand_keeps_recent_turns_verbatim() -> None:
    history: list[Message] = []
    for i in range(5):
        history += [Message.user(f"q{i}"), Message.assistant(f"a{i}")]
    summary_model, seen = summariser()
    result = await compact(history, model=summary_model, keep_recent=2)
    assert result.summarised == 6
    assert [m.text for m in result.messages[1:]] == ["q3", "a3", "q4", "a4"]
    assert "user: q0" in seen[0][-1].text
    nothing = await compact(history[:2], model=summary_model, keep_recent=2)
    assert nothing.summarised == 0 and nothing.messages == history[:2]


async def test_compaction_can_be_switched_off() -> None:
    model = ScriptedModel(["ok"], context_window=10)
    agent = Agent(model=model, compaction=False)
    await agent.run("x" * 400)
    assert agent.compaction is None
