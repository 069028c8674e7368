"""The JSON-RPC connection, driven in-process over memory streams."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from functools import cache
from typing import Any

import anyio
import jsonschema
import pydantic
import pytest
from schema_util import SCHEMA_PATH

from acp_server.connection import Connection, Handlers, SimpleHandlers
from acp_server.errors import ConnectionClosed, RequestTimeout, RpcError
from acp_server.jsonrpc import decode


@cache
def _agent_message_validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SCHEMA_PATH.read_text())
    agent = {"$defs": schema["$defs"], **schema["anyOf"][0]}
    cls = jsonschema.validators.validator_for(schema)
    return cls(agent)


def assert_valid_agent_message(message: dict[str, Any]) -> None:
    """Validate a message the agent wrote against the official schema (Agent messages)."""
    _agent_message_validator().validate(message)


class Peer:
    """The client side of an in-memory connection: sends lines, reads parsed messages."""

    def __init__(self) -> None:
        self.to_server, self.server_in = anyio.create_memory_object_stream[bytes](1000)
        self.server_out, self.from_server = anyio.create_memory_object_stream[bytes](1000)
        self._buffer = b""
        self.raw_lines: list[bytes] = []

    async def send_raw(self, data: bytes) -> None:
        await self.to_server.send(data)

    async def send(self, message: Any) -> None:
        await self.send_raw(json.dumps(message).encode() + b"\n")

    async def request(self, request_id: Any, method: str, params: Any = None) -> None:
        message = {"jsonrpc": "2.0", "id": request_id, "method": method}
        if params is not None:
            message["params"] = params
        await self.send(message)

    async def notify(self, method: str, params: Any = None) -> None:
        message = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            message["params"] = params
        await self.send(message)

    async def receive(self) -> Any:
        """The next message from the server (waits at most 5 s)."""
        with anyio.fail_after(5):
            while b"\n" not in self._buffer:
                self._buffer += await self.from_server.receive()
        line, self._buffer = self._buffer.split(b"\n", 1)
        self.raw_lines.append(line)
        return json.loads(line)

    async def receive_eof(self) -> None:
        """Wait until the server closed its output, with nothing unread."""
        with anyio.fail_after(5):
            async for chunk in self.from_server:
                self._buffer += chunk
        assert self._buffer == b"", f"unexpected output: {self._buffer!r}"


@asynccontextmanager
async def serving(
    handlers: Handlers | Callable[[Connection], Handlers], **kwargs: Any
) -> AsyncIterator[tuple[Peer, Connection]]:
    """Run a connection in the background; on exit send EOF and wait for it to finish."""
    peer = Peer()
    conn = Connection(peer.server_in, peer.server_out, **kwargs)
    built = handlers(conn) if callable(handlers) else handlers
    try:
        async with anyio.create_task_group() as tg:
            tg.start_soon(conn.serve, built)
            try:
                yield peer, conn
            finally:
                peer.to_server.close()
    finally:
        peer.from_server.close()


async def echo(params: dict[str, Any]) -> Any:
    return params


def make_handlers(**requests: Any) -> SimpleHandlers:
    return SimpleHandlers(requests={"echo": echo, **requests})


# Framing and envelope errors ------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "code", "error_id"),
    [
        pytest.param(b"garbage", -32700, None, id="not-json"),
        pytest.param(b'{"jsonrpc":"2.0","id":1,', -32700, None, id="truncated-json"),
        pytest.param(b"\xff\xfe{}", -32700, None, id="not-utf8"),
        pytest.param(b"[]", -32600, None, id="empty-batch"),
        pytest.param(b"42", -32600, None, id="number"),
        pytest.param(b"null", -32600, None, id="null"),
        pytest.param(b'"hello"', -32600, None, id="string"),
        pytest.param(b'{"jsonrpc":"2.0","id":7}', -32600, 7, id="missing-method"),
        pytest.param(b'{"jsonrpc":"1.0","id":"a","method":"echo"}', -32600, "a", id="bad-version"),
        pytest.param(b'{"id":8,"method":"echo"}', -32600, 8, id="no-version"),
        pytest.param(b'{"jsonrpc":"2.0","id":9,"method":5}', -32600, 9, id="method-not-string"),
        pytest.param(b'{"jsonrpc":"2.0","id":{},"method":"echo"}', -32600, None, id="object-id"),
        pytest.param(
            b'{"jsonrpc":"2.0","id":3,"method":"echo","params":1}', -32600, 3, id="scalar-params"
        ),
        pytest.param(b'{"jsonrpc":"2.0","id":true,"method":"echo"}', -32600, None, id="true-id"),
        pytest.param(b'{"jsonrpc":"2.0","id":false,"method":"echo"}', -32600, None, id="false-id"),
        # Python's parser accepts these; strict JSON (RFC 8259) does not.
        pytest.param(b'{"jsonrpc":"2.0","id":NaN,"method":"echo"}', -32700, None, id="nan-id"),
        pytest.param(b'{"jsonrpc":"2.0","id":Infinity,"method":"echo"}', -32700, None, id="inf"),
        pytest.param(b'{"jsonrpc":"2.0","id":-Infinity,"method":"echo"}', -32700, None, id="-inf"),
        pytest.param(b'{"jsonrpc":"2.0","id":1e999,"method":"echo"}', -32700, None, id="1e999"),
        pytest.param(
            b'{"jsonrpc":"2.0","id":4,"method":"echo","params":{"x":[1,NaN]}}',
            -32700,
            None,
            id="nan-in-params",
        ),
        pytest.param(b'[{"jsonrpc":"2.0","id":-1e999,"method":"echo"}]', -32700, None, id="batch"),
    ],
)
async def test_connection_answers_malformed_input_and_keeps_serving(
    line: bytes, code: int, error_id: Any
) -> None:
    async with serving(make_handlers()) as (peer, _):
        await peer.send_raw(line + b"\n")
        response = await peer.receive()
        assert response["error"]["code"] == code
        assert response["id"] == error_id
        assert isinstance(response["error"]["message"], str)
        assert_valid_agent_message(response)
        assert decode(peer.raw_lines[-1]) == response  # Strict JSON, whatever came in.

        await peer.request(1, "echo", {"still": "alive"})
        assert await peer.receive() == {"jsonrpc": "2.0", "id": 1, "result": {"still": "alive"}}


async def test_connection_echoes_request_ids_exactly() -> None:
    async with serving(make_handlers()) as (peer, _):
        for request_id in ("abc", 7, None, "7"):
            await peer.request(request_id, "echo", {})
            response = await peer.receive()
            assert response["id"] == request_id
            assert type(response["id"]) is type(request_id)


async def test_connection_writes_compact_utf8_lines() -> None:
    async with serving(make_handlers()) as (peer, _):
        await peer.request(1, "echo", {"text": "héllo ✓ 世界", "nested": {"a": [1, 2]}})
        response = await peer.receive()
    assert response["result"]["text"] == "héllo ✓ 世界"
    line = peer.raw_lines[0]
    assert "héllo ✓ 世界".encode() in line
    assert b", " not in line and b": " not in line


async def test_connection_escapes_lone_surrogates_to_keep_valid_utf8() -> None:
    async with serving(make_handlers()) as (peer, _):
        await peer.send_raw(b'{"jsonrpc":"2.0","id":1,"method":"echo","params":{"t":"\\ud800"}}\n')
        response = await peer.receive()
    assert response["result"] == {"t": "\ud800"}
    peer.raw_lines[0].decode("utf-8")


async def test_connection_skips_blank_lines_and_accepts_crlf() -> None:
    async with serving(make_handlers()) as (peer, _):
        await peer.send_raw(b"\n  \r\n")
        await peer.send_raw(b'{"jsonrpc":"2.0","id":1,"method":"echo","params":{}}\r\n')
        assert (await peer.receive())["id"] == 1


async def test_connection_reassembles_lines_split_across_chunks() -> None:
    line = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "echo", "params": {"x": "y" * 100}})
    data = (line + "\n" + line.replace('"id": 1', '"id": 2') + "\n").encode()
    async with serving(make_handlers()) as (peer, _):
        for i in range(0, len(data), 7):
            await peer.send_raw(data[i : i + 7])
        assert {(await peer.receive())["id"], (await peer.receive())["id"]} == {1, 2}


async def test_connection_reads_a_50_mb_line() -> None:
    text = "x" * (50 * 1024 * 1024)
    data = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "size", "params": {"text": text}})

    async def size(params: dict[str, Any]) -> int:
        return len(params["text"])

    async with serving(make_handlers(size=size)) as (peer, _):
        raw = data.encode() + b"\n"
        for i in range(0, len(raw), 1 << 20):
            await peer.send_raw(raw[i : i + (1 << 20)])
        assert (await peer.receive())["result"] == len(text)


async def test_connection_processes_a_last_line_without_newline_at_eof() -> None:
    async with serving(make_handlers()) as (peer, _):
        await peer.send_raw(b'{"jsonrpc":"2.0","id":1,"method":"echo","params":{}}')
        peer.to_server.close()
        assert (await peer.receive())["id"] == 1
        await peer.receive_eof()


# Method dispatch and handler errors --------------------------------------------------------


@pytest.mark.parametrize("method", ["foo/bar", "_vendor/unknown"])
async def test_connection_answers_unknown_methods_with_method_not_found(method: str) -> None:
    async with serving(make_handlers()) as (peer, _):
        await peer.request("r1", method, {})
        response = await peer.receive()
    assert response["id"] == "r1"
    assert response["error"]["code"] == -32601
    assert_valid_agent_message(response)


async def test_connection_never_answers_notifications() -> None:
    seen: list[dict[str, Any]] = []

    async def on_cancel(params: dict[str, Any]) -> None:
        seen.append(params)

    async def broken(params: dict[str, Any]) -> None:
        raise ValueError("bug in a notification handler")

    handlers = make_handlers()
    handlers.notifications.update({"session/cancel": on_cancel, "bad/notification": broken})
    async with serving(handlers) as (peer, _):
        await peer.notify("session/cancel", {"sessionId": "s"})
        await peer.notify("_vendor/ping", {})
        await peer.notify("unknown/thing")
        await peer.notify("bad/notification", {})
        await peer.notify("session/cancel", [1, 2])
        await peer.notify("$/cancel_request", {"requestId": "never-sent"})
        await peer.request(1, "echo", {})
        # The first thing that comes back is the answer to the request.
        assert (await peer.receive())["id"] == 1
    assert seen == [{"sessionId": "s"}]


async def test_connection_passes_params_as_one_dict_and_missing_params_as_empty() -> None:
    async with serving(make_handlers()) as (peer, _):
        await peer.request(1, "echo", {"self": 1, "params": 2, "odd key": 3})
        assert (await peer.receive())["result"] == {"self": 1, "params": 2, "odd key": 3}
        await peer.request(2, "echo")
        assert (await peer.receive())["result"] == {}


async def test_connection_rejects_array_params_with_invalid_params() -> None:
    async with serving(make_handlers()) as (peer, _):
        await peer.request(1, "echo", [1, 2])
        response = await peer.receive()
    assert response["error"]["code"] == -32602
    assert_valid_agent_message(response)


async def test_connection_sends_rpc_errors_raised_by_handlers() -> None:
    async def needs_session(params: dict[str, Any]) -> Any:
        raise RpcError.invalid_params("sessionId: field required", data={"field": "sessionId"})

    async def missing(params: dict[str, Any]) -> Any:
        raise RpcError.resource_not_found("file:///nope")

    async with serving(make_handlers(new=needs_session, read=missing)) as (peer, _):
        await peer.request(1, "new", {})
        first = await peer.receive()
        await peer.request(2, "read", {})
        second = await peer.receive()
    assert first["error"] == {
        "code": -32602,
        "message": "sessionId: field required",
        "data": {"field": "sessionId"},
    }
    assert second["error"]["code"] == -32002
    assert second["error"]["data"] == {"uri": "file:///nope"}
    assert_valid_agent_message(first)
    assert_valid_agent_message(second)


async def test_connection_maps_pydantic_validation_errors_to_invalid_params() -> None:
    class Prompt(pydantic.BaseModel):
        session_id: str = pydantic.Field(alias="sessionId")
        prompt: list[dict[str, Any]]

    async def prompt(params: dict[str, Any]) -> Any:
        Prompt.model_validate(params)
        return {}

    async with serving(make_handlers(prompt=prompt)) as (peer, _):
        await peer.request(1, "prompt", {"prompt": "hello", "big": "x" * 1000})
        response = await peer.receive()
    error = response["error"]
    assert error["code"] == -32602
    assert "sessionId" in error["message"] and "prompt" in error["message"]
    assert "x" * 100 not in json.dumps(error)  # The input is not echoed back.
    assert_valid_agent_message(response)


async def test_connection_turns_a_handler_bug_into_a_short_internal_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def buggy(params: dict[str, Any]) -> Any:
        raise KeyError("sessionId")

    async def group(params: dict[str, Any]) -> Any:
        async with anyio.create_task_group() as tg:
            tg.start_soon(buggy, params)

    with caplog.at_level(logging.ERROR, logger="acp_server.connection"):
        async with serving(make_handlers(buggy=buggy, group=group)) as (peer, _):
            await peer.request(1, "buggy", {})
            first = await peer.receive()
            await peer.request(2, "group", {})
            second = await peer.receive()
    for response in (first, second):
        assert response["error"]["code"] == -32603
        assert "Traceback" not in json.dumps(response)
        assert "KeyError" in response["error"]["data"]
        assert_valid_agent_message(response)
    assert "Traceback" in caplog.text


async def test_non_finite_numbers_are_written_as_null_never_as_nan() -> None:
    async def nan(params: dict[str, Any]) -> Any:
        await conn_ref[0].notify("session/update", {"used": float("inf")})
        return {"value": float("nan"), "list": [1.5, float("-inf")]}

    conn_ref: list[Connection] = []

    def build(conn: Connection) -> Handlers:
        conn_ref.append(conn)
        return make_handlers(nan=nan)

    async with serving(build) as (peer, _):
        await peer.request(1, "nan", {})
        notification, response = await peer.receive(), await peer.receive()
    assert [decode(line) for line in peer.raw_lines] == [notification, response]
    assert notification["params"] == {"used": None}
    assert response == {"jsonrpc": "2.0", "id": 1, "result": {"value": None, "list": [1.5, None]}}


async def test_connection_answers_unserialisable_results_with_internal_error() -> None:
    async def weird(params: dict[str, Any]) -> Any:
        return {"value": object()}

    async with serving(make_handlers(weird=weird)) as (peer, _):
        await peer.request(1, "weird", {})
        response = await peer.receive()
    assert response["id"] == 1
    assert response["error"]["code"] == -32603


async def test_connection_answers_a_batch_with_an_array() -> None:
    async with serving(make_handlers()) as (peer, _):
        await peer.send(
            [
                {"jsonrpc": "2.0", "id": 1, "method": "echo", "params": {"n": 1}},
                {"jsonrpc": "2.0", "method": "unknown/notification"},
                {"jsonrpc": "2.0", "id": 2, "method": "nope"},
                7,
            ]
        )
        responses = await peer.receive()
    assert isinstance(responses, list)
    assert [r["id"] for r in responses] == [1, 2, None]
    assert responses[0]["result"] == {"n": 1}
    assert [r.get("error", {}).get("code") for r in responses] == [None, -32601, -32600]


# Concurrency and cancellation -----------------------------------------------------------------


async def test_connection_handles_notifications_while_a_request_runs() -> None:
    cancelled = anyio.Event()

    async def prompt(params: dict[str, Any]) -> Any:
        await cancelled.wait()
        return {"stopReason": "cancelled"}

    async def cancel(params: dict[str, Any]) -> None:
        cancelled.set()

    handlers = make_handlers(prompt=prompt)
    handlers.notifications["session/cancel"] = cancel
    async with serving(handlers) as (peer, _):
        await peer.request(1, "prompt", {})
        await peer.request(2, "echo", {"quick": True})
        assert await peer.receive() == {"jsonrpc": "2.0", "id": 2, "result": {"quick": True}}
        await peer.notify("session/cancel", {"sessionId": "s"})
        assert (await peer.receive())["result"] == {"stopReason": "cancelled"}


async def test_cancel_request_cancels_the_named_request_with_request_cancelled() -> None:
    started, finished_cleanup = anyio.Event(), anyio.Event()

    async def slow(params: dict[str, Any]) -> Any:
        started.set()
        try:
            await anyio.sleep_forever()
        finally:
            finished_cleanup.set()

    async with serving(make_handlers(slow=slow)) as (peer, _):
        await peer.request("p1", "slow", {})
        with anyio.fail_after(5):
            await started.wait()
        await peer.notify("$/cancel_request", {"requestId": "p1"})
        response = await peer.receive()
        assert response == {
            "jsonrpc": "2.0",
            "id": "p1",
            "error": {"code": -32800, "message": "Request cancelled"},
        }
        assert finished_cleanup.is_set()
        assert_valid_agent_message(response)
        # A cancel for a finished request is ignored: no second response.
        await peer.notify("$/cancel_request", {"requestId": "p1"})
        await peer.request(2, "echo", {})
        assert (await peer.receive())["id"] == 2


async def test_a_cancelled_request_answers_its_method_s_cancellation_marker() -> None:
    # acp-spec §10.3: "a normal result (a cancellation marker) or -32800"; the server's
    # handlers give session/prompt the marker, since clients show errors to users.
    started = anyio.Event()

    async def slow(params: dict[str, Any]) -> Any:
        started.set()
        await anyio.sleep_forever()

    handlers = SimpleHandlers(
        requests={"echo": echo, "prompt": slow, "other": slow},
        cancelled_results={"prompt": {"stopReason": "cancelled"}},
    )
    async with serving(handlers) as (peer, _):
        for request_id, method, expected in (
            (1, "prompt", {"result": {"stopReason": "cancelled"}}),
            (2, "other", {"error": {"code": -32800, "message": "Request cancelled"}}),
        ):
            started = anyio.Event()
            await peer.request(request_id, method, {})
            with anyio.fail_after(5):
                await started.wait()
            await peer.notify("$/cancel_request", {"requestId": request_id})
            assert await peer.receive() == {"jsonrpc": "2.0", "id": request_id, **expected}


async def test_cancel_request_matches_integer_and_string_ids_separately() -> None:
    started = anyio.Event()

    async def slow(params: dict[str, Any]) -> Any:
        started.set()
        await anyio.sleep_forever()

    async with serving(make_handlers(slow=slow)) as (peer, _):
        await peer.request(5, "slow", {})
        with anyio.fail_after(5):
            await started.wait()
        await peer.notify("$/cancel_request", {"requestId": "5"})  # Not the same id.
        await peer.request(6, "echo", {})
        assert (await peer.receive())["id"] == 6
        await peer.notify("$/cancel_request", {"requestId": 5})
        assert (await peer.receive())["error"]["code"] == -32800


async def test_handler_notifications_precede_its_response() -> None:
    async def prompt(params: dict[str, Any]) -> Any:
        for i in range(3):
            await conn_ref[0].notify("session/update", {"sessionId": "s", "i": i})
        return {"stopReason": "end_turn"}

    conn_ref: list[Connection] = []

    def build(conn: Connection) -> Handlers:
        conn_ref.append(conn)
        return make_handlers(prompt=prompt)

    async with serving(build) as (peer, _):
        await peer.request(1, "prompt", {})
        messages = [await peer.receive() for _ in range(4)]
    assert [m.get("params", {}).get("i") for m in messages[:3]] == [0, 1, 2]
    assert messages[3]["result"] == {"stopReason": "end_turn"}


# Outgoing requests ------------------------------------------------------------------------------


def _handlers_calling_client(conn: Connection, **kwargs: Any) -> SimpleHandlers:
    async def ask(params: dict[str, Any]) -> Any:
        try:
            return {"answer": await conn.request(params["method"], params.get("params"), **kwargs)}
        except RpcError as exc:
            return {"error": [type(exc).__name__, exc.code, exc.message, exc.data]}

    return make_handlers(ask=ask)


async def test_outgoing_request_resolves_with_the_peer_result() -> None:
    async with serving(_handlers_calling_client) as (peer, _):
        await peer.request(1, "ask", {"method": "fs/read_text_file", "params": {"path": "/a"}})
        outgoing = await peer.receive()
        assert outgoing["method"] == "fs/read_text_file"
        assert outgoing["params"] == {"path": "/a"}
        assert isinstance(outgoing["id"], str) and outgoing["id"].startswith("agentica-")
        await peer.send({"jsonrpc": "2.0", "id": outgoing["id"], "result": {"content": "hi"}})
        assert (await peer.receive())["result"] == {"answer": {"content": "hi"}}


async def test_outgoing_requests_are_routed_by_id_when_answered_out_of_order() -> None:
    async with serving(_handlers_calling_client) as (peer, _):
        await peer.request(1, "ask", {"method": "a"})
        await peer.request(2, "ask", {"method": "b"})
        first, second = await peer.receive(), await peer.receive()
        assert first["id"] != second["id"]
        by_method = {first["method"]: first["id"], second["method"]: second["id"]}
        await peer.send({"jsonrpc": "2.0", "id": by_method["b"], "result": "B"})
        await peer.send({"jsonrpc": "2.0", "id": by_method["a"], "result": "A"})
        answers = {(r := await peer.receive())["id"]: r["result"] for _ in range(1)}
        answers.update({(r := await peer.receive())["id"]: r["result"] for _ in range(1)})
    assert answers == {1: {"answer": "A"}, 2: {"answer": "B"}}


async def test_outgoing_request_raises_the_peer_error() -> None:
    async with serving(_handlers_calling_client) as (peer, _):
        await peer.request(1, "ask", {"method": "terminal/create"})
        outgoing = await peer.receive()
        error = {"code": -32002, "message": "Resource not found", "data": {"uri": "x"}}
        await peer.send({"jsonrpc": "2.0", "id": outgoing["id"], "error": error})
        assert (await peer.receive())["result"] == {
            "error": ["RpcError", -32002, "Resource not found", {"uri": "x"}]
        }


async def test_responses_to_unknown_ids_are_ignored() -> None:
    async with serving(make_handlers()) as (peer, _):
        await peer.send({"jsonrpc": "2.0", "id": "agentica-999", "result": {}})
        await peer.send({"jsonrpc": "2.0", "id": 3, "error": {"code": 1, "message": "x"}})
        await peer.request(1, "echo", {})
        assert (await peer.receive())["id"] == 1


async def test_outgoing_request_timeout_sends_cancel_request() -> None:
    def build(conn: Connection) -> Handlers:
        return _handlers_calling_client(conn)

    async with serving(build, request_timeout=0.05) as (peer, _):
        await peer.request(1, "ask", {"method": "session/request_permission"})
        outgoing = await peer.receive()
        cancel = await peer.receive()
        assert cancel == {
            "jsonrpc": "2.0",
            "method": "$/cancel_request",
            "params": {"requestId": outgoing["id"]},
        }
        assert_valid_agent_message(cancel)
        answer = (await peer.receive())["result"]["error"]
        assert answer[:2] == ["RequestTimeout", -32800]
        assert issubclass(RequestTimeout, TimeoutError)


async def test_cancelled_outgoing_request_sends_cancel_request_and_is_forgotten() -> None:
    async def ask(params: dict[str, Any]) -> Any:
        return await conn_ref[0].request("session/request_permission", {})

    conn_ref: list[Connection] = []

    def build(conn: Connection) -> Handlers:
        conn_ref.append(conn)
        return make_handlers(ask=ask)

    async with serving(build) as (peer, conn):
        await peer.request("p", "ask", {})
        outgoing = await peer.receive()
        await peer.notify("$/cancel_request", {"requestId": "p"})
        messages = [await peer.receive(), await peer.receive()]
        assert {
            "jsonrpc": "2.0",
            "method": "$/cancel_request",
            "params": {"requestId": outgoing["id"]},
        } in messages
        assert {
            "jsonrpc": "2.0",
            "id": "p",
            "error": {"code": -32800, "message": "Request cancelled"},
        } in messages
        # A late answer to the forgotten request is ignored.
        await peer.send({"jsonrpc": "2.0", "id": outgoing["id"], "result": {}})
        await peer.request(1, "echo", {})
        assert (await peer.receive())["id"] == 1
        assert conn.pending_requests == 0


# Shutdown ------------------------------------------------------------------------------------


async def test_eof_closes_handlers_cancels_requests_and_flushes() -> None:
    closed = anyio.Event()
    started = anyio.Event()
    outcome: list[Any] = []

    class Tracking(SimpleHandlers):
        async def aclose(self) -> None:
            closed.set()

    async def slow(params: dict[str, Any]) -> Any:
        started.set()
        await anyio.sleep_forever()

    async def waits_for_client(params: dict[str, Any]) -> Any:
        try:
            await conn_ref[0].request("fs/read_text_file", {})
        except ConnectionClosed as exc:
            outcome.append(exc)
            return "closed"
        return "answered"

    conn_ref: list[Connection] = []

    def build(conn: Connection) -> Handlers:
        conn_ref.append(conn)
        return Tracking(requests={"slow": slow, "wait": waits_for_client})

    async with serving(build) as (peer, conn):
        await peer.request(1, "slow", {})
        await peer.request(2, "wait", {})
        with anyio.fail_after(5):
            await started.wait()
        assert (await peer.receive())["method"] == "fs/read_text_file"
        peer.to_server.close()
        responses = {(m := await peer.receive())["id"]: m for _ in range(2)}
        await peer.receive_eof()
    assert closed.is_set()
    assert responses[1]["error"]["code"] == -32800
    assert responses[2]["result"] == "closed"
    assert conn.closed
    with pytest.raises(ConnectionClosed):
        await conn.request("fs/read_text_file", {})
    await conn.notify("session/update", {})  # Dropped silently after shutdown.


async def test_close_shuts_down_like_eof() -> None:
    async with serving(make_handlers()) as (peer, conn):
        await peer.request(1, "echo", {})
        assert (await peer.receive())["id"] == 1
        conn.close()
        await peer.receive_eof()


async def test_a_request_stopped_by_shutdown_answers_its_cancellation_marker() -> None:
    # What EOF and SIGTERM do to a running prompt: the user sees it cancelled, not an error.
    started = anyio.Event()

    async def slow(params: dict[str, Any]) -> Any:
        started.set()
        with anyio.CancelScope(shield=True):  # Like a turn waiting for a command to die.
            await anyio.sleep(0.3)
        await anyio.sleep_forever()

    handlers = SimpleHandlers(
        requests={"prompt": slow, "other": slow},
        cancelled_results={"prompt": {"stopReason": "cancelled"}},
    )
    async with serving(handlers, shutdown_timeout=2) as (peer, _):
        await peer.request(1, "prompt", {})
        await peer.request(2, "other", {})
        with anyio.fail_after(5):
            await started.wait()
        peer.to_server.close()
        responses = {(m := await peer.receive())["id"]: m for _ in range(2)}
        await peer.receive_eof()
    assert responses[1] == {"jsonrpc": "2.0", "id": 1, "result": {"stopReason": "cancelled"}}
    assert responses[2]["error"]["code"] == -32800


async def test_slow_aclose_is_abandoned_after_the_shutdown_timeout(caplog) -> None:
    class Stuck(SimpleHandlers):
        async def aclose(self) -> None:
            await anyio.sleep_forever()

    started = anyio.Event()

    async def slow(params: dict[str, Any]) -> Any:
        started.set()
        await anyio.sleep_forever()

    stuck = Stuck(requests={"echo": echo, "slow": slow})
    async with serving(stuck, shutdown_timeout=0.05) as (peer, conn):
        await peer.request(1, "slow", {})
        with anyio.fail_after(5):
            await started.wait()
        begin = anyio.current_time()
        peer.to_server.close()
        response = await peer.receive()
        await peer.receive_eof()
        elapsed = anyio.current_time() - begin
    # The running request is still answered, the output closed, well before any hang.
    assert response == {
        "jsonrpc": "2.0",
        "id": 1,
        "error": {"code": -32800, "message": "Request cancelled"},
    }
    assert elapsed < 2
    assert conn.closed
    assert "handlers.aclose() took over 0.05s; abandoned" in caplog.text
