"""Fast startup: answering ``initialize`` imports nothing heavy, and the quick paths
behind that agree with the pydantic wire models they stand in for."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import anyio
import pytest

from acp_server import protocol, startup, wire
from acp_server.connection import Connection, SimpleHandlers
from acp_server.startup import (
    agent_version,
    answer_initialize_early,
    initialize_result,
    quick_initialize_params,
    spec_supports_images,
)

ROOT = Path(__file__).resolve().parents[2]

HEAVY = [
    "pydantic",
    "jsonrpcserver",
    "jsonschema",
    "openai",
    "agentica._engine",
    "agentica.agent",
    "acp_server.wire",
    "acp_server.mapping",
]

# Runs the real ``main()`` on a pipe holding one ``initialize`` line, then EOF, and
# reports (to the file named by argv[1]) which heavy modules were imported when the
# response had been written, and after the background warm-up.
SCRIPT = """
import json, sys, threading
import acp_server.__main__ as main
from acp_server import startup

HEAVY = %r
seen = {}
answer = startup.answer_initialize_early

def watched(*args, **kwargs):
    early = answer(*args, **kwargs)
    seen["at_response"] = [m for m in HEAVY if m in sys.modules]
    return early

startup.answer_initialize_early = watched
code = main.main(["--model", "demo"])
for t in threading.enumerate():
    if t.name == "acp-warm-up":
        t.join()
seen["after_warm_up"] = [m for m in HEAVY if m in sys.modules]
seen["code"] = code
with open(sys.argv[1], "w") as f:
    json.dump(seen, f)
"""

INIT = {"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {"protocolVersion": 1}}


def test_initialize_is_answered_before_any_heavy_import_and_warm_up_follows(tmp_path) -> None:
    report = tmp_path / "seen.json"
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT % (HEAVY,), str(report)],
        input=json.dumps(INIT) + "\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "XDG_CONFIG_HOME": str(tmp_path)},
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    response = json.loads(proc.stdout.splitlines()[0])
    assert response["id"] == 0 and response["result"]["protocolVersion"] == 1
    seen = json.loads(report.read_text())
    assert seen["at_response"] == []
    assert set(seen["after_warm_up"]) >= {"acp_server.wire", "acp_server.mapping", "agentica.agent"}
    assert "openai" not in seen["after_warm_up"]  # The demo model needs no client.
    assert seen["code"] == 0


def _early(data: bytes) -> tuple[startup.EarlyStart, bytes]:
    """``answer_initialize_early`` over pipes holding ``data`` (then EOF)."""
    in_r, in_w = os.pipe()
    out_r, out_w = os.pipe()
    try:
        os.write(in_w, data)
        os.close(in_w)
        early = answer_initialize_early(in_r, out_w, image=lambda: False)
        os.close(out_w)
        with os.fdopen(out_r, "rb") as f:
            written = f.read()
    finally:
        os.close(in_r)
    return early, written


def test_early_initialize_answers_the_first_line_and_hands_over_the_rest() -> None:
    rest = b'{"jsonrpc":"2.0","id":1,"method":"session/new","params":{}}\n'
    early, written = _early(json.dumps(INIT).encode() + b"\n" + rest)
    assert json.loads(written) == {
        "jsonrpc": "2.0",
        "id": 0,
        "result": initialize_result(image=False, version=agent_version()),
    }
    assert early.unread == rest
    assert early.client_capabilities == {}


@pytest.mark.parametrize(
    "first",
    [
        b'{"jsonrpc":"2.0","id":1,"method":"session/new","params":{}}\n',
        b'[{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":1}}]\n',
        b'{"jsonrpc":"2.0","id":NaN,"method":"initialize","params":{"protocolVersion":1}}\n',
        b'{"jsonrpc":"2.0","id":true,"method":"initialize","params":{"protocolVersion":1}}\n',
        b'{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"1"}}\n',
        b'{"jsonrpc":"2.0","method":"initialize","params":{"protocolVersion":1}}\n',
        b"not json\n",
        b'{"jsonrpc":"2.0","id":1,"method":"initialize"',  # No newline before EOF.
        b"",
    ],
)
def test_anything_but_a_plain_initialize_is_left_to_the_connection(first: bytes) -> None:
    early, written = _early(first)
    assert written == b""
    assert early.unread == first
    assert early.client_capabilities is None


def test_protocol_version_is_the_wire_models_one() -> None:
    assert wire.PROTOCOL_VERSION is protocol.PROTOCOL_VERSION


@pytest.mark.parametrize(("image", "mcp"), [(False, False), (True, True)])
def test_initialize_result_equals_the_wire_models_dump(image: bool, mcp: bool) -> None:
    expected = wire.dump(
        wire.InitializeResult(
            protocol_version=wire.PROTOCOL_VERSION,
            agent_capabilities=wire.AgentCapabilities(
                load_session=True,
                prompt_capabilities=wire.PromptCapabilities(
                    image=image, audio=False, embedded_context=True
                ),
                mcp_capabilities=wire.McpCapabilities(http=mcp, sse=mcp),
                session_capabilities=wire.SessionCapabilities(
                    additional_directories=wire.SessionAdditionalDirectoriesCapabilities(),
                    list=wire.SessionMethodCapability(),
                    resume=wire.SessionMethodCapability(),
                    close=wire.SessionMethodCapability(),
                    delete=wire.SessionMethodCapability(),
                ),
            ),
            auth_methods=[],
            agent_info=wire.Implementation(name="agentica", title="Agentica", version="1.2.3"),
        )
    )
    assert initialize_result(image=image, version="1.2.3", mcp=mcp) == expected


def test_http_and_sse_mcp_servers_are_advertised_when_the_mcp_package_is_installed() -> None:
    installed = importlib.util.find_spec("mcp") is not None
    caps = initialize_result(image=False, version="1")["agentCapabilities"]
    assert caps["mcpCapabilities"] == {"http": installed, "sse": installed}


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
        "gpt-4o,deepseek/deepseek-chat",
        "deepseek/deepseek-chat, gpt-4o",
        "openai/gpt-5?api=responses",
        ",ollama/llava",
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


def test_early_initialize_survives_a_client_that_went_away() -> None:
    in_r, in_w = os.pipe()
    out_r, out_w = os.pipe()
    os.close(out_r)  # Nobody reads: writing fails with EPIPE.
    try:
        os.write(in_w, json.dumps(INIT).encode() + b"\n")
        early = answer_initialize_early(in_r, out_w, image=lambda: False)
    finally:
        for fd in (in_r, in_w, out_w):
            os.close(fd)
    assert early.unread == b""
    assert early.client_capabilities == {}


EARLY_AGENTICA = """
import sys
import acp_server.__main__ as main
from acp_server import startup

answer = startup.answer_initialize_early
seen = []

def watched(*args, **kwargs):
    early = answer(*args, **kwargs)
    seen.append(sorted(m for m in sys.modules if m == "agentica" or m.startswith("agentica.")))
    return early

startup.answer_initialize_early = watched
main.main(["--model", "openai/gpt-4o"])
sys.stderr.write(f"SEEN {seen[0]}\\n")
"""


def test_a_configured_model_does_not_import_agentica_before_initialize(tmp_path) -> None:
    # The image capability comes from the model presets, loaded on their own.
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path)}
    env.pop("OPENAI_API_KEY", None)
    proc = subprocess.run(
        [sys.executable, "-c", EARLY_AGENTICA],
        input=json.dumps(INIT) + "\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
    )
    response = json.loads(proc.stdout.splitlines()[0])
    assert response["result"]["agentCapabilities"]["promptCapabilities"]["image"] is True
    assert "SEEN []" in proc.stderr, proc.stderr[-2000:]


def test_presets_loaded_early_agree_with_the_real_module() -> None:
    import agentica.models.presets as real

    early = sys.modules.get(startup._EARLY_PRESETS)
    if early is None:  # agentica was imported first here: load the private copy now.
        sys.modules.pop("agentica.models.presets")
        try:
            early = startup._presets()
        finally:
            sys.modules["agentica.models.presets"] = real
    assert early is not real
    assert early.VISION_HINTS == real.VISION_HINTS
    assert sorted(early.PRESETS) == sorted(real.PRESETS)
