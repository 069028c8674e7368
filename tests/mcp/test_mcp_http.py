"""MCP servers over streamable HTTP and SSE (a loopback server process)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import anyio
import pytest

from agentica import Agent
from agentica.mcp import MCPServerHTTP, MCPServerSSE
from agentica.testing import ScriptedModel, tool_call

SERVER = str(Path(__file__).resolve().parent / "mcp_test_server.py")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def http_server(flag: str) -> Iterator[int]:
    """The test MCP server serving HTTP on a loopback port; killed (its group) after."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, SERVER, "--name", "h", flag, str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    try:
        for _ in range(300):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                if proc.poll() is not None:
                    raise RuntimeError("the MCP HTTP server exited") from None
                import time

                time.sleep(0.05)
        yield port
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


@pytest.mark.parametrize(("flag", "path", "kind"), [
    ("--http", "/mcp", MCPServerHTTP),
    ("--sse", "/sse", MCPServerSSE),
])
async def test_tools_of_an_http_server_are_called(flag, path, kind):
    model = ScriptedModel([
        ScriptedModel.tool_calls(tool_call("mcp__h__echo", {"text": "over http"}, id="e")),
        "done",
    ])
    with http_server(flag) as port:
        agent = Agent(model=model, mcp_servers=[kind("h", f"http://127.0.0.1:{port}{path}")])
        with anyio.fail_after(30):
            async with agent:
                assert agent.mcp is not None and agent.mcp.failures == {}
                result = await agent.run("go")
    (tool,) = [m for m in result.new_messages if m.role == "tool"]
    assert (tool.text, tool.is_error) == ("echo: over http", False)
