"""Folding ``session/update`` notifications into per-turn state.

Plain dicts in, small dataclasses out: the harness does not depend on any wire model, so
it can drive agents whose payloads carry fields we have never heard of.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

_TOOL_FIELDS = {
    "title": "title",
    "kind": "kind",
    "status": "status",
    "content": "content",
    "locations": "locations",
    "rawInput": "raw_input",
    "rawOutput": "raw_output",
}


@dataclass(slots=True)
class ToolCallState:
    """Everything known about one tool call, after applying its updates in order."""

    tool_call_id: str
    title: str | None = None
    kind: str | None = None
    status: str | None = None
    content: list[dict[str, Any]] = field(default_factory=list)
    locations: list[dict[str, Any]] = field(default_factory=list)
    raw_input: Any = None
    raw_output: Any = None
    statuses: list[str] = field(default_factory=list)
    """Every status the call went through, in order."""
    announced: bool = False
    """Whether a ``tool_call`` (not only ``tool_call_update``) introduced it."""
    updates: int = 0

    def apply(self, update: dict[str, Any]) -> None:
        """Apply one ``tool_call`` / ``tool_call_update`` payload (changed fields only)."""
        self.updates += 1
        if update.get("sessionUpdate") == "tool_call":
            self.announced = True
        for key, attr in _TOOL_FIELDS.items():
            value = update.get(key)
            if value is None:
                continue
            if attr in ("content", "locations"):
                setattr(self, attr, list(value) if isinstance(value, list) else [])
                continue
            setattr(self, attr, value)
            if attr == "status" and (not self.statuses or self.statuses[-1] != value):
                self.statuses.append(value)

    @property
    def finished(self) -> bool:
        """True once the call reached ``completed`` or ``failed``."""
        return self.status in ("completed", "failed")

    def diffs(self) -> list[dict[str, Any]]:
        """The call's ``diff`` content items."""
        return [c for c in self.content if isinstance(c, dict) and c.get("type") == "diff"]

    def text(self) -> str:
        """The text of the call's plain content blocks, joined by newlines."""
        parts = []
        for c in self.content:
            if isinstance(c, dict) and c.get("type") == "content":
                block = c.get("content") or {}
                if isinstance(block, dict) and block.get("type") == "text":
                    parts.append(str(block.get("text", "")))
        return "\n".join(parts)


@dataclass(slots=True)
class TurnAccumulator:
    """Collects the updates of one prompt turn (or of a session between turns)."""

    updates: list[dict[str, Any]] = field(default_factory=list)
    tool_calls: dict[str, ToolCallState] = field(default_factory=dict)
    text_parts: list[str] = field(default_factory=list)
    thought_parts: list[str] = field(default_factory=list)
    plan: list[dict[str, Any]] | None = None
    commands: list[dict[str, Any]] | None = None
    usage: dict[str, Any] | None = None
    mode: str | None = None

    def apply(self, update: dict[str, Any]) -> ToolCallState | None:
        """Apply one ``update`` object; returns the tool call it touched, if any."""
        self.updates.append(update)
        kind = update.get("sessionUpdate")
        if kind in ("agent_message_chunk", "agent_thought_chunk"):
            block = update.get("content")
            if isinstance(block, dict) and block.get("type") == "text":
                target = self.text_parts if kind == "agent_message_chunk" else self.thought_parts
                target.append(str(block.get("text", "")))
        elif kind in ("tool_call", "tool_call_update"):
            call_id = str(update.get("toolCallId"))
            state = self.tool_calls.get(call_id)
            if state is None:
                state = self.tool_calls[call_id] = ToolCallState(call_id)
            state.apply(update)
            return state
        elif kind == "plan":
            entries = update.get("entries")
            self.plan = list(entries) if isinstance(entries, list) else []
        elif kind == "available_commands_update":
            self.commands = update.get("availableCommands")
        elif kind == "usage_update":
            self.usage = update
        elif kind == "current_mode_update":
            self.mode = update.get("currentModeId")
        return None

    @property
    def text(self) -> str:
        """The agent's message text so far."""
        return "".join(self.text_parts)

    @property
    def thought(self) -> str:
        """The agent's reasoning text so far."""
        return "".join(self.thought_parts)
