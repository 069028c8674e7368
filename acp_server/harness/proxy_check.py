"""Live validation for ``acp-harness proxy``: each line of either direction, as it passes.

:class:`LiveValidator` is fed raw chunks (never on the stream's path: the proxy forwards
first and validates in another thread), splits them into lines, and writes one log record
per message with the violations it found: JSON-RPC shape, the schema of what the agent
sends, and the ordering rules (a tool call is announced before its updates, nothing of a
turn follows its prompt response, one response per request).
"""

from __future__ import annotations

import json
import time
from typing import Any, TextIO

from .observe import message_problem
from .outcome import as_dict
from .schema import CLIENT_METHOD_DEFS, SchemaValidator

TO_AGENT, FROM_AGENT = "editor->agent", "agent->editor"
_TURN_UPDATES = {
    "agent_message_chunk",
    "agent_thought_chunk",
    "tool_call",
    "tool_call_update",
    "plan",
}
_REOPENS = {"session/prompt", "session/load", "session/resume"}
_RESULT_DEFS = {
    "initialize": "InitializeResponse",
    "session/new": "NewSessionResponse",
    "session/prompt": "PromptResponse",
}


def _key(value: Any) -> tuple[str, str]:
    return type(value).__name__, json.dumps(value)


class _Side:
    """Requests one side sent and the other has not answered yet."""

    def __init__(self) -> None:
        self.open: dict[tuple[str, str], str] = {}
        self.answered: set[tuple[str, str]] = set()


class LiveValidator:
    """Validates the two byte streams of a proxied session; writes the log."""

    def __init__(
        self, log: TextIO | None, *, jsonl: bool = False, schema: SchemaValidator | None = None
    ) -> None:
        self.log = log
        self.jsonl = jsonl
        self.schema = schema or SchemaValidator()
        self.violations = 0
        self.messages = 0
        self._t0 = time.monotonic()
        self._buffers = {TO_AGENT: b"", FROM_AGENT: b""}
        self._sides = {TO_AGENT: _Side(), FROM_AGENT: _Side()}
        self._turns: dict[tuple[str, str], str] = {}
        """Open session/prompt request ids -> their session."""
        self._ended: set[str] = set()
        """Sessions whose last prompt was answered (no turn running)."""
        self._tools: dict[str, set[Any]] = {}

    # -- input ------------------------------------------------------------------------

    def feed(self, direction: str, data: bytes, t: float | None = None) -> None:
        """A chunk of bytes that went ``direction`` (``b""`` at EOF flushes a last line)."""
        when = time.monotonic() - self._t0 if t is None else t
        buf = self._buffers[direction] + data
        *lines, rest = buf.split(b"\n")
        if not data and rest:
            lines, rest = [*lines, rest], b""
        self._buffers[direction] = rest
        for line in lines:
            self._line(direction, line, when)

    def _line(self, direction: str, line: bytes, t: float) -> None:
        problems: list[str] = []
        msg: Any = None
        try:
            msg = json.loads(line)
        except ValueError:
            problems.append("not valid JSON (one JSON-RPC object per line)")
        if msg is not None and not isinstance(msg, dict):
            problems.append("JSON but not an object")
        if isinstance(msg, dict):
            self.messages += 1
            problem = message_problem(msg)
            if problem is not None:
                problems.append(problem)
            problems += self._rules(direction, msg)
        self.violations += len(problems)
        self._write(direction, t, line, msg, problems)

    # -- rules ------------------------------------------------------------------------

    def _rules(self, direction: str, msg: dict[str, Any]) -> list[str]:
        other = FROM_AGENT if direction == TO_AGENT else TO_AGENT
        method, params = msg.get("method"), as_dict(msg.get("params"))
        if isinstance(method, str):
            problems = self._schema(direction, method, msg)
            if "id" in msg:
                self._sides[direction].open[_key(msg["id"])] = method
                if direction == TO_AGENT and method in _REOPENS:
                    # A new turn, or a load/resume that may replay the history.
                    sid = str(params.get("sessionId"))
                    if method == "session/prompt":
                        self._turns[_key(msg["id"])] = sid
                    else:
                        self._tools.pop(sid, None)  # the replay announces its calls again
                    self._ended.discard(sid)
            elif direction == FROM_AGENT and method == "session/update":
                problems += self._update(params)
            return problems
        # A response: it answers a request the other side sent.
        key = _key(msg.get("id"))
        side = self._sides[other]
        if key in side.answered:
            return [f"a second response to request id {msg.get('id')!r} (one response per request)"]
        requested = side.open.pop(key, None)
        if requested is None:
            if msg.get("id") is None:
                return []  # a parse/invalid-request error answers no request
            return [f"a response to id {msg.get('id')!r}, which no request of the other side had"]
        side.answered.add(key)
        problems = []
        if direction == FROM_AGENT and requested in _RESULT_DEFS and "result" in msg:
            problems = [
                f"{requested} result: {p}"
                for p in self.schema.errors(_RESULT_DEFS[requested], msg["result"])
            ]
        sid = self._turns.pop(key, None)
        if sid is not None:
            self._ended.add(sid)
        return problems

    def _schema(self, direction: str, method: str, msg: dict[str, Any]) -> list[str]:
        if direction != FROM_AGENT:
            return []
        params = msg.get("params")
        if method == "session/update":
            return self.schema.errors("SessionNotification", params)
        if method in CLIENT_METHOD_DEFS and "id" in msg:
            return [
                f"{method}: {p}" for p in self.schema.errors(CLIENT_METHOD_DEFS[method], params)
            ]
        return []

    def _update(self, params: dict[str, Any]) -> list[str]:
        sid = str(params.get("sessionId"))
        update = as_dict(params.get("update"))
        kind, tid = update.get("sessionUpdate"), update.get("toolCallId")
        problems = []
        if sid in self._ended and kind in _TURN_UPDATES:
            problems.append(f"{kind} after the session/prompt response that ended the turn")
        tools = self._tools.setdefault(sid, set())
        if kind == "tool_call":
            if tid in tools:
                problems.append(f"toolCallId {tid!r} announced twice")
            tools.add(tid)
        elif kind == "tool_call_update" and tid not in tools:
            problems.append(f"tool_call_update for {tid!r} before any tool_call announced it")
        return problems

    # -- output -----------------------------------------------------------------------

    def _write(self, direction: str, t: float, line: bytes, msg: Any, problems: list[str]) -> None:
        if self.log is None:
            return
        if self.jsonl:
            record: dict[str, Any] = {"t": round(t, 6), "dir": direction}
            if isinstance(msg, dict):
                record["msg"] = msg
            else:
                record["raw"] = line.decode("utf-8", errors="replace")
            if problems:
                record["violations"] = problems
            self.log.write(json.dumps(record, ensure_ascii=False) + "\n")
        else:
            arrow = "→" if direction == TO_AGENT else "←"
            text = line.decode("utf-8", errors="replace")
            short = text if len(text) <= 300 else text[:299] + "…"
            self.log.write(f"{t:10.4f} {arrow} {_summary(msg)}  {short}\n")
            for problem in problems:
                self.log.write(f"{'':10} !! VIOLATION: {problem}\n")
        self.log.flush()

    def close(self) -> None:
        """Flush partial last lines and write the closing summary."""
        for direction in (TO_AGENT, FROM_AGENT):
            if self._buffers[direction]:
                self.feed(direction, b"")
        if self.log is not None and not self.jsonl:
            self.log.write(f"# {self.messages} messages, {self.violations} violations\n")
            self.log.flush()


def _summary(msg: Any) -> str:
    if not isinstance(msg, dict):
        return "(raw)"
    if "method" in msg:
        kind = as_dict(as_dict(msg.get("params")).get("update")).get("sessionUpdate")
        tag = f" {kind}" if kind else ""
        return f"{msg['method']}{tag}" + (f" #{msg['id']}" if "id" in msg else "")
    return f"response #{msg.get('id')}" + (" error" if "error" in msg else "")
