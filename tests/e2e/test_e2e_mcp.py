"""End to end over real stdio: MCP servers from ``session/new`` and the config file."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import anyio
from acp.schema import EnvVariable, McpServerStdio
from e2e_util import open_server, wait_gone
from proc_util import alive
from schema_util import validate_def

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "mcp"))
from mcp_test_server import PNG

MCP_SERVER = str(Path(__file__).resolve().parents[1] / "mcp" / "mcp_test_server.py")


def call(*calls: tuple[str, dict]) -> str:
    return "call " + json.dumps([{"name": n, "args": a} for n, a in calls])


def stdio(name: str, log: Path, *extra: str) -> McpServerStdio:
    return McpServerStdio(
        name=name, command=sys.executable, args=[MCP_SERVER, "--name", name, *extra],
        env=[EnvVariable(name="MCP_TEST_LOG", value=str(log))],
    )


def pids(log: Path) -> list[int]:
    if not log.exists():
        return []
    return [int(line.split()[1]) for line in log.read_text().splitlines() if line.startswith("pid")]


async def logged(log: Path, line: str) -> None:
    """Wait until the MCP test server logged ``line`` (it writes a file; polled)."""
    while line not in await _read(log):  # noqa: ASYNC110
        await anyio.sleep(0.05)


async def _read(log: Path) -> str:
    path = anyio.Path(log)
    return await path.read_text() if await path.exists() else ""


def tool_updates(updates: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for u in updates:
        if u["sessionUpdate"] in ("tool_call", "tool_call_update"):
            out.setdefault(u["toolCallId"], []).append(u)
    return out


async def new_session(server, servers: list[McpServerStdio]) -> str:
    result = await server.conn.new_session(cwd=str(server.cwd), mcp_servers=servers)
    return result.session_id


async def test_mcp_tools_are_called_in_parallel_and_shown_like_built_ins(workdir, tmp_path):
    log = tmp_path / "mcp.log"
    prompt = call(
        ("mcp__t__echo", {"text": "hi"}),
        ("mcp__t__structured", {"n": 3}),
        ("mcp__t__image", {}),
        ("mcp__t__fail", {"reason": "nope"}),
        ("ls", {}),  # A built-in in the same turn.
    )
    async with open_server(workdir, answers=["allow_once"]) as server:
        with anyio.fail_after(30):
            await server.initialize()
            sid = await new_session(server, [stdio("t", log)])
            assert await server.prompt(sid, prompt) == "end_turn"
    text = server.text(sid)
    assert "mcp__t__echo: echo: hi" in text
    assert '"square": 9' in text
    assert "[image: image/png" in text
    assert "failed: nope" in text
    assert "ls: " in text
    calls = tool_updates(server.updates(sid))
    assert len(calls) == 5
    first = [u[0] for u in calls.values()]
    echo = next(u for u in first if u["rawInput"] == {"text": "hi"})
    assert echo["title"].startswith("Echo text (t MCP)")
    assert echo["kind"] == "read"
    statuses = {u[-1]["status"] for u in calls.values()}
    assert statuses == {"completed", "failed"}
    # Only the MCP tool not marked read-only asked for permission.
    (perm,) = server.client.permission_requests
    assert perm["rawInput"] == {"reason": "nope"}


async def test_an_image_from_an_mcp_tool_reaches_the_editor_as_an_image_block(workdir, tmp_path):
    log = tmp_path / "mcp.log"
    async with open_server(workdir) as server:
        with anyio.fail_after(30):
            await server.initialize()
            sid = await new_session(server, [stdio("t", log)])
            assert await server.prompt(sid, call(("mcp__t__image", {}))) == "end_turn"
    (updates,) = tool_updates(server.updates(sid)).values()
    last = updates[-1]
    assert last["status"] == "completed"
    blocks = [c["content"] for c in last["content"] if c["type"] == "content"]
    assert blocks[0] == {"type": "text", "text": "a pixel\n[image: image/png, 66 bytes]"}
    assert blocks[1] == {"type": "image", "data": PNG, "mimeType": "image/png"}
    for item in last["content"]:
        validate_def("ToolCallContent", item)
    validate_def("SessionUpdate", last)  # (Every message was validated as read, too.)


async def test_failed_servers_are_reported_and_the_session_goes_on(workdir, tmp_path):
    log = tmp_path / "mcp.log"
    config = tmp_path / "acp.toml"
    config.write_text(
        # Long enough for a real server to start on a loaded machine (CI); the hanging
        # one is given up after it.
        "mcp_startup_timeout = 15\n"
        f"[mcpServers.cfg]\ncommand = {json.dumps(sys.executable)}\n"
        f"args = [{json.dumps(MCP_SERVER)}, '--name', 'cfg']\n"
    )
    servers = [
        stdio("t", log),
        McpServerStdio(name="missing", command="no-such-mcp-command-xyz", args=[], env=[]),
        stdio("hang", log, "--hang"),
    ]
    async with open_server(workdir, args=("--config", str(config))) as server:
        with anyio.fail_after(60):
            await server.initialize()
            sid = await new_session(server, servers)
            prompt = call(("mcp__t__echo", {"text": "a"}), ("mcp__cfg__echo", {"text": "b"}))
            assert await server.prompt(sid, prompt) == "end_turn"
            text = server.text(sid)
            assert "MCP server 'missing' is not available: command not found" in text
            assert "MCP server 'hang' is not available: it did not start within 15 s" in text
            assert "mcp__t__echo: echo: a" in text and "mcp__cfg__echo: echo: b" in text
            # A server that crashes mid-session: its calls fail readably, the session goes on.
            server.client.answers = ["allow_always"]
            assert await server.prompt(sid, call(("mcp__t__crash", {}))) == "end_turn"
            assert "MCP server 't' stopped while its tool 'crash' ran" in server.text(sid)
            assert await server.prompt(sid, call(("mcp__t__echo", {"text": "c"}))) == "end_turn"
            text = server.text(sid)
            assert "MCP server 't' is not available: it stopped (the connection closed)" in text
            assert "mcp__t__echo: MCP server 't' is not running: it stopped" in text
            assert await server.prompt(sid, "say still here") == "end_turn"
            assert server.text(sid).endswith("still here")


async def test_cancel_cancels_the_mcp_call_and_eof_stops_the_servers(workdir, tmp_path):
    log = tmp_path / "mcp.log"
    async with open_server(workdir, answers=["allow_once"]) as server:
        with anyio.fail_after(40):
            await server.initialize()
            sid = await new_session(server, [stdio("a", log), stdio("b", log)])
            async with anyio.create_task_group() as tg:
                result: list[str] = []

                async def run() -> None:
                    slow = call(("mcp__a__sleep", {"seconds": 30}))
                    result.append(await server.prompt(sid, slow))

                tg.start_soon(run)
                await logged(log, "sleep start")
                await server.conn.cancel(session_id=sid)
            assert result == ["cancelled"]
            await logged(log, "sleep cancelled")  # The MCP cancellation arrived.
            started = pids(log)
            assert len(started) == 2 and all(alive(p) for p in started)
            # stdin EOF: the server shuts down and stops the MCP servers with it.
            server.process.stdin.close()
            with anyio.move_on_after(10):
                await server.process.wait()
            assert server.process.returncode is not None
    for pid in started:
        assert await wait_gone(pid, 5), f"MCP server {pid} survived the ACP server"


async def test_always_is_remembered_per_tool_and_read_only_mode_refuses(workdir, tmp_path):
    log = tmp_path / "mcp.log"
    fail = call(("mcp__t__fail", {}))
    async with open_server(workdir, answers=["allow_always", "allow_once"]) as server:
        with anyio.fail_after(30):
            await server.initialize()
            sid = await new_session(server, [stdio("t", log)])
            assert await server.prompt(sid, fail) == "end_turn"
            assert await server.prompt(sid, fail) == "end_turn"
            assert len(server.client.permission_requests) == 1  # "Always" was remembered.
            assert await server.prompt(sid, call(("mcp__t__sleep", {"seconds": 0}))) == "end_turn"
            assert len(server.client.permission_requests) == 2  # Another tool asks.
            await server.conn.set_session_mode(session_id=sid, mode_id="read_only")
            prompt = call(("mcp__t__echo", {"text": "ro"}), ("mcp__t__sleep", {"seconds": 0}))
            assert await server.prompt(sid, prompt) == "end_turn"
    assert len(server.client.permission_requests) == 2
    last = server.text(sid).rsplit("done: ", 1)[1]
    assert "mcp__t__echo: echo: ro" in last
    assert "mcp__t__sleep: Not run: this session is in Read only mode" in last
