"""What a chat's views share: the ``View`` base and how calls, diffs and usage read.

The views themselves are ``agentica.terminal.render``'s ``RichView`` and ``PlainView``.
"""

from __future__ import annotations

import difflib
import json
import threading
from typing import TYPE_CHECKING

from agentica.events import DiffContent, RunEvent, ToolCallStarted, UsageUpdated

if TYPE_CHECKING:
    from agentica.tools.base import ApprovalRequest

OUTPUT_LINES = 8
"""Lines of a command's output shown (the last ones)."""
ARGS_WIDTH = 160


def unified_diff(diff: DiffContent) -> str:
    """A unified diff of a ``DiffContent`` (a new file: every line added)."""
    old = (diff.old_text or "").splitlines(keepends=True)
    new = diff.new_text.splitlines(keepends=True)
    lines = difflib.unified_diff(
        old, new, fromfile="/dev/null" if diff.old_text is None else diff.path,
        tofile=diff.path, n=2,
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def format_args(event: ToolCallStarted | ApprovalRequest) -> str:
    """A call's arguments on one line (cut at ``ARGS_WIDTH``); empty for none."""
    args = {k: v for k, v in event.arguments.items() if k not in ("content", "todos")}
    if not args:
        return ""
    text = json.dumps(args, ensure_ascii=False, default=str)
    return text if len(text) <= ARGS_WIDTH else text[: ARGS_WIDTH - 1] + "…"


def context_line(usage: UsageUpdated | None) -> str:
    """``context 1.2k/32.8k tokens (4%) · 3 requests · 900 in / 300 out · $0.0012`` (the
    cost of the turn so far, or ``cost unknown``); empty before any model call."""
    if usage is None:
        return ""
    used = _k(usage.context_used)
    size = f"/{_k(usage.context_size)}" if usage.context_size else ""
    share = (
        f" ({usage.context_used * 100 // usage.context_size}%)" if usage.context_size else ""
    )
    requests, cost = usage.usage.requests, usage.usage.cost
    return (
        f"context {used}{size} tokens{share} · {requests} request{'s' * (requests != 1)} · "
        f"{_k(usage.usage.input_tokens)} in / {_k(usage.usage.output_tokens)} out · "
        + ("cost unknown" if cost is None else f"${cost:.4f}")  # Never an unknown shown as 0.
    )


def _k(n: int | None) -> str:
    n = n or 0
    return f"{n / 1000:.1f}k" if n >= 1000 else str(n)


def tail(text: str, lines: int = OUTPUT_LINES) -> list[str]:
    return text.rstrip().splitlines()[-lines:]


class View:
    """What the chat needs of a view (``RichView`` and ``PlainView`` are ones)."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.expanded = False
        """Show thinking in full (``/thinking`` toggles it)."""
        self.last_thinking = ""
        self.usage: UsageUpdated | None = None
        self._thinking: list[str] = []
        self._titles: dict[str, str] = {}

    def render(self, event: RunEvent) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def markdown(self, text: str) -> None:  # pragma: no cover - overridden
        """Show a command's answer (Markdown)."""
        raise NotImplementedError

    def note(self, text: str, style: str = "dim") -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def request(self, request: ApprovalRequest) -> None:  # pragma: no cover - overridden
        """Show a call waiting for the user's approval."""
        raise NotImplementedError

    def pause(self) -> None:
        """Stop any live part of the screen (before asking the user)."""

    def waiting(self) -> None:
        """A turn started: show that the model is awaited (until the first event)."""

    def thinking_summary(self, thought: str) -> str:
        """The collapsed form of a thought: one line."""
        return f"Thought for {len(thought.split())} words (/thinking to show)"




__all__ = ["ARGS_WIDTH", "OUTPUT_LINES", "View", "context_line", "format_args", "tail",
           "unified_diff"]
