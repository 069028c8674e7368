"""MCP checks on trio, run in a fresh interpreter by the tests: ``trio_run.py api|acp DIR``.

``api``: a call through ``Agent(mcp_servers=...)``; prints the result. ``acp``: a session's
servers started in the background by the ACP agent and stopped by ``aclose()``; prints
``stopped`` when their processes are gone.
"""

from __future__ import annotations

import sys
from pathlib import Path

import anyio

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parents[1])]  # The repository: its packages before tests/agentica.
sys.path += [str(HERE.parent), str(HERE.parent / "acp_server")]

SERVER = str(HERE / "mcp_test_server.py")


async def api(tmp: Path) -> str:
    from agentica import Agent
    from agentica.mcp import MCPServerStdio
    from agentica.testing import ScriptedModel, tool_call

    model = ScriptedModel([
        ScriptedModel.tool_calls(tool_call("mcp__t__echo", {"text": "trio"}, id="e")), "ok",
    ])
    agent = Agent(model=model, mcp_servers=[MCPServerStdio("t", sys.executable, (SERVER,))])
    with anyio.fail_after(30):
        async with agent:
            result = await agent.run("go")
    return next(m.text for m in result.new_messages if m.role == "tool")


async def acp(tmp: Path) -> str:
    from fake_client import FakeClient
    from proc_util import alive

    from acp_server import wire
    from acp_server.agent import AcpAgent
    from acp_server.config import ServerConfig
    from agentica.testing import FunctionModel

    log = tmp / "log"
    agent = AcpAgent(FakeClient(), ServerConfig(model="demo"),
                     model_factory=lambda: FunctionModel(lambda m, t: "hi"))
    await agent.ready()
    raw = {"cwd": str(tmp), "mcpServers": [
        {"name": "t", "command": sys.executable, "args": [SERVER],
         "env": [{"name": "MCP_TEST_LOG", "value": str(log)}]}]}
    result = await agent.new_session(wire.parse(wire.NewSessionParams, raw))
    session = agent.sessions.get(result.session_id)
    assert session.agent is not None and session.agent.mcp is not None
    with anyio.fail_after(30):
        await session.agent.mcp.wait_ready()
    assert session.agent.mcp.functions()[0].name == "mcp__t__echo"
    pids = [int(line.split()[1]) for line in log.read_text().splitlines()]
    assert pids and all(alive(p) for p in pids)
    with anyio.fail_after(10):
        await agent.aclose()
    assert not any(alive(p) for p in pids)
    return "stopped"


if __name__ == "__main__":
    mode, tmp = sys.argv[1], Path(sys.argv[2])
    print(anyio.run({"api": api, "acp": acp}[mode], tmp, backend="trio"))
