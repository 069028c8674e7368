"""How a chat shows a run: ``RichView`` (``rich``) or ``PlainView`` (plain text).

Both take the run's events one at a time (``render``) and show, besides the answer: the
thinking (collapsed to one line unless ``expanded``; ``/thinking`` shows it in full),
tool calls with their arguments, diffs of edits, commands' output, the plan, and the
context used after each turn. ``lock`` is held while an event is drawn and while the
user is asked for an approval (which happens on another thread), so they never mix.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TextIO

from agentica.events import (
    DiffContent,
    PlanUpdated,
    RunEvent,
    RunFinished,
    TextContent,
    TextDelta,
    ThinkingDelta,
    ToolCallFinished,
    ToolCallProgress,
    ToolCallStarted,
    UsageUpdated,
)
from agentica.terminal.view import View, context_line, format_args, tail, unified_diff

if TYPE_CHECKING:
    from rich.console import Console

    from agentica.tools.base import ApprovalRequest

_PLAN_MARK = {"completed": "[x]", "in_progress": "[~]", "pending": "[ ]"}


class PlainView(View):
    """Plain text to a stream: no colours, no cursor movement."""

    def __init__(self, file: TextIO) -> None:
        super().__init__()
        self.file = file
        self._at_line_start = True
        self._message: str | None = None

    def _line(self, text: str) -> None:
        self._end_text()
        self.file.write(text + "\n")
        self.file.flush()

    def _end_text(self) -> None:
        if self._thinking:
            thought = "".join(self._thinking)
            self.last_thinking = thought
            summary = (
                f"(thinking) {thought.strip()}" if self.expanded
                else self.thinking_summary(thought)
            )
            self._thinking = []
            self._line(summary)
        if not self._at_line_start:
            self.file.write("\n")
            self._at_line_start = True
        self._message = None

    def render(self, event: RunEvent) -> None:
        match event:
            case TextDelta(text=text, message_id=message_id):
                if self._thinking or (self._message and self._message != message_id):
                    self._end_text()
                self._message = message_id
                self.file.write(text)
                self._at_line_start = text.endswith("\n")
            case ThinkingDelta(text=text):
                if not self._at_line_start:
                    self._end_text()
                self._thinking.append(text)
            case ToolCallStarted(call_id=call_id, title=title):
                self._titles[call_id] = title
                args = format_args(event)
                self._line(f"* {title}" + (f"  {args}" if args else ""))
            case ToolCallProgress(content=content) if content:
                for item in content:
                    if isinstance(item, TextContent):
                        for line in tail(item.text):
                            self._line(f"  | {line}")
            case ToolCallFinished():
                self._finished(event)
            case PlanUpdated(entries=entries):
                self._line("Plan:")
                for entry in entries:
                    self._line(f"  {_PLAN_MARK.get(entry.status, '[ ]')} {entry.content}")
            case UsageUpdated():
                self.usage = event
            case RunFinished(stop_reason=reason):
                self._end_text()
                if reason != "end_turn":
                    self._line(f"[stopped: {reason}]")
                if self.usage is not None:
                    self._line(f"({context_line(self.usage)})")
            case _:
                pass
        self.file.flush()

    def _finished(self, event: ToolCallFinished) -> None:
        title = self._titles.pop(event.call_id, event.tool_name)
        if event.status == "failed":
            first = (event.error or event.result).strip().splitlines()[:1] or [""]
            self._line(f"  failed: {first[0]}")
            return
        if event.status == "cancelled":
            self._line(f"  cancelled: {title}")
            return
        for item in event.content:
            if isinstance(item, DiffContent):
                for line in unified_diff(item).splitlines():
                    self._line(f"  {line}")
            elif isinstance(item, TextContent) and event.tool_name == "execute":
                for line in tail(item.text):
                    self._line(f"  | {line}")
        self._line(f"  done: {title} ({event.duration:.1f}s)")

    def markdown(self, text: str) -> None:
        self._line(text)

    def note(self, text: str, style: str = "dim") -> None:
        self._line(text)

    def request(self, request: ApprovalRequest) -> None:
        args = format_args(request)
        self._line(f"? {request.title}" + (f"  {args}" if args else ""))


class _Streaming:
    """A renderable of the text streamed so far, parsed as Markdown when drawn."""

    def __init__(self) -> None:
        self.text = ""

    def __rich_console__(self, console: Any, options: Any) -> Any:
        from rich.markdown import Markdown

        yield Markdown(self.text)


class RichView(View):
    """Markdown, colours and live regions with ``rich`` (the ``cli`` extra)."""

    def __init__(self, console: Console) -> None:
        super().__init__()
        self.console = console
        self._live: Any = None
        self._spinning = False
        self._streaming: _Streaming | None = None
        self._message: str | None = None

    def waiting(self) -> None:
        """A transient spinner until the first event (on a terminal only)."""
        from rich.spinner import Spinner

        self.pause()
        self._start_live(Spinner("dots", "Waiting for the model…", style="dim"), transient=True)
        self._spinning = self._live is not None

    def _start_live(self, renderable: Any, *, transient: bool = False) -> None:
        """Redraw ``renderable`` as it changes (on a terminal; elsewhere it is printed
        once, when paused)."""
        if not self.console.is_terminal:
            return
        from rich.live import Live

        self._live = Live(
            renderable, console=self.console, refresh_per_second=10,
            vertical_overflow="visible", transient=transient,
        )
        self._live.start()

    def pause(self) -> None:
        """End the live text (its last frame stays) and print a pending thought."""
        self._spinning = False
        if self._live is not None:
            self._live.stop()
            self._live = None
        elif self._streaming is not None and self._streaming.text:  # Not a terminal.
            self.console.print(self._streaming)
        self._streaming = None
        self._message = None
        if self._thinking:
            from rich.text import Text

            thought = "".join(self._thinking)
            self.last_thinking = thought
            self._thinking = []
            shown = thought.strip() if self.expanded else self.thinking_summary(thought)
            self.console.print(Text(f"✻ {shown}", style="dim italic"))

    def render(self, event: RunEvent) -> None:
        from rich.text import Text

        if self._spinning:
            self._spinning = False
            self._live.stop()
            self._live = None
        match event:
            case TextDelta(text=text, message_id=message_id):
                if self._thinking or (self._message and self._message != message_id):
                    self.pause()
                if self._streaming is None:
                    self._streaming = _Streaming()
                    self._start_live(self._streaming)
                self._message = message_id
                self._streaming.text += text  # Live redraws it 10 times a second.
            case ThinkingDelta(text=text):
                if self._streaming is not None:
                    self.pause()
                self._thinking.append(text)
                if self._live is None and len(self._thinking) == 1:
                    self._start_live(Text("✻ Thinking…", style="dim italic"), transient=True)
                if self._live is not None and self.expanded:
                    self._live.update(Text("✻ " + "".join(self._thinking), style="dim italic"))
            case ToolCallStarted(call_id=call_id, title=title):
                self.pause()
                self._titles[call_id] = title
                line = Text("● ", style="cyan").append(title, style="bold")
                args = format_args(event)
                if args:
                    line.append(f"  {args}", style="dim")
                self.console.print(line)
            case ToolCallProgress(content=content) if content:
                self.pause()
                for item in content:
                    if isinstance(item, TextContent):
                        for out in tail(item.text):
                            self.console.print(Text(f"  │ {out}", style="dim"))
            case ToolCallFinished():
                self.pause()
                self._finished(event)
            case PlanUpdated(entries=entries):
                self.pause()
                self._plan(entries)
            case UsageUpdated():
                self.usage = event
            case RunFinished(stop_reason=reason):
                self.pause()
                if reason != "end_turn":
                    self.console.print(Text(f"[stopped: {reason}]", style="yellow"))
                if self.usage is not None:
                    self.console.print(Text(context_line(self.usage), style="dim"))
            case _:
                pass

    def _finished(self, event: ToolCallFinished) -> None:
        from rich.syntax import Syntax
        from rich.text import Text

        title = self._titles.pop(event.call_id, event.tool_name)
        if event.status == "failed":
            first = (event.error or event.result).strip().splitlines()[:1] or [""]
            self.console.print(Text(f"  ✗ {first[0]}", style="red"))
            return
        if event.status == "cancelled":
            self.console.print(Text(f"  ⊘ cancelled {title}", style="yellow"))
            return
        for item in event.content:
            if isinstance(item, DiffContent):
                diff = unified_diff(item)
                if diff:
                    self.console.print(Syntax(diff, "diff", theme="ansi_dark"))
            elif isinstance(item, TextContent) and event.tool_name == "execute":
                for out in tail(item.text):
                    self.console.print(Text(f"  │ {out}", style="dim"))
        self.console.print(Text(f"  ✓ {title} ({event.duration:.1f}s)", style="green dim"))

    def _plan(self, entries: Any) -> None:
        from rich.text import Text

        marks = {"completed": ("☑", "green"), "in_progress": ("◐", "yellow")}
        text = Text("Plan\n", style="bold")
        for entry in entries:
            mark, style = marks.get(entry.status, ("☐", ""))
            text.append(f"  {mark} {entry.content}\n", style=style)
        self.console.print(text, end="")

    def markdown(self, text: str) -> None:
        from rich.markdown import Markdown

        self.pause()
        self.console.print(Markdown(text))

    def note(self, text: str, style: str = "dim") -> None:
        from rich.text import Text

        self.pause()
        self.console.print(Text(text, style=style))

    def request(self, request: ApprovalRequest) -> None:
        from rich.panel import Panel
        from rich.syntax import Syntax
        from rich.text import Text

        self.pause()
        body: Any = Text(format_args(request) or "(no arguments)", style="dim")
        command = request.arguments.get("command")
        if request.kind == "execute" and isinstance(command, str):
            body = Syntax(command, "bash", theme="ansi_dark", word_wrap=True)
        self.console.print(
            Panel(body, title=f"Allow {request.title}?", title_align="left", border_style="yellow")
        )


__all__ = ["PlainView", "RichView"]
