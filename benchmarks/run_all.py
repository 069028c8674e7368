"""Run every benchmark of the suite, one after the other, each printing its figures.

Usage: ``python3 benchmarks/run_all.py``. Not part of the test run: figures depend on the
machine, so they are reported (with their targets) rather than asserted.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = [
    "bench_import.py",
    "bench_tools_parallel.py",
    "bench_engine_throughput.py",
    "bench_acp_startup.py",
    "bench_acp.py",
]


def main() -> int:
    """Run each benchmark script; the exit status is non-zero if any script failed."""
    failed = []
    for name in SCRIPTS:
        print(f"\n=== {name} ===", flush=True)
        code = subprocess.call([sys.executable, str(HERE / name)], cwd=HERE.parent)
        if code != 0:
            failed.append(name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
