"""Start-up of the three commands: ``--version`` and ``--help`` of ``agentica``,
``agentica-acp`` and ``acp-harness``, wall time of the whole process, median of several.

Target: each answers in <= 100 ms. The bare interpreter (``python -c pass``) is reported
beside them: it is the floor every command pays. The commands are the console scripts
next to this interpreter (the installed entry points, as a user runs them); without them
(no install) the script says so and exits 1.
Run: python benchmarks/bench_cli_start.py [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

from report import Figure, record, table

TARGET_MS = 100.0
COMMANDS = ("agentica", "agentica-acp", "acp-harness")


def _children_cpu() -> float:
    try:
        import resource
    except ImportError:  # Windows: no CPU figure.
        return 0.0
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _wall_ms(argv: list[str], runs: int) -> tuple[float, float]:
    """Median wall time and median CPU time (user + system) of ``argv`` in ms; one
    untimed run first warms the disk cache. The CPU time shows what a busy machine
    adds to the wall time (it barely moves with the load)."""
    times, cpu = [], []
    for i in range(runs + 1):
        before = _children_cpu()
        start = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        if i:
            times.append((time.perf_counter() - start) * 1000)
            cpu.append((_children_cpu() - before) * 1000)
    return statistics.median(times), statistics.median(cpu)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9, help="timed runs per command")
    args = parser.parse_args()
    bindir = Path(sys.executable).parent
    missing = [c for c in COMMANDS if not (bindir / c).exists()]
    if missing:
        print(f"not installed next to {sys.executable}: {', '.join(missing)}", file=sys.stderr)
        return 1
    bare, bare_cpu = _wall_ms([sys.executable, "-c", "pass"], args.runs)
    name = "start: python -c pass (bare interpreter)"
    figures = [Figure(name, bare, "ms", note=f"cpu {bare_cpu:.0f} ms")]
    for command in COMMANDS:
        for flag in ("--version", "--help"):
            ms, cpu = _wall_ms([str(bindir / command), flag], args.runs)
            note = f"cpu {cpu:.0f} ms; bare interpreter {bare:.1f} ms"
            figures.append(
                Figure(f"start: {command} {flag}", ms, "ms", target=TARGET_MS, note=note)
            )
    print(table(figures))
    record(figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
