"""Run every benchmark of the suite, then print every figure with its target and verdict.

Usage: ``python3 benchmarks/run_all.py [--json] [--quick]``. Each script prints its own
figures as it runs; the summary at the end lists them all (``--json``: only the figures,
as a JSON list on stdout, the scripts' output going to stderr). Not part of the test run:
figures depend on the machine, so they are reported with their targets, not asserted.
The exit status is 1 if a script failed (not if a figure missed its target).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from report import FIGURES_ENV, Figure, table

HERE = Path(__file__).resolve().parent
SCRIPTS = [
    "bench_import.py",
    "bench_cli_start.py",
    "bench_tools_parallel.py",
    "bench_framework.py",
    "bench_engine_throughput.py",
    "bench_tracing.py",
    "bench_acp_startup.py",
    "bench_acp_first_prompt.py",
    "bench_acp.py",
    "bench_load.py",
    "bench_sessions.py",
    "bench_harness_proxy.py",
    "bench_mcp.py",
    "bench_eval.py",
    "bench_responses_stream.py",
    "bench_anthropic_stream.py",
    "bench_cli.py",
]
QUICK = {
    "bench_acp_startup.py": ["--runs", "5"],
    "bench_acp_first_prompt.py": ["--rounds", "3"],
    "bench_acp.py": ["--quick"],
    "bench_load.py": ["--quick"],
    "bench_sessions.py": ["--quick"],
    "bench_anthropic_stream.py": ["--rounds", "2"],
    "bench_cli.py": ["--runs", "3"],
}


def main() -> int:
    """Run each benchmark script and summarise; non-zero if any script failed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    args = parser.parse_args()
    out = sys.stderr if args.json else sys.stdout
    failed = []
    with tempfile.TemporaryDirectory() as tmp:
        figures_file = Path(tmp) / "figures.jsonl"
        figures_file.touch()
        # Servers started by the benchmarks store their sessions here, not in the user's.
        env = {**os.environ, FIGURES_ENV: str(figures_file), "AGENTICA_HOME": tmp}
        for name in SCRIPTS:
            print(f"\n=== {name} ===", file=out, flush=True)
            command = [
                sys.executable,
                str(HERE / name),
                *(QUICK.get(name, []) if args.quick else []),
            ]
            code = subprocess.call(command, cwd=HERE.parent, env=env, stdout=out)
            if code != 0:
                failed.append(name)
        rows = [json.loads(line) for line in figures_file.read_text().splitlines()]
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        figures = [Figure(**{k: v for k, v in r.items() if k != "ok"}) for r in rows]
        print("\n=== all figures ===")
        print(table(figures))
        missed = [f.name for f in figures if f.ok is False]
        print(f"\n{len(figures)} figures, {len(missed)} missed their target", end="")
        print(f": {', '.join(missed)}" if missed else "")
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=out)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
