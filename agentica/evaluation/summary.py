"""The summary of a run's results: pass rate, scores, latency percentiles, totals, and the
spread over repeated runs; and its text table."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import field
from typing import Any

from agentica._records import record
from agentica.evaluation.case import CaseResult

__all__ = ["CaseSpread", "Summary", "format_summary", "percentile", "summarize"]


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0..100) of ``values``, linearly interpolated (0 if empty)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def _total(values: list[Any]) -> Any:
    """The sum, or ``None`` when any value is unknown (a partial total would mislead)."""
    return None if any(v is None for v in values) else sum(values)


@record(frozen=False, slots=False)
class CaseSpread:
    """One case over its repeated runs."""

    case_id: str
    runs: int
    passes: int
    score_mean: float
    score_stdev: float

    @property
    def flaky(self) -> bool:
        """It passed in some runs and failed in others."""
        return 0 < self.passes < self.runs


@record(frozen=False, slots=False)
class Summary:
    """Figures over all results (see ``summarize()``).

    ``tokens``/``cost`` are totals over the answered cases (failed runs' are unknowable),
    ``None`` when unknown for one of them (shown as "unknown", never as 0); ``judge_*``
    are the LLM judges' own (``judge_tokens`` is ``None`` without a judge).
    ``score_mean`` ± ``score_stdev`` is over the repeats; with ``repeat > 1`` also the
    range of the repeats' pass rates and each case's spread (``flaky``: the ids of cases
    that both passed and failed).
    """

    cases: int
    results: int
    passed: int
    errors: int
    pass_rate: float
    scores: dict[str, float]
    latency: dict[str, float]
    tokens: int | None
    cost: float | None
    judge_tokens: int | None
    judge_cost: float | None
    repeat: int = 1
    score_mean: float = 0.0
    score_stdev: float = 0.0
    pass_rate_min: float = 0.0
    pass_rate_max: float = 0.0
    flaky: list[str] = field(default_factory=list)
    per_case: list[CaseSpread] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able data (the JSON report's ``summary``)."""
        data = {k: v for k, v in self.__dict__.items() if k != "per_case"}
        data["per_case"] = [{**c.__dict__, "flaky": c.flaky} for c in self.per_case]
        return data


def summarize(results: Sequence[CaseResult]) -> Summary:
    """Summarise ``results`` (one per case and repeat)."""
    ids = list(dict.fromkeys(r.case_id for r in results))
    repeat = max((r.repeat for r in results), default=0) + 1
    names = list(dict.fromkeys(n for r in results for n in r.scores))
    scores = {
        n: statistics.fmean(r.scores[n].score for r in results if n in r.scores) for n in names
    }
    latencies = [r.latency for r in results]
    latency = {f"p{q}": percentile(latencies, q) for q in (50, 90, 99)}
    latency["mean"] = statistics.fmean(latencies) if latencies else 0.0
    latency["max"] = max(latencies, default=0.0)
    judged = [r for r in results if r.judge_tokens is not None]
    answered = [r for r in results if r.error is None]  # a failed run's usage is unknowable
    passed = sum(r.passed for r in results)
    summary = Summary(
        cases=len(ids),
        results=len(results),
        passed=passed,
        errors=sum(r.error is not None for r in results),
        pass_rate=passed / len(results) if results else 0.0,
        scores=scores,
        latency=latency,
        tokens=_total([r.tokens for r in answered]) if answered else None,
        cost=_total([r.cost for r in answered]) if answered else None,
        judge_tokens=sum(r.judge_tokens or 0 for r in judged) if judged else None,
        judge_cost=_total([r.judge_cost for r in judged]) if judged else None,
        repeat=repeat,
    )
    runs = [[r for r in results if r.repeat == k] for k in range(repeat)]
    runs = [run for run in runs if run]
    means = [statistics.fmean(r.mean_score for r in run) for run in runs]
    rates = [sum(r.passed for r in run) / len(run) for run in runs]
    summary.score_mean = statistics.fmean(means) if means else 0.0
    summary.score_stdev = statistics.stdev(means) if len(means) > 1 else 0.0
    summary.pass_rate_min = min(rates, default=0.0)
    summary.pass_rate_max = max(rates, default=0.0)
    if repeat > 1:
        for case_id in ids:
            mine = [r for r in results if r.case_id == case_id]
            values = [r.mean_score for r in mine]
            summary.per_case.append(CaseSpread(
                case_id=case_id, runs=len(mine), passes=sum(r.passed for r in mine),
                score_mean=statistics.fmean(values),
                score_stdev=statistics.stdev(values) if len(values) > 1 else 0.0,
            ))
        summary.flaky = [c.case_id for c in summary.per_case if c.flaky]
    return summary


def _money(cost: float | None) -> str:
    return "unknown" if cost is None else f"${cost:.4f}"


def format_summary(summary: Summary) -> str:
    """The summary as a text table (what ``agentica eval`` prints)."""
    s = summary
    failed = s.results - s.passed - s.errors
    runs = f"{s.cases} cases" + (f" x {s.repeat} runs" if s.repeat > 1 else "")
    rows = [
        ("results", f"{s.results} ({runs}): {s.passed} passed, {failed} failed, "
                    f"{s.errors} errors"),
        ("pass rate", f"{s.pass_rate:.1%}"),
    ]
    rows += [(f"score {name}", f"{value:.3f}") for name, value in s.scores.items()]
    lat = s.latency
    rows.append(("latency", f"p50 {lat['p50']:.3f} s  p90 {lat['p90']:.3f} s  "
                            f"p99 {lat['p99']:.3f} s"))
    rows.append(("tokens", "unknown" if s.tokens is None else f"{s.tokens:,}"))
    rows.append(("cost", _money(s.cost)))
    if s.judge_tokens is not None:
        rows.append(("judge tokens", f"{s.judge_tokens:,}"))
        rows.append(("judge cost", _money(s.judge_cost)))
    if s.repeat > 1:
        rows.append(("score spread", f"{s.score_mean:.3f} ± {s.score_stdev:.3f} "
                                     f"over {s.repeat} runs"))
        rows.append(("pass rate range", f"{s.pass_rate_min:.1%} to {s.pass_rate_max:.1%}"))
        rows.append(("flaky cases", ", ".join(s.flaky) if s.flaky else "none"))
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name.ljust(width)}  {value}" for name, value in rows)
