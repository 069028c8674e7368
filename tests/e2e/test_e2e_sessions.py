"""End to end over stdio: a stored session survives SIGKILL mid-turn; a new server
process loads it (the replay is what was streamed, minus the unfinished step) and the
conversation goes on; resume, list and close across processes."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path
from typing import Any

import anyio
from e2e_util import open_server, wait_gone
from replay_util import replayable

from acp_server.recorder import REPLAYED


def chain(*calls: tuple[str, dict]) -> str:
    return "chain " + json.dumps([{"name": n, "args": a} for n, a in calls])


def user(text: str) -> dict[str, Any]:
    return {"sessionUpdate": "user_message_chunk", "content": {"type": "text", "text": text}}


async def test_sigkill_mid_turn_then_load_replays_and_continues(workdir: Path, tmp_path: Path):
    (workdir / "a.txt").write_text("alpha\n")
    home = {"AGENTICA_HOME": str(tmp_path / "home")}
    prompts = [
        chain(("ls", {}), ("read_file", {"file_path": "a.txt"})),
        "say think Hello again",
        chain(("ls", {}), ("write_file", {"file_path": "b.txt", "content": "x"})),
    ]
    async with open_server(workdir, answers=["hold"], env=home) as first:
        with anyio.fail_after(30):
            await first.initialize()
            sid = await first.new_session()
            assert await first.prompt(sid, prompts[0]) == "end_turn"
            assert await first.prompt(sid, prompts[1]) == "end_turn"
            turns = [replayable(first.updates(sid))]
            lost: list[BaseException] = []

            async def killed_turn() -> None:
                try:
                    await first.prompt(sid, prompts[2])
                except ConnectionError as e:  # The server was killed: no answer.
                    lost.append(e)

            async with anyio.create_task_group() as tg:
                tg.start_soon(killed_turn)
                await first.client.permission_asked.wait()  # Step 2 of turn 3 is running.
                streamed = replayable(first.updates(sid))
                os.kill(first.process.pid, signal.SIGKILL)
                assert await wait_gone(first.process.pid)
            assert lost
    # What the first server streamed, per turn, each prompt first.
    first_turns = turns[0]
    second = next(i for i, u in enumerate(first_turns) if "Thinking it over" in str(u))
    third = streamed[len(first_turns):]
    unfinished = [i for i, u in enumerate(third) if u.get("toolCallId") and "b.txt" in str(u)]
    assert unfinished and third[unfinished[0]]["sessionUpdate"] == "tool_call"
    expected = [
        user(prompts[0]), *first_turns[:second],
        user(prompts[1]), *first_turns[second:],
        user(prompts[2]), *third[: unfinished[0]],
    ]
    assert any(u["sessionUpdate"] == "tool_call_update" for u in third[: unfinished[0]])

    async with open_server(workdir, env=home) as second_server:
        with anyio.fail_after(30):
            await second_server.initialize()
            listed = await second_server.conn.list_sessions(cwd=str(workdir))
            assert [s.session_id for s in listed.sessions] == [sid]
            assert listed.sessions[0].title == prompts[0][:60].rsplit(" ", 1)[0] + "…"
            await second_server.conn.load_session(cwd=str(workdir), session_id=sid, mcp_servers=[])
            replay = [u for u in second_server.updates(sid) if u["sessionUpdate"] in REPLAYED]
            assert replay == expected
            assert await second_server.prompt(sid, "say And on we go") == "end_turn"
            assert second_server.text(sid).endswith("And on we go")
            new_ids = [
                u["toolCallId"] for u in second_server.updates(sid)[len(replay):]
                if u["sessionUpdate"] == "tool_call"
            ]
            assert not new_ids
            # A tool call in the loaded session gets an id the editor has not seen.
            assert await second_server.prompt(sid, chain(("ls", {}))) == "end_turn"
            updates = second_server.updates(sid)
            ids = [u["toolCallId"] for u in updates if u["sessionUpdate"] == "tool_call"]
            assert len(ids) == len(set(ids)) == 4  # 3 replayed (not the unfinished), 1 new.
            await second_server.conn.close_session(session_id=sid)
    assert not (workdir / "b.txt").exists()

    async with open_server(workdir, env=home) as third_server:
        with anyio.fail_after(30):
            await third_server.initialize()
            await third_server.conn.resume_session(session_id=sid, cwd=str(workdir))
            kinds = [u["sessionUpdate"] for u in third_server.updates(sid)]
            # No replay; the stored usage (acp-spec §13: "on load or resume when known").
            assert kinds == ["available_commands_update", "usage_update"]
            assert await third_server.prompt(sid, "say still here") == "end_turn"
            assert third_server.text(sid) == "still here"


async def test_two_servers_writing_one_database_lose_nothing(workdir: Path, tmp_path: Path):
    home = tmp_path / "home"
    turns = 15
    sids: list[str] = []

    async def editor_window(project: Path) -> None:
        async with open_server(project, env={"AGENTICA_HOME": str(home)}) as server:
            with anyio.fail_after(60):
                await server.initialize()
                sid = await server.new_session()
                sids.append(sid)
                for i in range(turns):
                    assert await server.prompt(sid, f"say turn {i}") == "end_turn"

    (workdir / "one").mkdir()
    (workdir / "two").mkdir()
    async with anyio.create_task_group() as tg:
        tg.start_soon(editor_window, workdir / "one")
        tg.start_soon(editor_window, workdir / "two")
    from agentica.sessions import SessionDB

    db = SessionDB(home / "sessions.db")
    try:
        for sid in sids:
            texts = [m.text for m in db.messages(sid)]
            assert texts[::2] == [f"say turn {i}" for i in range(turns)]
            assert texts[1::2] == [f"turn {i}" for i in range(turns)]
            assert len(db.updates(sid)) == 2 * turns
        assert len(db.list_sessions().sessions) == 2
    finally:
        db.close()
    logs = [await log.read_text() async for log in anyio.Path(workdir).glob("server-*.log")]
    assert len(logs) == 2
    assert not any("locked" in text for text in logs)
