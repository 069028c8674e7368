"""End to end over real stdio: prompt turns, tools, permissions, fs/terminal routing, cancel."""

from __future__ import annotations

import json
import os
from pathlib import Path

import anyio
import pytest
from acp import RequestError
from e2e_util import open_server, wait_gone
from proc_util import alive


def call(*calls: tuple[str, dict]) -> str:
    return "call " + json.dumps([{"name": n, "args": a} for n, a in calls])


def by_call(updates: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for u in updates:
        if u["sessionUpdate"] in ("tool_call", "tool_call_update"):
            out.setdefault(u["toolCallId"], []).append(u)
    return out


async def test_prompt_streams_chunks_before_the_end_turn_response(workdir):
    async with open_server(workdir) as server:
        with anyio.fail_after(15):
            await server.initialize()
            sid = await server.new_session()
            assert await server.prompt(sid, "say think Hello there, editor") == "end_turn"
    chunks = [u for u in server.updates(sid) if u["sessionUpdate"] == "agent_message_chunk"]
    assert len(chunks) >= 3
    assert server.text(sid) == "think Hello there, editor"
    assert server.text(sid, "agent_thought_chunk") == "Thinking it over."
    assert len({c.get("messageId") for c in chunks}) == 1
    usage = [u for u in server.updates(sid) if u["sessionUpdate"] == "usage_update"]
    assert usage and usage[-1]["size"] == 100_000
    # The response came after every update of the turn.
    last_update = max(i for i, m in enumerate(server.received) if m.get("method"))
    response = next(
        i for i, m in enumerate(server.received) if m.get("result", {}).get("stopReason")
    )
    assert last_update < response


async def test_write_with_permission_shows_a_diff_and_writes_the_file(workdir):
    (workdir / "a.txt").write_text("old line\n")
    prompt = call(("edit_file", {"file_path": "a.txt", "old_string": "old", "new_string": "new"}))
    async with open_server(workdir, answers=["allow_once"]) as server:
        with anyio.fail_after(15):
            await server.initialize()
            sid = await server.new_session()
            assert await server.prompt(sid, prompt) == "end_turn"
    assert (workdir / "a.txt").read_text() == "new line\n"
    (perm,) = server.client.permission_requests
    calls = by_call(server.updates(sid))
    (updates,) = calls.values()
    assert updates[0]["sessionUpdate"] == "tool_call"
    assert updates[0]["kind"] == "edit"
    assert updates[0]["status"] == "pending"
    assert perm["toolCallId"] == updates[0]["toolCallId"]
    final = updates[-1]
    assert final["status"] == "completed"
    diff = next(c for c in final["content"] if c["type"] == "diff")
    assert diff["path"] == str(workdir / "a.txt")
    assert (diff["oldText"], diff["newText"]) == ("old line\n", "new line\n")


async def test_rejected_tool_does_not_run_and_the_model_is_told(workdir):
    prompt = call(("write_file", {"file_path": "b.txt", "content": "x"}))
    async with open_server(workdir, answers=["reject_once"]) as server:
        with anyio.fail_after(15):
            await server.initialize()
            sid = await server.new_session()
            assert await server.prompt(sid, prompt) == "end_turn"
    assert not (workdir / "b.txt").exists()
    (updates,) = by_call(server.updates(sid)).values()
    assert updates[-1]["status"] == "failed"
    rejected = "The user rejected this tool call; do not retry it without asking."
    assert updates[-1]["content"][0]["content"]["text"] == rejected
    # The scripted model repeats the tool results it was given: the rejection reached it.
    assert server.text(sid) == f"done: write_file: {rejected}"


async def test_allow_always_is_remembered_for_the_session(workdir):
    first = call(("write_file", {"file_path": "c1.txt", "content": "1"}))
    second = call(("write_file", {"file_path": "c2.txt", "content": "2"}))
    async with open_server(workdir, answers=["allow_always"]) as server:
        with anyio.fail_after(15):
            await server.initialize()
            sid = await server.new_session()
            assert await server.prompt(sid, first) == "end_turn"
            assert await server.prompt(sid, second) == "end_turn"
    assert (workdir / "c2.txt").read_text() == "2"
    assert len(server.client.permission_requests) == 1


async def test_edits_go_through_fs_when_the_client_advertises_it(workdir):
    prompt = call(("write_file", {"file_path": "sub/new.py", "content": "print(1)\n"}))
    async with open_server(workdir) as server:
        with anyio.fail_after(15):
            await server.initialize(fs=True)
            sid = await server.new_session()
            assert await server.prompt(sid, prompt) == "end_turn"
    writes = server.agent_requests("fs/write_text_file")
    assert [w["params"]["path"] for w in writes] == [str(workdir / "sub/new.py")]
    assert (workdir / "sub/new.py").read_text() == "print(1)\n"


async def test_fs_is_never_used_when_not_advertised(workdir):
    prompt = call(("write_file", {"file_path": "x.txt", "content": "x"}))
    async with open_server(workdir) as server:
        with anyio.fail_after(15):
            await server.initialize(fs=False, terminal=False)
            sid = await server.new_session()
            assert await server.prompt(sid, prompt) == "end_turn"
    assert server.agent_requests("fs/") == []
    assert server.agent_requests("terminal/") == []
    assert (workdir / "x.txt").read_text() == "x"


async def test_commands_run_in_a_client_terminal_when_advertised(workdir):
    prompt = call(("execute", {"command": "echo from-terminal"}))
    async with open_server(workdir) as server:
        with anyio.fail_after(15):
            await server.initialize(terminal=True)
            sid = await server.new_session()
            assert await server.prompt(sid, prompt) == "end_turn"
    methods = [m["method"] for m in server.agent_requests("terminal/")]
    assert methods[0] == "terminal/create"
    assert methods[-1] == "terminal/release"
    create = server.agent_requests("terminal/create")[0]["params"]
    assert create["cwd"] == str(workdir)
    (updates,) = by_call(server.updates(sid)).values()
    tid = server.agent_requests("terminal/release")[0]["params"]["terminalId"]
    embedded = [
        i
        for i, u in enumerate(updates)
        if any(c.get("terminalId") == tid for c in u.get("content") or [])
    ]
    assert embedded, updates
    assert "from-terminal" in server.text(sid)


async def test_cancel_during_streaming_returns_cancelled_and_the_session_continues(workdir):
    async with open_server(workdir) as server:
        await server.initialize()
        sid = await server.new_session()
        result: list[str] = []
        with anyio.fail_after(15):
            async with anyio.create_task_group() as tg:

                async def run() -> None:
                    result.append(await server.prompt(sid, "slow"))

                tg.start_soon(run)
                await server.wait_until(lambda: "chunk2" in server.text(sid))
                await server.conn.cancel(session_id=sid)
            assert result == ["cancelled"]
            assert await server.prompt(sid, "say again") == "end_turn"
    assert server.text(sid).endswith("again")


async def test_cancel_during_a_permission_request_runs_nothing(workdir):
    prompt = call(("write_file", {"file_path": "never.txt", "content": "x"}))
    async with open_server(workdir, answers=["hold"]) as server:
        await server.initialize()
        sid = await server.new_session()
        result: list[str] = []
        with anyio.fail_after(15):
            async with anyio.create_task_group() as tg:

                async def run() -> None:
                    result.append(await server.prompt(sid, prompt))

                tg.start_soon(run)
                await server.client.permission_asked.wait()
                await server.conn.cancel(session_id=sid)
                server.client.unblock.set()  # The client answers "cancelled", as it must.
    assert result == ["cancelled"]
    assert not (workdir / "never.txt").exists()
    (updates,) = by_call(server.updates(sid)).values()
    assert updates[-1]["status"] == "failed"
    assert all(u.get("status") != "completed" for u in updates)


@pytest.mark.parametrize("terminal", [False, True], ids=["local", "client-terminal"])
async def test_cancel_during_a_shell_command_leaves_no_process(workdir, terminal):
    fifo = workdir / "pid.fifo"
    os.mkfifo(fifo)
    command = f"sleep 30 & echo $! > {fifo}; wait"
    prompt = call(("execute", {"command": command}))
    async with open_server(workdir, answers=["allow_once"]) as server:
        await server.initialize(terminal=terminal)
        sid = await server.new_session()
        result: list[str] = []
        with anyio.fail_after(15):
            async with anyio.create_task_group() as tg:

                async def run() -> None:
                    result.append(await server.prompt(sid, prompt))

                tg.start_soon(run)
                pid_text = await anyio.to_thread.run_sync(Path(fifo).read_text)
                await server.conn.cancel(session_id=sid)
            child = int(pid_text)
            assert result == ["cancelled"]
            assert await wait_gone(child)
            assert not alive(child)
            (updates,) = by_call(server.updates(sid)).values()
            assert updates[-1]["status"] == "failed"
            if terminal:  # Also when the editor answered terminal/create after the cancel.
                await server.wait_until(lambda: bool(server.agent_requests("terminal/release")))
            assert await server.prompt(sid, "say still here") == "end_turn"


async def test_second_prompt_while_busy_is_rejected(workdir):
    async with open_server(workdir) as server:
        await server.initialize()
        sid = await server.new_session()
        with anyio.fail_after(15):
            async with anyio.create_task_group() as tg:
                tg.start_soon(server.prompt, sid, "slow")
                await server.wait_until(lambda: "chunk1" in server.text(sid))
                with pytest.raises(RequestError) as e:
                    await server.prompt(sid, "say hi")
                await server.conn.cancel(session_id=sid)
    assert e.value.code == -32602  # Invalid params: see Session.prompt for why
    assert "already running a prompt" in str(e.value)


async def test_model_failure_is_a_readable_message_and_the_session_stays_usable(workdir):
    async with open_server(workdir) as server:
        with anyio.fail_after(15):
            await server.initialize()
            sid = await server.new_session()
            assert await server.prompt(sid, "fail") == "end_turn"
            assert "the upstream API returned 502" in server.text(sid)
            assert "The model call failed" in server.text(sid)
            assert await server.prompt(sid, "say recovered") == "end_turn"
    assert server.text(sid).endswith("recovered")


async def test_max_turns_ends_with_max_turn_requests(workdir):
    async with open_server(workdir, args=("--max-turns", "2")) as server:
        with anyio.fail_after(15):
            await server.initialize()
            sid = await server.new_session()
            assert await server.prompt(sid, "loop") == "max_turn_requests"
