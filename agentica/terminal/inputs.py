"""Where a chat reads the user's lines, and how it asks for approvals.

``ToolkitInput`` (``prompt_toolkit``): history kept in ``$AGENTICA_HOME/history`` (next to
the session store), Enter sends, Alt-Enter / Esc-Enter or a trailing backslash starts a
new line, Ctrl-C clears the line (on an empty one: quits), Ctrl-D quits.
``PlainInput``: ``input()``; a trailing backslash continues on the next line.

An ``InputSource`` raises ``EOFError`` to quit and ``KeyboardInterrupt`` for Ctrl-C.
"""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path
from typing import Any, Protocol, TextIO

from agentica.tools.base import ApprovalDecision, ApprovalRequest


class InputSource(Protocol):
    """The user's side of a chat."""

    def read(self, prompt: str) -> str:
        """One message (may span lines); ``EOFError``: quit; ``KeyboardInterrupt``: Ctrl-C."""
        ...

    def ask(self, question: str) -> str:
        """A short answer (called from another thread while a run waits for it)."""
        ...


def history_path() -> Path:
    """``$AGENTICA_HOME/history``, else ``$XDG_DATA_HOME/agentica/history`` (beside the
    session store)."""
    from agentica.sessions import default_db_path

    return default_db_path().parent / "history"


def join_continued(lines: list[str]) -> str:
    """Lines ending in a backslash continue on the next one (the backslash dropped)."""
    return "\n".join(line[:-1] if line.endswith("\\") else line for line in lines)


class PlainInput:
    """``input()`` lines; a trailing backslash asks for one more line."""

    def __init__(self, out: TextIO | None = None) -> None:
        self.out = out or sys.stdout
        self.cancelled = threading.Event()
        """Set on Ctrl-C during a turn: a pending ``ask`` gives up (and reads nothing)."""

    def read(self, prompt: str) -> str:
        lines = [input(prompt)]
        while lines[-1].endswith("\\"):
            lines.append(input("... "))
        return join_continued(lines)

    def ask(self, question: str) -> str:
        self.out.write(question)
        self.out.flush()
        self.cancelled.clear()
        try:
            import select

            while not select.select([sys.stdin], [], [], 0.1)[0]:
                if self.cancelled.is_set():  # The turn was cancelled: leave the line be.
                    raise KeyboardInterrupt
        except (ImportError, OSError, ValueError, TypeError):
            pass  # Not selectable (Windows, a test's stream): a plain read.
        line = sys.stdin.readline()
        if not line:
            raise EOFError
        return line.strip()


class ToolkitInput:
    """``prompt_toolkit`` input with history and multi-line editing (module doc)."""

    empty_interrupt = True
    """Ctrl-C raises ``KeyboardInterrupt`` only on an empty line (else it clears it)."""

    def __init__(self, history: Path | None = None) -> None:
        from prompt_toolkit import PromptSession
        from prompt_toolkit.history import FileHistory, InMemoryHistory
        from prompt_toolkit.key_binding import KeyBindings

        path = history or history_path()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            kept: Any = FileHistory(os.fspath(path))
        except OSError:
            kept = InMemoryHistory()
        keys = KeyBindings()

        @keys.add("enter")
        def _enter(event: Any) -> None:
            buffer = event.current_buffer
            if buffer.document.text_before_cursor.endswith("\\"):
                buffer.delete_before_cursor(1)
                buffer.insert_text("\n")
            else:
                buffer.validate_and_handle()

        @keys.add("escape", "enter")
        def _newline(event: Any) -> None:
            event.current_buffer.insert_text("\n")

        @keys.add("c-c")
        def _interrupt(event: Any) -> None:
            buffer = event.current_buffer
            if buffer.text:
                buffer.reset()
            else:
                event.app.exit(exception=KeyboardInterrupt())

        self.session: Any = PromptSession(
            history=kept, key_bindings=keys, multiline=True, reserve_space_for_menu=0
        )

    def read(self, prompt: str) -> str:
        return self.session.prompt(prompt)

    def ask(self, question: str) -> str:
        from prompt_toolkit import prompt

        return prompt(question)


class ScriptedInput:
    """Lines given in advance (tests, demos): each entry is a line, or an exception
    (``KeyboardInterrupt``, ``EOFError``) to raise; when they run out: ``EOFError``."""

    def __init__(self, lines: list[str | BaseException], answers: list[str] | None = None):
        self.lines = list(lines)
        self.answers = list(answers or [])
        self.asked: list[str] = []

    def read(self, prompt: str) -> str:
        if not self.lines:
            raise EOFError
        item = self.lines.pop(0)
        if isinstance(item, BaseException):
            raise item
        return item

    def ask(self, question: str) -> str:
        self.asked.append(question)
        if not self.answers:
            raise EOFError
        return self.answers.pop(0)


ANSWERS: dict[str, ApprovalDecision] = {"y": "allow", "yes": "allow", "a": "allow",
                                         "always": "allow", "n": "deny", "no": "deny", "": "deny"}
QUESTION = "Allow? [y]es / [n]o / [a]lways (Ctrl-C cancels the turn): "


def ask_approval(source: InputSource, request: ApprovalRequest) -> tuple[ApprovalDecision, bool]:
    """Ask until the answer is y/n/a; ``(decision, always)``. Ctrl-C or end of input:
    ``"cancel"`` (the turn is cancelled)."""
    while True:
        try:
            answer = source.ask(QUESTION).strip().lower()
        except (KeyboardInterrupt, EOFError):
            return "cancel", False
        if answer in ANSWERS:
            return ANSWERS[answer], answer in ("a", "always")


__all__ = [
    "ANSWERS",
    "QUESTION",
    "InputSource",
    "PlainInput",
    "ScriptedInput",
    "ToolkitInput",
    "ask_approval",
    "history_path",
    "join_continued",
]
