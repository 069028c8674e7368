"""``agentica eval``: evaluate an agent on a JSONL dataset from the shell.

Progress goes to stderr (a bar on a terminal, one line per case otherwise), the summary
table to stdout. Exit status: 0; 1 when the pass rate is under ``--threshold``; 2 on a
usage or dataset error; 130 when interrupted (finished cases stay in ``--resume FILE``).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from typing import Any, TextIO

from agentica.evaluation.case import CaseResult

__all__ = ["main"]


def _parser(prog: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=prog,
        description="Evaluate an agent on a JSONL dataset and grade the answers.",
        epilog="Dataset lines: {\"id\", \"input\", \"expected\", \"scorers\"}; see the README.",
    )
    p.add_argument("dataset", help="the cases, one JSON object per line")
    target = p.add_mutually_exclusive_group(required=True)
    target.add_argument("--agent", metavar="MODULE:ATTR",
                        help="an Agent, or a function fn(input), to evaluate")
    target.add_argument("--model", metavar="SPEC", help="evaluate a plain Agent on this model")
    p.add_argument("--judge-model", metavar="SPEC",
                   help="the LLM judges' model (default: --model, else the default model)")
    p.add_argument("--scorer", action="append", default=[], metavar="NAME",
                   choices=["exact", "contains", "regex"],
                   help="score every case with this (exact/contains/regex against 'expected')")
    p.add_argument("--rubric", metavar="TEXT", help="an LLM judge with this rubric for every case")
    p.add_argument("--concurrency", type=int, default=8, metavar="N", help="cases at once (8)")
    p.add_argument("--repeat", type=int, default=1, metavar="N", help="runs per case (1)")
    p.add_argument("--timeout", type=float, metavar="SECONDS", help="a case's time limit")
    p.add_argument("--json", metavar="FILE", help="write the JSON report")
    p.add_argument("--html", metavar="FILE", help="write the self-contained HTML report")
    p.add_argument("--resume", metavar="FILE",
                   help="progress file: skip the cases it has, append each finished one")
    p.add_argument("--threshold", type=float, metavar="X",
                   help="exit with status 1 when the pass rate (0..1) is under X")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    return p


def _load_target(spec: str) -> Any:
    module, _, attr = spec.partition(":")
    if not module or not attr:
        raise ValueError(f"--agent takes MODULE:ATTR, got {spec!r}")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())  # like `python -m`: modules of this directory
    value: Any = importlib.import_module(module)
    for part in attr.split("."):
        value = getattr(value, part)
    return value


class _Progress:
    """Reports finished results: a bar on a terminal (``rich`` when installed)."""

    def __init__(self, total: int, done: int, stream: TextIO, quiet: bool) -> None:
        self.total, self.done, self.stream, self.quiet = total, done, stream, quiet
        self.tty = stream.isatty() and not quiet
        self._rich: Any = None
        self._task: Any = None
        if self.tty:
            try:  # rich is optional: a bar of its own when it is missing
                console = importlib.import_module("rich.console")
                bars = importlib.import_module("rich.progress")
            except ImportError:
                pass
            else:
                self._rich = bars.Progress(console=console.Console(file=stream), transient=True)
                self._task = self._rich.add_task("eval", total=total, completed=done)
                self._rich.start()

    def __call__(self, result: CaseResult) -> None:
        self.done += 1
        if self.quiet:
            return
        if self._rich is not None:
            self._rich.update(self._task, completed=self.done)
            return
        verdict = "error" if result.error else "pass" if result.passed else "fail"
        if self.tty:
            filled = int(30 * self.done / max(self.total, 1))
            bar = "#" * filled + "-" * (30 - filled)
            self.stream.write(f"\r[{bar}] {self.done}/{self.total}")
        else:
            run = f" run {result.repeat + 1}" if result.repeat else ""
            self.stream.write(
                f"[{self.done}/{self.total}] {result.case_id}{run}: {verdict} "
                f"({result.latency:.2f} s)\n"
            )
        self.stream.flush()

    def close(self) -> None:
        if self._rich is not None:
            self._rich.stop()
        elif self.tty:
            self.stream.write("\n")
            self.stream.flush()


def main(argv: Sequence[str] | None = None, prog: str = "agentica eval") -> int:
    """Run ``agentica eval`` with ``argv``; returns the exit status."""
    args = _parser(prog).parse_args(argv)
    import anyio

    from agentica.evaluation.dataset import Dataset, DatasetError
    from agentica.evaluation.judge import LLMJudge
    from agentica.evaluation.progress import load_results
    from agentica.evaluation.runner import evaluate

    def fail(message: str) -> int:
        sys.stderr.write(f"{prog}: error: {message}\n")
        return 2

    if args.concurrency < 1 or args.repeat < 1:
        return fail("--concurrency and --repeat must be >= 1")
    if args.threshold is not None and not 0 <= args.threshold <= 1:
        return fail("--threshold is a pass rate between 0 and 1")
    try:
        dataset = Dataset.from_jsonl(args.dataset)
    except (OSError, DatasetError) as e:
        return fail(str(e))
    try:
        if args.agent:
            target = _load_target(args.agent)
        else:
            from agentica.agent import Agent

            target = Agent(model=args.model)
    except Exception as e:
        return fail(f"cannot load the agent: {type(e).__name__}: {e}")
    judge_model = args.judge_model or args.model
    scorers: list[Any] = list(args.scorer)
    if args.rubric:
        scorers.append(LLMJudge(args.rubric))
    ids = {c.id for c in dataset}
    done = 0
    if args.resume:
        done = sum(
            r.case_id in ids and r.repeat < args.repeat for r in load_results(args.resume)
        )
    progress = _Progress(len(dataset) * args.repeat, done, sys.stderr, args.quiet)

    async def run() -> Any:
        return await evaluate(
            target, dataset, scorers=scorers, concurrency=args.concurrency,
            repeat=args.repeat, judge_model=judge_model, timeout=args.timeout,
            resume=args.resume, on_result=progress,
        )

    try:
        report = anyio.run(run)
    except KeyboardInterrupt:
        progress.close()
        kept = f"; finished cases are in {args.resume}" if args.resume else ""
        sys.stderr.write(f"{prog}: interrupted{kept}\n")
        return 130
    progress.close()
    if args.json:
        report.write_json(args.json)
    if args.html:
        report.write_html(args.html)
    sys.stdout.write(report.text() + "\n")
    rate = report.summary.pass_rate
    if args.threshold is not None and rate < args.threshold:
        sys.stdout.write(f"FAILED: pass rate {rate:.1%} is under the threshold "
                         f"{args.threshold:.1%}\n")
        return 1
    return 0
