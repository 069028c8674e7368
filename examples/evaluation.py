"""Evaluation (async): grade an agent's answers with rule scorers and an LLM judge.

Runs offline: the agent is the offline demo model, and the judge a small scripted model
(``FunctionModel``) standing in for a real one; give ``LLMJudge(model=...)`` or
``evaluate(judge_model=...)`` a real model spec (``"openai/gpt-4o-mini"``) instead.
From sync code, ``evaluate_sync(...)`` takes the same arguments. The same from the shell:
``agentica eval cases.jsonl --model demo --rubric "..." --html report.html``.

Run: python examples/evaluation.py
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import anyio

from agentica import Agent
from agentica.evaluation import Case, Contains, Dataset, LLMJudge, Regex, evaluate
from agentica.messages import Message
from agentica.testing import FunctionModel

CASES = [
    {"id": "greeting", "input": "hello", "expected": "hello", "scorers": ["contains"]},
    {"id": "honest", "input": "Who are you?", "scorers": [{"contains": "demo model"}]},
    {"id": "capital", "input": "Capital of France?", "expected": "Paris",
     "scorers": [{"contains": "Paris", "ignore_case": True}]},
]


def fake_judge(messages: list[Message], tools: object) -> str:
    """A stand-in judge: prefers short answers (a real judge reads the rubric)."""
    answer = messages[-1].text.split("## The assistant's answer\n", 1)[-1]
    score = 1.0 if len(answer) < 400 else 0.4
    return json.dumps({"score": score, "reason": f"{len(answer)} characters"})


def mentions_a_tool(answer: str) -> tuple[float, str]:
    """A Python scorer: (score, reason)."""
    found = "tool" in answer
    return (1.0 if found else 0.0), ("mentions tools" if found else "no tool mentioned")


async def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "cases.jsonl"
        path.write_text("".join(json.dumps(case) + "\n" for case in CASES))
        dataset = Dataset.from_jsonl(path)  # or Dataset.of([Case(...), ...])
        dataset.cases.append(Case(id="year", input="When was 1889?", scorers=(Regex(r"\d{4}"),)))

        print("Evaluating the offline demo model on", len(dataset), "cases ...")
        report = await evaluate(
            Agent(model="demo"),
            dataset,
            scorers=[LLMJudge("Short and to the point.", model=FunctionModel(fake_judge)),
                     mentions_a_tool, Contains("demo", name="self-aware")],
            concurrency=4,
            on_result=lambda r: print(f"  {r.case_id}: {'pass' if r.passed else 'fail'}"),
        )
        print()
        print(report.text())
        for result in report.results:
            reasons = "; ".join(f"{n}: {s.reason}" for n, s in result.scores.items())
            print(f"- {result.case_id}: {reasons}")
        report.write_json(Path(scratch) / "report.json")
        report.write_html(Path(scratch) / "report.html")  # self-contained, with SVG charts
        size = (Path(scratch) / "report.html").stat().st_size
        print(f"\nHTML report: {size:,} bytes (one file, no network)")


if __name__ == "__main__":
    anyio.run(main)
