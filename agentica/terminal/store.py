"""Chats kept in the session store (``agentica.sessions``), as the ACP server keeps its.

A chat is a ``SessionRecord`` (cwd, title, mode, ``config["model"]``, remembered
"always" answers) with its history (what the model sees) and, for an editor that loads
it later, the prompts and answers as ``user_message_chunk`` / ``agent_message_chunk``
updates. Each turn is committed when it ends (a cancelled one too), only the prefix
whose tool calls all have their results.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from agentica.sessions import SessionDB, SessionRecord, consistent_prefix, open_db
from agentica.sessions.records import make_title, new_session_id

if TYPE_CHECKING:
    from agentica.messages import Message

class ChatStore:
    """One chat's storage.

    Args:
        db: The session database (default: ``open_db()``, ``$AGENTICA_HOME/sessions.db``).
        warn: Told why the store is in memory only, when the file cannot be used.
    """

    def __init__(self, db: SessionDB | None = None, warn: Any = None) -> None:
        if db is None:
            db, problem = open_db()
            if problem and warn is not None:
                warn(problem)
        self.db = db
        self.record: SessionRecord | None = None
        self.committed = 0
        self.saved = False

    def start(self, cwd: str, *, mode: str, model: str) -> SessionRecord:
        """Begin a new chat (stored once its first prompt is)."""
        self.record = SessionRecord(
            id=new_session_id(), cwd=cwd, mode=mode, config={"model": model}
        )
        self.committed = 0
        self.saved = False
        return self.record

    def find(self, session_id: str) -> SessionRecord | None:
        """A stored chat by id (a unique prefix of it works too)."""
        found = self.db.get(session_id)
        if found is not None or len(session_id) < 4:
            return found
        matches = [r for r in self.recent(None, 200) if r.id.startswith(session_id)]
        return matches[0] if len(matches) == 1 else None

    def last(self, cwd: str) -> SessionRecord | None:
        """The most recently used chat of ``cwd``."""
        page = self.db.list_sessions(cwd=cwd, limit=1)
        return page.sessions[0] if page.sessions else None

    def recent(self, cwd: str | None, limit: int = 10) -> list[SessionRecord]:
        """The latest chats (of ``cwd``, or all), newest first."""
        return self.db.list_sessions(cwd=cwd, limit=limit).sessions

    def resume(self, record: SessionRecord) -> list[Message]:
        """Continue ``record``: its history, cut to the last consistent point."""
        messages = self.db.messages(record.id)
        messages = messages[: consistent_prefix(messages)]
        self.record = record
        self.committed = len(messages)
        self.saved = True
        return messages

    def save(self, **changes: Any) -> None:
        """Update the record (``mode=``, ``config=``, ``permissions=``), stored once saved."""
        if self.record is None:
            return
        for name, value in changes.items():
            setattr(self.record, name, value)
        if self.saved:
            self.db.save(self.record)

    def end_turn(self, prompt: str, answers: Sequence[str], messages: Sequence[Message]) -> None:
        """Commit a turn: the new history (consistent part) and what the user saw."""
        record = self.record
        if record is None:
            return
        record.updated_at = time.time()
        if record.title is None:
            record.title = make_title(prompt)
        if not self.saved:
            self.saved = True
        self.db.save(record)
        if len(messages) < self.committed:  # Shortened (/clear, /compact): rewrite.
            self.replace_history(messages)
        good = consistent_prefix(messages)
        new = list(messages[self.committed : max(good, self.committed)])
        updates = [_chunk("user_message_chunk", prompt)]
        updates += [_chunk("agent_message_chunk", text) for text in answers if text]
        self.db.append(record.id, messages=new, updates=updates, updated_at=record.updated_at)
        self.committed += len(new)
        self.db.flush().result()

    def replace_history(self, messages: Sequence[Message]) -> None:
        """Make ``messages`` the stored history (after ``/clear`` or ``/compact``)."""
        self.committed = len(messages)
        if self.record is not None and self.saved:
            self.db.replace_messages(self.record.id, messages)

    def close(self) -> None:
        """Wait for pending writes and close the database."""
        self.db.flush().result()
        self.db.close()


def _chunk(kind: str, text: str) -> dict[str, Any]:
    return {"sessionUpdate": kind, "content": {"type": "text", "text": text}}


__all__ = ["ChatStore", "make_title", "new_session_id"]
