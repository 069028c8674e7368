"""MCP server entries from the editor and the config file (``acp_server.mcp_tools``)."""

from __future__ import annotations

import anyio
import pytest

from acp_server.config import ConfigError, load_config
from acp_server.mcp_tools import McpConfigError, parse_servers, to_servers
from agentica.mcp import MCPServerHTTP, MCPServerSSE, MCPServerStdio


def test_acp_shapes_are_normalised():
    raw = [
        {"name": "fs", "command": "npx", "args": ["-y", "fs"],
         "env": [{"name": "A", "value": "1"}]},
        {"type": "http", "name": "web", "url": "http://x/mcp",
         "headers": [{"name": "Authorization", "value": "Bearer t"}]},
        {"type": "sse", "name": "old", "url": "http://x/sse", "headers": []},
    ]
    entries = parse_servers(raw)
    assert entries[0] == {"type": "stdio", "name": "fs", "command": "npx",
                          "args": ["-y", "fs"], "env": {"A": "1"}}
    servers = to_servers(entries, "/project")
    assert servers == [
        MCPServerStdio("fs", "npx", ("-y", "fs"), env={"A": "1"}, cwd="/project"),
        MCPServerHTTP("web", "http://x/mcp", headers={"Authorization": "Bearer t"}),
        MCPServerSSE("old", "http://x/sse"),
    ]


def test_the_common_mcpservers_table_is_accepted_and_the_editor_wins_a_name():
    configured = parse_servers({"fs": {"command": "fs-server", "env": {"K": "v"}}})
    editor = parse_servers([{"name": "fs", "command": "other", "args": [], "env": []}])
    (server,) = to_servers(configured + editor, "/p")
    assert server == MCPServerStdio("fs", "other", (), cwd="/p")


@pytest.mark.parametrize(("raw", "message"), [
    ([{"command": "x"}], "needs a name"),
    ([{"name": "a"}], "'a' needs a command"),
    ([{"name": "a", "type": "http"}], "'a' needs a url"),
    ([{"name": "a", "type": "stdio"}], "'a' needs a command"),
    ([{"name": "a", "type": "ws", "url": "x"}], "unknown type 'ws'"),
    ([{"name": "a", "command": "x", "env": [{"name": "K"}]}], "need a name and a value"),
    ("fs", "must be a list or a table"),
])
def test_unusable_entries_say_why(raw, message):
    with pytest.raises(McpConfigError, match=message):
        parse_servers(raw)


def test_config_file_mcp_servers(tmp_path):
    path = tmp_path / "acp.toml"
    path.write_text(
        'mcp_startup_timeout = 5\n[mcpServers.fs]\ncommand = "fs-server"\nargs = ["."]\n'
    )
    config = load_config(["--config", str(path)], environ={})
    assert config.mcp_servers == [
        {"type": "stdio", "name": "fs", "command": "fs-server", "args": ["."], "env": {}}
    ]
    assert config.mcp_startup_timeout == 5.0
    path.write_text('[mcpServers.fs]\nargs = ["."]\n')
    with pytest.raises(ConfigError, match="'fs' needs a command"):
        load_config(["--config", str(path)], environ={})


def test_session_servers_run_in_the_background_and_stop_on_close_on_trio(tmp_path):
    # In a fresh interpreter: see tests/mcp/test_mcp_agent.py's trio test.
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parents[1] / "mcp" / "trio_run.py"
    done = subprocess.run([sys.executable, str(script), "acp", str(tmp_path)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "stopped"


def test_session_servers_run_in_the_background_and_stop_on_close(tmp_path, backend="asyncio"):
    import sys
    from pathlib import Path

    from fake_client import FakeClient
    from proc_util import alive

    from acp_server.agent import AcpAgent
    from acp_server.config import ServerConfig
    from agentica.testing import FunctionModel

    server = str(Path(__file__).resolve().parents[1] / "mcp" / "mcp_test_server.py")
    log = tmp_path / "log"

    async def main() -> list[int]:
        agent = AcpAgent(FakeClient(), ServerConfig(model="demo"),
                         model_factory=lambda: FunctionModel(lambda m, t: "hi"))
        await agent.ready()
        raw = {"cwd": str(tmp_path), "mcpServers": [
            {"name": "t", "command": sys.executable, "args": [server],
             "env": [{"name": "MCP_TEST_LOG", "value": str(log)}]}]}
        from acp_server import wire

        result = await agent.new_session(wire.parse(wire.NewSessionParams, raw))
        session = agent.sessions.get(result.session_id)
        assert session.agent is not None and session.agent.mcp is not None
        with anyio.fail_after(30):
            await session.agent.mcp.wait_ready()
        assert [f.name for f in session.agent.mcp.functions()][:1] == ["mcp__t__echo"]
        pids = [int(line.split()[1]) for line in log.read_text().splitlines()]
        assert all(alive(p) for p in pids)
        with anyio.fail_after(10):
            await agent.aclose()
        return pids

    pids = anyio.run(main, backend=backend)
    assert pids and not any(alive(p) for p in pids)
