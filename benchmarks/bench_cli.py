"""``agentica run`` with the demo model: process start to the first text byte on stdout.

Target: <= 150 ms, wall time from spawning the command to reading the first byte of the
answer (nothing subtracted: interpreter start, imports, settings, the demo's scripted
thinking and its pacing all count), for agentica as users install it: the wheel, built
from this checkout and installed alone into a fresh venv (the dependencies come from
this environment through a ``.pth`` file; nothing is downloaded).

Also reported, without a target: the same command from this checkout's own install
(``pip install -e .``, whose import hook and any ``.pth`` files of the environment run
at every start: compare the two bare interpreters), and the whole run to exit.
Run: python benchmarks/bench_cli.py [--runs N] [--no-wheel]
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

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "packaging"))
from wheel_venv import installed

TARGET_MS = 150.0


FLOOR = "import anyio\nasync def main(): print(1)\nanyio.run(main)"
"""The floor of any anyio program (asyncio and anyio imported, a loop run): its first line."""


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
    parser.add_argument("--no-wheel", action="store_true", help="only this checkout's install")
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="bench-cli-")
    try:
        env = {
            **os.environ,
            "AGENTICA_HOME": os.path.join(work, "home"),
            "AGENTICA_CONFIG": os.path.join(work, "none.toml"),
        }
        env.pop("AGENTICA_MODEL", None)
        env.pop("PYTHONPATH", None)
        setups = [("checkout", Path(sys.executable), command())]
        if not args.no_wheel:
            bindir, python = installed(Path(work, "wheel"))  # (pip compiles it as it installs.)
            setups.insert(0, ("wheel", python, [str(bindir / "agentica")]))
        results = {}
        for name, python, argv in setups:
            argv = [*argv, "run", "--model", "demo", "hello"]
            first_byte(argv, env, work)  # Warm the file cache.
            bare, floor, runs = [], [], []
            for _ in range(args.runs):  # Interleaved, so all three see the same machine.
                bare.append(first_byte([str(python), "-c", "print(1)"], env, work)[0])
                floor.append(first_byte([str(python), "-c", FLOOR], env, work)[0])
                runs.append(first_byte(argv, env, work))
            results[name] = (bare, floor, runs)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    figures = []
    for name, (bare, floor, runs) in results.items():
        first = statistics.median(r[0] for r in runs)
        label = "installed wheel" if name == "wheel" else "checkout, pip install -e"
        figures.append(Figure(f"agentica run (demo, {label}): first text on stdout", first, "ms",
                              target=TARGET_MS if name == next(iter(results)) else None,
                              note=f"bare interpreter {statistics.median(bare):.1f} ms, an empty "
                                   f"anyio program {statistics.median(floor):.1f} ms; "
                                   f"median of {args.runs}"))
    _, floor, runs = next(iter(results.values()))
    over = statistics.median(r[0] - f for r, f in zip(runs, floor, strict=True))
    figures.append(Figure("agentica run (demo): over an empty anyio program", over, "ms",
                          note="median of the paired differences (the machine's floor out)"))
    whole = statistics.median(r[1] for r in runs)
    figures.append(Figure("agentica run (demo): whole run to exit", whole, "ms"))
    print(table(figures))
    record(figures)


if __name__ == "__main__":
    main()
