"""Fast startup: answering ``initialize`` imports nothing heavy, and the quick paths
behind that agree with the pydantic wire models they stand in for."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import anyio
import pytest

from acp_server import handshake, wire
from acp_server.connection import Connection, SimpleHandlers
from acp_server.handshake import (
    agent_version,
    initialize_result,
    quick_initialize_params,
    spec_supports_images,
)

ROOT = Path(__file__).resolve().parents[2]

HEAVY = ["openai", "agentica._engine", "agentica.agent", "acp_server.wire", "acp_server.mapping"]

# Serves one ``initialize`` through the real main-module path (``_serve`` with the real
# handlers, a real Connection) over in-memory streams, and reports which heavy modules
# were imported when the response was written, and after the background warm-up.
SCRIPT = """
import json, sys, threading
import anyio
from anyio.abc import ByteReceiveStream, ByteSendStream
import acp_server.__main__ as main
from acp_server.config import ServerConfig

HEAVY = %r
LINE = json.dumps({"jsonrpc": "2.0", "id": 0, "method": "initialize",
                   "params": {"protocolVersion": 1, "clientCapabilities": {}}}).encode() + b"\\n"
seen = {}

class In(ByteReceiveStream):
    def __init__(self, written):
        self.lines, self.written = [LINE], written
    async def receive(self, max_bytes=65536):
        if not self.lines:
            await self.written.wait()
            await anyio.sleep(0)  # Let the writer run its after-write callbacks.
            raise anyio.EndOfStream
        return self.lines.pop()
    async def aclose(self):
        pass

class Out(ByteSendStream):
    def __init__(self, written):
        self.written = written
    async def send(self, item):
        seen.setdefault("at_response", [m for m in HEAVY if m in sys.modules])
        seen.setdefault("response", json.loads(item.splitlines()[0]))
        self.written.set()
    async def aclose(self):
        pass

async def run():
    from acp_server.connection import Connection
    written = anyio.Event()
    conn = Connection(In(written), Out(written), shutdown_timeout=5)
    await conn.serve(main._handler_factory(ServerConfig(model="demo"))(conn))

anyio.run(run)
for t in threading.enumerate():
    if t.name == "acp-warm-up":
        t.join()
seen["after_warm_up"] = [m for m in HEAVY if m in sys.modules]
print(json.dumps(seen))
"""


def test_initialize_is_answered_before_any_heavy_import_and_warm_up_follows() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT % (HEAVY,)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    seen = json.loads(proc.stdout)
    assert seen["response"]["result"]["protocolVersion"] == 1
    assert seen["at_response"] == []
    assert set(seen["after_warm_up"]) >= {"acp_server.wire", "acp_server.mapping", "agentica.agent"}
    assert "openai" not in seen["after_warm_up"]  # Still loaded on the first model call.


def test_protocol_version_is_the_wire_models_one() -> None:
    assert handshake.PROTOCOL_VERSION == wire.PROTOCOL_VERSION


@pytest.mark.parametrize("image", [False, True])
def test_initialize_result_equals_the_wire_models_dump(image: bool) -> None:
    expected = wire.dump(
        wire.InitializeResult(
            protocol_version=wire.PROTOCOL_VERSION,
            agent_capabilities=wire.AgentCapabilities(
                load_session=False,
                prompt_capabilities=wire.PromptCapabilities(
                    image=image, audio=False, embedded_context=True
                ),
                mcp_capabilities=wire.McpCapabilities(http=False, sse=False),
                session_capabilities=wire.SessionCapabilities(
                    additional_directories=wire.SessionAdditionalDirectoriesCapabilities()
                ),
            ),
            auth_methods=[],
            agent_info=wire.Implementation(name="agentica", title="Agentica", version="1.2.3"),
        )
    )
    assert initialize_result(image=image, version="1.2.3") == expected


QUICK = [
    {"protocolVersion": 1},
    {"protocolVersion": 0, "clientCapabilities": None},
    {"protocolVersion": 7, "clientCapabilities": {}},
    {
        "protocolVersion": 1,
        "clientCapabilities": {
            "fs": {"readTextFile": True, "writeTextFile": False, "_meta": {"x": 1}},
            "terminal": True,
            "_meta": None,
        },
        "clientInfo": {"name": "zed", "title": "Zed", "version": 3},
        "_meta": {"k": "v"},
        "unknown": [1, 2],
    },
    {"protocolVersion": 1, "clientCapabilities": {"fs": None, "terminal": "yes"}},
    {"protocolVersion": 1, "clientInfo": "not an object"},
    {"protocolVersion": 1, "clientInfo": {"title": 5}},  # No name: dropped.
]

SLOW = [
    None,
    [],
    {},
    {"protocolVersion": "1"},
    {"protocolVersion": True},
    {"protocolVersion": -1},
    {"protocolVersion": 1.0},
    {"protocol_version": 1},
    {"protocolVersion": 1, "clientCapabilities": []},
    {"protocolVersion": 1, "clientCapabilities": {"fs": 5}},
    {"protocolVersion": 1, "clientCapabilities": {"fs": {"readTextFile": 1}}},
    {"protocolVersion": 1, "clientCapabilities": {"fs": {"read_text_file": True}}},
    {"protocolVersion": 1, "clientCapabilities": {"_meta": 3}},
    {"protocolVersion": 1, "clientInfo": {"name": "zed", "title": 5}},
    {"protocolVersion": 1, "_meta": "x"},
    {"protocolVersion": 1, "meta": {}},
]


@pytest.mark.parametrize("params", QUICK)
def test_quick_initialize_params_agree_with_the_wire_model(params: dict[str, Any]) -> None:
    quick = quick_initialize_params(params)
    assert quick is not None
    parsed = wire.parse(wire.InitializeParams, params)
    version, caps = quick
    assert version == parsed.protocol_version
    assert wire.ClientCapabilities.model_validate(caps) == parsed.client_capabilities


@pytest.mark.parametrize("params", SLOW)
def test_unusual_initialize_params_are_left_to_the_wire_model(params: Any) -> None:
    assert quick_initialize_params(params) is None


@pytest.mark.parametrize(
    "spec",
    [
        "offline",
        "demo/x",
        " demo ",
        "gpt-4o-mini",
        "deepseek",
        "deepseek/deepseek-chat",
        "ollama/llama3.1",
        "openrouter/anthropic/claude-sonnet-4",
        "nosuchprovider/model",
        "deepseek/",
        "  ",
    ],
)
def test_image_support_is_known_without_creating_the_model(spec: str) -> None:
    from agentica.models.registry import get_model

    try:
        expected = bool(get_model(spec).supports_images)
    except Exception:
        expected = False
    assert spec_supports_images(spec) is expected


def test_default_demo_spec_advertises_no_images() -> None:
    assert spec_supports_images("demo") is False


def test_version_matches_the_installed_metadata() -> None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        expected = version("agentica")
    except PackageNotFoundError:
        pytest.skip("agentica is not installed")
    assert agent_version() == expected


class _Pipe:
    """Byte streams over a memory object stream."""

    def __init__(self) -> None:
        self.send_stream, self.receive_stream = anyio.create_memory_object_stream[bytes](100)

    async def send(self, item: bytes) -> None:
        await self.send_stream.send(item)

    async def receive(self, max_bytes: int = 65536) -> bytes:
        return await self.receive_stream.receive()

    async def aclose(self) -> None:
        self.send_stream.close()


async def test_call_after_next_write_runs_once_the_response_is_written() -> None:
    incoming, outgoing = _Pipe(), _Pipe()
    calls: list[str] = []
    conn = Connection(incoming, outgoing)  # type: ignore[arg-type]

    async def hello(params: dict[str, Any]) -> str:
        conn.call_after_next_write(lambda: calls.append("after"))
        return "hi"

    handlers = SimpleHandlers(requests={"hello": hello})
    try:
        with anyio.fail_after(5):
            async with anyio.create_task_group() as tg:
                tg.start_soon(conn.serve, handlers)
                await incoming.send(b'{"jsonrpc":"2.0","id":1,"method":"hello","params":{}}\n')
                response = json.loads(await outgoing.receive())
                await incoming.aclose()
    finally:
        for pipe in (incoming, outgoing):
            pipe.send_stream.close()
            pipe.receive_stream.close()
    assert response["result"] == "hi"
    assert calls == ["after"]
