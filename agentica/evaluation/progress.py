"""The progress file of ``evaluate(resume=...)`` / ``agentica eval --resume``: one JSON
line per finished result, appended (and flushed) as each finishes, so a run that is
interrupted (Ctrl-C, a kill) keeps every finished case; the next run skips them.

A JSON report (``--json``) is accepted as a progress file too: its ``results`` are done.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO, Any

from agentica.evaluation.case import CaseResult

__all__ = ["ProgressFile", "load_results"]


def load_results(path: str | Path) -> list[CaseResult]:
    """The finished results in a progress file or a JSON report (none when it is
    missing; a line cut short by a kill is ignored). The last result of a
    ``(case_id, repeat)`` wins."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    rows: list[Any] = []
    rest = text.lstrip()
    try:  # a JSON report first (possibly with progress lines appended after it)
        first, end = json.JSONDecoder().raw_decode(rest)
    except json.JSONDecodeError:
        first, end = None, 0
    if isinstance(first, dict) and isinstance(first.get("results"), list):
        rows, rest = list(first["results"]), rest[end:]
    for line in rest.splitlines():
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:
            continue  # a line cut short when the run was killed
    found: dict[tuple[str, int], CaseResult] = {}
    for row in rows:
        if isinstance(row, dict) and "case_id" in row:
            result = CaseResult.from_dict(row)
            found[(result.case_id, result.repeat)] = result
    return list(found.values())


class ProgressFile:
    """Appends results to ``path``, one flushed JSON line each."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._file: IO[str] | None = None

    def open(self) -> None:
        """Open for appending (a last line cut short by a kill is ended first)."""
        needs_newline = False
        if self.path.exists() and self.path.stat().st_size:
            with self.path.open("rb") as f:
                f.seek(-1, 2)
                needs_newline = f.read(1) != b"\n"
        self._file = self.path.open("a", encoding="utf-8")
        if needs_newline:
            self._file.write("\n")

    def append(self, result: CaseResult) -> None:
        """Write one finished result."""
        if self._file is None:
            self.open()
        assert self._file is not None
        self._file.write(json.dumps(result.to_dict(), ensure_ascii=False, default=str) + "\n")
        self._file.flush()

    def close(self) -> None:
        """Close the file."""
        if self._file is not None:
            self._file.close()
            self._file = None
