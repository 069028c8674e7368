"""Evaluation: run an agent over a dataset of cases and grade the answers.

::

    from agentica import Agent
    from agentica.evaluation import Case, Contains, LLMJudge, evaluate

    cases = [Case(id="fr", input="Capital of France?", expected="Paris")]
    report = await evaluate(
        Agent(model="demo"), cases,
        scorers=[Contains(), LLMJudge("Names Paris and nothing false.", model="demo")],
        concurrency=8,
    )                                   # or evaluate_sync(...) from sync code
    print(report.text())
    report.write_html("report.html")

Async inside (``evaluate``), sync outside (``evaluate_sync``). The same from the shell:
``agentica eval cases.jsonl --model SPEC`` (``agentica.evaluation.cli``); the JSONL
format is described in ``agentica.evaluation.dataset``.
"""

from agentica.evaluation.case import Case, CaseResult, ScoreResult
from agentica.evaluation.dataset import Dataset, DatasetError
from agentica.evaluation.judge import LLMJudge, Verdict
from agentica.evaluation.runner import EvalReport, evaluate, evaluate_sync
from agentica.evaluation.scorers import Contains, Exact, FunctionScorer, Regex, Score, Scorer
from agentica.evaluation.summary import Summary

__all__ = [
    "Case",
    "CaseResult",
    "Contains",
    "Dataset",
    "DatasetError",
    "EvalReport",
    "Exact",
    "FunctionScorer",
    "LLMJudge",
    "Regex",
    "Score",
    "ScoreResult",
    "Scorer",
    "Summary",
    "Verdict",
    "evaluate",
    "evaluate_sync",
]
