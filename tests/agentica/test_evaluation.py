"""agentica.evaluation: scorers, the LLM judge, concurrency, failures, repeats and resume,
with scripted models for the agent under test and for the judge."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import pytest

from agentica import Agent, Usage
from agentica.evaluation import (
    Case,
    Contains,
    Dataset,
    DatasetError,
    Exact,
    FunctionScorer,
    LLMJudge,
    Regex,
    Score,
    evaluate,
    evaluate_sync,
)
from agentica.evaluation.progress import load_results
from agentica.exceptions import ModelResponseError
from agentica.messages import Message
from agentica.models.base import ModelResponse
from agentica.run import RunResponse
from agentica.testing import FunctionModel, ScriptedModel


def _last_user(messages: list[Message]) -> str:
    return next(m.text for m in reversed(messages) if m.role == "user")


def echo_agent(**kwargs: Any) -> Agent:
    """An agent answering with its prompt, prefixed by "answer: "."""
    return Agent(model=FunctionModel(lambda m, t: f"answer: {_last_user(m)}", **kwargs))


async def _score(scorer: Any, answer: str, expected: Any = None) -> Score:
    return await scorer.score(Case(input="q", expected=expected), answer)


async def test_exact_contains_and_regex_grade_against_expected_or_their_value() -> None:
    assert (await _score(Exact(), "  Paris \n", "Paris")).passed
    no = await _score(Exact(), "paris", "Paris")
    assert (no.score, no.passed, no.reason) == (0.0, False, "expected 'Paris'")
    assert (await _score(Exact(ignore_case=True), "paris", "Paris")).passed
    both = await _score(Contains(["Paris", "France"]), "Paris, in France")
    assert (both.score, both.passed) == (1.0, True)
    half = await _score(Contains(["Paris", "Lyon"]), "Paris, in France")
    assert (half.score, half.passed, half.reason) == (0.5, False, "missing 'Lyon'")
    assert (await _score(Contains(ignore_case=True), "PARIS!", "paris")).passed
    matched = await _score(Regex(r"\d{4}"), "in 1889, yes")
    assert (matched.passed, matched.reason) == (True, "matched '1889'")
    assert not (await _score(Regex(), "no digits", r"\d")).passed


async def test_a_matcher_without_value_or_expected_fails_the_answer_with_a_reason() -> None:
    report = await evaluate(echo_agent(), [Case(input="hi", scorers=("contains",))])
    score = report.results[0].scores["contains"]
    assert not score.passed
    assert "no value and the case no 'expected'" in score.reason


async def test_function_scorers_sync_or_async_returning_bool_float_tuple_or_score() -> None:
    def is_long(answer: str) -> bool:
        return len(answer) > 10

    async def ratio(answer: str, case: Case) -> tuple[float, str]:
        return 0.25, f"case {case.id}"

    def custom(answer: str) -> Score:
        return Score(0.7, True, "custom")

    def broken(answer: str) -> str:
        return "not a score"

    report = await evaluate(
        echo_agent(), [Case(id="c1", input="a fairly long question")],
        scorers=[is_long, ratio, custom, FunctionScorer(broken, name="bad")],
    )
    scores = report.results[0].scores
    assert (scores["is_long"].score, scores["is_long"].passed) == (1.0, True)
    assert (scores["ratio"].score, scores["ratio"].passed, scores["ratio"].reason) == (
        0.25, False, "case c1",
    )
    assert (scores["custom"].score, scores["custom"].reason) == (0.7, "custom")
    assert not scores["bad"].passed
    assert "scorer failed: TypeError" in scores["bad"].reason
    assert not report.results[0].passed  # one failing scorer fails the case


async def test_the_judge_gets_the_rubric_and_its_score_and_reason_land_in_the_result() -> None:
    verdict = ModelResponse(
        content=json.dumps({"score": 0.75, "reason": "Names Paris, no errors."}),
        usage=Usage(input_tokens=40, output_tokens=10, total_tokens=50, requests=1),
    )
    judge_model = ScriptedModel([verdict])
    agent = Agent(model=ScriptedModel([ModelResponse(
        content="Paris.", usage=Usage(input_tokens=7, output_tokens=2, total_tokens=9),
    )]))
    rubric = "The answer names Paris as the capital and says nothing false."
    report = await evaluate(
        agent,
        [Case(id="fr", input="Capital of France?", expected="Paris")],
        scorers=[LLMJudge(rubric, model=judge_model)],
    )
    prompt = _last_user(judge_model.last_call.messages)
    assert rubric in prompt
    assert "Capital of France?" in prompt and "Paris." in prompt
    assert "## Reference answer\nParis" in prompt
    result = report.results[0]
    assert result.scores["judge"].score == 0.75
    assert result.scores["judge"].reason == "Names Paris, no errors."
    assert result.passed
    # The judge's tokens are counted apart from the agent's.
    assert (result.tokens, result.judge_tokens) == (9, 50)
    assert (report.summary.tokens, report.summary.judge_tokens) == (9, 50)
    assert report.summary.cost is None and report.summary.judge_cost is None


async def test_a_judge_from_a_spec_uses_the_runs_judge_model_and_its_threshold() -> None:
    judge_model = FunctionModel(lambda m, t: '{"score": 0.4, "reason": "vague"}')
    case = Case(input="q", scorers=({"judge": "be precise", "threshold": 0.3},))
    report = await evaluate(echo_agent(), [case], judge_model=judge_model)
    score = report.results[0].scores["judge"]
    assert (score.score, score.passed, score.reason) == (0.4, True, "vague")
    assert "be precise" in _last_user(judge_model.calls[0].messages)


async def test_cases_run_concurrently_never_more_than_the_bound() -> None:
    in_flight = peak = 0

    async def slow(messages: list[Message], tools: Any) -> str:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await anyio.sleep(0.02)
        in_flight -= 1
        return "ok"

    agent = Agent(model=FunctionModel(slow))
    report = await evaluate(agent, [f"case {i}" for i in range(12)], concurrency=3)
    assert peak == 3
    assert len(report.results) == 12
    # Each case ran on its own copy of the agent: the original's conversation is empty.
    assert agent.messages == []


async def test_a_raising_case_is_a_failed_result_and_the_run_goes_on() -> None:
    def answer(messages: list[Message], tools: Any) -> Any:
        prompt = _last_user(messages)
        return ModelResponseError("the model broke") if prompt == "boom" else prompt

    agent = Agent(model=FunctionModel(answer))
    report = await evaluate(
        agent, [Case(input="a", expected="a"), Case(input="boom", expected="x"),
                Case(input="c", expected="c")],
    )
    assert [r.passed for r in report.results] == [True, False, True]
    failed = report.results[1]
    assert failed.answer is None
    assert failed.error is not None and "the model broke" in failed.error
    assert failed.scores["exact"].reason == "not scored: the run failed"
    assert (report.summary.errors, report.summary.passed) == (1, 2)


async def test_a_case_over_its_timeout_fails_with_timeout_error() -> None:
    async def slow(case_input: str) -> str:
        await anyio.sleep(5)
        return case_input

    report = await evaluate(slow, ["x"], timeout=0.05)
    assert report.results[0].error is not None
    assert report.results[0].error.startswith("TimeoutError")


@dataclass(frozen=True, slots=True, kw_only=True)
class PricedUsage(Usage):
    cost: float | None = None  # what the tracecost branch adds to Usage


async def test_callables_sync_and_async_and_a_known_cost_is_summed() -> None:
    def sync_target(text: str) -> str:
        return text.upper()

    async def async_target(text: str) -> RunResponse[str]:
        usage = PricedUsage(total_tokens=10, cost=0.002)
        return RunResponse(content=text, text=text, usage=usage)

    up = await evaluate(sync_target, [Case(input="abc", expected="ABC")])
    assert up.results[0].passed and up.results[0].tokens is None
    priced = await evaluate(async_target, ["a", "b"])
    assert priced.summary.tokens == 20
    assert priced.summary.cost == pytest.approx(0.004)


def test_repeat_reports_the_spread_and_the_flaky_cases() -> None:
    calls: dict[str, int] = {}

    def flaky(text: str) -> str:
        calls[text] = calls.get(text, 0) + 1
        if text == "steady":
            return "yes"
        return "yes" if calls[text] % 2 else "no"  # passes in runs 1 and 3 only

    report = evaluate_sync(
        flaky, [Case(id="s", input="steady", expected="yes"),
                Case(id="f", input="flaky", expected="yes")],
        repeat=3, concurrency=1,
    )
    s = report.summary
    assert (s.repeat, s.results) == (3, 6)
    assert s.flaky == ["f"]
    assert (s.pass_rate_min, s.pass_rate_max) == (0.5, 1.0)
    assert s.score_mean == pytest.approx((1.0 + 0.5 + 1.0) / 3)
    assert s.score_stdev == pytest.approx(0.288675, abs=1e-5)
    f = next(c for c in s.per_case if c.case_id == "f")
    assert (f.runs, f.passes, f.flaky) == (3, 2, True)
    assert "flaky cases      f" in report.text()
    assert [(r.case_id, r.repeat) for r in report.results] == [
        ("s", 0), ("s", 1), ("s", 2), ("f", 0), ("f", 1), ("f", 2),
    ]


async def test_resume_after_an_interrupted_run_redoes_nothing_finished(tmp_path: Path) -> None:
    progress = tmp_path / "progress.jsonl"
    cases = [Case(id=f"c{i}", input=f"q{i}", expected=f"answer: q{i}") for i in range(10)]
    seen: list[str] = []

    async def first(messages: list[Message], tools: Any) -> str:
        await anyio.sleep(0.01)
        return f"answer: {_last_user(messages)}"

    finished: list[str] = []
    with anyio.CancelScope() as scope:  # an interrupted run: cancelled after 4 results

        def on_result(result: Any) -> None:
            finished.append(result.case_id)
            if len(finished) == 4:
                scope.cancel()

        await evaluate(Agent(model=FunctionModel(first)), cases, concurrency=2,
                       resume=progress, on_result=on_result)
    kept = {r.case_id for r in load_results(progress)}
    assert kept == set(finished) and len(kept) == 4

    def second(messages: list[Message], tools: Any) -> str:
        seen.append(_last_user(messages))
        return f"answer: {_last_user(messages)}"

    report = await evaluate(Agent(model=FunctionModel(second)), cases, resume=progress)
    assert sorted(seen) == sorted(c.input for c in cases if c.id not in kept)
    assert [r.case_id for r in report.results] == [c.id for c in cases]
    assert report.summary.passed == 10
    assert report.metadata["resumed_results"] == 4
    assert len(progress.read_text().splitlines()) == 10


def test_a_progress_line_cut_short_is_ignored_and_the_next_appends_cleanly(
    tmp_path: Path,
) -> None:
    progress = tmp_path / "p.jsonl"
    evaluate_sync(str.upper, [Case(id="a", input="a")], resume=progress)
    with progress.open("a") as f:
        f.write('{"case_id": "b", "rep')  # killed mid-write
    assert [r.case_id for r in load_results(progress)] == ["a"]
    report = evaluate_sync(str.upper, [Case(id="a", input="a"), Case(id="b", input="b")],
                           resume=progress)
    assert [r.answer for r in report.results] == ["A", "B"]
    assert [r.case_id for r in load_results(progress)] == ["a", "b"]


def test_a_json_report_is_a_progress_file_too(tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    evaluate_sync(str.upper, ["x", "y"]).write_json(path)
    calls: list[str] = []
    report = evaluate_sync(lambda s: calls.append(s) or s, ["x", "y", "z"], resume=path)
    assert calls == ["z"]
    assert [r.answer for r in report.results] == ["X", "Y", "z"]


def test_jsonl_datasets_ids_comments_and_errors_with_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "cases.jsonl"
    path.write_text(
        '{"id": "fr", "input": "Capital?", "expected": "Paris", "scorers": "contains"}\n'
        "\n// a comment\n"
        '{"input": {"q": 1}, "scorers": [{"regex": "a+", "ignore_case": true}], '
        '"metadata": {"tag": "x"}}\n'
    )
    data = Dataset.from_jsonl(path)
    assert [c.id for c in data] == ["fr", "2"]
    assert data.cases[0].scorers == ("contains",)
    assert data.cases[1].metadata == {"tag": "x"}
    for line, message in [
        ('{"input": "x", "scorers": ["fuzzy"]}', "cases.jsonl:1: unknown scorer 'fuzzy'"),
        ('{"expected": "x"}', "cases.jsonl:1: a case is an object with an 'input'"),
        ("{not json", "cases.jsonl:1: not JSON"),
        ('{"input": "x", "expect": 1}', "unknown key(s) expect"),
        ('{"input": "x", "scorers": [{"exact": "a", "regex": "b"}]}', "exactly one of"),
    ]:
        path.write_text(line + "\n")
        with pytest.raises(DatasetError, match=message.replace("(", r"\(").replace(")", r"\)")):
            Dataset.from_jsonl(path)
    with pytest.raises(DatasetError, match="duplicate case id"):
        Dataset.of([Case(id="a", input="1"), Case(id="a", input="2")])
