"""End to end over real stdio: what the editor sees in which order, and failing models.

- a request made for a tool call (permission, fs/*, terminal/*) follows the ``tool_call``
  announcing it (acp-spec §8, §18.40);
- a client terminal is embedded before its ``terminal/release`` and never mentioned
  after it (§5.4, §18.54);
- a model that fails in any way, or never answers, ends the turn with a readable message.
"""

from __future__ import annotations

import json
from pathlib import Path

import anyio
import anyio.abc
from e2e_util import Server, open_server


def call(*calls: tuple[str, dict]) -> str:
    return "call " + json.dumps([{"name": n, "args": a} for n, a in calls])


def first_tool_call(server: Server) -> tuple[int, str]:
    """Index in ``received`` and id of the first ``tool_call`` update."""
    for i, m in enumerate(server.received):
        if m.get("method") == "session/update":
            update = m["params"]["update"]
            if update["sessionUpdate"] == "tool_call":
                return i, update["toolCallId"]
    raise AssertionError("no tool_call update")


def request_indexes(server: Server, prefixes: tuple[str, ...]) -> list[int]:
    return [
        i
        for i, m in enumerate(server.received)
        if "id" in m and str(m.get("method", "")).startswith(prefixes)
    ]


async def test_requests_for_a_tool_call_come_after_its_tool_call(workdir):
    (workdir / "a.txt").write_text("old line\n")
    edit = call(("edit_file", {"file_path": "a.txt", "old_string": "old", "new_string": "new"}))
    run = call(("execute", {"command": "echo hi"}))
    for prompt in (edit, run):
        async with open_server(workdir, answers=["allow_once"]) as server:
            with anyio.fail_after(15):
                await server.initialize(fs=True, terminal=True)
                sid = await server.new_session()
                assert await server.prompt(sid, prompt) == "end_turn"
        announced, call_id = first_tool_call(server)
        (permission,) = request_indexes(server, ("session/request_permission",))
        assert server.received[permission]["params"]["toolCall"]["toolCallId"] == call_id
        work = request_indexes(server, ("fs/", "terminal/"))
        assert work, "the tool made no fs/terminal request"
        assert announced < permission < min(work)
    assert (workdir / "a.txt").read_text() == "new line\n"


async def test_terminal_is_embedded_before_its_release_and_never_mentioned_after(workdir):
    prompt = call(("execute", {"command": "echo from-terminal"}))
    async with open_server(workdir) as server:
        with anyio.fail_after(15):
            await server.initialize(terminal=True)
            sid = await server.new_session()
            assert await server.prompt(sid, prompt) == "end_turn"
    (release,) = request_indexes(server, ("terminal/release",))
    tid = server.received[release]["params"]["terminalId"]
    embeds = [
        i
        for i, m in enumerate(server.received)
        if m.get("method") == "session/update"
        and m["params"]["update"]["sessionUpdate"] in ("tool_call", "tool_call_update")
        and any(c.get("terminalId") == tid for c in m["params"]["update"].get("content") or [])
    ]
    assert embeds and max(embeds) < release
    final = [u for u in server.updates(sid) if u.get("status") in ("completed", "failed")]
    assert final[-1]["status"] == "completed"
    assert "content" not in final[-1]  # The embedded terminal stays as it is.
    assert "from-terminal" in final[-1]["rawOutput"]["result"]
    assert "from-terminal" in server.text(sid)  # The model got the output.


async def test_any_model_exception_is_a_readable_message_and_the_session_stays_usable(workdir):
    async with open_server(workdir) as server:
        with anyio.fail_after(15):
            await server.initialize()
            sid = await server.new_session()
            assert await server.prompt(sid, "crash") == "end_turn"
            text = server.text(sid)
            assert "The turn failed" in text
            assert "TypeError: unsupported operand type(s) for +: 'int' and 'str'" in text
            assert await server.prompt(sid, "say recovered") == "end_turn"
    assert server.text(sid).endswith("recovered")
    log = _log_of(workdir)
    assert "Traceback" in log and "TypeError" in log


async def test_model_that_never_answers_times_out_with_a_readable_message(workdir):
    accepted = anyio.Event()

    async def hold(stream: anyio.abc.SocketStream) -> None:
        accepted.set()
        async with stream:  # Read the request, never answer.
            while True:
                try:
                    await stream.receive()
                except (anyio.EndOfStream, anyio.BrokenResourceError, anyio.ClosedResourceError):
                    return

    async with await anyio.create_tcp_listener(local_host="127.0.0.1") as listener:
        port = listener.extra(anyio.abc.SocketAttribute.local_port)
        async with anyio.create_task_group() as tg:
            tg.start_soon(listener.serve, hold)
            args = (
                "--model", "x",
                "--base_url", f"http://127.0.0.1:{port}/v1",
                "--api_key", "k",
                "--model-timeout", "1",
            )  # fmt: skip
            no_test_model = {"AGENTICA_TEST_MODEL": ""}
            async with open_server(workdir, args=args, env=no_test_model) as server:
                with anyio.fail_after(15):  # A hang guard; the timeout is 1 s.
                    await server.initialize()
                    sid = await server.new_session()
                    assert await server.prompt(sid, "hello") == "end_turn"
            tg.cancel_scope.cancel()
    assert accepted.is_set()
    text = server.text(sid)
    assert "The model call failed" in text
    assert "no answer within 1s" in text


def _log_of(workdir: Path) -> str:
    return "".join(p.read_text() for p in workdir.parent.glob("server-*.log"))
