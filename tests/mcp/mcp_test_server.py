"""A small stdio MCP server for the tests, written with the ``mcp`` package's server side.

    python tests/mcp/mcp_test_server.py [--name NAME] [--hang] [--http PORT | --sse PORT]

Tools: ``echo`` (read-only), ``sleep`` (records start/cancel in ``MCP_TEST_LOG``),
``fail`` (an MCP error result), ``image`` (a PNG), ``resource`` (an embedded resource),
``structured`` (structured content), ``crash`` (the process exits), ``spawn`` (starts a
child process that sleeps; its pid is the result). ``--hang`` never answers initialize;
``--http``/``--sse`` serve streamable HTTP (``/mcp``) or SSE (``/sse``) on 127.0.0.1.
"""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import time
from pathlib import Path

import anyio
from mcp.server.mcpserver import MCPServer
from mcp_types import (
    CallToolResult,
    EmbeddedResource,
    ImageContent,
    TextContent,
    TextResourceContents,
    ToolAnnotations,
)

PNG = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
    )
).decode()


def log(line: str) -> None:
    path = os.environ.get("MCP_TEST_LOG")
    if path:
        with Path(path).open("a") as f:
            f.write(line + "\n")


def build(name: str) -> MCPServer:
    server = MCPServer(name)

    @server.tool(annotations=ToolAnnotations(read_only_hint=True), title="Echo text")
    def echo(text: str) -> str:
        """Echo the text back."""
        return f"echo: {text}"

    @server.tool()
    async def sleep(seconds: float) -> str:
        """Sleep for a while."""
        log(f"sleep start {seconds}")
        try:
            await anyio.sleep(seconds)
        except BaseException:
            log("sleep cancelled")
            raise
        log("sleep done")
        return f"slept {seconds}"

    @server.tool()
    def fail(reason: str = "broken") -> CallToolResult:
        """Always fails."""
        return CallToolResult(content=[TextContent(type="text", text=f"failed: {reason}")],
                              is_error=True)

    @server.tool(annotations=ToolAnnotations(read_only_hint=True))
    def image() -> CallToolResult:
        """A small PNG image."""
        return CallToolResult(content=[TextContent(type="text", text="a pixel"),
                                       ImageContent(type="image", data=PNG, mime_type="image/png")])

    @server.tool(annotations=ToolAnnotations(read_only_hint=True))
    def resource() -> CallToolResult:
        """An embedded text resource."""
        contents = TextResourceContents(uri="file:///notes.txt", mime_type="text/plain",
                                        text="the notes")
        return CallToolResult(content=[EmbeddedResource(type="resource", resource=contents)])

    @server.tool(annotations=ToolAnnotations(read_only_hint=True))
    def structured(n: int) -> CallToolResult:
        """Structured content only."""
        return CallToolResult(content=[], structured_content={"n": n, "square": n * n})

    @server.tool()
    def crash() -> str:
        """The server process exits."""
        os._exit(3)

    @server.tool()
    def spawn() -> str:
        """Start a child that sleeps; returns its pid."""
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        return str(child.pid)

    return server


def main(argv: list[str]) -> None:
    name = argv[argv.index("--name") + 1] if "--name" in argv else "test"
    log(f"pid {os.getpid()}")
    if "--hang" in argv:
        time.sleep(600)
        return
    for transport, flag in (("streamable-http", "--http"), ("sse", "--sse")):
        if flag in argv:
            port = int(argv[argv.index(flag) + 1])
            build(name).run(transport, host="127.0.0.1", port=port)  # type: ignore[call-overload]
            return
    build(name).run("stdio")


if __name__ == "__main__":
    main(sys.argv[1:])
