"""Every program in ``examples/`` runs offline, with no arguments, and prints what it is
about: each is run as a subprocess (the demo or a scripted model) and its output checked
for a line only a working run prints. A new example needs an entry in ``EXPECTED``.

``acp_agent.py`` is an ACP server: it is driven through the headless ACP client
(``acp_server.harness``) for one prompt, as an editor would drive it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import anyio
import pytest

from acp_server.harness import AcpHarness

EXAMPLES_DIR = Path(__file__).resolve().parents[1] / "examples"
EXAMPLES = sorted(EXAMPLES_DIR.glob("*.py"))
TIMEOUT = 60  # Generous: the machine running the suite may be loaded.

EXPECTED: dict[str, list[str]] = {
    "quickstart.py": ["This is the offline demo model", "messages in history]"],
    "sync_demo.py": ["This is the offline demo model"],
    "workflow.py": ["[step 'write' by 'writer': end_turn]", "The workflow returned"],
    "basic_agent.py": ["[stop: end_turn;", "This is the offline demo model"],
    "streaming.py": ["-- finished: end_turn", "characters streamed"],
    "custom_tools.py": ["  = 69.8", "notes: ['Paris: sunny, 21 C = 69.8 F']"],
    "parallel_tools.py": ["parallel: 3 calls in 0.", "serial: 3 calls in"],
    "structured_output.py": ["Pancakes for 4:", "  - 250 g flour"],
    "typed_deps.py": ["ada: Your orders: teapot, two cups.", "bob: Your orders: kettle."],
    "team_handoff.py": ["-> Yes, within 30 days", "[billing] Done: order 7 is refunded."],
    "subagents.py": ["> explore: Find `*.py`", "- found app.py, util.py"],
    "mcp_tools.py": ["mcp__example__add: 42", "The server says: 42; HELLO MCP!"],
    "guardrails.py": ["refused before the model", "answer withheld"],
    "skills.py": ["In the system prompt: - haiku:", "then it writes: spring"],
    "evaluation.py": ["pass rate              75.0%", "HTML report: "],
}
HARNESS_DRIVEN = {"acp_agent.py"}


def run_example(path: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, str(path)], cwd=cwd, stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=TIMEOUT)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, 9)  # Its own process group (the MCP server with it).
            proc.wait()
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_runs_and_shows_its_point(path: Path, tmp_path: Path) -> None:
    if path.name in HARNESS_DRIVEN:
        pytest.skip("an ACP server: see test_acp_agent_example_answers_through_the_harness")
    assert path.name in EXPECTED, f"add what {path.name} prints to EXPECTED in this test"
    done = run_example(path, tmp_path)
    assert done.returncode == 0, f"{path.name} failed:\n{done.stdout}\n{done.stderr}"
    for line in EXPECTED[path.name]:
        assert line in done.stdout, f"{path.name}: {line!r} not in:\n{done.stdout}"


def test_every_example_says_what_it_shows_and_how_to_run_it() -> None:
    for path in EXAMPLES:
        text = path.read_text()
        assert text.startswith('"""'), f"{path.name} has no docstring"
        doc = text.split('"""')[1]
        assert f"python examples/{path.name}" in doc, f"{path.name}: no 'Run:' line"


def test_the_readme_lists_every_example() -> None:
    readme = (EXAMPLES_DIR.parent / "README.md").read_text()
    missing = [p.name for p in EXAMPLES if f"(examples/{p.name})" not in readme]
    assert missing == []


async def test_acp_agent_example_answers_through_the_harness(tmp_path: Path) -> None:
    argv = [sys.executable, str(EXAMPLES_DIR / "acp_agent.py")]
    with anyio.fail_after(TIMEOUT):
        async with AcpHarness.spawn(argv, cwd=tmp_path, process_cwd=tmp_path) as client:
            await client.initialize()
            session = await client.new_session()
            outcome = await client.prompt(session, "ahoy")
    assert outcome.stop_reason == "end_turn"
    assert outcome.text == "Pirate here! AHOY, ARR!"
    [call] = outcome.tool_calls.values()
    assert call.status == "completed"
    # The custom agent kept the server's approver: its tool asked the editor first.
    asked = [r for r in outcome.requests if r.get("method") == "session/request_permission"]
    assert len(asked) == 1


def test_acp_agent_example_try_mode_drives_itself(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(EXAMPLES_DIR / "acp_agent.py"), "--try", "yo ho"],
        cwd=tmp_path, capture_output=True, text=True, timeout=TIMEOUT,
    )
    assert done.returncode == 0, done.stderr
    assert "Pirate here! YO HO, ARR!" in done.stdout
    assert "[end_turn]" in done.stdout
