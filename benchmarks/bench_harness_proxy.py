"""Latency that ``acp-harness proxy`` adds per message.

An echo agent answers each request line at once. We time N sequential round trips
(request out, response back) straight to the agent and through the proxy, with a log
being written; each round trip crosses the proxy twice, so the added latency per message
is half the difference of the medians. Target: < 1 ms per message.
Run: python benchmarks/bench_harness_proxy.py [--rounds N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from report import Figure, record, table

TARGET_US = 1000.0
ECHO = (
    "import sys\n"
    "for line in sys.stdin.buffer:\n"
    '    sys.stdout.buffer.write(b\'{"jsonrpc":"2.0","id":1,"result":{}}\\n\')\n'
    "    sys.stdout.buffer.flush()\n"
)
REQUEST = b'{"jsonrpc":"2.0","id":1,"method":"session/update_ping","params":{"x":"%d"}}\n'


def _round_trips(argv: list[str], rounds: int) -> list[float]:
    with subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0) as proc:
        assert proc.stdin is not None and proc.stdout is not None
        times = []
        for i in range(rounds + 50):
            start = time.perf_counter()
            proc.stdin.write(REQUEST % i)
            proc.stdout.readline()
            if i >= 50:  # warm-up discarded
                times.append((time.perf_counter() - start) * 1000)
        proc.stdin.close()
        proc.wait(timeout=10)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=2000)
    args = parser.parse_args()
    agent = [sys.executable, "-c", ECHO]
    with tempfile.TemporaryDirectory() as tmp:
        log = str(Path(tmp) / "proxy.log")
        proxy = [sys.executable, "-m", "acp_server.harness", "proxy", "--log", log, "--", *agent]
        direct = statistics.median(_round_trips(agent, args.rounds))
        proxied_times = _round_trips(proxy, args.rounds)
        proxied = statistics.median(proxied_times)
        p95 = statistics.quantiles(proxied_times, n=20)[-1]
        logged = sum(1 for _ in open(log, encoding="utf-8"))
    added_us = max(0.0, (proxied - direct) / 2) * 1000
    figures = [
        Figure(
            "proxy: added latency per message (median)",
            round(added_us, 1),
            "µs",
            TARGET_US,
            note=f"round trip {direct:.3f} ms direct, {proxied:.3f} ms proxied (p95 {p95:.3f})",
        ),
        Figure("proxy: log lines written", logged, "lines", note=f"{args.rounds + 50} round trips"),
    ]
    print(table(figures))
    record(figures)


if __name__ == "__main__":
    main()
