"""Scorers: how an answer is graded. Each gives a ``Score`` (0..1, pass/fail, a reason).

Built in: ``Exact``, ``Contains``, ``Regex`` and ``FunctionScorer`` (a Python function,
sync or async, returning a bool, a float, ``(score, reason)`` or a ``Score``); the LLM
judge is ``agentica.evaluation.judge.LLMJudge``. ``as_scorer()`` turns a plain function
into a ``FunctionScorer``.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Sequence
from typing import Any

from agentica._records import record
from agentica.evaluation.case import Case

__all__ = ["Contains", "Exact", "FunctionScorer", "Regex", "Score", "Scorer", "as_scorer"]


@record(kw_only=False)
class Score:
    """A scorer's verdict.

    Attributes:
        score: In [0, 1].
        passed: Whether the answer passes this scorer.
        reason: Why (shown in the reports).
        tokens: Tokens the scorer itself used (an LLM judge's).
        cost: Dollars the scorer itself cost (``None``: unknown or free).
    """

    score: float
    passed: bool
    reason: str = ""
    tokens: int = 0
    cost: float | None = None


class Scorer:
    """Base class: override ``score()``.

    Args:
        name: The name in reports (unique per case; a repeated one gets ``#2``...).
        threshold: The score an answer needs to pass.
    """

    name: str = "scorer"
    threshold: float = 1.0
    is_paid: bool = False
    """Whether scoring may cost tokens (an LLM judge): its cost is counted separately."""

    async def score(self, case: Case, answer: str, output: Any = None) -> Score:
        """Grade ``answer`` (the text) for ``case``; ``output`` is the run's output object
        (a ``response_model`` instance; the text otherwise)."""
        raise NotImplementedError

    def verdict(self, value: float, reason: str = "") -> Score:
        """A ``Score`` for ``value`` (clamped to [0, 1]), passed at ``threshold``."""
        value = min(1.0, max(0.0, float(value)))
        return Score(value, value >= self.threshold, reason)


def _reference(case: Case, value: Any, scorer: str) -> Any:
    if value is not None:
        return value
    if case.expected is None:
        raise ValueError(f"the {scorer} scorer has no value and the case no 'expected'")
    return case.expected


def _clip(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class Exact(Scorer):
    """The answer equals the value (default: the case's ``expected``), ends stripped."""

    def __init__(
        self, value: str | None = None, *, ignore_case: bool = False, name: str = "exact"
    ) -> None:
        self.value, self.ignore_case, self.name = value, ignore_case, name

    async def score(self, case: Case, answer: str, output: Any = None) -> Score:
        want = str(_reference(case, self.value, "exact")).strip()
        got = answer.strip()
        same = want.casefold() == got.casefold() if self.ignore_case else want == got
        return self.verdict(1.0 if same else 0.0, "equal" if same else f"expected {want!r}")


class Contains(Scorer):
    """The answer contains the value, or each of a list of values (score: the fraction
    found; passes when all are)."""

    def __init__(
        self,
        value: str | Sequence[str] | None = None,
        *,
        ignore_case: bool = False,
        name: str = "contains",
    ) -> None:
        self.value, self.ignore_case, self.name = value, ignore_case, name

    async def score(self, case: Case, answer: str, output: Any = None) -> Score:
        ref = _reference(case, self.value, "contains")
        wanted = [str(v) for v in ref] if isinstance(ref, list | tuple) else [str(ref)]
        text = answer.casefold() if self.ignore_case else answer
        missing = [w for w in wanted if (w.casefold() if self.ignore_case else w) not in text]
        found = len(wanted) - len(missing)
        if not missing:
            return self.verdict(1.0, "contains " + ", ".join(repr(w) for w in wanted))
        return self.verdict(
            found / len(wanted), "missing " + ", ".join(repr(_clip(w)) for w in missing)
        )


class Regex(Scorer):
    """The answer matches a regular expression (``re.search``)."""

    def __init__(
        self, pattern: str | None = None, *, ignore_case: bool = False, name: str = "regex"
    ) -> None:
        self.pattern, self.ignore_case, self.name = pattern, ignore_case, name
        self._compiled: dict[str, re.Pattern[str]] = {}

    async def score(self, case: Case, answer: str, output: Any = None) -> Score:
        pattern = str(_reference(case, self.pattern, "regex"))
        compiled = self._compiled.get(pattern)
        if compiled is None:
            compiled = re.compile(pattern, re.IGNORECASE if self.ignore_case else 0)
            self._compiled[pattern] = compiled
        found = compiled.search(answer)
        if found:
            return self.verdict(1.0, f"matched {_clip(found.group(0))!r}")
        return self.verdict(0.0, f"no match for /{_clip(pattern)}/")


class FunctionScorer(Scorer):
    """A Python function as a scorer: ``fn(answer)``, ``fn(answer, case)`` or
    ``fn(answer, case, output)``, sync or async, returning a bool, a number in [0, 1],
    ``(score, reason)`` or a ``Score``.

    Args:
        fn: The function.
        name: Its name in reports (default: the function's name).
        threshold: The score a number needs to pass (bools pass when true).
    """

    def __init__(
        self, fn: Callable[..., Any], *, name: str | None = None, threshold: float = 0.5
    ) -> None:
        self.fn = fn
        self.name = name or getattr(fn, "__name__", None) or type(fn).__name__
        self.threshold = threshold
        try:
            params = inspect.signature(fn).parameters.values()
        except (TypeError, ValueError):
            params = ()
        variadic = any(p.kind is p.VAR_POSITIONAL for p in params)
        positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        self._arity = 3 if variadic else max(1, min(3, len(positional)))

    async def score(self, case: Case, answer: str, output: Any = None) -> Score:
        args = (answer, case, answer if output is None else output)[: self._arity]
        value = self.fn(*args)
        if inspect.isawaitable(value):
            value = await value
        return self.to_score(value)

    def to_score(self, value: Any) -> Score:
        """Turn the function's return value into a ``Score``."""
        if isinstance(value, Score):
            return value
        reason = ""
        if isinstance(value, tuple) and len(value) == 2:
            value, reason = value
            reason = str(reason)
        if isinstance(value, bool):
            return Score(1.0 if value else 0.0, value, reason or ("true" if value else "false"))
        if isinstance(value, int | float):
            return self.verdict(float(value), reason)
        raise TypeError(
            f"scorer {self.name!r} returned {value!r}: expected a bool, a number, "
            "(score, reason) or a Score"
        )


def as_scorer(item: Scorer | Callable[..., Any]) -> Scorer:
    """A ``Scorer`` as is; a function as a ``FunctionScorer``."""
    if isinstance(item, Scorer):
        return item
    if callable(item):
        return FunctionScorer(item)
    raise TypeError(f"not a scorer: {item!r}")
