"""Tool faults seen through the real server over stdio: each ends readably, the session
stays usable, and no process the tool started is left behind.

The scripted e2e model (``call [...]``) asks for the tool calls; the client allows them.
Every message the server writes is checked against the ACP schema by ``open_server``, so
a stray byte on stdout fails the test.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import anyio
from e2e_util import REPO, open_server, wait_gone
from proc_util import alive

HERE = Path(__file__).resolve().parent


def call(*calls: tuple[str, dict]) -> str:
    return "call " + json.dumps([{"name": n, "args": a} for n, a in calls])


def finals(updates: list[dict]) -> list[dict]:
    return [u for u in updates if u.get("status") in ("completed", "failed")]


def _read(path: Path) -> str:
    return path.read_text() if path.exists() else ""


async def pid_in(path: Path) -> int:
    """The pid a command wrote to ``path`` (polled: the file is written by the command)."""
    for _ in range(500):
        text = _read(path)
        if text.strip():
            return int(text)
        await anyio.sleep(0.02)
    raise AssertionError(f"{path.name} never written")


async def usable(server, sid: str) -> None:
    """The session still answers a plain prompt."""
    before = server.text(sid)
    assert await server.prompt(sid, "say still here") == "end_turn"
    assert server.text(sid)[len(before) :] == "still here"


async def test_a_tool_that_fails_is_a_readable_failed_call(workdir: Path):
    prompt = call(("read_file", {"file_path": "missing.txt"}), ("edit_file", {"file_path": 3}))
    async with open_server(workdir) as server:
        with anyio.fail_after(20):
            await server.initialize()
            sid = await server.new_session()
            assert await server.prompt(sid, prompt) == "end_turn"
            done = finals(server.updates(sid))
            await usable(server, sid)
    assert [u["status"] for u in done] == ["failed", "failed"]
    texts = [u["content"][0]["content"]["text"] for u in done]
    assert "missing.txt" in texts[0]
    assert all("Traceback" not in t and len(t) < 2000 for t in texts)


async def test_a_hanging_command_times_out_readably(workdir: Path):
    prompt = call(("execute", {"command": "sleep 600", "timeout": 0.5}))
    async with open_server(workdir) as server:
        with anyio.fail_after(20):
            await server.initialize()
            sid = await server.new_session()
            assert await server.prompt(sid, prompt) == "end_turn"
            (done,) = finals(server.updates(sid))
            await usable(server, sid)
    assert "[timed out after 0.5 seconds; the command and its child processes were" in (
        done["content"][0]["content"]["text"]
    )


async def test_grandchildren_ignoring_sigterm_are_killed_on_cancel(workdir: Path):
    command = (
        "sh -c 'trap \"\" TERM; echo $$ > gc1.pid; exec sleep 600' & "
        "sh -c 'trap \"\" TERM; echo $$ > gc2.pid; exec sleep 600' & "
        "sleep 600"
    )
    async with open_server(workdir) as server:
        with anyio.fail_after(30):
            await server.initialize()
            sid = await server.new_session()
            reasons: list[str] = []
            pids: list[int] = []
            start = 0.0
            async with anyio.create_task_group() as tg:

                async def run() -> None:
                    reasons.append(
                        await server.prompt(sid, call(("execute", {"command": command})))
                    )

                tg.start_soon(run)
                pids += [await pid_in(workdir / f"gc{i}.pid") for i in (1, 2)]
                assert all(alive(p) for p in pids)
                start = anyio.current_time()
                await server.conn.cancel(session_id=sid)
            assert reasons == ["cancelled"]
            assert anyio.current_time() - start < 5
            for pid in pids:
                assert await wait_gone(pid, 5), f"grandchild {pid} survived the cancel"
            await usable(server, sid)


async def test_flooding_output_is_cut_to_its_end_and_readable(workdir: Path):
    prompt = call(("execute", {"command": "yes flood | head -c 30000000; echo; echo THE-END"}))
    async with open_server(workdir) as server:
        with anyio.fail_after(60):
            await server.initialize()
            sid = await server.new_session()
            assert await server.prompt(sid, prompt) == "end_turn"
            (done,) = finals(server.updates(sid))
            await usable(server, sid)
    assert done["status"] == "completed"
    shown = done["content"][0]["content"]["text"]
    assert "THE-END" in shown
    assert len(shown) < 200_000


async def test_writes_to_the_servers_stdout_never_reach_the_protocol(workdir: Path):
    env = {
        "AGENTICA_TEST_MODEL": "fault_models:printing_model",
        "PYTHONPATH": os.pathsep.join([str(HERE), str(HERE.parent / "e2e"), str(REPO)]),
    }
    prompt = call(("execute", {"command": "echo from-a-command; echo to-tty >/dev/stdout"}))
    async with open_server(workdir, env=env) as server:
        with anyio.fail_after(20):
            await server.initialize()
            sid = await server.new_session()
            assert await server.prompt(sid, prompt) == "end_turn"
            await usable(server, sid)
    # open_server validated every line; the strays went to stderr (the server's log).
    assert "from-a-command" in server.text(sid)
    assert "STRAY" not in json.dumps(server.received)
