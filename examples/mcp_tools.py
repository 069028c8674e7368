"""MCP tools: an agent using the tools of an MCP server (here a tiny stdio server).

``Agent(mcp_servers=[MCPServerStdio(name, command, args)])``: ``async with agent:`` starts
the server, its tools join the agent's as ``mcp__<server>__<tool>``, and it is stopped on
exit. This file is also the server: ``python examples/mcp_tools.py --server`` speaks MCP
on stdin/stdout (written with the official ``mcp`` package's ``MCPServer``). Needs the
``mcp`` extra: ``pip install 'agentica[mcp]'``. The model is scripted (offline);
``--model deepseek/deepseek-chat`` (or AGENTICA_MODEL) uses a real one.

Run: python examples/mcp_tools.py [--model SPEC]
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

import anyio

from agentica import Agent, ToolCallFinished
from agentica.mcp import MCPServerStdio
from agentica.testing import ScriptedModel, tool_call

SELF = os.path.abspath(__file__)


def run_server() -> None:
    """The MCP server: two tools, ``add`` and ``shout``."""
    from mcp.server.mcpserver import MCPServer
    from mcp_types import ToolAnnotations

    server = MCPServer("example")

    @server.tool(annotations=ToolAnnotations(read_only_hint=True))
    def add(a: int, b: int) -> int:
        """Add two integers."""
        return a + b

    @server.tool(annotations=ToolAnnotations(read_only_hint=True))
    def shout(text: str) -> str:
        """Upper-case a text."""
        return text.upper() + "!"

    server.run("stdio")


def offline_model() -> ScriptedModel:
    return ScriptedModel([
        ScriptedModel.tool_calls(
            tool_call("mcp__example__add", {"a": 2, "b": 40}),
            tool_call("mcp__example__shout", {"text": "hello mcp"}),
        ),
        lambda messages, tools: "The server says: "
        + "; ".join(m.text for m in messages if m.role == "tool"),
    ])


async def main(model: Any) -> None:
    server = MCPServerStdio("example", sys.executable, [SELF, "--server"])
    agent = Agent(model=model, mcp_servers=[server])
    async with agent:  # Starts the server; stops it on exit.
        assert agent.mcp is not None
        print("MCP tools:", ", ".join(f.name for f in agent.mcp.functions()))
        async with agent.run_stream("Add 2 and 40, and shout 'hello mcp'.") as stream:
            async for event in stream:
                if isinstance(event, ToolCallFinished):
                    print(f"  {event.tool_name}: {event.result}")
        print(stream.response.content)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default=os.environ.get("AGENTICA_MODEL"))
    parser.add_argument("--server", action="store_true", help="be the MCP server")
    args = parser.parse_args()
    if args.server:
        run_server()
    else:
        anyio.run(main, args.model or offline_model())
