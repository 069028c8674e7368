"""Startup latency of the ACP server: spawn -> ``initialize`` response.

Compares ``python -m acp_server`` (what ``agentica-acp`` runs) with the import floor,
``python -c "import jsonrpcserver, pydantic, anyio"``, measured in the same run, and
prints a table of medians. Target: the server within ~50 ms of the floor.

    python benchmarks/bench_acp_startup.py [--runs 10] [--handlers module:factory]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
INITIALIZE = (
    json.dumps(
        {
            "jsonrpc": "2.0",
            "id": 0,
            "method": "initialize",
            "params": {"protocolVersion": 1, "clientCapabilities": {}},
        }
    ).encode()
    + b"\n"
)


def _env(config_home: str) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "XDG_CONFIG_HOME": config_home}
    env.pop("AGENTICA_CONFIG", None)
    return env


def floor_once(env: dict[str, str]) -> float:
    """Seconds for a bare interpreter importing the server's three dependencies."""
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", "import jsonrpcserver, pydantic, anyio"], env=env, check=True
    )
    return time.perf_counter() - start


def server_once(env: dict[str, str], extra: list[str]) -> float:
    """Seconds from spawning the server to reading its ``initialize`` response."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "acp_server", "--model", "demo", *extra],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env=env,
        cwd=ROOT,
    )
    try:
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(INITIALIZE)
        proc.stdin.flush()
        response = json.loads(proc.stdout.readline())
        elapsed = time.perf_counter() - start
        if response.get("result", {}).get("protocolVersion") != 1:
            raise RuntimeError(f"unexpected initialize response: {response}")
        proc.stdin.close()
        proc.wait(timeout=5)
        return elapsed
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def main() -> None:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--handlers", help="module:factory to serve instead of the real handlers")
    args = parser.parse_args()
    extra = ["--handlers", args.handlers] if args.handlers else []
    with tempfile.TemporaryDirectory() as config_home:
        env = _env(config_home)
        floor_once(env)
        server_once(env, extra)  # Warm the bytecode caches.
        floors, servers = [], []
        for _ in range(args.runs):  # Interleaved, so drift hits both alike.
            floors.append(floor_once(env))
            servers.append(server_once(env, extra))
    floor, server = statistics.median(floors), statistics.median(servers)
    rows = [
        ("import floor (jsonrpcserver, pydantic, anyio)", floor, min(floors)),
        ("agentica-acp spawn -> initialize response", server, min(servers)),
        ("overhead over the floor", server - floor, min(servers) - min(floors)),
    ]
    print(f"{'measurement':<48}{'median ms':>11}{'min ms':>9}   (runs={args.runs})")
    for name, median, best in rows:
        print(f"{name:<48}{median * 1000:>11.1f}{best * 1000:>9.1f}")


if __name__ == "__main__":
    main()
