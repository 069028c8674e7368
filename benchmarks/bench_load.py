"""Load benchmarks over real stdio (not part of the test run; ``tests/load`` asserts them).

Run: ``python benchmarks/bench_load.py [--quick]``. Prints:

- concurrency: one streamed turn with two tool calls alone, and 20 such turns in 20
  sessions at once over one connection (target: at most 2x the single turn);
- turns: RSS growth over 1,000 turns in one session (one in ten runs a shell command),
  and the server's asyncio tasks, threads, fds and child processes before and after
  (target: no growth of any, no child left);
- sessions: the memory 1,000 sessions hold (sessions are never freed today).

The server runs ``tests/load/load_models.py`` through ``tests/serve_hooked.py``
(the ``AGENTICA_TEST_MODEL`` hook).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import anyio

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests/load"))
from load_driver import measure_concurrency, measure_sessions, measure_turns  # noqa: E402
from report import Figure, report  # noqa: E402


async def main(quick: bool) -> int:
    turns, sessions = (200, 200) if quick else (1000, 1000)
    with tempfile.TemporaryDirectory() as d:
        c = await measure_concurrency(Path(d), 20)
    figures = [
        Figure("load: 1 session, one turn with 2 tool calls", c["one"], "s"),
        Figure(
            "load: 20 sessions at once, / one session's time",
            c["many"] / c["one"],
            "x",
            target=2.0,
            note=f"{c['many']:.2f} s",
        ),
    ]
    with tempfile.TemporaryDirectory() as d:
        t = await measure_turns(Path(d), turns)
    b, a = t["before"], t["after"]
    growth = (a["rss_kb"] - b["rss_kb"]) / 1024
    figures.append(
        Figure(f"load: RSS growth over {turns} turns", growth, "MB", note=f"{t['seconds']:.1f} s")
    )
    for key in ("tasks", "threads", "fds"):
        figures.append(
            Figure(
                f"load: {key} gained over {turns} turns",
                a[key] - b[key],
                "",
                target=0,
                note=f"{b[key]} -> {a[key]}",
            )
        )
    figures.append(Figure("load: child processes left", len(t["children"]), "", target=0))
    with tempfile.TemporaryDirectory() as d:
        s = await measure_sessions(Path(d), sessions)
    held = (s["after_kb"] - s["before_kb"]) / 1024
    figures.append(
        Figure(
            f"load: memory {sessions} open sessions hold",
            held,
            "MB",
            note=f"{held * 1024 / sessions:.0f} KB each",
        )
    )
    report(figures)
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Load benchmarks of the ACP server.")
    parser.add_argument("--quick", action="store_true", help="200 turns and sessions")
    raise SystemExit(anyio.run(main, parser.parse_args().quick))
