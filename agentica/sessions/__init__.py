"""Stored sessions: an embedded SQLite database of conversations that survive restarts.

Where: ``$AGENTICA_HOME/sessions.db``; without ``AGENTICA_HOME``,
``$XDG_DATA_HOME/agentica/sessions.db`` (``~/.local/share/agentica/sessions.db``).

One ``SessionDB`` per process: reads on the caller's thread (short, WAL lets them run
beside writes), every write on one writer thread (``submit()`` returns a future; the
event loop never waits for the disk unless it asks to, see ``flush()``). Two processes
may share one file: writes are ``BEGIN IMMEDIATE`` transactions with a long busy timeout
and a retry, so a busy database delays a write, never loses it.

A session is a ``SessionRecord`` (metadata), its ``messages`` (the history the model
sees, JSON of ``agentica.messages.Message``) and its ``updates`` (what the user saw, as
plain JSON dicts, replayed on load). Only what the caller passes is stored: no
environment, no keys.
"""

from agentica.sessions.records import (
    SessionPage,
    SessionRecord,
    StoreError,
    consistent_prefix,
    default_db_path,
)
from agentica.sessions.store import SCHEMA_VERSION, SessionDB, open_db

__all__ = [
    "SCHEMA_VERSION",
    "SessionDB",
    "SessionPage",
    "SessionRecord",
    "StoreError",
    "consistent_prefix",
    "default_db_path",
    "open_db",
]
