"""One evaluation case and what a run of it gave: ``Case``, ``ScoreResult``, ``CaseResult``."""

from __future__ import annotations

from dataclasses import asdict, field
from typing import Any

from agentica._records import record

__all__ = ["Case", "CaseResult", "ScoreResult"]


@record(slots=False)
class Case:
    """An input for the agent and what its answer should satisfy.

    Attributes:
        input: The prompt (a str for agents; any JSON value for a callable target).
        expected: The reference answer the ``exact``/``contains``/``regex`` scorers use
            when given no value of their own, and the judge is shown.
        id: Names the case in reports and in a ``--resume`` file (default: its 1-based
            position in the dataset).
        scorers: This case's scorers, added to the run's: ``Scorer`` objects, functions
            or specs such as ``"contains"`` or ``{"judge": "rubric"}`` (see
            ``agentica.evaluation.dataset``).
        metadata: Free-form data, kept in the report.
    """

    input: Any
    expected: Any = None
    id: str = ""
    scorers: tuple[Any, ...] = ()
    metadata: dict[str, Any] = field(default_factory=dict)


@record(frozen=False, slots=False)
class ScoreResult:
    """One scorer's verdict on one answer: ``score`` in [0, 1], pass/fail and why."""

    score: float
    passed: bool
    reason: str = ""


@record(frozen=False, slots=False)
class CaseResult:
    """One run of one case.

    Attributes:
        case_id: The case's id.
        repeat: Which run of the case (0-based; see ``evaluate(repeat=...)``).
        answer: The answer's text (``None`` when the run failed).
        scores: Per scorer name, its verdict.
        passed: The run succeeded and every scorer passed.
        latency: Seconds the target took (scoring not included).
        tokens: Tokens the target used (``None``: unknown, e.g. a plain function).
        cost: Dollars the target cost (``None``: unknown).
        judge_tokens: Tokens the LLM judges used on this answer (``None``: no judge ran).
        judge_cost: Dollars the judges cost (``None``: unknown or no judge).
        error: ``"Type: message"`` when the target raised (the run goes on).
    """

    case_id: str
    repeat: int = 0
    input: Any = None
    expected: Any = None
    answer: str | None = None
    scores: dict[str, ScoreResult] = field(default_factory=dict)
    passed: bool = False
    latency: float = 0.0
    tokens: int | None = None
    cost: float | None = None
    judge_tokens: int | None = None
    judge_cost: float | None = None
    error: str | None = None

    @property
    def mean_score(self) -> float:
        """The mean of the scorers' scores (pass/fail as 1/0 without scorers)."""
        if not self.scores:
            return 1.0 if self.passed else 0.0
        return sum(s.score for s in self.scores.values()) / len(self.scores)

    def to_dict(self) -> dict[str, Any]:
        """The result as JSON-able data (the shape of the JSON report's ``results``)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CaseResult:
        """Read a result back from ``to_dict()`` data (a progress or report file)."""
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        known["scores"] = {
            name: ScoreResult(**score) for name, score in (data.get("scores") or {}).items()
        }
        known["case_id"] = str(data["case_id"])
        known["repeat"] = int(data.get("repeat", 0))
        return cls(**known)
