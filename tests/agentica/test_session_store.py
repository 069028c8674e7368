"""agentica.sessions: the SQLite store (records, history, replay updates, pages,
migrations, broken files, two processes writing at once)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from agentica.messages import Message, ToolCall
from agentica.sessions import (
    SCHEMA_VERSION,
    SessionDB,
    SessionRecord,
    StoreError,
    consistent_prefix,
    default_db_path,
    open_db,
)


@pytest.fixture
def db(tmp_path: Path):
    store = SessionDB(tmp_path / "s.db")
    yield store
    store.close()


def test_default_location_follows_agentica_home_then_xdg(tmp_path: Path) -> None:
    assert default_db_path({"AGENTICA_HOME": str(tmp_path)}) == tmp_path / "sessions.db"
    xdg = default_db_path({"XDG_DATA_HOME": str(tmp_path)})
    assert xdg == tmp_path / "agentica" / "sessions.db"
    assert default_db_path({}).parts[-3:] == ("share", "agentica", "sessions.db")


def test_a_session_round_trips(db: SessionDB) -> None:
    record = SessionRecord(id="s1", cwd="/p", roots=["/q"], mode="ask", config={"model": "m"})
    db.save(record)
    call = ToolCall(id="c1", name="ls", arguments='{"path": "."}')
    history = [
        Message.user("hi"),
        Message.assistant("looking", tool_calls=[call], reasoning_content="hmm"),
        Message.tool("c1", "ls", "a.txt", is_error=False),
        Message.assistant("done"),
    ]
    updates = [{"sessionUpdate": "agent_message_chunk", "content": {"type": "text", "text": "é"}}]
    db.append("s1", messages=history[:2], updates=updates)
    db.append("s1", messages=history[2:], updated_at=123.0).result(timeout=5)
    assert db.messages("s1") == history
    assert db.updates("s1") == updates
    got = db.get("s1")
    assert got is not None and got.roots == ["/q"] and got.config == {"model": "m"}
    assert got.updated_at == 123.0
    db.replace_messages("s1", history[-1:]).result(timeout=5)
    assert db.messages("s1") == history[-1:]
    db.delete("s1").result(timeout=5)
    assert db.get("s1") is None and db.messages("s1") == [] and db.updates("s1") == []


def test_the_store_survives_reopening(tmp_path: Path) -> None:
    first = SessionDB(tmp_path / "s.db")
    first.save(SessionRecord(id="s1", cwd="/p"))
    first.append("s1", messages=[Message.user("kept")])
    first.close()  # Commits the queued writes.
    second = SessionDB(tmp_path / "s.db")
    assert [m.text for m in second.messages("s1")] == ["kept"]
    second.close()


def test_pages_are_newest_first_and_stable_under_equal_times(db: SessionDB) -> None:
    for i in range(7):
        db.save(SessionRecord(id=f"s{i}", cwd="/a" if i % 2 else "/b", updated_at=float(i // 2)))
    db.flush().result(timeout=5)
    seen: list[str] = []
    cursor = None
    while True:
        page = db.list_sessions(cursor=cursor, limit=3)
        seen += [r.id for r in page.sessions]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == ["s6", "s5", "s4", "s3", "s2", "s1", "s0"]
    assert [r.id for r in db.list_sessions(cwd="/a").sessions] == ["s5", "s3", "s1"]
    with pytest.raises(ValueError, match="invalid cursor"):
        db.list_sessions(cursor="nope")


def test_consistent_prefix_stops_before_an_unanswered_call() -> None:
    a, b = ToolCall(id="a", name="t"), ToolCall(id="b", name="t")
    msgs = [
        Message.user("q"),
        Message.assistant(tool_calls=[a, b]),
        Message.tool("a", "t", "1"),
    ]
    assert consistent_prefix(msgs) == 1
    assert consistent_prefix([*msgs, Message.tool("b", "t", "2")]) == 4
    assert consistent_prefix([]) == 0


def test_schema_version_is_recorded(tmp_path: Path) -> None:
    SessionDB(tmp_path / "s.db").close()
    conn = sqlite3.connect(tmp_path / "s.db")
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()


def test_a_newer_schema_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "s.db")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(StoreError, match="newer than this agentica"):
        SessionDB(tmp_path / "s.db")
    db, problem = open_db(tmp_path / "s.db")
    assert db.in_memory and problem is not None and "upgrade agentica" in problem
    db.close()


def test_a_corrupt_file_falls_back_to_memory(tmp_path: Path) -> None:
    (tmp_path / "s.db").write_bytes(b"garbage" * 1000)
    db, problem = open_db(tmp_path / "s.db")
    assert problem is not None and "not a database" in problem and str(tmp_path) in problem
    db.save(SessionRecord(id="m", cwd="/p"))
    db.append("m", messages=[Message.user("x")]).result(timeout=5)
    assert [m.text for m in db.messages("m")] == ["x"]
    db.close()


def test_writes_after_close_fail_instead_of_hanging(tmp_path: Path) -> None:
    db = SessionDB(tmp_path / "s.db")
    db.close()
    with pytest.raises(StoreError):
        db.append("x", messages=[Message.user("late")]).result(timeout=5)


WRITER = textwrap.dedent(
    """
    import sys
    from agentica.messages import Message
    from agentica.sessions import SessionDB, SessionRecord

    path, name, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    db = SessionDB(path)
    db.save(SessionRecord(id=name, cwd="/p"))
    for i in range(count):
        db.append(name, messages=[Message.user(f"{name}-{i}")], updates=[{"i": i}])
        db.append("shared", messages=[Message.user(f"{name}-{i}")])
    db.close()
    """
)


def test_two_processes_writing_one_database_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    db = SessionDB(path)
    db.save(SessionRecord(id="shared", cwd="/p")).result(timeout=5)
    count = 150
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path), name, str(count)],
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("one", "two")
    ]
    try:
        for proc in procs:
            _, err = proc.communicate(timeout=60)
            assert proc.returncode == 0, err
            assert "locked" not in err
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    for name in ("one", "two"):
        assert [m.text for m in db.messages(name)] == [f"{name}-{i}" for i in range(count)]
        assert db.updates(name) == [{"i": i} for i in range(count)]
    shared = [m.text for m in db.messages("shared")]
    assert len(shared) == 2 * count
    assert [t for t in shared if t.startswith("one")] == [f"one-{i}" for i in range(count)]
    db.close()
