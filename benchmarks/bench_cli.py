"""``agentica run`` with the demo model: process start to the first text byte on stdout.

Target: <= 150 ms, wall time from spawning the command to reading the first byte of the
answer (nothing subtracted: interpreter start, imports, settings, the demo's scripted
thinking and its pacing all count). Also reported: the bare interpreter's start
(``python -c pass``) and the whole run to exit.
Run: python benchmarks/bench_cli.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from report import Figure, record, table

TARGET_MS = 150.0


def command() -> list[str]:
    """The installed ``agentica`` script beside this interpreter, else ``-m agentica.cli``."""
    script = Path(sys.executable).with_name("agentica")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "agentica.cli"]


def first_byte(argv: list[str], env: dict[str, str], cwd: str) -> tuple[float, float]:
    """Milliseconds to the first stdout byte and to the process's exit."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            stdin=subprocess.DEVNULL, env=env, cwd=cwd)
    try:
        assert proc.stdout is not None
        if not proc.stdout.read(1):
            raise RuntimeError(f"{argv} wrote nothing (exit {proc.wait()})")
        first = (time.perf_counter() - start) * 1000
        proc.stdout.read()
        proc.wait(timeout=60)
        return first, (time.perf_counter() - start) * 1000
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="bench-cli-")
    try:
        env = {
            **os.environ,
            "AGENTICA_HOME": os.path.join(work, "home"),
            "AGENTICA_CONFIG": os.path.join(work, "none.toml"),
        }
        env.pop("AGENTICA_MODEL", None)
        bare = statistics.median(
            first_byte([sys.executable, "-c", "print(1)"], env, work)[0] for _ in range(args.runs)
        )
        argv = [*command(), "run", "--model", "demo", "hello"]
        first_byte(argv, env, work)  # Warm the file cache.
        runs = [first_byte(argv, env, work) for _ in range(args.runs)]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    first = statistics.median(r[0] for r in runs)
    whole = statistics.median(r[1] for r in runs)
    figures = [
        Figure("agentica run (demo): first text on stdout", first, "ms", target=TARGET_MS,
               note=f"bare interpreter {bare:.1f} ms; median of {args.runs}"),
        Figure("agentica run (demo): whole run to exit", whole, "ms"),
    ]
    print(table(figures))
    record(figures)


if __name__ == "__main__":
    main()
