"""MCP server entries from the editor and the config file (``acp_server.mcp_tools``)."""

from __future__ import annotations

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
