"""Permission prompts over real stdio: what they show, how far "always" reaches, and
that every way a request can go wrong leaves the tool unrun."""

from __future__ import annotations

import json
from pathlib import Path

import anyio
from e2e_util import E2EClient, open_raw, open_server, wait_gone


def call(*calls: tuple[str, dict]) -> str:
    return "call " + json.dumps([{"name": n, "args": a} for n, a in calls])


def tool_updates(updates: list[dict]) -> list[dict]:
    return [u for u in updates if u["sessionUpdate"] in ("tool_call", "tool_call_update")]


async def test_a_multi_line_command_shows_its_hidden_lines_and_escapes(workdir: Path):
    command = "echo first\necho \u202eevil \x1b[8m > marker.txt"
    async with open_server(workdir, answers=["reject_once"]) as server:
        with anyio.fail_after(15):
            await server.initialize()
            sid = await server.new_session()
            assert await server.prompt(sid, call(("execute", {"command": command}))) == "end_turn"
    assert not (workdir / "marker.txt").exists()
    (perm,) = server.client.permission_requests
    assert perm["title"] == "Run `echo first` (+1 more line)"
    (shown,) = perm["content"]
    assert shown["content"]["text"] == (
        "```sh\necho first\necho \\u202eevil \\x1b[8m > marker.txt\n```"
    )
    started = tool_updates(server.updates(sid))[0]
    assert started["title"] == perm["title"]
    assert started["content"] == perm["content"]


async def test_control_characters_in_any_title_are_escaped(workdir: Path):
    name = "a\u202etxt.exe\x1b[2K.txt"
    async with open_server(workdir, answers=["reject_once"]) as server:
        with anyio.fail_after(15):
            await server.initialize()
            sid = await server.new_session()
            prompt = call(("write_file", {"file_path": name, "content": "x"}))
            assert await server.prompt(sid, prompt) == "end_turn"
    (perm,) = server.client.permission_requests
    assert "\u202e" not in perm["title"] and "\x1b" not in perm["title"]
    assert "\\u202e" in perm["title"] and "\\x1b[2K" in perm["title"]


async def test_always_allow_inside_never_lets_a_write_outside_through(workdir: Path, tmp_path):
    outside = tmp_path / "outside.txt"
    first = call(("write_file", {"file_path": "in.txt", "content": "1"}))
    second = call(("write_file", {"file_path": str(outside), "content": "2"}))
    async with open_server(
        workdir, answers=["allow_always", "reject_once"], args=("--allow-outside",)
    ) as server:
        with anyio.fail_after(15):
            await server.initialize()
            sid = await server.new_session()
            assert await server.prompt(sid, first) == "end_turn"
            assert await server.prompt(sid, second) == "end_turn"
    assert (workdir / "in.txt").read_text() == "1"
    assert not outside.exists()
    assert len(server.client.permission_requests) == 2
    assert server.client.permission_requests[1]["locations"] == [{"path": str(outside)}]


async def test_always_reject_of_write_file_rejects_edit_file_too(workdir: Path):
    (workdir / "e.txt").write_text("old\n")
    first = call(("write_file", {"file_path": "w.txt", "content": "1"}))
    second = call(("edit_file", {"file_path": "e.txt", "old_string": "old", "new_string": "new"}))
    async with open_server(workdir, answers=["reject_always"]) as server:
        with anyio.fail_after(15):
            await server.initialize()
            sid = await server.new_session()
            assert await server.prompt(sid, first) == "end_turn"
            assert await server.prompt(sid, second) == "end_turn"
    assert not (workdir / "w.txt").exists()
    assert (workdir / "e.txt").read_text() == "old\n"
    assert len(server.client.permission_requests) == 1


async def test_read_only_beats_always_allow(workdir: Path):
    write = call(("write_file", {"file_path": "r.txt", "content": "1"}))
    async with open_server(workdir, answers=["allow_always"]) as server:
        with anyio.fail_after(15):
            await server.initialize()
            sid = await server.new_session()
            assert await server.prompt(sid, write) == "end_turn"
            await server.conn.set_session_mode(session_id=sid, mode_id="read_only")
            (workdir / "r.txt").unlink()
            assert await server.prompt(sid, write) == "end_turn"
    assert not (workdir / "r.txt").exists()
    assert len(server.client.permission_requests) == 1
    assert "Read only mode" in server.text(sid)


async def test_a_slow_client_is_asked_one_call_at_a_time_and_always_once(
    workdir: Path, monkeypatch
):
    writes = [("write_file", {"file_path": f"s{i}.txt", "content": str(i)}) for i in range(3)]
    active = peak = 0

    async def slow(self, options, session_id, tool_call, **kw):
        nonlocal active, peak
        self.permission_requests.append(tool_call.model_dump(by_alias=True))
        active += 1
        peak = max(peak, active)
        await anyio.sleep(0.2)
        active -= 1
        return {"outcome": {"outcome": "selected", "optionId": "allow_always"}}

    monkeypatch.setattr(E2EClient, "request_permission", slow)
    async with open_server(workdir) as server:
        with anyio.fail_after(15):
            await server.initialize()
            sid = await server.new_session()
            assert await server.prompt(sid, call(*writes)) == "end_turn"
    assert peak == 1
    assert len(server.client.permission_requests) == 1
    assert [(workdir / f"s{i}.txt").read_text() for i in range(3)] == ["0", "1", "2"]


async def _until_permission_request(raw) -> dict:
    while True:
        msg = await raw.receive()
        if isinstance(msg, dict) and msg.get("method") == "session/request_permission":
            return msg


async def _start_write(raw, workdir: Path) -> None:
    await raw.call(1, "initialize", {"protocolVersion": 1, "clientCapabilities": {}})
    new = await raw.call(2, "session/new", {"cwd": str(workdir), "mcpServers": []})
    sid = new["result"]["sessionId"]
    prompt = call(("write_file", {"file_path": "gated.txt", "content": "x"}))
    await raw.send(
        {
            "jsonrpc": "2.0",
            "id": 3,
            "method": "session/prompt",
            "params": {"sessionId": sid, "prompt": [{"type": "text", "text": prompt}]},
        }
    )


async def test_an_unreadable_permission_answer_denies(workdir: Path):
    async with open_raw(workdir) as raw:
        await _start_write(raw, workdir)
        ask = await _until_permission_request(raw)
        await raw.send({"jsonrpc": "2.0", "id": ask["id"], "result": {"outcome": "allow"}})
        done = await raw.receive_response(3, "session/prompt")
    assert done["result"]["stopReason"] == "end_turn"
    assert not (workdir / "gated.txt").exists()


async def test_a_permission_request_that_times_out_denies(workdir: Path):
    async with open_raw(workdir, env={"AGENTICA_REQUEST_TIMEOUT": "0.5"}) as raw:
        await _start_write(raw, workdir)
        await _until_permission_request(raw)  # ...and never answered.
        done = await raw.receive_response(3, "session/prompt")
    assert done["result"]["stopReason"] == "end_turn"
    assert not (workdir / "gated.txt").exists()


async def test_a_client_that_leaves_while_asked_runs_nothing_and_the_server_exits(workdir: Path):
    async with open_raw(workdir) as raw:
        await _start_write(raw, workdir)
        await _until_permission_request(raw)
        assert raw.process.stdin is not None
        raw.process.stdin.close()
        assert await wait_gone(raw.process.pid, 5)
    assert not (workdir / "gated.txt").exists()
