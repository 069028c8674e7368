"""``agentica eval``: exit codes, the summary, progress lines, the JSON and HTML reports,
and ``--resume`` after the process was killed mid-run."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from agentica import cli
from agentica.evaluation import Case, evaluate_sync
from agentica.evaluation.case import CaseResult
from agentica.evaluation.cli import _Progress, main
from agentica.evaluation.progress import load_results
from agentica.testing import FunctionModel

AGENTS = '''
import anyio
from agentica import Agent
from agentica.testing import FunctionModel

def _answer(messages, tools):
    prompt = next(m.text for m in reversed(messages) if m.role == "user")
    if prompt == "boom":
        raise RuntimeError("model down")
    return "The answer is " + prompt

agent = Agent(model=FunctionModel(_answer))

async def slow(text):
    await anyio.sleep(0.2)
    return "slow " + text
'''


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A directory with ``evalagents.py`` and ``cases.jsonl``, as the current directory."""
    (tmp_path / "evalagents.py").write_text(AGENTS)
    lines = [
        {"id": "a", "input": "<b>42</b>", "expected": "42", "scorers": ["contains"]},
        {"id": "b", "input": "7", "expected": "8", "scorers": ["contains"]},
        {"id": "c", "input": "boom", "expected": "x"},
        {"id": "d", "input": "9", "scorers": [{"regex": "\\d"}]},
    ]
    (tmp_path / "cases.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines))
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "evalagents", raising=False)
    yield tmp_path
    sys.modules.pop("evalagents", None)


def test_eval_is_an_agentica_command() -> None:
    assert "eval" in cli.available_commands()
    assert cli.find_command("eval") is main


def test_summary_reports_and_exit_status_under_the_threshold(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["cases.jsonl", "--agent", "evalagents:agent", "--json", "r.json", "--html", "r.html"]
    assert main([*args, "--threshold", "0.5"]) == 0
    out, err = capsys.readouterr()
    lines = [" ".join(line.split()) for line in out.splitlines()]
    assert "results 4 (4 cases): 2 passed, 1 failed, 1 errors" in lines
    assert "pass rate 50.0%" in lines
    assert "score contains 0.500" in lines and "score regex 1.000" in lines
    assert "tokens 0" in lines  # the scripted model reports no usage: 0 tokens, known
    assert "cost unknown" in lines  # no prices: unknown, never $0
    assert "[1/4]" in err and "c: error" in err  # plain progress lines off a terminal

    report = json.loads((workdir / "r.json").read_text())
    assert set(report) == {"metadata", "summary", "results"}
    assert report["metadata"]["dataset"] == "cases.jsonl"
    assert report["summary"]["pass_rate"] == 0.5
    assert report["summary"]["cost"] is None
    assert set(report["summary"]["latency"]) >= {"p50", "p90", "p99"}
    first = report["results"][0]
    assert first["case_id"] == "a" and first["answer"] == "The answer is <b>42</b>"
    assert first["scores"]["contains"] == {"score": 1.0, "passed": True, "reason": "contains '42'"}
    assert {"latency", "tokens", "cost", "judge_tokens", "judge_cost", "error"} <= set(first)
    assert report["results"][2]["error"] == "RuntimeError: model down"

    html = (workdir / "r.html").read_text()
    assert html.count("<svg") >= 3  # scores, latency histogram, tokens per case
    assert "http" not in html.lower() and "<script" not in html.lower()
    assert "&lt;b&gt;42&lt;/b&gt;" in html and "<b>42</b>" not in html
    assert "RuntimeError: model down" in html

    assert main([*args, "--threshold", "0.75"]) == 1
    assert "FAILED: pass rate 50.0% is under the threshold 75.0%" in capsys.readouterr().out


def test_a_judge_rubric_and_model_from_the_command_line(
    workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from agentica.models import registry

    judge = FunctionModel(lambda m, t: '{"score": 0.9, "reason": "judged fine"}')
    real = registry.get_model
    monkeypatch.setattr(
        registry, "get_model", lambda spec, **kw: judge if spec == "judge-x" else real(spec, **kw)
    )
    code = main(["cases.jsonl", "--agent", "evalagents:agent", "--rubric", "Be right.",
                 "--scorer", "exact", "--judge-model", "judge-x", "-q", "--json", "j.json"])
    assert code == 0
    assert capsys.readouterr().err == ""  # -q: no progress
    answered = [r for r in json.loads((workdir / "j.json").read_text())["results"]
                if r["error"] is None]
    assert len(answered) == 3 and len(judge.calls) == 3
    for r in answered:
        assert r["scores"]["judge"] == {"score": 0.9, "passed": True, "reason": "judged fine"}
        assert "exact" in r["scores"]
    assert all("## Rubric\nBe right." in c.messages[-1].text for c in judge.calls)


def test_usage_and_dataset_errors_exit_with_status_2(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (workdir / "bad.jsonl").write_text('{"input": "x", "scorers": ["fuzzy"]}\n')
    assert main(["bad.jsonl", "--model", "demo"]) == 2
    assert "bad.jsonl:1: unknown scorer 'fuzzy'" in capsys.readouterr().err
    assert main(["missing.jsonl", "--model", "demo"]) == 2
    assert main(["cases.jsonl", "--agent", "nomodule:x"]) == 2
    assert "cannot load the agent" in capsys.readouterr().err
    assert main(["cases.jsonl", "--model", "demo", "--threshold", "50"]) == 2
    with pytest.raises(SystemExit) as exit_:
        main(["cases.jsonl"])  # neither --agent nor --model
    assert exit_.value.code == 2


def _start_slow_run(workdir: Path, progress: Path, cases: int) -> subprocess.Popen[str]:
    """``agentica eval`` over ``cases`` slow cases in a subprocess, once it has finished
    at least 4 (their lines are in ``progress``)."""
    lines = [{"id": f"c{i}", "input": str(i)} for i in range(cases)]
    (workdir / "many.jsonl").write_text("".join(json.dumps(c) + "\n" for c in lines))
    proc = subprocess.Popen(
        [sys.executable, "-m", "agentica.cli", "eval", "many.jsonl", "--agent",
         "evalagents:slow", "--concurrency", "2", "--resume", str(progress)],
        cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if progress.exists() and len(progress.read_text().splitlines()) >= 4:
            break
        time.sleep(0.05)
    return proc


def test_resume_after_the_process_was_killed_mid_run(workdir: Path) -> None:
    progress = workdir / "progress.jsonl"
    proc = _start_slow_run(workdir, progress, 30)
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        proc.communicate(timeout=10)
    finished = {r.case_id for r in load_results(progress)}
    assert 4 <= len(finished) < 30  # killed mid-run, the finished cases kept

    redone: list[str] = []
    cases = [Case(id=f"c{i}", input=str(i)) for i in range(30)]
    report = evaluate_sync(
        lambda text: redone.append(text) or "slow " + text, cases, resume=progress
    )
    assert sorted(redone) == sorted(c.input for c in cases if c.id not in finished)
    assert [r.case_id for r in report.results] == [c.id for c in cases]
    assert all(r.answer == "slow " + r.input for r in report.results)


def test_ctrl_c_stops_the_run_with_status_130_keeping_finished_cases(workdir: Path) -> None:
    progress = workdir / "progress.jsonl"
    proc = _start_slow_run(workdir, progress, 30)
    try:
        os.kill(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 130
    assert f"interrupted; finished cases are in {progress}" in err
    assert 4 <= len(load_results(progress)) < 30


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_a_progress_bar_without_rich(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "rich.console", None)  # rich absent: our own bar
    stream = _Terminal()
    progress = _Progress(total=4, done=1, stream=stream, quiet=False)
    progress(CaseResult(case_id="a", passed=True))
    progress.close()
    assert stream.getvalue() == "\r[" + "#" * 15 + "-" * 15 + "] 2/4\n"
