"""``agentica run`` / ``agentica --query`` as a script sees them: a subprocess, its stdout,
stderr and exit status (scripted model through ``tests/cli_hooked.py``, or the demo)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HOOKED = ROOT / "tests" / "cli_hooked.py"


def env_for(tmp: Path, model: str | None) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "tests" / "e2e")]),
        "AGENTICA_CONFIG": str(tmp / "no-config.toml"),
        "AGENTICA_TEST_MODEL": model or "",
    }


def agentica(
    tmp: Path, *args: str, stdin: str = "", model: str | None = "e2e_models:model"
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(HOOKED), *args], input=stdin, capture_output=True, text=True,
        timeout=60, cwd=tmp, env=env_for(tmp, model), check=False,
    )


def call(*calls: tuple[str, dict[str, object]], chain: bool = False) -> str:
    listed = json.dumps([{"name": n, "args": a} for n, a in calls])
    return f"{'chain' if chain else 'call'} {listed}"


def test_the_answer_goes_to_stdout_and_the_status_is_0(tmp_path: Path) -> None:
    result = agentica(tmp_path, "run", "say hello scripted world")
    assert (result.returncode, result.stdout, result.stderr) == (
        0, "hello scripted world\n", ""
    )


def test_query_is_agentica_1_5s_spelling_of_run(tmp_path: Path) -> None:
    result = agentica(tmp_path, "--query", "say from the query flag", "--print")
    assert (result.returncode, result.stdout) == (0, "from the query flag\n")


@pytest.mark.parametrize("args", [("run",), ("run", "-")])
def test_the_prompt_comes_from_stdin_without_an_argument_or_with_a_dash(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    result = agentica(tmp_path, *args, stdin="say read from stdin\n")
    assert (result.returncode, result.stdout) == (0, "read from stdin\n")


def test_json_writes_every_event_as_one_json_line(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("x")
    result = agentica(tmp_path, "run", "--json", call(("ls", {"path": "."})))
    assert result.returncode == 0
    events = [json.loads(line) for line in result.stdout.splitlines()]
    kinds = [e["type"] for e in events]
    assert kinds[0] == "usage_updated" and kinds[-1] == "run_finished"
    started = next(e for e in events if e["type"] == "tool_call_started")
    assert (started["tool_name"], started["arguments"]) == ("ls", {"path": "."})
    finished = next(e for e in events if e["type"] == "tool_call_finished")
    assert finished["status"] == "completed" and "a.txt" in finished["result"]
    text = "".join(e["text"] for e in events if e["type"] == "text_delta")
    assert text.startswith("done: ls:")
    assert events[-1]["stop_reason"] == "end_turn"


def test_a_model_failure_exits_1_with_the_message_on_stderr(tmp_path: Path) -> None:
    result = agentica(tmp_path, "run", "fail")
    assert result.returncode == 1
    assert result.stdout == "Starting... \n"
    assert "the upstream API returned 502" in result.stderr
    as_json = agentica(tmp_path, "run", "--json", "fail")
    last = json.loads(as_json.stdout.splitlines()[-1])
    assert as_json.returncode == 1
    assert (last["type"], last["error"]) == ("error", "ModelResponseError")


def test_a_failed_tool_call_exits_2_and_names_the_tool(tmp_path: Path) -> None:
    result = agentica(tmp_path, "run", call(("read_file", {"file_path": "missing.txt"})))
    assert result.returncode == 2
    assert "tool read_file failed" in result.stderr
    assert result.stdout.startswith("done: read_file:")


def test_a_failure_the_run_recovered_from_exits_0(tmp_path: Path) -> None:
    (tmp_path / "there.txt").write_text("found it")
    prompt = call(
        ("read_file", {"file_path": "missing.txt"}), ("read_file", {"file_path": "there.txt"}),
        chain=True,
    )
    result = agentica(tmp_path, "run", prompt)
    assert (result.returncode, result.stdout, result.stderr) == (0, "done: 2 steps\n", "")


def test_run_never_asks_a_refused_call_is_no_failure_and_modes_allow(tmp_path: Path) -> None:
    prompt = call(("write_file", {"file_path": "new.txt", "content": "hi"}))
    refused = agentica(tmp_path, "run", prompt)
    assert refused.returncode == 0
    assert not (tmp_path / "new.txt").exists()
    assert "refused" in refused.stderr and "write_file" in refused.stderr
    assert "--mode accept_edits" in refused.stdout  # What the model was told.
    allowed = agentica(tmp_path, "run", "--mode", "accept_edits", prompt)
    assert (allowed.returncode, (tmp_path / "new.txt").read_text()) == (0, "hi")


def test_read_only_refuses_edits_with_the_modes_message(tmp_path: Path) -> None:
    prompt = call(("write_file", {"file_path": "new.txt", "content": "hi"}))
    result = agentica(tmp_path, "run", "--mode", "read_only", prompt)
    assert result.returncode == 0 and not (tmp_path / "new.txt").exists()
    assert "Read only mode" in result.stdout


def test_hitting_max_turns_exits_3(tmp_path: Path) -> None:
    result = agentica(tmp_path, "run", "--max-turns", "2", "loop")
    assert result.returncode == 3
    assert "stopped early: max_turns" in result.stderr


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (("run",), "", "give a prompt"),
        (("run", "--mode", "bogus", "hi"), "", "invalid choice"),
        (("run", "--cwd", "/no/such/dir", "hi"), "", "not a directory"),
    ],
)
def test_unusable_usage_exits_64_and_runs_nothing(
    tmp_path: Path, args: tuple[str, ...], stdin: str, message: str
) -> None:
    result = agentica(tmp_path, *args, stdin=stdin)
    assert (result.returncode, result.stdout) == (64, "")
    assert message in result.stderr


def test_the_demo_model_answers_in_plain_text(tmp_path: Path) -> None:
    result = agentica(tmp_path, "run", "--model", "demo", "--mode", "full_access", "hi",
                      model=None)
    assert result.returncode == 0, result.stderr
    assert "offline demo model" in result.stdout
    assert "\x1b[" not in result.stdout + result.stderr  # Not a terminal: no escapes,
    assert "\r" not in result.stderr  # and no spinner.


def test_cwd_and_the_config_files_model_are_used(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "marker.txt").write_text("")
    config = tmp_path / "no-config.toml"  # The path env_for names.
    config.write_text('model = "demo"\nmode = "full_access"\n')
    result = agentica(tmp_path, "run", "--cwd", str(project), "hi", model=None)
    assert result.returncode == 0, result.stderr
    assert "offline demo model" in result.stdout
    assert "listed 1 entry" in result.stdout  # ls ran in --cwd.
    assert "hello from the demo shell" in result.stdout  # full_access (config): it ran.


def test_ctrl_c_cancels_the_run_and_exits_130(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, str(HOOKED), "run", "slow"], stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, cwd=tmp_path,
        env=env_for(tmp_path, "e2e_models:model"), start_new_session=True,
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.read(5) == b"chunk"  # Streaming has started.
        os.kill(proc.pid, signal.SIGINT)
        assert proc.wait(timeout=10) == 130
        assert b"cancelled" in proc.stderr.read()  # type: ignore[union-attr]
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()


def chat(tmp: Path, *args: str, stdin: str) -> subprocess.CompletedProcess[str]:
    env = {**env_for(tmp, "e2e_models:model"), "AGENTICA_HOME": str(tmp / "home")}
    return subprocess.run(
        [sys.executable, str(HOOKED), "chat", *args], input=stdin, capture_output=True,
        text=True, timeout=60, cwd=tmp, env=env, check=False,
    )


def test_chat_continue_and_resume_pick_up_a_stored_chat(tmp_path: Path) -> None:
    first = chat(tmp_path, stdin="say remember me\n")
    assert first.returncode == 0, first.stderr
    assert "remember me" in first.stdout
    resumed = chat(tmp_path, "--continue", stdin="/sessions\n")
    assert "Resumed sess_" in resumed.stdout and "(say remember me): 2 messages" in resumed.stdout
    session_id = resumed.stdout.split("Resumed ", 1)[1].split()[0]
    assert f"{session_id}" in resumed.stdout.split("Chats of this directory", 1)[1]
    by_id = chat(tmp_path, "--resume", session_id[:10], stdin="")
    assert f"Resumed {session_id}" in by_id.stdout
    unknown = chat(tmp_path, "--resume", "sess_nope", stdin="")
    assert unknown.returncode == 64 and "no stored chat 'sess_nope'" in unknown.stderr
    fresh = chat(tmp_path, "--continue", "--cwd", str(tmp_path / "home"), stdin="")
    assert "No earlier chat in this directory" in fresh.stdout
