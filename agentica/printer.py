"""Render a run to a terminal from its events: ``print_response()`` / ``print_response_sync()``.

Text is streamed as it arrives, thinking is dimmed, tool calls are shown with their
status, and the plan as a checklist. Colour is used only when the output is a TTY.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol, TextIO, assert_never

from agentica import _sync
from agentica.events import (
    DiffContent,
    ImageContent,
    ModelFallback,
    PlanUpdated,
    RunEvent,
    RunFinished,
    TerminalContent,
    TextContent,
    TextDelta,
    ThinkingDelta,
    ToolCallFinished,
    ToolCallProgress,
    ToolCallStarted,
    UsageUpdated,
)
from agentica.run import OutputT

if TYPE_CHECKING:
    from agentica._stream import RunStream
    from agentica.messages import Message
    from agentica.run import Prompt, RunConfig, RunResponse


class StreamingAgent(Protocol[OutputT]):
    """What ``print_response()`` needs of an agent (``agentica.Agent`` is one)."""

    def run_stream(
        self,
        prompt: Prompt,
        *,
        history: Sequence[Message] | None = None,
        config: RunConfig | None = None,
    ) -> RunStream[OutputT]: ...


_DIM, _RED, _GREEN, _YELLOW, _CYAN, _BOLD, _RESET = (
    "\x1b[2m", "\x1b[31m", "\x1b[32m", "\x1b[33m", "\x1b[36m", "\x1b[1m", "\x1b[0m"
)
_PLAN_MARK = {"completed": "[x]", "in_progress": "[~]", "pending": "[ ]"}


class Printer:
    """Writes events to a text stream, one ``render(event)`` call at a time.

    Args:
        file: Where to write (default: ``sys.stdout``).
        color: Force colour on or off (default: only on a TTY).
        show_thinking: Print the model's reasoning (dimmed).
        max_output_lines: Lines of live tool output to show per update.
    """

    def __init__(
        self,
        file: TextIO | None = None,
        *,
        color: bool | None = None,
        show_thinking: bool = True,
        max_output_lines: int = 5,
    ) -> None:
        self.file = file or sys.stdout
        if color is None:
            isatty = getattr(self.file, "isatty", None)
            color = bool(isatty and isatty())
        self.color = color
        self.show_thinking = show_thinking
        self.max_output_lines = max_output_lines
        self._mode: str | None = None
        self._titles: dict[str, str] = {}

    def _c(self, code: str, text: str) -> str:
        return f"{code}{text}{_RESET}" if self.color else text

    def _line(self, text: str) -> None:
        """Write a full line, ending any streamed text first."""
        if self._mode in ("text", "thinking"):
            self.file.write("\n")
        self._mode = "line"
        self.file.write(text + "\n")

    def render(self, event: RunEvent) -> None:
        """Write one event."""
        match event:
            case TextDelta(text=text):
                if self._mode == "thinking":
                    self.file.write("\n")
                self._mode = "text"
                self.file.write(text)
            case ThinkingDelta(text=text):
                if not self.show_thinking:
                    return
                if self._mode == "text":
                    self.file.write("\n")
                self._mode = "thinking"
                self.file.write(self._c(_DIM, text))
            case ToolCallStarted(call_id=call_id, title=title):
                self._titles[call_id] = title
                self._line(self._c(_CYAN, f"> {title}") + self._c(_DIM, " (pending)"))
            case ToolCallProgress(call_id=call_id, status=status, content=content, title=title):
                if title:
                    self._titles[call_id] = title
                if status == "in_progress" and content is None:
                    self._line(self._c(_DIM, f"  running {self._titles.get(call_id, call_id)}"))
                for text in _content_lines(content or (), self.max_output_lines):
                    self._line(self._c(_DIM, f"  | {text}"))
            case ToolCallFinished(call_id=call_id, status=status, error=error, duration=took):
                title = self._titles.pop(call_id, call_id)
                if status == "completed":
                    took_text = self._c(_DIM, f" ({took:.1f}s)")
                    self._line(self._c(_GREEN, f"  done {title}") + took_text)
                    # Only images: the result's text is the model's, not shown here.
                    images = [c for c in event.content if isinstance(c, ImageContent)]
                    for text in _content_lines(images, self.max_output_lines):
                        self._line(self._c(_DIM, f"  | {text}"))
                elif status == "failed":
                    self._line(self._c(_RED, f"  failed {title}: {_first_line(error)}"))
                else:
                    self._line(self._c(_YELLOW, f"  cancelled {title}"))
            case PlanUpdated(entries=entries):
                self._line(self._c(_BOLD, "Plan:"))
                for entry in entries:
                    mark = _PLAN_MARK.get(entry.status, "[ ]")
                    self._line(f"  {mark} {entry.content}")
            case UsageUpdated():
                pass
            case ModelFallback(from_model=failed, to_model=now):
                self._line(self._c(_YELLOW, f"[{failed} failed; {now} answers instead]"))
            case RunFinished(stop_reason=reason):
                if self._mode in ("text", "thinking"):
                    self.file.write("\n")
                self._mode = None
                if reason != "end_turn":
                    self.file.write(self._c(_YELLOW, f"[stopped: {reason}]") + "\n")
            case _:
                assert_never(event)
        self.file.flush()


def _first_line(text: str | None) -> str:
    return (text or "").strip().splitlines()[0] if (text or "").strip() else ""


def _content_lines(content: Any, limit: int) -> list[str]:
    lines: list[str] = []
    for item in content:
        match item:
            case TextContent(text=text):
                lines.extend(text.rstrip().splitlines()[-limit:])
            case DiffContent(path=path):
                lines.append(f"edit {path}")
            case TerminalContent(terminal_id=terminal_id):
                lines.append(f"terminal {terminal_id}")
            case ImageContent(mime_type=mime_type, data=data):
                size = len(data) * 3 // 4 - data[-2:].count("=")  # Base64 padding.
                lines.append(f"[image: {mime_type}, {size} bytes]")
    return lines


async def print_response(
    agent: StreamingAgent[OutputT],
    prompt: Prompt,
    *,
    file: TextIO | None = None,
    color: bool | None = None,
    show_thinking: bool = True,
    **run_kwargs: Any,
) -> RunResponse[OutputT]:
    """Run ``agent`` on ``prompt`` and render the run to ``file`` (default stdout).

    Args:
        agent: The agent.
        prompt: As for ``Agent.run()``.
        file: Where to write.
        color: Force colour on or off (default: only on a TTY).
        show_thinking: Print the model's reasoning, dimmed.
        **run_kwargs: ``history=`` or ``config=`` for the run.

    Returns:
        The run's ``RunResponse``.
    """
    printer = Printer(file, color=color, show_thinking=show_thinking)
    async with agent.run_stream(prompt, **run_kwargs) as stream:
        async for event in stream:
            printer.render(event)
    return stream.response


def print_response_sync(
    agent: StreamingAgent[OutputT], prompt: Prompt, **kwargs: Any
) -> RunResponse[OutputT]:
    """``print_response()`` for sync code."""
    return _sync.call_sync(
        lambda: print_response(agent, prompt, **kwargs),
        api="print_response_sync()", alternative="await print_response(...)",
    )


__all__ = ["Printer", "StreamingAgent", "print_response", "print_response_sync"]
