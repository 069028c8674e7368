"""Readable printing of a live ACP session (the only harness module that prints).

Agent text streams inline, thoughts are dimmed, tool calls show title, kind and status
with a compact diff or output, plans print as checklists, and each turn ends with its
stop reason and timings. ANSI colour is used on a TTY only.
"""

from __future__ import annotations

import difflib
import json
import sys
from collections.abc import Callable
from typing import Any, TextIO

from .accumulator import ToolCallState
from .outcome import PromptOutcome, TranscriptEntry, as_dict

_CODES = {
    "dim": "2",
    "bold": "1",
    "red": "31",
    "green": "32",
    "yellow": "33",
    "blue": "34",
    "magenta": "35",
    "cyan": "36",
}
_STATUS_MARK = {"pending": "○", "in_progress": "◐", "completed": "✓", "failed": "✗"}
_PLAN_MARK = {"completed": "[x]", "in_progress": "[~]", "pending": "[ ]"}
MAX_BLOCK_LINES = 12


class Renderer:
    """Prints harness events to ``out`` as they happen."""

    def __init__(self, out: TextIO | None = None, *, color: bool | None = None) -> None:
        self.out = out or sys.stdout
        isatty = getattr(self.out, "isatty", lambda: False)
        self.color = isatty() if color is None else color
        self._mode: str | None = None  # "text" or "thought" while streaming inline
        self._titles: dict[str, str] = {}
        self.terminal_output: Callable[[str], str | None] = lambda _tid: None
        """Looks up a terminal's output by id (set by the CLI to the harness's terminals)."""
        self.terminal_exit: Callable[[str], dict[str, Any] | None] = lambda _tid: None
        """Looks up a terminal's ``{exitCode, signal}`` once it exited (None before)."""
        self._shown_terminals: set[str] = set()

    # -- primitives ---------------------------------------------------------------------

    def style(self, text: str, *styles: str) -> str:
        """Wrap ``text`` in ANSI codes when colour is on."""
        if not self.color or not styles:
            return text
        codes = ";".join(_CODES[s] for s in styles)
        return f"\x1b[{codes}m{text}\x1b[0m"

    def _write(self, text: str) -> None:
        print(text, end="", file=self.out, flush=True)

    def _line(self, text: str = "") -> None:
        self._break()
        print(text, file=self.out, flush=True)

    def _break(self) -> None:
        if self._mode is not None:
            print(file=self.out, flush=True)
            self._mode = None

    # -- session events -----------------------------------------------------------------

    def header(self, argv: list[str], init: dict[str, Any], session_id: str, cwd: str) -> None:
        """What we are talking to."""
        info = init.get("agentInfo") if isinstance(init.get("agentInfo"), dict) else {}
        name = f"{info.get('name', '?')} {info.get('version', '')}".strip() if info else "agent"
        self._line(self.style(f"● {name} (protocol {init.get('protocolVersion')})", "bold"))
        self._line(self.style(f"  command: {' '.join(argv)}", "dim"))
        self._line(self.style(f"  session {session_id} in {cwd}", "dim"))

    def prompt_start(self, text: str) -> None:
        """The user's prompt."""
        self._line()
        self._line(self.style("▸ ", "bold", "cyan") + self.style(text, "bold"))

    def update(self, session_id: str, update: dict[str, Any], state: ToolCallState | None) -> None:
        """One ``session/update``."""
        kind = update.get("sessionUpdate")
        match kind:
            case "agent_message_chunk" | "agent_thought_chunk" | "user_message_chunk":
                self._chunk(kind, update.get("content"))
            case "tool_call" | "tool_call_update" if state is not None:
                self._tool(update, state)
            case "plan":
                self._plan(update.get("entries") or [])
            case "available_commands_update":
                names = [
                    f"/{c.get('name')}"
                    for c in update.get("availableCommands") or []
                    if isinstance(c, dict)
                ]
                self._line(self.style(f"  commands: {' '.join(names) or '(none)'}", "dim"))
            case "current_mode_update":
                self._line(self.style(f"  mode: {update.get('currentModeId')}", "dim"))
            case "usage_update":
                self._line(
                    self.style(
                        f"  context: {update.get('used')}/{update.get('size')} tokens", "dim"
                    )
                )
            case "session_info_update" if update.get("title"):
                self._line(self.style(f"  title: {update.get('title')}", "dim"))
            case _:
                return  # Updates the reader does not need (or unknown ones) print nothing.

    def _chunk(self, kind: str, block: Any) -> None:
        if not isinstance(block, dict):
            return
        text = block.get("text") if block.get("type") == "text" else f"[{block.get('type')}]"
        mode = "thought" if kind == "agent_thought_chunk" else "text"
        if kind == "user_message_chunk":
            self._line(self.style(f"▸ {text}", "cyan"))
            return
        if self._mode != mode:
            self._break()
            self._mode = mode
            if mode == "thought" and not self.color:
                # Without colour a thought could pass for the answer: label it.
                self._write("(thinking) ")
        self._write(self.style(str(text), "dim") if mode == "thought" else str(text))

    def _tool(self, update: dict[str, Any], state: ToolCallState) -> None:
        title = state.title or state.tool_call_id
        self._titles[state.tool_call_id] = title
        status = state.status or "pending"
        mark = _STATUS_MARK.get(status, "•")
        colour = {"completed": "green", "failed": "red"}.get(status, "yellow")
        if update.get("sessionUpdate") == "tool_call":
            kind = f" [{state.kind}]" if state.kind else ""
            self._line(
                f"{self.style(mark, colour)} {self.style(title, 'bold')}"
                f"{self.style(kind, 'dim')} {self.style(status, colour)}"
            )
        elif "status" in update and update["status"] is not None:
            self._line(f"  {self.style(mark, colour)} {title} {self.style(status, colour)}")
        elif update.get("content"):
            # Content without a status change: name the tool, or the content would read
            # as belonging to whichever tool printed the last line.
            self._line(f"  {self.style('↳', 'dim')} {title}")
        if update.get("content"):
            self._content(state, state.content)
        elif state.finished:
            # A finished call shows the output of the terminals it embedded earlier.
            self._content(state, [i for i in state.content if i.get("type") == "terminal"])

    def _content(self, state: ToolCallState, items: list[dict[str, Any]]) -> None:
        for item in items:
            if not isinstance(item, dict):
                continue
            if item.get("type") == "diff":
                self._diff(item)
            elif item.get("type") == "terminal":
                self._terminal(str(item.get("terminalId")), state.finished)
            elif item.get("type") == "content":
                block = item.get("content") or {}
                text = block.get("text") if isinstance(block, dict) else None
                if isinstance(text, str) and text.strip():
                    self._block(text.rstrip("\n").splitlines())

    def _terminal(self, tid: str, finished: bool) -> None:
        """An embedded terminal: the tail of its output and its exit status, once known."""
        text = self.terminal_output(tid)
        status = self.terminal_exit(tid)
        if text is None:
            self._line(self.style(f"    [terminal {tid}: not run by this client]", "dim"))
            return
        if status is None and not finished:
            self._line(self.style(f"    [terminal {tid}: running]", "dim"))
            return
        if tid in self._shown_terminals:
            return
        self._shown_terminals.add(tid)
        lines = text.rstrip("\n").splitlines()
        if len(lines) > MAX_BLOCK_LINES:
            self._line(self.style(f"    … {len(lines) - MAX_BLOCK_LINES} earlier lines", "dim"))
            lines = lines[-MAX_BLOCK_LINES:]
        self._block(lines)
        if status is None:
            self._line(self.style(f"    [terminal {tid}: still running]", "dim"))
        elif status.get("signal"):
            self._line(self.style(f"    [terminal {tid}: killed by {status['signal']}]", "dim"))
        else:
            self._line(self.style(f"    [terminal {tid}: exit status {status['exitCode']}]", "dim"))

    def _block(self, lines: list[str], styles: tuple[str, ...] = ("dim",)) -> None:
        shown = lines[:MAX_BLOCK_LINES]
        for line in shown:
            self._line(self.style(f"    {line}", *styles))
        if len(lines) > len(shown):
            self._line(self.style(f"    … {len(lines) - len(shown)} more lines", "dim"))

    def _diff(self, item: dict[str, Any]) -> None:
        path = str(item.get("path"))
        old = item.get("oldText") or ""
        new = item.get("newText") or ""
        label = "new file" if item.get("oldText") is None else "edit"
        self._line(self.style(f"    {label}: {path}", "bold"))
        lines = [
            line.rstrip("\n")
            for line in difflib.unified_diff(old.splitlines(), new.splitlines(), n=1, lineterm="")
            if not line.startswith(("---", "+++"))
        ]
        for line in lines[:MAX_BLOCK_LINES]:
            colour = "green" if line.startswith("+") else "red" if line.startswith("-") else "dim"
            self._line(self.style(f"    {line}", colour))
        if len(lines) > MAX_BLOCK_LINES:
            self._line(self.style(f"    … {len(lines) - MAX_BLOCK_LINES} more diff lines", "dim"))

    def _plan(self, entries: list[Any]) -> None:
        self._line(self.style("  Plan:", "bold"))
        for entry in entries:
            if isinstance(entry, dict):
                mark = _PLAN_MARK.get(str(entry.get("status")), "[?]")
                self._line(f"    {mark} {entry.get('content')}")

    def request(self, msg: dict[str, Any], reply: dict[str, Any]) -> None:
        """An agent->client request and how we answered it."""
        method = str(msg.get("method"))
        params = as_dict(msg.get("params"))
        err = reply.get("error")
        suffix = (
            self.style(f" → error {err.get('code')}: {err.get('message')}", "red")
            if isinstance(err, dict)
            else ""
        )
        if method == "session/request_permission":
            call = as_dict(params.get("toolCall"))
            title = call.get("title") or self._titles.get(str(call.get("toolCallId")), "tool call")
            outcome = as_dict(as_dict(reply.get("result")).get("outcome"))
            choice = outcome.get("optionId") or outcome.get("outcome")
            self._line(
                self.style("  ? ", "magenta")
                + f"permission for {title}: "
                + self.style(str(choice), "bold")
                + suffix
            )
        elif method.startswith("fs/"):
            self._line(self.style(f"  ↳ {method} {params.get('path')}", "dim") + suffix)
        elif method == "terminal/create":
            cmd = " ".join([str(params.get("command")), *map(str, params.get("args") or [])])
            self._line(self.style(f"  ↳ terminal: {cmd}", "dim") + suffix)
        elif suffix:
            self._line(self.style(f"  ↳ {method}", "dim") + suffix)

    def prompt_end(self, outcome: PromptOutcome) -> None:
        """Stop reason and timings of a finished turn."""
        parts = []
        if outcome.error is not None:
            err = outcome.error
            parts.append(self.style(f"error {err.get('code')}: {err.get('message')}", "red"))
        else:
            parts.append(self.style(str(outcome.stop_reason), "bold"))
        if outcome.elapsed is not None:
            parts.append(f"{outcome.elapsed:.2f}s")
        if outcome.first_update is not None:
            parts.append(f"first update after {outcome.first_update - outcome.started:.2f}s")
        if outcome.tool_calls:
            parts.append(f"{len(outcome.tool_calls)} tool call(s)")
        if outcome.cancel_sent:
            parts.append("cancel sent")
        self._line(self.style("■ ", "dim") + " · ".join(parts))

    # -- other output -------------------------------------------------------------------

    def note(self, text: str) -> None:
        """A dimmed informational line."""
        self._line(self.style(text, "dim"))

    def warn(self, text: str) -> None:
        """A warning line (for example, a malformed line from the agent)."""
        self._line(self.style(f"warning: {text}", "yellow"))

    def error(self, text: str) -> None:
        """An error line."""
        self._line(self.style(f"error: {text}", "red", "bold"))

    def entry(self, entry: TranscriptEntry) -> None:
        """One NDJSON transcript line (``--json``)."""
        print(json.dumps(entry.to_json(), ensure_ascii=False), file=self.out, flush=True)

    def check_line(self, status: str, line: str) -> None:
        """One conformance result line."""
        colour = {"PASS": "green", "FAIL": "red", "WARN": "magenta", "SKIP": "yellow"}.get(status)
        head, _, rest = line.partition(" ")
        self._line(self.style(head, "bold", colour) + " " + rest if colour else line)

    def plain(self, text: str) -> None:
        """A line exactly as given."""
        self._line(text)

    def ask_permission(self, params: dict[str, Any]) -> str | None:
        """Ask on the terminal which option to pick (blocking; run in a thread)."""
        options = [o for o in params.get("options") or [] if isinstance(o, dict)]
        call = as_dict(params.get("toolCall"))
        title = call.get("title") or self._titles.get(str(call.get("toolCallId")), "a tool call")
        self._line(self.style(f"? The agent asks permission for {title}:", "magenta", "bold"))
        for i, opt in enumerate(options, 1):
            self._line(f"  {i}) {opt.get('name')} ({opt.get('kind')})")
        try:
            answer = input("  choose a number (empty = cancel): ").strip()
        except EOFError:
            return None
        if answer.isdigit() and 1 <= int(answer) <= len(options):
            return str(options[int(answer) - 1].get("optionId"))
        return None
