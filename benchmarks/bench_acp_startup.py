"""Startup latency of the ACP server: spawn -> ``initialize`` response.

Times ``python -m acp_server`` (what ``agentica-acp`` runs) from spawn to its
``initialize`` response, beside a bare interpreter (``python -c pass``, spawn to exit)
measured in the same run, interleaved. Target: 60 ms or less (``initialize`` is answered
before jsonrpcserver, jsonschema and pydantic are imported; ``acp_server.startup``). For
reference it also times ``session/new`` sent right after the ``initialize`` response
(the heavy imports happen then, in the background warm-up), and ``initialize`` again
with a real model configured (``--model openai/gpt-4o``: the image capability is looked
up in the model presets; no request is made).

``agentica`` and ``acp_server`` are byte-compiled first (``compileall`` into
``__pycache__``), as a real ``pip install`` does: with ``PYTHONDONTWRITEBYTECODE=1``
an editable checkout would otherwise be recompiled from source at every start, while
the floor's site-packages are already compiled. ``--no-compile`` skips that.

    python benchmarks/bench_acp_startup.py [--runs 10] [--no-compile]
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from report import Figure, report

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
    """Seconds for a bare interpreter: ``python -c pass``, spawn to exit."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], env=env, check=True)
    return time.perf_counter() - start


def _new_session(cwd: str) -> bytes:
    params = {"cwd": cwd, "mcpServers": []}
    message = {"jsonrpc": "2.0", "id": 1, "method": "session/new", "params": params}
    return json.dumps(message).encode() + b"\n"


def server_once(env: dict[str, str], extra: list[str], cwd: str) -> tuple[float, float]:
    """Seconds from spawning the server to its ``initialize`` and ``session/new`` responses.

    ``session/new`` is sent as soon as the ``initialize`` response is read.
    """
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
        initialized = time.perf_counter() - start
        if response.get("result", {}).get("protocolVersion") != 1:
            raise RuntimeError(f"unexpected initialize response: {response}")
        proc.stdin.write(_new_session(cwd))
        proc.stdin.flush()
        response = json.loads(proc.stdout.readline())
        session = time.perf_counter() - start
        if "sessionId" not in response.get("result", {}):
            raise RuntimeError(f"unexpected session/new response: {response}")
        proc.stdin.close()
        proc.wait(timeout=5)
        return initialized, session
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


REAL_MODEL = "openai/gpt-4o"
"""A configured model: ``initialize`` says whether it takes images."""


def byte_compile() -> None:
    """Compile ``agentica`` and ``acp_server`` into ``__pycache__`` (quietly)."""
    for package in ("agentica", "acp_server"):
        if not compileall.compile_dir(ROOT / package, quiet=2):
            raise RuntimeError(f"byte-compiling {package} failed")


def main() -> None:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--no-compile", action="store_true", help="do not byte-compile first")
    args = parser.parse_args()
    extra: list[str] = []
    if not args.no_compile:
        byte_compile()
    with tempfile.TemporaryDirectory() as config_home:
        env = _env(config_home)
        floor_once(env)
        server_once(env, extra, config_home)  # Warm the OS caches.
        floors, inits, sessions, reals = [], [], [], []
        for _ in range(args.runs):  # Interleaved, so drift hits both alike.
            floors.append(floor_once(env))
            initialized, session = server_once(env, extra, config_home)
            inits.append(initialized)
            sessions.append(session)
            reals.append(server_once(env, [*extra, "--model", REAL_MODEL], config_home)[0])
    floor, init = statistics.median(floors), statistics.median(inits)
    real = statistics.median(reals)
    compiled = "no (--no-compile)" if args.no_compile else "yes (compileall -> __pycache__)"
    print(f"agentica/acp_server byte-compiled first: {compiled}; runs={args.runs}, medians")
    bare = f"python -c pass: {floor * 1000:.1f} ms"
    report(
        [
            Figure("bare interpreter: python -c pass", floor * 1000, "ms"),
            Figure("spawn -> initialize response", init * 1000, "ms", target=60, note=bare),
            Figure("  of which over python -c pass", (init - floor) * 1000, "ms"),
            Figure(
                f"spawn -> initialize response, --model {REAL_MODEL}",
                real * 1000,
                "ms",
                target=60,
                note=f"{(real - floor) * 1000:.1f} ms over python -c pass",
            ),
            Figure(
                "spawn -> session/new response (sent at once)",
                statistics.median(sessions) * 1000,
                "ms",
            ),
        ]
    )


if __name__ == "__main__":
    main()
