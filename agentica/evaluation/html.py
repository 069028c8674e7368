"""The self-contained HTML report: one file, inline CSS, SVG charts drawn here (no
script, no fonts or styles fetched from anywhere)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from html import escape
from typing import Any

from agentica.evaluation.case import CaseResult
from agentica.evaluation.summary import Summary, format_summary

__all__ = ["histogram", "render_html"]

_CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1200px;color:#222}
h1{font-size:22px}h2{font-size:17px;margin-top:28px}
pre{background:#f6f6f6;padding:10px;border-radius:6px;overflow:auto}
.charts{display:flex;flex-wrap:wrap;gap:24px}.chart{flex:1 1 360px}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{border-bottom:1px solid #ddd;padding:5px 7px;text-align:left;vertical-align:top}
th{background:#fafafa;position:sticky;top:0}
.pass{color:#17803d;font-weight:600}.fail{color:#b42318;font-weight:600}
.reason{color:#555;font-size:12px}.err{color:#b42318}
details summary{cursor:pointer}svg text{font:11px system-ui,sans-serif;fill:#333}
"""
_W, _H, _PAD = 420, 180, 28


def _fmt(value: float) -> str:
    return f"{value:.3g}" if value < 1000 else f"{value:,.0f}"


def _svg(body: list[str], title: str, height: int = _H) -> str:
    return (
        f'<svg role="img" aria-label="{escape(title)}" width="{_W}" height="{height}" '
        f'viewBox="0 0 {_W} {height}"><title>{escape(title)}</title>{"".join(body)}</svg>'
    )


def hbars(values: dict[str, float], title: str) -> str:
    """Horizontal bars for values in [0, 1] (scores, pass rate)."""
    row = 24
    height = max(row * len(values) + 10, 40)
    label_w = 130
    span = _W - label_w - 50
    body = []
    for i, (name, value) in enumerate(values.items()):
        y = 6 + i * row
        w = max(0.0, min(1.0, value)) * span
        body.append(f'<text x="{label_w - 6}" y="{y + 14}" text-anchor="end">{escape(name)}</text>')
        body.append(f'<rect x="{label_w}" y="{y + 2}" width="{span}" height="16" fill="#eee"/>')
        body.append(f'<rect x="{label_w}" y="{y + 2}" width="{w:.1f}" height="16" fill="#3b6fd4"/>')
        body.append(f'<text x="{label_w + span + 6}" y="{y + 14}">{value:.2f}</text>')
    return _svg(body, title, height)


def vbars(labels: list[str], values: list[float], title: str, color: str = "#3b6fd4") -> str:
    """Vertical bars, one per label, scaled to the largest value."""
    top = max(values, default=0.0) or 1.0
    n = max(len(values), 1)
    width = (_W - 2 * _PAD) / n
    body = [
        f'<line x1="{_PAD}" y1="{_H - _PAD}" x2="{_W - _PAD}" y2="{_H - _PAD}" stroke="#999"/>',
        f'<text x="{_PAD}" y="12">max {_fmt(top)}</text>',
    ]
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        h = (_H - 2 * _PAD) * value / top
        x = _PAD + i * width
        body.append(
            f'<rect x="{x + width * 0.1:.1f}" y="{_H - _PAD - h:.1f}" width="{width * 0.8:.1f}" '
            f'height="{h:.1f}" fill="{color}"><title>{escape(label)}: {_fmt(value)}</title></rect>'
        )
    if labels:
        body.append(f'<text x="{_PAD}" y="{_H - 10}">{escape(labels[0])}</text>')
        body.append(
            f'<text x="{_W - _PAD}" y="{_H - 10}" text-anchor="end">{escape(labels[-1])}</text>'
        )
    return _svg(body, title)


def histogram(values: list[float], bins: int = 12) -> tuple[list[str], list[float]]:
    """``(labels, counts)`` of latencies (seconds) in ``bins`` equal bins, labelled in ms."""
    if not values:
        return [], []
    low, high = min(values), max(values)
    step = (high - low) / bins or 1.0
    counts = [0.0] * bins
    for v in values:
        counts[min(int((v - low) / step), bins - 1)] += 1
    edges = [(low + i * step) * 1000 for i in range(bins + 1)]
    return [f"{edges[i]:.0f}-{edges[i + 1]:.0f} ms" for i in range(bins)], counts


def _cell(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    if len(text) <= 160:
        return f"<td>{escape(text)}</td>"
    return f"<td><details><summary>{escape(text[:120])}…</summary>{escape(text)}</details></td>"


def _row(r: CaseResult) -> str:
    verdict = '<span class="pass">pass</span>' if r.passed else '<span class="fail">fail</span>'
    scores = "<br>".join(
        f'{escape(n)}: {s.score:.2f} <span class="reason">{escape(s.reason)}</span>'
        for n, s in r.scores.items()
    )
    answer = _cell(r.answer) if r.error is None else f'<td class="err">{escape(r.error)}</td>'
    cost = "unknown" if r.cost is None else f"${r.cost:.4f}"
    tokens = "unknown" if r.tokens is None else f"{r.tokens:,}"
    return (
        f"<tr><td>{escape(r.case_id)}</td><td>{r.repeat + 1}</td><td>{verdict}</td>"
        f"{_cell(r.input)}{answer}<td>{scores}</td><td>{r.latency:.3f} s</td>"
        f"<td>{tokens}</td><td>{cost}</td></tr>"
    )


def render_html(
    results: Sequence[CaseResult], summary: Summary, metadata: dict[str, Any]
) -> str:
    """The HTML report of a run (``EvalReport.write_html()``)."""
    s = summary
    labels = [f"{r.case_id}#{r.repeat + 1}" for r in results]
    charts = [
        ("Scores by scorer (mean)", hbars({**s.scores, "pass rate": s.pass_rate}, "scores")),
        ("Latency distribution (cases per bin)",
         vbars(*histogram([r.latency for r in results]), "latency histogram")),
        ("Tokens per case",
         vbars(labels, [float(r.tokens or 0) for r in results], "tokens per case", "#7a5cc8")),
    ]
    if any(r.cost is not None for r in results):
        costs = [r.cost or 0.0 for r in results]
        charts.append(("Cost per case ($)", vbars(labels, costs, "cost per case", "#c8782a")))
    else:
        charts.append(("Cost per case", "<p>unknown (the models report no prices)</p>"))
    blocks = "".join(
        f'<div class="chart"><h3>{escape(t)}</h3>{svg}</div>' for t, svg in charts
    )
    meta = json.dumps(metadata, indent=1, ensure_ascii=False, default=str)
    rows = "".join(_row(r) for r in results)
    title = f"Evaluation: {metadata.get('dataset') or 'cases'}"
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>"
        f"<h1>{escape(title)}</h1><h2>Summary</h2><pre>{escape(format_summary(s))}</pre>"
        f'<h2>Charts</h2><div class="charts">{blocks}</div>'
        "<h2>Cases</h2><table><thead><tr><th>case</th><th>run</th><th>result</th>"
        "<th>input</th><th>answer</th><th>scores</th><th>latency</th><th>tokens</th>"
        f"<th>cost</th></tr></thead><tbody>{rows}</tbody></table>"
        f"<h2>Run</h2><pre>{escape(meta)}</pre></body></html>\n"
    )
