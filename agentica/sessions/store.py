"""The SQLite session store (see ``agentica.sessions`` for the overview).

Schema version 1 (``PRAGMA user_version``; ``MIGRATIONS[n]`` brings a database from
version ``n - 1`` to ``n``, applied in one transaction on open):

- ``sessions``: one row per session (``SessionRecord``);
- ``messages``: ``(session_id, seq, body)``: the model's history, ``Message`` JSON;
- ``updates``: ``(session_id, seq, body)``: the ``session/update`` payloads to replay.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import Any, TypeVar

from agentica.messages import Message, MessageList
from agentica.sessions.records import (
    SessionPage,
    SessionRecord,
    StoreError,
    default_db_path,
)

logger = logging.getLogger(__name__)

T = TypeVar("T")

SCHEMA_VERSION = 1
MIGRATIONS: dict[int, tuple[str, ...]] = {
    1: (
        """CREATE TABLE sessions (
            id TEXT PRIMARY KEY,
            cwd TEXT NOT NULL,
            roots TEXT NOT NULL DEFAULT '[]',
            title TEXT,
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL,
            mode TEXT,
            config TEXT NOT NULL DEFAULT '{}',
            permissions TEXT NOT NULL DEFAULT '[]'
        )""",
        "CREATE INDEX sessions_by_time ON sessions (updated_at DESC, id DESC)",
        "CREATE INDEX sessions_by_cwd ON sessions (cwd, updated_at DESC, id DESC)",
        """CREATE TABLE messages (
            session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            body TEXT NOT NULL,
            PRIMARY KEY (session_id, seq)
        ) WITHOUT ROWID""",
        """CREATE TABLE updates (
            session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            body TEXT NOT NULL,
            PRIMARY KEY (session_id, seq)
        ) WITHOUT ROWID""",
    ),
}
"""Version -> the statements that bring the previous version to it."""

BUSY_TIMEOUT = 30.0
"""Seconds SQLite waits for another process's write before a retry."""
WRITE_ATTEMPTS = 5
PAGE_SIZE = 50
"""Sessions per ``list_sessions`` page."""


_COLUMNS = "id, cwd, roots, title, created_at, updated_at, mode, config, permissions"


def _record(row: Sequence[Any]) -> SessionRecord:
    return SessionRecord(
        id=row[0],
        cwd=row[1],
        roots=json.loads(row[2]),
        title=row[3],
        created_at=row[4],
        updated_at=row[5],
        mode=row[6],
        config=json.loads(row[7]),
        permissions=json.loads(row[8]),
    )


def _dump(message: Message) -> str:
    return message.model_dump_json(exclude_defaults=True)


class SessionDB:
    """The session database at ``path`` (``None``: private, in memory, this process only).

    Raises:
        StoreError: The file cannot be opened as a session database.
    """

    def __init__(self, path: str | os.PathLike[str] | None) -> None:
        self.path = None if path is None else Path(path)
        if self.path is None:
            self._uri = f"file:agentica-{uuid.uuid4().hex}?mode=memory&cache=shared"
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._uri = self.path.resolve().as_uri()
        self._queue: queue.SimpleQueue[Callable[[], None] | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._closed = False
        self._read_lock = threading.Lock()
        try:
            self._reader = self._connect()  # Also keeps a memory database alive.
            self._writer = self._connect()
            self._migrate()
        except sqlite3.DatabaseError as e:
            raise StoreError(f"cannot use the session database {self.path}: {e}") from e

    @property
    def in_memory(self) -> bool:
        """Whether this database lives only as long as the process."""
        return self.path is None

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self._uri, uri=True, timeout=BUSY_TIMEOUT, isolation_level=None,
            check_same_thread=False,
        )
        if self.path is not None:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")  # WAL: durable at checkpoint, fast.
        conn.execute("PRAGMA foreign_keys=ON")
        return conn

    def _migrate(self) -> None:
        def migrate(conn: sqlite3.Connection) -> None:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise StoreError(
                    f"the session database {self.path} has schema version {version}, newer "
                    f"than this agentica's ({SCHEMA_VERSION}): upgrade agentica"
                )
            for v in range(version + 1, SCHEMA_VERSION + 1):
                for statement in MIGRATIONS[v]:
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {v}")

        self._transact(self._writer, migrate)

    # --- writing (on the writer thread) ---------------------------------------------------

    def _transact(self, conn: sqlite3.Connection, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``fn`` in one write transaction, retrying while another process holds the lock."""
        for attempt in range(WRITE_ATTEMPTS):
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as e:
                if attempt + 1 < WRITE_ATTEMPTS and _is_busy(e):
                    time.sleep(0.05 * (attempt + 1))
                    continue
                raise
            try:
                result = fn(conn)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
            return result
        raise AssertionError("unreachable")

    def submit(self, fn: Callable[[sqlite3.Connection], T]) -> Future[T]:
        """Run ``fn(conn)`` in a write transaction on the writer thread, in order."""
        future: Future[T] = Future()

        def job() -> None:
            if not future.set_running_or_notify_cancel():
                return
            try:
                future.set_result(self._transact(self._writer, fn))
            except BaseException as e:
                logger.error("session database write failed: %s", e)
                future.set_exception(e)

        with self._start_lock:
            if self._closed:
                future.set_exception(StoreError("the session database is closed"))
                return future
            self._ensure_writer()
            self._queue.put(job)
        return future

    def _ensure_writer(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._write_loop, name="agentica-sessions-writer", daemon=True
            )
            self._thread.start()

    def _write_loop(self) -> None:
        while (job := self._queue.get()) is not None:
            job()

    def flush(self) -> Future[None]:
        """A future done once every write submitted before it is committed."""
        return self.submit(lambda conn: None)

    def close(self) -> None:
        """Commit the queued writes, stop the writer thread and close the connections."""
        with self._start_lock:
            if self._closed:
                return
            self._closed = True
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(None)
            thread.join()
        self._writer.close()
        with self._read_lock:
            self._reader.close()

    def save(self, record: SessionRecord) -> Future[None]:
        """Insert or update a session's metadata (its history is kept)."""

        def save(conn: sqlite3.Connection) -> None:
            conn.execute(
                f"INSERT INTO sessions ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET cwd = excluded.cwd, roots = excluded.roots, "
                "title = excluded.title, updated_at = excluded.updated_at, "
                "mode = excluded.mode, config = excluded.config, "
                "permissions = excluded.permissions",
                (
                    record.id, record.cwd, json.dumps(record.roots), record.title,
                    record.created_at, record.updated_at, record.mode,
                    json.dumps(record.config), json.dumps(record.permissions),
                ),
            )

        return self.submit(save)

    def append(
        self,
        session_id: str,
        *,
        messages: Iterable[Message] = (),
        updates: Iterable[dict[str, Any]] = (),
        updated_at: float | None = None,
    ) -> Future[None]:
        """Append history messages and replay updates to a session, in one transaction."""
        bodies = [_dump(m) for m in messages]
        shown = [json.dumps(u, ensure_ascii=False) for u in updates]
        when = time.time() if updated_at is None else updated_at

        def append(conn: sqlite3.Connection) -> None:
            for table, rows in (("messages", bodies), ("updates", shown)):
                if not rows:
                    continue
                start = conn.execute(
                    f"SELECT COALESCE(MAX(seq), -1) + 1 FROM {table} WHERE session_id = ?",
                    (session_id,),
                ).fetchone()[0]
                conn.executemany(
                    f"INSERT INTO {table} (session_id, seq, body) VALUES (?, ?, ?)",
                    [(session_id, start + i, body) for i, body in enumerate(rows)],
                )
            conn.execute("UPDATE sessions SET updated_at = ? WHERE id = ?", (when, session_id))

        return self.submit(append)

    def replace_messages(self, session_id: str, messages: Iterable[Message]) -> Future[None]:
        """Make ``messages`` the session's whole history (after a clear or a compaction)."""
        bodies = [_dump(m) for m in messages]

        def replace(conn: sqlite3.Connection) -> None:
            conn.execute("DELETE FROM messages WHERE session_id = ?", (session_id,))
            conn.executemany(
                "INSERT INTO messages (session_id, seq, body) VALUES (?, ?, ?)",
                [(session_id, i, body) for i, body in enumerate(bodies)],
            )

        return self.submit(replace)

    def delete(self, session_id: str) -> Future[None]:
        """Remove a session and its history (an unknown id is fine)."""

        def delete(conn: sqlite3.Connection) -> None:
            conn.execute("DELETE FROM sessions WHERE id = ?", (session_id,))

        return self.submit(delete)

    # --- reading (on the caller's thread) -------------------------------------------------

    def _read(self, sql: str, args: Sequence[Any] = ()) -> list[Any]:
        with self._read_lock:
            return self._reader.execute(sql, args).fetchall()

    def get(self, session_id: str) -> SessionRecord | None:
        """A session's metadata, or None."""
        rows = self._read(f"SELECT {_COLUMNS} FROM sessions WHERE id = ?", (session_id,))
        return _record(rows[0]) if rows else None

    def messages(self, session_id: str) -> list[Message]:
        """A session's history, in order."""
        rows = self._read(
            "SELECT body FROM messages WHERE session_id = ? ORDER BY seq", (session_id,)
        )
        return MessageList.validate_json("[" + ",".join(r[0] for r in rows) + "]")

    def updates(self, session_id: str) -> list[dict[str, Any]]:
        """A session's replay updates, in order."""
        rows = self._read(
            "SELECT body FROM updates WHERE session_id = ? ORDER BY seq", (session_id,)
        )
        return [json.loads(r[0]) for r in rows]

    def list_sessions(
        self, *, cwd: str | None = None, cursor: str | None = None, limit: int = PAGE_SIZE
    ) -> SessionPage:
        """One page of sessions, most recently updated first.

        Raises:
            ValueError: ``cursor`` is not one this method returned.
        """
        where, args = [], []
        if cwd is not None:
            where.append("cwd = ?")
            args.append(cwd)
        if cursor is not None:
            when, last_id = _parse_cursor(cursor)
            where.append("(updated_at < ? OR (updated_at = ? AND id < ?))")
            args += [when, when, last_id]
        sql = f"SELECT {_COLUMNS} FROM sessions"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY updated_at DESC, id DESC LIMIT ?"
        rows = self._read(sql, [*args, limit + 1])
        records = [_record(r) for r in rows[:limit]]
        more = len(rows) > limit
        next_cursor = f"{records[-1].updated_at!r}|{records[-1].id}" if more else None
        return SessionPage(records, next_cursor)


def _parse_cursor(cursor: str) -> tuple[float, str]:
    when, sep, last_id = cursor.partition("|")
    try:
        if not sep:
            raise ValueError
        return float(when), last_id
    except ValueError:
        raise ValueError(f"invalid cursor {cursor!r}: use a nextCursor of session/list") from None


def _is_busy(error: sqlite3.OperationalError) -> bool:
    text = str(error).lower()
    return "locked" in text or "busy" in text


def open_db(path: str | os.PathLike[str] | None = None) -> tuple[SessionDB, str | None]:
    """The database at ``path`` (default: ``default_db_path()``), and None; or, when it
    cannot be used, an in-memory one and the message saying why (for stderr)."""
    target = default_db_path() if path is None else Path(path)
    try:
        return SessionDB(target), None
    except (StoreError, OSError) as e:
        message = (
            f"agentica: {e}. Sessions are kept in memory only and will not survive a "
            f"restart; move the file away (or set AGENTICA_HOME) to start a fresh store."
        )
        return SessionDB(None), message


__all__ = ["PAGE_SIZE", "SCHEMA_VERSION", "SessionDB", "open_db"]
