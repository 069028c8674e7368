"""Benchmark figures: each with its target and verdict, printed as a table, collected as JSON.

A benchmark script builds ``Figure``s, prints ``table(figures)`` and calls
``record(figures)``; ``run_all.py`` sets ``BENCH_FIGURES`` to a file where ``record``
appends them (one JSON object per line), then prints every figure of the suite with its
target and pass/fail (``--json``: as JSON).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass

FIGURES_ENV = "BENCH_FIGURES"


@dataclass(frozen=True)
class Figure:
    """One measured figure.

    Attributes:
        name: What was measured.
        value: The measurement, in ``unit``.
        unit: ``ms``, ``s``, ``MB``, ``events/s``, ...
        target: The bound it must meet (None: reported only).
        op: ``<=`` (at most ``target``) or ``>=`` (at least).
        note: Context shown beside the value (e.g. the bare interpreter's time).
    """

    name: str
    value: float
    unit: str
    target: float | None = None
    op: str = "<="
    note: str = ""

    @property
    def ok(self) -> bool | None:
        """Whether the target is met (None without a target)."""
        if self.target is None:
            return None
        return self.value <= self.target if self.op == "<=" else self.value >= self.target

    def as_dict(self) -> dict[str, object]:
        """The figure as JSON-able data, with its verdict."""
        return {**asdict(self), "ok": self.ok}


def _number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.1f}" if value % 1 else f"{value:g}"


def table(figures: list[Figure]) -> str:
    """The figures as a text table: name, value, target, verdict, note."""
    rows = []
    for f in figures:
        target = "" if f.target is None else f"{f.op} {_number(f.target)} {f.unit}"
        verdict = {True: "pass", False: "FAIL", None: ""}[f.ok]
        rows.append((f.name, f"{_number(f.value)} {f.unit}", target, verdict, f.note))
    head = ("figure", "value", "target", "")
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(4)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)).rstrip()]
    lines.append("-" * len(lines[0]))
    for r in rows:
        cells = [c.ljust(w) for c, w in zip(r[:4], widths, strict=True)]
        lines.append(("  ".join(cells) + ("  " + r[4] if r[4] else "")).rstrip())
    return "\n".join(lines)


def record(figures: list[Figure]) -> None:
    """Append the figures to ``$BENCH_FIGURES`` when ``run_all.py`` collects them."""
    path = os.environ.get(FIGURES_ENV)
    if not path:
        return
    with open(path, "a", encoding="utf-8") as f:
        for figure in figures:
            f.write(json.dumps(figure.as_dict()) + "\n")


def report(figures: list[Figure]) -> None:
    """Print the table and record the figures."""
    print(table(figures), flush=True)
    record(figures)
