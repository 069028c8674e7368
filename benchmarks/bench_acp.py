"""ACP server benchmarks over real stdio (not part of the test run).

Run: ``python benchmarks/bench_acp.py [--quick]``. Prints a table:

- stream: a 200-chunk answer from a fast fake model: time to the first
  ``agent_message_chunk``, total turn time, and server time per chunk;
- parallel: 8 shell commands of 1 s each in one turn (target <= 1.3 s);
- cancel: ``session/cancel`` -> ``session/prompt`` response latency, during a streaming
  answer and during a running shell command (target <= 20 ms median), and the number of
  command processes still alive afterwards (target 0);
- rss: peak RSS of the server process after a few turns (target <= 80 MB).

The server runs the deterministic ``tests/e2e/e2e_models.py`` model (``tests/serve_hooked.py``
with ``AGENTICA_TEST_MODEL``); a minimal raw JSON-RPC client drives it so that
client overhead does not blur the numbers.
"""

from __future__ import annotations

import argparse
import json
import os
import select
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import anyio
from anyio.abc import Process
from report import Figure, report

ROOT = Path(__file__).resolve().parents[1]


class RawClient:
    """Just enough of an ACP client: requests, updates, auto-allowed permissions."""

    def __init__(self, process: Process) -> None:
        self.process = process
        self.next_id = 0
        self.pending: dict[int, tuple[anyio.Event, list[Any]]] = {}
        self.on_update: Any = None
        self.buffer = b""

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
        msg = box[0]
        if "error" in msg:
            raise RuntimeError(msg["error"])
        return msg["result"]

    async def read_loop(self) -> None:
        assert self.process.stdout is not None
        async for chunk in self.process.stdout:
            self.buffer += chunk
            while b"\n" in self.buffer:
                line, self.buffer = self.buffer.split(b"\n", 1)
                await self.dispatch(json.loads(line))

    async def dispatch(self, msg: dict[str, Any]) -> None:
        if "method" not in msg:
            event, box = self.pending.pop(msg["id"])
            box.append(msg)
            event.set()
        elif msg["method"] == "session/update":
            if self.on_update is not None:
                self.on_update(msg["params"]["update"])
        elif msg["method"] == "session/request_permission":
            outcome = {"outcome": "selected", "optionId": "allow_once"}
            await self.send({"jsonrpc": "2.0", "id": msg["id"], "result": {"outcome": outcome}})


async def with_server(body: Any, *args: str) -> Any:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "tests/e2e"), str(ROOT)])
    env["AGENTICA_TEST_MODEL"] = "e2e_models:model"
    with tempfile.TemporaryDirectory() as cwd:
        process = await anyio.open_process(
            [sys.executable, str(ROOT / "tests" / "serve_hooked.py"), *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            cwd=cwd,
            start_new_session=True,
        )
        try:
            client = RawClient(process)
            async with anyio.create_task_group() as tg:
                tg.start_soon(client.read_loop)
                await client.request("initialize", {"protocolVersion": 1})
                sid = (await client.request("session/new", {"cwd": cwd, "mcpServers": []}))[
                    "sessionId"
                ]
                result = await body(client, sid, cwd, process)
                tg.cancel_scope.cancel()
            return result
        finally:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            await process.aclose()


def text_prompt(sid: str, text: str) -> dict[str, Any]:
    return {"sessionId": sid, "prompt": [{"type": "text", "text": text}]}


async def bench_stream(rounds: int) -> list[Figure]:
    async def body(client: RawClient, sid: str, cwd: str, process: Process) -> Any:
        await client.request("session/prompt", text_prompt(sid, "bench 10"))  # Warm-up.
        firsts, totals = [], []
        for _ in range(rounds):
            first: list[float] = []
            count = [0]

            def on_update(
                u: dict[str, Any], first: list[float] = first, count: list[int] = count
            ) -> None:
                if u["sessionUpdate"] == "agent_message_chunk":
                    count[0] += 1
                    if not first:
                        first.append(time.perf_counter())

            client.on_update = on_update
            t0 = time.perf_counter()
            await client.request("session/prompt", text_prompt(sid, "bench 200"))
            t1 = time.perf_counter()
            assert count[0] == 200, count
            firsts.append(first[0] - t0)
            totals.append(t1 - t0)
        return statistics.median(firsts), statistics.median(totals)

    first, total = await with_server(body)
    return [
        Figure("stream: time to first chunk (200-chunk answer)", first * 1000, "ms"),
        Figure("stream: total turn (200 chunks)", total * 1000, "ms"),
        Figure("stream: server time per chunk", total / 200 * 1e6, "us"),
    ]


async def bench_parallel() -> list[Figure]:
    calls = [{"name": "execute", "args": {"command": "sleep 1"}} for _ in range(8)]

    async def body(client: RawClient, sid: str, cwd: str, process: Process) -> Any:
        t0 = time.perf_counter()
        await client.request("session/prompt", text_prompt(sid, "call " + json.dumps(calls)))
        return time.perf_counter() - t0

    elapsed = await with_server(body)
    return [Figure("parallel: 8 x `sleep 1` in one turn", elapsed, "s", target=1.3)]


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


async def wait_gone(pid: int, timeout: float) -> bool:
    """Wait on a pidfd until the process exits (it may still be dying after SIGKILL)."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    try:
        ready = await anyio.to_thread.run_sync(lambda: select.select([fd], [], [], timeout)[0])
        return bool(ready) or not alive(pid)
    finally:
        os.close(fd)


async def bench_cancel(rounds: int) -> list[Figure]:
    async def body(client: RawClient, sid: str, cwd: str, process: Process) -> Any:
        stream_lat, shell_lat, survivors = [], [], 0
        for i in range(rounds):
            # 1. During a streaming answer.
            started = anyio.Event()
            client.on_update = lambda u, e=started: e.set()
            result: list[Any] = []
            async with anyio.create_task_group() as tg:

                async def run(text: str, out: list[Any] = result) -> None:
                    out.append(await client.request("session/prompt", text_prompt(sid, text)))
                    out.append(time.perf_counter())

                tg.start_soon(run, "slow")
                await started.wait()
                t0 = time.perf_counter()
                await client.send(
                    {"jsonrpc": "2.0", "method": "session/cancel", "params": {"sessionId": sid}}
                )
            assert result[0]["stopReason"] == "cancelled", result
            stream_lat.append(result[1] - t0)
            # 2. During a running shell command (its child records its pid in a fifo).
            fifo = Path(cwd) / f"pid{i}.fifo"
            os.mkfifo(fifo)
            command = f"sleep 30 & echo $! > {fifo}; wait"
            calls = [{"name": "execute", "args": {"command": command}}]
            client.on_update = None
            result = []
            async with anyio.create_task_group() as tg:
                tg.start_soon(run, "call " + json.dumps(calls), result)
                pid = int(await anyio.to_thread.run_sync(fifo.read_text))
                t0 = time.perf_counter()
                await client.send(
                    {"jsonrpc": "2.0", "method": "session/cancel", "params": {"sessionId": sid}}
                )
            assert result[0]["stopReason"] == "cancelled", result
            shell_lat.append(result[1] - t0)
            survivors += not await wait_gone(pid, 1.0)
        return stream_lat, shell_lat, survivors

    stream_lat, shell_lat, survivors = await with_server(body)

    def row(name: str, values: list[float]) -> Figure:
        med, worst = statistics.median(values) * 1000, max(values) * 1000
        return Figure(name, med, "ms", target=20, note=f"median; max {worst:.1f} ms")

    return [
        row("cancel: during streaming", stream_lat),
        row("cancel: during shell command", shell_lat),
        Figure("cancel: surviving processes", survivors, "", target=0),
    ]


async def bench_rss() -> list[Figure]:
    async def body(client: RawClient, sid: str, cwd: str, process: Process) -> Any:
        for text in [
            "say hello",
            "bench 200",
            "call "
            + json.dumps(
                [{"name": "write_file", "args": {"file_path": "a.txt", "content": "x" * 1000}}]
            ),
            "call " + json.dumps([{"name": "execute", "args": {"command": "echo hi"}}]),
            "say bye",
        ]:
            await client.request("session/prompt", text_prompt(sid, text))
        status = await anyio.Path(f"/proc/{process.pid}/status").read_text()
        hwm = next(line for line in status.splitlines() if line.startswith("VmHWM"))
        return int(hwm.split()[1]) / 1024

    mb = await with_server(body)
    return [Figure("rss: peak after 5 turns", mb, "MB", target=80)]


async def main(quick: bool) -> None:
    figures: list[Figure] = []
    figures += await bench_stream(3 if quick else 10)
    figures += await bench_parallel()
    figures += await bench_cancel(5 if quick else 20)
    figures += await bench_rss()
    report(figures)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    anyio.run(main, parser.parse_args().quick)
