"""Datasets: ``Case`` lists read from JSONL, and scorer specs.

One JSON object per line (blank lines and lines starting with ``//`` are skipped)::

    {"id": "capital", "input": "Capital of France?", "expected": "Paris",
     "scorers": ["contains", {"judge": "Names Paris and says nothing false."}]}

Keys: ``input`` (required), ``expected``, ``id`` (default: the case's 1-based
position), ``scorers`` (a spec or a list of specs) and ``metadata``. A scorer spec is
a name using the case's ``expected`` (``"exact"``, ``"contains"``, ``"regex"``) or an
object with one of these keys and its value: ``{"exact": "Paris"}``,
``{"contains": ["Paris", "France"]}`` (all of them), ``{"regex": "^Paris\\b"}``,
``{"judge": "rubric..."}`` (an LLM judge; ``"model"`` picks its model),
``{"function": "module:attr"}`` (a Python scorer function). Options: ``"ignore_case"``
(exact/contains/regex), ``"threshold"`` (judge/function) and ``"name"``.

With no scorer at all (neither the case's nor the run's), a case with ``expected`` is
scored by ``exact``.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agentica._records import record
from agentica.evaluation.case import Case
from agentica.evaluation.judge import LLMJudge
from agentica.evaluation.scorers import Contains, Exact, FunctionScorer, Regex, Scorer, as_scorer

if TYPE_CHECKING:
    from agentica.models.base import Model

__all__ = ["Dataset", "DatasetError", "resolve_scorers", "scorer_from_spec"]

_MATCHERS: dict[str, Callable[..., Scorer]] = {"exact": Exact, "contains": Contains, "regex": Regex}
_KINDS = (*_MATCHERS, "judge", "function")


class DatasetError(ValueError):
    """A dataset line or a scorer spec is not valid."""


def _load(target: str) -> Any:
    module, _, attr = target.partition(":")
    if not module or not attr:
        raise DatasetError(f"a function scorer is 'module:attr', got {target!r}")
    value: Any = importlib.import_module(module)
    for part in attr.split("."):
        value = getattr(value, part)
    return value


def scorer_from_spec(spec: Any, judge_model: Model | str | None = None) -> Scorer:
    """A ``Scorer`` from a spec (see the module docstring), a ``Scorer`` or a function."""
    if isinstance(spec, Scorer) or callable(spec):
        scorer = as_scorer(spec)
        return scorer.using(judge_model) if isinstance(scorer, LLMJudge) else scorer
    if isinstance(spec, str):
        if spec not in _MATCHERS:
            raise DatasetError(
                f"unknown scorer {spec!r}: a name is one of {', '.join(_MATCHERS)}; "
                "a judge is {\"judge\": \"rubric\"}"
            )
        return _MATCHERS[spec]()
    if not isinstance(spec, dict):
        raise DatasetError(f"a scorer spec is a name or an object, got {spec!r}")
    kinds = [k for k in _KINDS if k in spec]
    if len(kinds) != 1:
        raise DatasetError(f"a scorer spec has exactly one of {', '.join(_KINDS)}: {spec!r}")
    kind = kinds[0]
    value = spec[kind]
    options = {k: spec[k] for k in ("name", "threshold", "ignore_case", "model") if k in spec}
    try:
        if kind in _MATCHERS:
            options.pop("threshold", None)
            options.pop("model", None)
            return _MATCHERS[kind](value, **options)
        options.pop("ignore_case", None)
        if kind == "judge":
            options.setdefault("model", judge_model)
            return LLMJudge(str(value), **options)
        options.pop("model", None)
        return FunctionScorer(_load(str(value)), **options)
    except (TypeError, ImportError, AttributeError) as e:
        raise DatasetError(f"bad scorer spec {spec!r}: {e}") from e


def resolve_scorers(
    case: Case,
    extra: Sequence[Any] = (),
    judge_model: Model | str | None = None,
    cache: dict[str, Scorer] | None = None,
) -> list[tuple[str, Scorer]]:
    """``(name, scorer)`` for each scorer of ``case``: the run's ``extra`` then the case's
    own (``exact`` when there are none and the case has ``expected``); a repeated name
    gets ``#2``, ``#3``... ``cache`` keeps the scorers built from specs (a judge's model
    is made once)."""
    specs = [*extra, *case.scorers]
    if not specs and case.expected is not None:
        specs = ["exact"]
    out: list[tuple[str, Scorer]] = []
    seen: dict[str, int] = {}
    for spec in specs:
        # Objects live as long as the run, so their id() is a stable key.
        obj = isinstance(spec, Scorer) or callable(spec)
        key = f"id:{id(spec)}" if obj else json.dumps(spec, sort_keys=True)
        scorer = cache.get(key) if cache is not None else None
        if scorer is None:
            scorer = scorer_from_spec(spec, judge_model)
            if cache is not None:
                cache[key] = scorer
        count = seen[scorer.name] = seen.get(scorer.name, 0) + 1
        out.append((scorer.name if count == 1 else f"{scorer.name}#{count}", scorer))
    return out


def _case(data: Any, index: int, where: str) -> Case:
    if not isinstance(data, dict) or "input" not in data:
        raise DatasetError(f"{where}: a case is an object with an 'input'")
    unknown = set(data) - {"id", "input", "expected", "scorers", "metadata"}
    if unknown:
        raise DatasetError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    scorers = data.get("scorers") or ()
    if isinstance(scorers, str | dict):
        scorers = [scorers]
    for spec in scorers:  # fail on a bad spec now, not in the middle of the run
        try:
            scorer_from_spec(spec)
        except DatasetError as e:
            raise DatasetError(f"{where}: {e}") from None
    return Case(
        input=data["input"],
        expected=data.get("expected"),
        id=str(data.get("id", index)),
        scorers=tuple(scorers),
        metadata=dict(data.get("metadata") or {}),
    )


@record(frozen=False, slots=False, kw_only=False)
class Dataset:
    """Evaluation cases (iterable, with ``len()``). Case ids must be unique."""

    cases: list[Case]
    name: str = ""

    def __post_init__(self) -> None:
        ids = [c.id for c in self.cases]
        dupes = sorted({i for i in ids if ids.count(i) > 1}) if len(set(ids)) < len(ids) else []
        if dupes:
            raise DatasetError(f"duplicate case id(s): {', '.join(dupes)}")

    def __iter__(self) -> Iterator[Case]:
        return iter(self.cases)

    def __len__(self) -> int:
        return len(self.cases)

    @classmethod
    def of(cls, cases: Iterable[Case | dict[str, Any] | str], name: str = "") -> Dataset:
        """Cases from ``Case`` objects, dicts as in a JSONL line, or bare input strings;
        cases without an id get their 1-based position."""
        out: list[Case] = []
        for i, item in enumerate(cases, 1):
            if isinstance(item, str):
                item = Case(input=item)
            if isinstance(item, dict):
                item = _case(item, i, f"case {i}")
            if not item.id:
                item = Case(input=item.input, expected=item.expected, id=str(i),
                            scorers=item.scorers, metadata=item.metadata)
            out.append(item)
        return cls(out, name)

    @classmethod
    def from_jsonl(cls, path: str | Path) -> Dataset:
        """Read a JSONL dataset (see the module docstring).

        Raises:
            DatasetError: A line is not valid (its line number is in the message).
        """
        path = Path(path)
        cases: list[Case] = []
        with path.open(encoding="utf-8") as f:
            for number, line in enumerate(f, 1):
                text = line.strip()
                if not text or text.startswith("//"):
                    continue
                where = f"{path.name}:{number}"
                try:
                    data = json.loads(text)
                except json.JSONDecodeError as e:
                    raise DatasetError(f"{where}: not JSON ({e.msg})") from None
                cases.append(_case(data, len(cases) + 1, where))
        return cls(cases, path.name)
