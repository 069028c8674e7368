"""The terminal printer: text streamed, thinking dimmed, tool status, plan checklist."""

from __future__ import annotations

import io

from agentica import Agent, print_response, tool
from agentica.events import (
    PlanEntry,
    PlanUpdated,
    RunFinished,
    TextDelta,
    ThinkingDelta,
    ToolCallFinished,
    ToolCallStarted,
    Usage,
)
from agentica.printer import Printer
from agentica.testing import ScriptedModel, tool_call


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def render(events, file=None, **kwargs):
    out = file or io.StringIO()
    printer = Printer(out, **kwargs)
    for event in events:
        printer.render(event)
    return out.getvalue()


EVENTS = [
    ThinkingDelta(message_id="m", text="pondering"),
    TextDelta(message_id="m", text="Hello "),
    TextDelta(message_id="m", text="world"),
    ToolCallStarted(call_id="c1", tool_name="ls", title="List ."),
    ToolCallFinished(call_id="c1", tool_name="ls", status="completed", result="a", duration=0.25),
    ToolCallStarted(call_id="c2", tool_name="rm", title="Remove x"),
    ToolCallFinished(
        call_id="c2", tool_name="rm", status="failed", result="e", error="denied\nmore"
    ),
    PlanUpdated(
        entries=(
            PlanEntry(content="read", status="completed"),
            PlanEntry(content="write", status="in_progress"),
            PlanEntry(content="test"),
        )
    ),
    RunFinished(stop_reason="max_turns", content="Hello world", usage=Usage()),
]


def test_printer_renders_a_run_without_colour_when_not_a_tty():
    text = render(EVENTS)
    assert "\x1b[" not in text
    assert "pondering\nHello world\n" in text
    assert "> List ." in text and "done List . (0.2s)" in text
    assert "failed Remove x: denied" in text and "more" not in text
    assert "[x] read" in text and "[~] write" in text and "[ ] test" in text
    assert text.rstrip().endswith("[stopped: max_turns]")


def test_printer_uses_colour_on_a_tty_and_dims_thinking():
    text = render(EVENTS, file=FakeTTY())
    assert "\x1b[2mpondering\x1b[0m" in text


def test_printer_can_hide_thinking():
    assert "pondering" not in render(EVENTS, show_thinking=False)


async def test_print_response_renders_a_real_run():
    @tool(is_read_only=True)
    def ls(path: str = ".") -> str:
        """List."""
        return "a.txt"

    model = ScriptedModel([ScriptedModel.tool_calls(tool_call("ls", {})), "Found a.txt"])
    out = io.StringIO()
    result = await print_response(Agent(model=model, tools=[ls]), "look", file=out)
    text = out.getvalue()
    assert "> ls()" in text and "done ls()" in text and "Found a.txt" in text
    assert result.content == "Found a.txt"


async def test_agent_print_response_method():
    out = io.StringIO()
    await Agent(model=ScriptedModel(["hi there"])).print_response("x", file=out)
    assert out.getvalue() == "hi there\n"
