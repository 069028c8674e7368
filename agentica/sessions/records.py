"""The session record and what goes with it: where the database lives, a page of
sessions, and the consistency rule of a stored history."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Sequence
from dataclasses import field
from pathlib import Path
from typing import Any

from agentica._records import record
from agentica.messages import Message

TITLE_LENGTH = 60
"""Characters of a session title at most (``make_title``)."""


def make_title(text: str) -> str | None:
    """A short title from a prompt's text: its first non-empty line, cut at a word."""
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    if not line:
        return None
    if len(line) > TITLE_LENGTH:
        line = line[:TITLE_LENGTH].rsplit(" ", 1)[0].rstrip() + "…"
    return line


def new_session_id() -> str:
    """A new session id, in the one format the server and the CLI share (``sess_`` and
    16 hex digits)."""
    return f"sess_{uuid.uuid4().hex[:16]}"


class StoreError(Exception):
    """The database cannot be opened or used (corrupt, unreadable, from a newer version)."""


def default_db_path(environ: dict[str, str] | None = None) -> Path:
    """``$AGENTICA_HOME/sessions.db``, else ``$XDG_DATA_HOME/agentica/sessions.db``."""
    env = os.environ if environ is None else environ
    if env.get("AGENTICA_HOME"):
        return Path(env["AGENTICA_HOME"]).expanduser() / "sessions.db"
    data = env.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data) / "agentica" / "sessions.db"


@record(frozen=False, slots=False)
class SessionRecord:
    """A stored session's metadata (times are seconds since the epoch)."""

    id: str
    cwd: str
    roots: list[str] = field(default_factory=list)
    """Additional roots besides ``cwd``."""
    title: str | None = None
    created_at: float = field(default_factory=time.time)
    updated_at: float = field(default_factory=time.time)
    mode: str | None = None
    config: dict[str, Any] = field(default_factory=dict)
    """Config option values (``{"model": "deepseek/deepseek-chat"}``); never secrets."""
    permissions: list[list[str]] = field(default_factory=list)
    """Remembered permission answers, ``[tool, kind, decision]`` each."""


@record(kw_only=False, slots=False)
class SessionPage:
    """One page of ``list_sessions``: newest first, ``next_cursor`` None at the end."""

    sessions: list[SessionRecord]
    next_cursor: str | None


def consistent_prefix(messages: Sequence[Message]) -> int:
    """The length of the longest prefix in which every tool call has its result."""
    pending: set[str] = set()
    good = 0
    for i, message in enumerate(messages):
        if message.role == "assistant":
            pending |= {c.id for c in message.tool_calls}
        elif message.role == "tool" and message.tool_call_id is not None:
            pending.discard(message.tool_call_id)
        if not pending:
            good = i + 1
    return good


__all__ = [
    "SessionPage",
    "SessionRecord",
    "StoreError",
    "consistent_prefix",
    "default_db_path",
]
