"""Stored sessions benchmarks (not part of the test run).

Run: ``python benchmarks/bench_sessions.py [--quick]``. In process, through the agent's
router (params parsed, results dumped, every notification JSON-encoded as the real
connection would), on a database in a temporary ``AGENTICA_HOME``:

- ``session/load`` of a 500-message session (250 turns, one in five with a tool call):
  from the request to its response, the whole replay included (target: 200 ms);
- ``session/list`` over 10,000 stored sessions: the first page, a page deep in the list
  (by cursor) and a cwd-filtered page (target: 50 ms each);
- what storing a turn adds to a prompt: the same turn (one tool call, a streamed answer)
  with and without the recorder, median over many turns (target: 2 ms).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import anyio
from report import Figure, report

ROOT = Path(__file__).resolve().parents[1]


class Conn:
    """A client connection that encodes what it is sent and answers nothing."""

    def __init__(self) -> None:
        self.sent = 0

    async def notify(self, method: str, params: dict[str, Any] | None = None) -> None:
        self.sent += len(json.dumps({"jsonrpc": "2.0", "method": method, "params": params}))

    async def request(self, method: str, params: dict[str, Any] | None = None, **kw: Any) -> Any:
        raise RuntimeError(f"{method}: not in this benchmark")

    def call_after_next_write(self, callback: Any) -> None:
        pass


def model() -> Any:
    from agentica.messages import ToolCall
    from agentica.models.base import ModelResponse
    from agentica.testing import FunctionModel

    def answer(messages: list[Any], tools: Any) -> Any:
        last = messages[-1]
        if last.role == "user" and last.text.startswith("tool"):
            call = ToolCall(id=f"c{len(messages)}", name="ls", arguments="{}")
            return ModelResponse(content="Looking.", tool_calls=[call], finish_reason="tool_calls")
        return "Here is a streamed answer of a few words, as a model would give it. " * 3

    return FunctionModel(answer, context_window=128_000)


def router() -> Any:
    from acp_server.agent import AcpAgent
    from acp_server.config import ServerConfig
    from acp_server.router import AcpRouter

    conn: Any = Conn()
    return AcpRouter(AcpAgent(conn, ServerConfig(model="demo"), model_factory=model))


async def prompt(r: Any, sid: str, text: str) -> None:
    blocks = [{"type": "text", "text": text}]
    await r.requests["session/prompt"]({"sessionId": sid, "prompt": blocks})


async def bench_load(project: Path, rounds: int) -> Figure:
    r = router()
    await r.requests["initialize"]({"protocolVersion": 1})
    sid = (await r.requests["session/new"]({"cwd": str(project), "mcpServers": []}))["sessionId"]
    turns = 0
    while len(r.agent.sessions.get(sid).agent.messages) < 500:
        await prompt(r, sid, "tool please" if turns % 5 == 0 else f"question {turns}")
        turns += 1
    messages = len(r.agent.sessions.get(sid).agent.messages)
    await r.aclose()
    times = []
    for _ in range(rounds):
        r = router()
        await r.requests["initialize"]({"protocolVersion": 1})
        start = time.perf_counter()
        await r.requests["session/load"]({"sessionId": sid, "cwd": str(project), "mcpServers": []})
        times.append((time.perf_counter() - start) * 1000)
        updates = r.agent.conn.sent
        await r.aclose()
    return Figure(
        f"sessions: session/load of a {messages}-message session",
        statistics.median(times),
        "ms",
        target=200,
        note=f"median of {rounds}, {turns} turns, {updates / 1e6:.1f} MB replayed",
    )


async def bench_list(home: Path, rounds: int) -> list[Figure]:
    from agentica.sessions import SessionDB

    db = SessionDB(home / "sessions.db")
    rows = [
        (f"sess_{i:06d}", f"/projects/p{i % 100}", "[]", f"Session number {i}", i, 1e9 + i)
        for i in range(10_000)
    ]

    def fill(conn: Any) -> None:
        conn.executemany(
            "INSERT OR IGNORE INTO sessions (id, cwd, roots, title, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            rows,
        )

    db.submit(fill).result()
    db.close()
    r = router()
    await r.requests["initialize"]({"protocolVersion": 1})
    figures = []
    deep = None
    page = await r.requests["session/list"]({})
    for _ in range(100):  # 100 pages in: the cursor of page 101.
        page = await r.requests["session/list"]({"cursor": page["nextCursor"]})
    deep = page["nextCursor"]
    for name, params in (
        ("first page", {}),
        ("page 101 (by cursor)", {"cursor": deep}),
        ("one cwd's first page", {"cwd": "/projects/p7"}),
    ):
        times = []
        for _ in range(rounds):
            start = time.perf_counter()
            result = await r.requests["session/list"](params)
            times.append((time.perf_counter() - start) * 1000)
        assert result["sessions"], name
        figures.append(
            Figure(
                f"sessions: session/list over 10,000 sessions, {name}",
                statistics.median(times),
                "ms",
                target=50,
                note=f"median of {rounds}, {len(result['sessions'])} a page",
            )
        )
    await r.aclose()
    return figures


async def bench_turn(project: Path, turns: int) -> Figure:
    r = router()
    await r.requests["initialize"]({"protocolVersion": 1})
    stored = (await r.requests["session/new"]({"cwd": str(project), "mcpServers": []}))["sessionId"]
    bare = (await r.requests["session/new"]({"cwd": str(project), "mcpServers": []}))["sessionId"]
    r.agent.sessions.get(bare).recorder = None  # Not stored.
    times: dict[str, list[float]] = {stored: [], bare: []}
    for i in range(turns):
        for sid in (stored, bare) if i % 2 else (bare, stored):
            text = "tool please" if i % 2 else f"question {i}"
            start = time.perf_counter()
            await prompt(r, sid, text)
            times[sid].append((time.perf_counter() - start) * 1000)
            if len(r.agent.sessions.get(sid).agent.messages) > 400:  # Keep both alike.
                r.agent.sessions.get(sid).agent.reset()
    await r.aclose()
    with_store, without = statistics.median(times[stored]), statistics.median(times[bare])
    return Figure(
        "sessions: what storing a turn adds to a prompt",
        max(0.0, with_store - without),
        "ms",
        target=2,
        note=f"median of {turns} turns: {with_store:.2f} ms stored, {without:.2f} ms not",
    )


async def main(quick: bool) -> None:
    with tempfile.TemporaryDirectory() as d:
        home = Path(d) / "home"
        os.environ["AGENTICA_HOME"] = str(home)
        project = Path(d) / "project"
        project.mkdir()
        (project / "README.md").write_text("hello\n")
        figures = [await bench_load(project, 5 if quick else 20)]
        figures += await bench_list(home, 10 if quick else 50)
        figures.append(await bench_turn(project, 100 if quick else 400))
    report(figures)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    anyio.run(main, parser.parse_args().quick)
