"""MCP servers: ``session/new`` does not wait for them; a tool call adds little.

- ``session/new`` with 3 stdio MCP servers vs none, through the real server over stdio
  (``tests/serve_hooked.py`` with the scripted e2e model): time from the request to its
  response (target: at most 50 ms more; the servers start in the background);
- an MCP tool call through agentica (``FunctionCall.execute()`` of the ``mcp__`` tool)
  vs the same call made with the bare ``mcp`` client on another instance of the server
  (target: at most 5 ms more, median).

    python benchmarks/bench_mcp.py [--rounds 5] [--calls 200]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from report import Figure, report

ROOT = Path(__file__).resolve().parents[1]
MCP_SERVER = str(ROOT / "tests" / "mcp" / "mcp_test_server.py")


def _send(proc: subprocess.Popen[bytes], msg: dict[str, Any]) -> None:
    assert proc.stdin is not None
    proc.stdin.write((json.dumps(msg) + "\n").encode())
    proc.stdin.flush()


def _answer(proc: subprocess.Popen[bytes], msg_id: int) -> dict[str, Any]:
    assert proc.stdout is not None
    while True:
        msg = json.loads(proc.stdout.readline())
        if msg.get("id") == msg_id and "method" not in msg:
            return msg


def session_new_seconds(n_servers: int, cwd: str) -> float:
    """One fresh server: ``initialize``, then time ``session/new`` with ``n_servers``."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT / "tests" / "e2e"), str(ROOT)]),
               AGENTICA_TEST_MODEL="e2e_models:model")
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "serve_hooked.py"), "--model", "demo"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env,
        start_new_session=True,
    )
    try:
        _send(proc, {"jsonrpc": "2.0", "id": 1, "method": "initialize",
                     "params": {"protocolVersion": 1, "clientCapabilities": {}}})
        _answer(proc, 1)
        time.sleep(1.0)  # Let the warm-up finish: measure session/new, not imports.
        servers = [{"name": f"s{i}", "command": sys.executable, "args": [MCP_SERVER],
                    "env": []} for i in range(n_servers)]
        start = time.perf_counter()
        _send(proc, {"jsonrpc": "2.0", "id": 2, "method": "session/new",
                     "params": {"cwd": cwd, "mcpServers": servers}})
        assert "result" in _answer(proc, 2)
        return time.perf_counter() - start
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait()


async def call_overhead(calls: int) -> tuple[float, float]:
    """Median seconds of an echo call through agentica and with the bare client."""
    from mcp.client.session import ClientSession
    from mcp.client.stdio import StdioServerParameters, stdio_client

    from agentica.mcp import MCPServerStdio, MCPTools
    from agentica.tools.call import FunctionCall

    tools = MCPTools([MCPServerStdio("t", sys.executable, (MCP_SERVER,))])
    params = StdioServerParameters(command=sys.executable, args=[MCP_SERVER])
    ours: list[float] = []
    bare: list[float] = []
    async with tools, stdio_client(params) as (read, write), ClientSession(read, write) as s:
        await s.initialize()
        echo = next(f for f in tools.functions() if f.name == "mcp__t__echo")
        for i in range(calls):  # Interleaved, so machine noise hits both alike.
            start = time.perf_counter()
            await FunctionCall(function=echo, call_id=str(i), arguments='{"text": "x"}').execute()
            ours.append(time.perf_counter() - start)
            start = time.perf_counter()
            await s.call_tool("echo", {"text": "x"})
            bare.append(time.perf_counter() - start)
    return statistics.median(ours), statistics.median(bare)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()
    import tempfile

    import anyio

    with tempfile.TemporaryDirectory() as cwd:
        none = statistics.median(session_new_seconds(0, cwd) for _ in range(args.rounds))
        three = statistics.median(session_new_seconds(3, cwd) for _ in range(args.rounds))
    ours, bare = anyio.run(call_overhead, args.calls)
    report(
        [
            Figure("session/new, no MCP servers", none * 1000, "ms"),
            Figure("session/new, 3 stdio MCP servers", three * 1000, "ms"),
            Figure("session/new: extra for 3 MCP servers", (three - none) * 1000, "ms",
                   target=50, note=f"median of {args.rounds} fresh servers"),
            Figure("MCP echo call, bare mcp client", bare * 1000, "ms"),
            Figure("MCP call: agentica's extra over the bare client", (ours - bare) * 1000,
                   "ms", target=5, note=f"median of {args.calls} calls"),
        ]
    )


if __name__ == "__main__":
    main()
