"""OpenAIChat across event loops (sync adapters), typed transport errors and refusals.

The loop tests use a real loopback HTTP server: a pooled connection is bound to the
event loop that opened it, which a ``MockTransport`` (no sockets) cannot show.
"""

from __future__ import annotations

import gc
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import anyio
import httpx
import pytest

from agentica.agent import Agent
from agentica.events import RunFinished, TextDelta
from agentica.exceptions import ModelConnectionError, ModelResponseError
from agentica.messages import Message
from agentica.models.base import ModelFinish, ModelTextDelta
from agentica.models.openai import OpenAIChat
from agentica.testing import MockReply, OpenAIMock, chunk

HI = [Message.user("hi")]


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.script: list[MockReply] = []
        self.peers: list[int] = []
        self.lock = threading.Lock()

    def handle_error(self, request, client_address) -> None:
        """A client dropping its idle keep-alive connection is not an error here."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, *args) -> None:
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        with self.server.lock:
            self.server.peers.append(self.client_address[1])
            reply = self.server.script.pop(0) if self.server.script else MockReply(text="hello")
        body = b"".join(f"data: {json.dumps(c)}\n\n".encode() for c in reply.chunks())
        body += b"data: [DONE]\n\n"
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def server() -> Iterator[_Server]:
    srv = _Server()
    thread = threading.Thread(target=srv.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield srv
    finally:
        srv.shutdown()
        srv.server_close()
        thread.join(5)


def loopback_model(srv: _Server) -> OpenAIChat:
    port = srv.server_address[1]
    return OpenAIChat(
        "gpt-test", api_key="k", base_url=f"http://127.0.0.1:{port}/v1", max_retries=0, timeout=5
    )


def test_one_model_serves_repeated_run_sync_and_run_stream_sync(server):
    agent = Agent(model=loopback_model(server))
    for _ in range(3):
        assert agent.run_sync("hi").content == "hello"
        gc.collect()  # a pool left open on a dead loop would warn here (warnings are errors)
    for _ in range(2):
        events = list(agent.run_stream_sync("hi"))
        assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "hello"
        assert isinstance(events[-1], RunFinished)
        gc.collect()
    assert len(server.peers) == 5


def test_connections_are_pooled_within_one_loop(server):
    def add(a: int, b: int) -> int:
        """Add two numbers."""
        return a + b

    server.script = [
        MockReply(tool_calls=[("c1", "add", {"a": 1, "b": 2})]),
        MockReply(text="3"),
    ]
    agent = Agent(model=loopback_model(server), tools=[add])
    assert agent.run_sync("1+2?").content == "3"
    first, second = server.peers
    assert first == second  # the second request of the run reused the kept-alive connection


async def test_one_client_per_loop_is_reused_and_aclose_releases_the_owned_pool():
    model = OpenAIChat("gpt-test", api_key="k", base_url="http://127.0.0.1:9/v1")
    client = await model._get_client()
    assert await model._get_client() is client
    http = client._client
    assert not http.is_closed
    await model.aclose()
    assert http.is_closed
    assert await model._get_client() is not client


def test_a_model_used_from_two_loops_closes_each_pool_with_its_loop():
    model = OpenAIChat("gpt-test", api_key="k", base_url="http://127.0.0.1:9/v1")

    async def grab():
        return await model._get_client()

    first = anyio.run(grab)
    second = anyio.run(grab)
    assert first is not second
    assert first._client.is_closed and second._client.is_closed
    assert len(model._clients) == 0


async def test_a_given_http_client_is_shared_and_left_open():
    mock = OpenAIMock([MockReply(text="x")])
    http = mock.http_client()
    model = OpenAIChat("m", api_key="k", base_url="http://mock/v1", http_client=http)
    await model.response(HI)
    await model.aclose()
    assert not http.is_closed
    await http.aclose()


def _model(mock: OpenAIMock) -> OpenAIChat:
    return OpenAIChat(
        "gpt-test",
        api_key="k",
        base_url="http://mock/v1",
        http_client=mock.http_client(),
        max_retries=0,
    )


async def test_an_unexpected_transport_exception_is_a_typed_connection_error():
    class Broken(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request):
            raise RuntimeError("Event loop is closed")

    http = httpx.AsyncClient(transport=Broken())
    model = OpenAIChat("m", api_key="k", base_url="http://mock/v1", http_client=http, max_retries=0)
    with pytest.raises(ModelConnectionError) as info:
        await model.response(HI)
    assert "RuntimeError" in str(info.value)
    await http.aclose()


async def test_an_unexpected_exception_mid_stream_is_a_typed_response_error():
    def reply(request):
        async def body():
            yield f"data: {json.dumps(chunk(content='partial '))}\n\n".encode()
            raise RuntimeError("boom")

        return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body())

    seen = []
    with pytest.raises(ModelResponseError, match="boom"):
        async for delta in _model(OpenAIMock([reply])).response_stream(HI):
            seen.append(delta)
    assert seen == [ModelTextDelta(text="partial ")]


async def test_a_refusal_is_shown_as_text_and_finishes_as_content_filter():
    mock = OpenAIMock([MockReply(refusal="I can't help with that.")])
    deltas = [d async for d in _model(mock).response_stream(HI)]
    text = "".join(d.text for d in deltas if isinstance(d, ModelTextDelta))
    assert text == "I can't help with that."
    assert deltas[-1] == ModelFinish(reason="content_filter")


async def test_an_agent_run_refused_by_the_model_stops_with_reason_refusal():
    mock = OpenAIMock([MockReply(refusal="I can't help with that.")])
    with anyio.fail_after(10):
        result = await Agent(model=_model(mock)).run("do something bad")
    assert result.stop_reason == "refusal"
    assert result.text == "I can't help with that."
    assert result.messages[-1].text == "I can't help with that."
