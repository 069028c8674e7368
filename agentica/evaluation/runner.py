"""``evaluate()``: run a target over a dataset's cases concurrently and score the answers.

The target is an ``Agent`` (each case runs on a shallow copy, so cases run concurrently
and none sees another's conversation) or a callable ``fn(input)``, sync (run in a worker
thread) or async, returning a ``RunResponse``, a str or any JSON value.
"""

from __future__ import annotations

import copy
import functools
import inspect
import json
import platform
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio
import anyio.to_thread

from agentica import _sync
from agentica._records import record
from agentica.evaluation.case import Case, CaseResult, ScoreResult
from agentica.evaluation.dataset import Dataset, resolve_scorers
from agentica.evaluation.progress import ProgressFile, load_results
from agentica.evaluation.scorers import Score, Scorer
from agentica.evaluation.summary import Summary, format_summary, summarize

if TYPE_CHECKING:
    from agentica.models.base import Model

__all__ = ["EvalReport", "evaluate", "evaluate_sync"]


@record(frozen=False, slots=False)
class EvalReport:
    """What ``evaluate()`` gives: every result (in dataset order, then by repeat), the
    summary and the run's metadata."""

    results: list[CaseResult]
    summary: Summary
    metadata: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The JSON report: ``{"metadata", "summary", "results"}``."""
        return {
            "metadata": self.metadata,
            "summary": self.summary.to_dict(),
            "results": [r.to_dict() for r in self.results],
        }

    def write_json(self, path: str | Path) -> None:
        """Write the JSON report."""
        text = json.dumps(self.to_dict(), indent=2, ensure_ascii=False, default=str)
        Path(path).write_text(text + "\n", encoding="utf-8")

    def write_html(self, path: str | Path) -> None:
        """Write the self-contained HTML report (inline CSS and SVG charts)."""
        from agentica.evaluation.html import render_html

        html = render_html(self.results, self.summary, self.metadata)
        Path(path).write_text(html, encoding="utf-8")

    def text(self) -> str:
        """The summary table."""
        return format_summary(self.summary)


def _describe(target: Any) -> str:
    from agentica.agent import Agent

    if isinstance(target, Agent):
        model = target.model
        return f"Agent {target.name or ''} (model {model.name})".replace("Agent  ", "Agent ")
    return getattr(target, "__qualname__", None) or type(target).__name__


def _answer(value: Any) -> tuple[str, Any, int | None, float | None]:
    """``(text, output, tokens, cost)`` of what the target returned."""
    from agentica.run import RunResponse

    if isinstance(value, RunResponse):
        usage = value.usage
        cost = usage.cost
        return value.text or str(value.content), value.content, usage.total_tokens, cost
    if isinstance(value, str):
        return value, value, None, None
    return json.dumps(value, ensure_ascii=False, default=str), value, None, None


async def _call(target: Any, case: Case) -> Any:
    from agentica.agent import Agent

    if isinstance(target, Agent):
        # A copy per case: an agent runs one run at a time and keeps its conversation;
        # the copy shares the model, tools and settings, and starts from the same history.
        agent: Agent[Any] = copy.copy(target)
        prompt = case.input if isinstance(case.input, str) else json.dumps(case.input)
        return await agent.run(prompt)
    if inspect.iscoroutinefunction(target) or inspect.iscoroutinefunction(
        getattr(target, "__call__", None)  # noqa: B004  (an object with async __call__)
    ):
        return await target(case.input)
    value = await anyio.to_thread.run_sync(functools.partial(target, case.input))
    return await value if inspect.isawaitable(value) else value


async def _score(scorer: Scorer, case: Case, answer: str, output: Any) -> Score:
    try:
        return await scorer.score(case, answer, output)
    except Exception as e:  # a scorer's failure fails the answer, not the run
        return Score(0.0, False, f"scorer failed: {type(e).__name__}: {e}")


async def run_case(
    target: Any,
    case: Case,
    scorers: Sequence[tuple[str, Scorer]],
    repeat: int = 0,
    timeout: float | None = None,
) -> CaseResult:
    """Run and score one case; a target that raises gives a failed result with its error."""
    result = CaseResult(case_id=case.id, repeat=repeat, input=case.input, expected=case.expected)
    start = time.perf_counter()
    try:
        if timeout is None:
            value = await _call(target, case)
        else:
            with anyio.fail_after(timeout):
                value = await _call(target, case)
    except Exception as e:
        result.latency = time.perf_counter() - start
        result.error = f"{type(e).__name__}: {e}"
        for name, _ in scorers:
            result.scores[name] = ScoreResult(
                score=0.0, passed=False, reason="not scored: the run failed"
            )
        return result
    result.latency = time.perf_counter() - start
    result.answer, output, result.tokens, result.cost = _answer(value)
    scores = [await _score(s, case, result.answer, output) for _, s in scorers]
    paid: list[Score] = []
    for (name, scorer), score in zip(scorers, scores, strict=True):
        result.scores[name] = ScoreResult(
            score=score.score, passed=score.passed, reason=score.reason
        )
        if scorer.is_paid:
            paid.append(score)
    if paid:  # the judges' own usage, apart from the target's
        result.judge_tokens = sum(s.tokens for s in paid)
        costs = [s.cost for s in paid]
        result.judge_cost = None if None in costs else sum(c or 0.0 for c in costs)
    result.passed = all(s.passed for s in result.scores.values())
    return result


def _cases(dataset: Dataset | Iterable[Case | dict[str, Any] | str] | str | Path) -> Dataset:
    if isinstance(dataset, Dataset):
        return dataset
    if isinstance(dataset, str | Path):
        return Dataset.from_jsonl(dataset)
    return Dataset.of(dataset)


async def evaluate(
    target: Any,
    dataset: Dataset | Iterable[Case | dict[str, Any] | str] | str | Path,
    *,
    scorers: Sequence[Scorer | Callable[..., Any] | str | dict[str, Any]] = (),
    concurrency: int = 8,
    repeat: int = 1,
    judge_model: Model | str | None = None,
    timeout: float | None = None,
    resume: str | Path | None = None,
    on_result: Callable[[CaseResult], Any] | None = None,
) -> EvalReport:
    """Run ``target`` on every case (``repeat`` times), at most ``concurrency`` at once.

    Args:
        target: An ``Agent`` or a callable ``fn(input)`` (see the module docstring).
        dataset: A ``Dataset``, cases (``Case``, dicts, input strings) or a JSONL path.
        scorers: Scorers for every case, before each case's own (``Scorer`` objects,
            functions or specs like ``"contains"``; see ``agentica.evaluation.dataset``).
        concurrency: Cases in flight at most.
        repeat: Runs per case (the summary reports the spread).
        judge_model: The model of LLM judges that name none.
        timeout: Seconds a case's run may take (then it fails with ``TimeoutError``).
        resume: A progress file: results already in it are kept and not run again; each
            new result is appended to it as it finishes.
        on_result: Called with each new result as it finishes (e.g. a progress bar).

    Returns:
        The ``EvalReport``. A case that raises is a failed result, never the run's end.
    """
    if concurrency < 1 or repeat < 1:
        raise ValueError("concurrency and repeat must be >= 1")
    data = _cases(dataset)
    started, clock = datetime.now(UTC), time.perf_counter()
    cache: dict[str, Scorer] = {}
    plans = {c.id: resolve_scorers(c, scorers, judge_model, cache) for c in data}
    done = {(r.case_id, r.repeat): r for r in (load_results(resume) if resume else [])}
    resumed = len(done)
    todo: Iterator[tuple[Case, int]] = iter([
        (case, k) for case in data for k in range(repeat) if (case.id, k) not in done
    ])
    progress = ProgressFile(resume) if resume else None

    async def worker() -> None:
        for case, k in todo:  # the workers share one iterator: each case runs once
            result = await run_case(target, case, plans[case.id], k, timeout)
            done[(case.id, k)] = result
            if progress is not None:
                progress.append(result)
            if on_result is not None:
                on_result(result)

    try:
        async with anyio.create_task_group() as tg:
            for _ in range(concurrency):
                tg.start_soon(worker)
    finally:
        if progress is not None:
            progress.close()
    order = {c.id: i for i, c in enumerate(data)}
    results = sorted(
        (r for r in done.values() if r.case_id in order and r.repeat < repeat),
        key=lambda r: (order[r.case_id], r.repeat),
    )
    metadata = {
        "dataset": data.name,
        "target": _describe(target),
        "cases": len(data),
        "concurrency": concurrency,
        "repeat": repeat,
        "judge_model": getattr(judge_model, "name", judge_model),
        "resumed_results": resumed,
        "started_at": started.isoformat(timespec="seconds"),
        "duration": round(time.perf_counter() - clock, 3),
        "python": platform.python_version(),
    }
    return EvalReport(results=results, summary=summarize(results), metadata=metadata)


def evaluate_sync(
    target: Any,
    dataset: Dataset | Iterable[Case | dict[str, Any] | str] | str | Path,
    **options: Any,
) -> EvalReport:
    """``evaluate()`` for sync code (a plain script; also works inside a running loop)."""
    return _sync.call_sync(
        lambda: evaluate(target, dataset, **options),
        api="evaluate_sync()", alternative="await evaluate(...)",
    )
