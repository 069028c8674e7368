"""Plain records of a session: transcript lines and prompt-turn outcomes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .accumulator import ToolCallState

Message = dict[str, Any]
"""A decoded JSON-RPC message."""


def as_dict(value: Any) -> dict[str, Any]:
    """``value`` when it is a JSON object, else an empty one (for reading agent payloads)."""
    return value if isinstance(value, dict) else {}


@dataclass(slots=True)
class TranscriptEntry:
    """One line on the wire, in either direction, or a framing fault."""

    t: float
    """Seconds since the harness started."""
    direction: str
    """``"send"`` (to the agent), ``"recv"`` (from the agent)."""
    message: Any = None
    """The decoded JSON value (None if the line did not decode)."""
    raw: str | None = None
    """The raw line, kept only when it did not decode as a JSON object."""
    fault: str | None = None
    """What was wrong with the line, if anything."""

    def to_json(self) -> dict[str, Any]:
        """The NDJSON form used by ``acp-harness run --json``."""
        out: dict[str, Any] = {"t": round(self.t, 6), "dir": self.direction}
        if self.message is not None or self.raw is None:
            out["msg"] = self.message
        if self.raw is not None:
            out["raw"] = self.raw
        if self.fault is not None:
            out["fault"] = self.fault
        return out


@dataclass(slots=True)
class PromptOutcome:
    """What one ``session/prompt`` turn produced."""

    session_id: str
    result: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    updates: list[dict[str, Any]] = field(default_factory=list)
    tool_calls: dict[str, ToolCallState] = field(default_factory=dict)
    text: str = ""
    thought: str = ""
    plan: list[dict[str, Any]] | None = None
    requests: list[Message] = field(default_factory=list)
    """Agent->client requests made during the turn."""
    cancel_sent: bool = False
    started: float = 0.0
    first_update: float | None = None
    finished: float | None = None

    @property
    def stop_reason(self) -> str | None:
        """The ``stopReason`` of the result (None if the agent answered an error)."""
        return self.result.get("stopReason") if isinstance(self.result, dict) else None

    @property
    def elapsed(self) -> float | None:
        """Seconds from sending the prompt to its response."""
        return None if self.finished is None else self.finished - self.started


def describe_noise(text: str) -> str:
    """A readable description of a stdout line that is not JSON."""
    if text.lower().startswith("content-length:"):
        return (
            "agent uses LSP-style 'Content-Length' framing; ACP over stdio is one JSON "
            f"object per line: {text[:80]!r}"
        )
    return f"non-JSON output on stdout: {text[:120]!r}"
