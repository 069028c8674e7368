"""``agentica-acp --trace``: a prompt turn's spans reach an OTLP collector (a loopback HTTP
server here), flushed when the server shuts down on stdin EOF."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import anyio
import pytest
from e2e_util import SERVER, RawPipe, kill_group, server_env
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest


@pytest.fixture
def collector() -> Iterator[tuple[str, list[tuple[str, bytes]]]]:
    """A loopback OTLP/HTTP endpoint recording (path, body) of each POST."""
    received: list[tuple[str, bytes]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            received.append((self.path, body))
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", received
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


async def test_trace_sends_the_turns_spans_over_otlp(workdir: Path, collector) -> None:
    endpoint, received = collector
    process = await asyncio.create_subprocess_exec(
        *SERVER, "--model", "demo", "--trace",
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL, cwd=str(workdir), start_new_session=True,
        env=server_env({"OTEL_EXPORTER_OTLP_ENDPOINT": endpoint, "OTEL_SERVICE_NAME": "e2e"}),
    )
    try:
        raw = RawPipe(process)
        await raw.call(1, "initialize", {"protocolVersion": 1})
        new = await raw.call(2, "session/new", {"cwd": str(workdir), "mcpServers": []})
        sid = new["result"]["sessionId"]
        prompt = {"sessionId": sid, "prompt": [{"type": "text", "text": "say hello there"}]}
        done = await raw.call(3, "session/prompt", prompt)
        assert done["result"]["stopReason"] == "end_turn"
        assert process.stdin is not None
        process.stdin.close()  # EOF: the server shuts down and flushes its spans.
        with anyio.fail_after(20):
            assert await process.wait() == 0
    finally:
        kill_group(process.pid)
        await process.wait()
    spans = []
    for path, body in received:
        assert path == "/v1/traces"
        request = ExportTraceServiceRequest.FromString(body)
        for resource in request.resource_spans:
            service = {a.key: a.value.string_value for a in resource.resource.attributes}
            assert service["service.name"] == "e2e"
            spans += [s for scope in resource.scope_spans for s in scope.spans]
    names = sorted(s.name for s in spans)
    assert names == ["chat e2e", "invoke_agent agentica"], names
    run = next(s for s in spans if s.name.startswith("invoke_agent"))
    chat = next(s for s in spans if s.name.startswith("chat"))
    assert chat.parent_span_id == run.span_id and chat.trace_id == run.trace_id
