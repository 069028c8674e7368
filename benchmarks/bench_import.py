"""Import time: ``python -c "import agentica"`` in a fresh subprocess, median of several.

Target: ``import agentica`` <= 150 ms wall. Also reported (no target): the time to
``from agentica import Agent``, which imports pydantic, anyio and the engine.
Run: python benchmarks/bench_import.py
"""

from __future__ import annotations

import statistics
import subprocess
import sys

from report import Figure, record

RUNS = 9
TARGET_MS = 150.0

_CODE = (
    "import time, sys; t = time.perf_counter(); {stmt}; "
    "print((time.perf_counter() - t) * 1000, 'openai' in sys.modules)"
)


def _measure(stmt: str) -> tuple[float, float, bool]:
    """Median in-process import time and median whole-process wall time, in ms."""
    import time

    inner: list[float] = []
    outer: list[float] = []
    openai_loaded = False
    for _ in range(RUNS):
        start = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-c", _CODE.format(stmt=stmt)],
            capture_output=True, text=True, check=True,
        ).stdout.split()
        outer.append((time.perf_counter() - start) * 1000)
        inner.append(float(out[0]))
        openai_loaded = openai_loaded or out[1] == "True"
    return statistics.median(inner), statistics.median(outer), openai_loaded


def main() -> None:
    baseline = _measure("pass")[1]
    figures = []
    for stmt, target in (("import agentica", TARGET_MS), ("from agentica import Agent", None)):
        inner, outer, openai_loaded = _measure(stmt)
        note = f"process {outer:.1f} ms, bare interpreter {baseline:.1f} ms"
        figures.append(Figure(f"import time: {stmt}", inner, "ms", target=target, note=note))
        line = (
            f"{stmt:28s} import {inner:7.1f} ms  (process {outer:6.1f} ms, bare interpreter "
            f"{baseline:.1f} ms)  openai imported: {openai_loaded}"
        )
        if target is not None:
            line += f"  target <= {target:.0f} ms  {'OK' if inner <= target else 'ABOVE TARGET'}"
        print(line)
    record(figures)


if __name__ == "__main__":
    main()
