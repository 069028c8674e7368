"""Drives the real server over stdio for the load suite and ``benchmarks/bench_load.py``.

A minimal raw JSON-RPC client (no SDK: its overhead would blur the figures) against
``python -m acp_server`` running ``load_models:model``. Each ``measure_*`` function returns
plain figures; the slow tests assert on them, the benchmark prints them.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
from anyio.abc import Process

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


class Client:
    """Requests with ids, text and tool updates per session, permissions allowed."""

    def __init__(self, process: Process) -> None:
        self.process = process
        self.next_id = 0
        self.pending: dict[int, tuple[anyio.Event, list[Any]]] = {}
        self.text: dict[str, list[str]] = {}
        self.tool_updates: dict[str, int] = {}

    async def send(self, msg: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        await self.process.stdin.send(json.dumps(msg).encode() + b"\n")

    async def request(self, method: str, params: dict[str, Any]) -> Any:
        self.next_id += 1
        rid = self.next_id
        event, box = anyio.Event(), []
        self.pending[rid] = (event, box)
        await self.send({"jsonrpc": "2.0", "id": rid, "method": method, "params": params})
        await event.wait()
        if "error" in box[0]:
            raise RuntimeError(box[0]["error"])
        return box[0]["result"]

    async def read_loop(self) -> None:
        assert self.process.stdout is not None
        buffer = b""
        async for chunk in self.process.stdout:
            buffer += chunk
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                await self.dispatch(json.loads(line))

    async def dispatch(self, msg: dict[str, Any]) -> None:
        if "method" not in msg:
            event, box = self.pending.pop(msg["id"])
            box.append(msg)
            event.set()
        elif msg["method"] == "session/update":
            sid, update = msg["params"]["sessionId"], msg["params"]["update"]
            kind = update["sessionUpdate"]
            if kind == "agent_message_chunk":
                self.text.setdefault(sid, []).append(update["content"]["text"])
            elif kind in ("tool_call", "tool_call_update"):
                self.tool_updates[sid] = self.tool_updates.get(sid, 0) + 1
        elif msg["method"] == "session/request_permission":
            outcome = {"outcome": "selected", "optionId": "allow_once"}
            await self.send({"jsonrpc": "2.0", "id": msg["id"], "result": {"outcome": outcome}})

    async def new_session(self, cwd: Path) -> str:
        result = await self.request("session/new", {"cwd": str(cwd), "mcpServers": []})
        return str(result["sessionId"])

    async def prompt(self, sid: str, text: str) -> str:
        params = {"sessionId": sid, "prompt": [{"type": "text", "text": text}]}
        return str((await self.request("session/prompt", params))["stopReason"])

    async def stats(self, sid: str) -> dict[str, int]:
        """The server's own counts (tasks, threads, fds, rss_kb), asked through a turn."""
        self.text[sid] = []
        await self.prompt(sid, "stats")
        return dict(json.loads("".join(self.text[sid])))


@asynccontextmanager
async def load_server(cwd: Path) -> AsyncIterator[Client]:
    """The server on ``cwd`` (which gets a ``notes.txt``), initialized; killed after."""
    (cwd / "notes.txt").write_text("some notes\n" * 20)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(HERE), str(ROOT), env.get("PYTHONPATH", "")])
    env["AGENTICA_TEST_MODEL"] = "load_models:model"
    env.pop("AGENTICA_CONFIG", None)
    process = await anyio.open_process(
        [sys.executable, str(ROOT / "tests" / "serve_hooked.py"), "--mode", "full_access"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
        cwd=cwd,
        start_new_session=True,
    )
    try:
        client = Client(process)
        async with anyio.create_task_group() as tg:
            tg.start_soon(client.read_loop)
            await client.request("initialize", {"protocolVersion": 1, "clientCapabilities": {}})
            yield client
            tg.cancel_scope.cancel()
    finally:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        await process.aclose()


def children(pid: int) -> list[int]:
    """Live child processes of ``pid``."""
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            out.append(int(entry.name))
    return out


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


async def measure_concurrency(cwd: Path, sessions: int = 20) -> dict[str, float]:
    """Seconds of one ``work`` turn alone, and of ``sessions`` such turns at once."""
    async with load_server(cwd) as client:
        sids = [await client.new_session(cwd) for _ in range(sessions)]
        assert await client.prompt(sids[0], "work") == "end_turn"  # Warm-up (first imports).
        start = time.perf_counter()
        assert await client.prompt(sids[0], "work") == "end_turn"
        one = time.perf_counter() - start
        reasons: list[str] = []

        async def run(sid: str) -> None:
            reasons.append(await client.prompt(sid, "work"))

        start = time.perf_counter()
        async with anyio.create_task_group() as tg:
            for sid in sids:
                tg.start_soon(run, sid)
        many = time.perf_counter() - start
        assert reasons == ["end_turn"] * sessions
        # Each turn showed both tool calls (tool_call + updates) and its streamed text.
        assert all(client.tool_updates.get(sid, 0) >= 4 for sid in sids)
    return {"one": one, "many": many, "sessions": sessions}


async def measure_turns(cwd: Path, turns: int = 1000) -> dict[str, Any]:
    """RSS and the server's tasks, threads and fds before and after ``turns`` turns."""
    async with load_server(cwd) as client:
        sid = await client.new_session(cwd)
        for n in range(1, 51):  # Warm-up: imports, pools, caches.
            await client.prompt(sid, f"quick {n}")
        before = await client.stats(sid)
        start = time.perf_counter()
        for n in range(turns):
            assert await client.prompt(sid, f"quick {n}") == "end_turn"
        elapsed = time.perf_counter() - start
        after = await client.stats(sid)
        kids = children(client.process.pid)
    return {"before": before, "after": after, "children": kids, "seconds": elapsed}


async def measure_sessions(cwd: Path, sessions: int = 1000) -> dict[str, Any]:
    """RSS before and after opening ``sessions`` sessions (each used for one turn)."""
    async with load_server(cwd) as client:
        first = await client.new_session(cwd)
        await client.prompt(first, "quick 1")
        before = rss_kb(client.process.pid)
        for _ in range(sessions):
            sid = await client.new_session(cwd)
            await client.prompt(sid, "quick 1")
        after = rss_kb(client.process.pid)
    return {"before_kb": before, "after_kb": after, "sessions": sessions}
