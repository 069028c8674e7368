"""Startup latency of the ACP server: spawn -> ``initialize`` response.

Times ``agentica-acp`` as an editor launches it, from spawn to its ``initialize``
response, beside a bare interpreter (``python -c pass``, spawn to exit) of the same
environment, interleaved. Target: 60 ms or less (``initialize`` is answered before
jsonrpcserver, jsonschema and pydantic are imported; ``acp_server.startup``). For
reference it also times ``session/new`` sent right after the ``initialize`` response
(the heavy imports happen then, in the background warm-up), and ``initialize`` again
with a real model configured (``--model openai/gpt-4o``: the image capability is looked
up in the model presets; no request is made).

The target holds for agentica as users install it: the wheel, built from this checkout
and installed alone into a fresh venv (``tests/packaging/wheel_venv.py``; pip compiles
it as it installs). The same figures from this checkout (``python -m acp_server`` with
the checkout on ``PYTHONPATH``, in this environment) are reported beside them: there
every interpreter start also runs the environment's ``.pth`` files (an editable
install's import hook, say), which the two bare interpreters show. The checkout is
byte-compiled first (``compileall`` into ``__pycache__``), as a real install is: with
``PYTHONDONTWRITEBYTECODE=1`` it would otherwise be recompiled at every start.

    python benchmarks/bench_acp_startup.py [--runs 10] [--no-wheel]
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "packaging"))

from report import Figure, report
from wheel_venv import ROOT, installed

TARGET_MS = 60.0
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


@dataclass(frozen=True)
class Setup:
    """One install of the server: its interpreter, its command and their environment."""

    name: str
    python: str
    server: list[str]
    env: dict[str, str]


def _env(config_home: str, *, checkout: bool) -> dict[str, str]:
    env = {**os.environ, "XDG_CONFIG_HOME": config_home}
    env.pop("AGENTICA_CONFIG", None)
    env.pop("PYTHONPATH", None)
    if checkout:
        env["PYTHONPATH"] = str(ROOT)
    return env


def floor_once(setup: Setup) -> float:
    """Seconds for a bare interpreter: ``python -c pass``, spawn to exit."""
    start = time.perf_counter()
    subprocess.run([setup.python, "-c", "pass"], env=setup.env, check=True)
    return time.perf_counter() - start


def _new_session(cwd: str) -> bytes:
    params = {"cwd": cwd, "mcpServers": []}
    message = {"jsonrpc": "2.0", "id": 1, "method": "session/new", "params": params}
    return json.dumps(message).encode() + b"\n"


def server_once(setup: Setup, extra: list[str], cwd: str) -> tuple[float, float]:
    """Seconds from spawning the server to its ``initialize`` and ``session/new`` responses.

    ``session/new`` is sent as soon as the ``initialize`` response is read.
    """
    start = time.perf_counter()
    proc = subprocess.Popen(
        [*setup.server, "--model", "demo", *extra],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env=setup.env,
        cwd=cwd,
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


def wheel_setup(work: str, config_home: str) -> Setup:
    """The wheel of this checkout, installed into a fresh venv: its ``agentica-acp``."""
    bindir, python = installed(Path(work))
    script = bindir / ("agentica-acp.exe" if os.name == "nt" else "agentica-acp")
    return Setup("installed wheel", str(python), [str(script)],
                 _env(config_home, checkout=False))  # fmt: skip


def measure(setup: Setup, runs: int, home: str) -> list[Figure]:
    """The figures of one install (its first two with the target when it is the wheel)."""
    floor_once(setup)
    server_once(setup, [], home)  # Warm the OS caches.
    floors, inits, sessions, reals = [], [], [], []
    for _ in range(runs):  # Interleaved, so drift hits all alike.
        floors.append(floor_once(setup))
        initialized, session = server_once(setup, [], home)
        inits.append(initialized)
        sessions.append(session)
        reals.append(server_once(setup, ["--model", REAL_MODEL], home)[0])
    floor, init = statistics.median(floors) * 1000, statistics.median(inits) * 1000
    real = statistics.median(reals) * 1000
    target = TARGET_MS if setup.name == "installed wheel" else None
    label = f" ({setup.name})"
    return [
        Figure(f"bare interpreter: python -c pass{label}", floor, "ms"),
        Figure(f"spawn -> initialize response{label}", init, "ms", target=target,
               note=f"{init - floor:.1f} ms over python -c pass ({floor:.1f} ms)"),
        Figure(f"spawn -> initialize response, --model {REAL_MODEL}{label}", real, "ms",
               target=target, note=f"{real - floor:.1f} ms over python -c pass"),
        Figure(f"spawn -> session/new response (sent at once){label}",
               statistics.median(sessions) * 1000, "ms"),
    ]  # fmt: skip


def main() -> None:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--no-wheel", action="store_true", help="only this checkout")
    args = parser.parse_args()
    byte_compile()
    work = tempfile.mkdtemp(prefix="bench-acp-start-")
    try:
        home = os.path.join(work, "home")
        os.mkdir(home)
        checkout = Setup("checkout", sys.executable, [sys.executable, "-m", "acp_server"],
                         _env(home, checkout=True))  # fmt: skip
        setups = [checkout] if args.no_wheel else [wheel_setup(work, home), checkout]
        figures = [f for setup in setups for f in measure(setup, args.runs, home)]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"runs={args.runs}, medians; the checkout byte-compiled first")
    report(figures)


if __name__ == "__main__":
    main()
