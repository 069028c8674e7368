"""MCP servers through the Python API: ``Agent(mcp_servers=[...])`` with ``async with agent``."""

from __future__ import annotations

import sys
from pathlib import Path

import anyio
import pytest
from proc_util import alive

from agentica import Agent
from agentica.events import ToolCallFinished, ToolCallStarted
from agentica.exceptions import UserError
from agentica.mcp import INSTALL_HINT, MCPServerStdio, MCPTools, tool_name
from agentica.testing import ScriptedModel, tool_call

SERVER = str(Path(__file__).resolve().parent / "mcp_test_server.py")


def stdio(name: str, log: Path, *extra: str) -> MCPServerStdio:
    return MCPServerStdio(
        name, sys.executable, (SERVER, "--name", name, *extra), env={"MCP_TEST_LOG": str(log)}
    )


def pids(log: Path) -> list[int]:
    lines = log.read_text().splitlines() if log.exists() else []
    return [int(line.split()[1]) for line in lines if line.startswith("pid")]


def tool_texts(messages) -> dict[str, tuple[str, bool]]:
    return {m.tool_call_id: (m.text, m.is_error) for m in messages if m.role == "tool"}


async def test_tools_are_offered_called_and_their_results_read(tmp_path):
    log = tmp_path / "mcp.log"
    model = ScriptedModel([
        ScriptedModel.tool_calls(
            tool_call("mcp__t__echo", {"text": "hi"}, id="echo"),
            tool_call("mcp__t__image", {}, id="image"),
            tool_call("mcp__t__resource", {}, id="resource"),
            tool_call("mcp__t__structured", {"n": 4}, id="structured"),
            tool_call("mcp__t__fail", {"reason": "nope"}, id="fail"),
        ),
        "done",
    ])
    agent = Agent(model=model, mcp_servers=[stdio("t", log)])
    with anyio.fail_after(30):
        async with agent:
            result = await agent.run("go")
    specs = {s.name: s for s in model.calls[0].tools}
    assert "mcp__t__sleep" in specs
    assert specs["mcp__t__echo"].parameters["properties"]["text"]["type"] == "string"
    texts = tool_texts(result.new_messages)
    assert texts["echo"] == ("echo: hi", False)
    assert texts["image"] == ("a pixel\n[image: image/png, 66 bytes]", False)
    assert texts["resource"] == ("[resource file:///notes.txt]\nthe notes", False)
    assert texts["structured"] == ('{"n": 4, "square": 16}', False)
    assert texts["fail"] == ("failed: nope", True)


async def test_calls_run_in_parallel_and_cancel_reaches_the_server(tmp_path):
    log = tmp_path / "mcp.log"
    model = ScriptedModel([
        ScriptedModel.tool_calls(
            tool_call("mcp__t__sleep", {"seconds": 30}, id="a"),
            tool_call("mcp__t__sleep", {"seconds": 30}, id="b"),
        ),
    ])
    agent = Agent(model=model, mcp_servers=[stdio("t", log)])
    with anyio.fail_after(30):
        async with agent:
            events = []
            async for event in agent.run_stream("go"):
                events.append(event)
                if isinstance(event, ToolCallStarted) and event.call_id == "b":
                    while log.read_text().count("sleep start") < 2:  # noqa: ASYNC110
                        await anyio.sleep(0.05)  # Both calls run at once.
                    agent.cancel()
            while log.read_text().count("sleep cancelled") < 2:  # noqa: ASYNC110
                await anyio.sleep(0.05)
    finished = [e for e in events if isinstance(e, ToolCallFinished)]
    assert {e.status for e in finished} == {"cancelled"}


async def test_failed_servers_are_reported_and_the_others_work(tmp_path):
    log = tmp_path / "mcp.log"
    tools = MCPTools(
        [stdio("t", log), MCPServerStdio("missing", "no-such-mcp-xyz"),
         stdio("hang", log, "--hang")],
        startup_timeout=6,
    )
    model = ScriptedModel([
        ScriptedModel.tool_calls(tool_call("mcp__t__crash", {}, id="crash")),
        ScriptedModel.tool_calls(tool_call("mcp__t__echo", {"text": "x"}, id="after")),
        "done",
    ])
    agent = Agent(model=model, mcp_servers=tools)
    with anyio.fail_after(40):
        async with agent:
            assert tools.failures == {
                "missing": "command not found: no-such-mcp-xyz",
                "hang": "it did not start within 6 s",
            }
            assert next(f.name for f in tools.functions()) == "mcp__t__echo"
            result = await agent.run("go")
    texts = tool_texts(result.new_messages)
    assert texts["crash"] == (
        "MCP server 't' stopped while its tool 'crash' ran (the connection closed); its tools "
        "are unavailable now.", True)
    assert texts["after"] == (
        "MCP server 't' is not running: it stopped (the connection closed); its tool 'echo' "
        "cannot be called.", True)
    assert "MCP server 't' is not available: it stopped (the connection closed)" in (
        tools.new_failures())
    assert result.text == "done"


async def test_closing_stops_the_server_and_its_children(tmp_path):
    log = tmp_path / "mcp.log"
    model = ScriptedModel([ScriptedModel.tool_calls(tool_call("mcp__t__spawn", {}, id="s")), "ok"])
    agent = Agent(model=model, mcp_servers=[stdio("t", log)])
    with anyio.fail_after(30):
        async with agent:
            result = await agent.run("go")
            (server,) = pids(log)
            child = int(tool_texts(result.new_messages)["s"][0])
            assert alive(server) and alive(child)
        for _ in range(100):  # The whole process group is killed on close.
            if not alive(server) and not alive(child):
                break
            await anyio.sleep(0.05)
    assert not alive(server)
    assert not alive(child), "the server's child survived"


async def test_without_the_mcp_package_the_message_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "mcp.client.session", None)
    tools = MCPTools([stdio("t", tmp_path / "log")])
    agent = Agent(model=ScriptedModel(["fine"]), mcp_servers=tools)
    async with agent:
        assert tools.failures == {"t": INSTALL_HINT}
        assert tools.new_failures() == [f"MCP server 't' is not available: {INSTALL_HINT}"]
        assert (await agent.run("hi")).text == "fine"


async def test_running_without_starting_the_servers_is_a_user_error(tmp_path):
    agent = Agent(model=ScriptedModel(["x"]), mcp_servers=[stdio("t", tmp_path / "log")])
    with pytest.raises(UserError, match="async with agent"):
        await agent.run("hi")


def test_tool_names_are_sanitised_and_unique():
    taken: set[str] = set()
    assert tool_name("my server", "read.file", taken) == "mcp__my_server__read_file"
    assert tool_name("my-server", "read file", taken) == "mcp__my-server__read_file"
    assert tool_name("my server", "read/file", taken) == "mcp__my_server__read_file_2"
    long = tool_name("s" * 40, "t" * 40, taken)
    assert len(long) == 64 and long.startswith("mcp__sss")
    assert len(tool_name("s" * 40, "t" * 41, taken)) == 64
    assert len(taken) == 5



def test_mcp_tools_work_on_trio_too(tmp_path):
    # In a fresh interpreter: trio's process machinery left in this one made a later
    # test's asyncio subprocess kill miss (tests/e2e cancel of a shell command).
    import subprocess

    script = Path(__file__).resolve().parent / "trio_run.py"
    done = subprocess.run([sys.executable, str(script), "api", str(tmp_path)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "echo: trio"
