"""Load (slow: run with ``-m slow``): concurrency, 1,000 turns, 1,000 sessions.

Figures are printed (``-s``) and the same measurements are in ``benchmarks/bench_load.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load_driver import measure_concurrency, measure_sessions, measure_turns

pytestmark = pytest.mark.slow


async def test_20_concurrent_sessions_take_at_most_twice_one_session(tmp_path: Path):
    r = await measure_concurrency(tmp_path, 20)
    print(f"\none session: {r['one']:.2f} s, 20 at once: {r['many']:.2f} s")
    assert r["many"] <= 2 * r["one"]


async def test_1000_turns_leak_no_tasks_threads_fds_or_children(tmp_path: Path):
    r = await measure_turns(tmp_path, 1000)
    before, after = r["before"], r["after"]
    growth_mb = (after["rss_kb"] - before["rss_kb"]) / 1024
    print(
        f"\n1000 turns in {r['seconds']:.1f} s: rss {before['rss_kb'] / 1024:.1f} -> "
        f"{after['rss_kb'] / 1024:.1f} MB (+{growth_mb:.1f}), {before} -> {after}"
    )
    assert after["tasks"] == before["tasks"]
    assert after["threads"] <= before["threads"]
    assert after["fds"] == before["fds"]
    assert r["children"] == []
    # The history of 1,000 turns is kept (a few MB); anything near this bound is a leak.
    assert growth_mb < 40


async def test_1000_sessions_memory_is_reported(tmp_path: Path):
    r = await measure_sessions(tmp_path, 1000)
    held = (r["after_kb"] - r["before_kb"]) / 1024
    print(f"\n1000 sessions hold {held:.1f} MB ({held * 1024 / 1000:.0f} KB each)")
    # Sessions are never freed today (no session/close yet): this bounds what they hold.
    assert held < 400
