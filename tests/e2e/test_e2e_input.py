"""End to end over real stdio: prompt content, malformed input, in-flight request
cancellation and additional session directories."""

from __future__ import annotations

import json

import anyio
import pytest
from acp import (
    embedded_text_resource,
    image_block,
    resource_block,
    resource_link_block,
    text_block,
)
from e2e_util import open_raw, open_server

from acp_server.jsonrpc import decode

PIXEL = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4DwABBAEAfbLI3w"
    "AAAABJRU5ErkJggg=="
)


async def test_resource_link_and_embedded_resource_reach_the_model(workdir):
    uri = (workdir / "main.py").as_uri()
    blocks = [
        text_block("look at"),
        resource_link_block(name="main.py", uri=uri),
        resource_block(embedded_text_resource(uri=uri, text="print('hi')")),
    ]
    async with open_server(workdir) as server:
        with anyio.fail_after(15):
            await server.initialize()
            sid = await server.new_session()
            result = await server.conn.prompt(session_id=sid, prompt=blocks)
    assert result.stop_reason == "end_turn"
    text = server.text(sid)  # The e2e model echoes the user message it was given.
    assert f"You said: look at @main.py ({uri})" in text
    assert f"<context uri=\"{uri}\">\nprint('hi')\n</context>" in text


@pytest.mark.parametrize("vision", [False, True], ids=["text-only", "vision"])
async def test_image_capability_follows_the_model_and_gates_images(workdir, vision):
    env = {"AGENTICA_TEST_MODEL": "e2e_models:vision_model"} if vision else None
    blocks = [text_block("what is this"), image_block(data=PIXEL, mime_type="image/png")]
    async with open_server(workdir, env=env) as server:
        with anyio.fail_after(15):
            init = await server.initialize()
            sid = await server.new_session()
            result = await server.conn.prompt(session_id=sid, prompt=blocks)
    assert result.stop_reason == "end_turn"
    assert init.agent_capabilities.prompt_capabilities.image is vision
    text = server.text(sid)
    if vision:
        assert text.startswith("[1 images] You said: what is this")
    else:  # The model never sees the image, and is told one was left out.
        assert "[1 images]" not in text
        assert "[image omitted: the model has no vision]" in text


async def test_malformed_input_gets_json_rpc_errors_and_the_connection_survives(raw):
    await raw.send("{not json")
    msg = await raw.receive()
    assert (msg["id"], msg["error"]["code"]) == (None, -32700)
    await raw.send("5")
    msg = await raw.receive()
    assert (msg["id"], msg["error"]["code"]) == (None, -32600)
    await raw.send({"jsonrpc": "2.0", "id": 7, "params": {}})  # No method.
    msg = await raw.receive()
    assert (msg["id"], msg["error"]["code"]) == (7, -32600)
    await raw.send([])
    msg = await raw.receive()
    assert (msg["id"], msg["error"]["code"]) == (None, -32600)
    await raw.send([1, {"jsonrpc": "2.0", "id": 8, "method": "foo/bar"}])
    batch = await raw.receive()
    assert isinstance(batch, list)
    assert sorted((m["id"] is None, m["error"]["code"]) for m in batch) == [
        (False, -32601),
        (True, -32600),
    ]
    msg = await raw.call(9, "initialize", {"protocolVersion": 1})
    assert msg["result"]["protocolVersion"] == 1


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity", "1e999"])
async def test_non_standard_json_constants_are_parse_errors_and_never_echoed(raw, constant):
    # First line (the startup fast path reads it), as an id, then inside params.
    init = '{"jsonrpc":"2.0","id":ID,"method":"initialize","params":{"protocolVersion":1}}'
    await raw.send(init.replace("ID", constant))
    new = '{"jsonrpc":"2.0","id":2,"method":"session/new","params":{"cwd":CWD}}'
    await raw.send(new.replace("CWD", constant))
    await raw.send('{"jsonrpc":"2.0","id":3,"method":"initialize","params":{"protocolVersion":1}}')
    assert raw.process.stdout is not None
    lines = []
    for _ in range(3):
        with anyio.fail_after(10):
            lines.append(await raw.process.stdout.readline())
    first, second, third = (decode(line) for line in lines)  # Strict JSON, all of it.
    for msg in (first, second):
        assert (msg["id"], msg["error"]["code"]) == (None, -32700)
    assert third["id"] == 3 and third["result"]["protocolVersion"] == 1


async def test_cancel_request_of_an_in_flight_prompt_is_answered_once_as_cancelled(workdir):
    async with open_raw(workdir) as raw:
        await raw.call(1, "initialize", {"protocolVersion": 1})
        sid = (await raw.call(2, "session/new", {"cwd": str(workdir), "mcpServers": []}))["result"][
            "sessionId"
        ]
        prompt = {"sessionId": sid, "prompt": [{"type": "text", "text": "slow"}]}
        await raw.send({"jsonrpc": "2.0", "id": 3, "method": "session/prompt", "params": prompt})
        first = await raw.receive()
        assert first.get("method") == "session/update", first  # The turn is running.
        await raw.send({"jsonrpc": "2.0", "method": "$/cancel_request", "params": {"requestId": 3}})
        msg = await raw.receive_response(3, "session/prompt")
        # acp-spec §10.3: exactly one response, -32800 or a normal result that marks the
        # cancellation; ours is the marker, as for session/cancel (§10.2: clients show
        # errors to users).
        assert msg == {"jsonrpc": "2.0", "id": 3, "result": {"stopReason": "cancelled"}}
        # The session takes the next prompt, and nothing more answers request 3.
        again = {"sessionId": sid, "prompt": [{"type": "text", "text": "say again"}]}
        await raw.send({"jsonrpc": "2.0", "id": 4, "method": "session/prompt", "params": again})
        seen: list[dict] = []
        while True:
            m = await raw.receive("session/prompt")
            seen.append(m)
            if m.get("id") == 4 and "method" not in m:
                break
    assert m.get("result", {}).get("stopReason") == "end_turn", m
    assert not any(x.get("id") == 3 for x in seen), seen


async def test_every_cancel_request_of_a_running_prompt_ends_it_cancelled(workdir):
    # A cancel landing at any point of the turn (while an update is being written, too)
    # must end it: never as if the model had finished (stopReason end_turn).
    async with open_raw(workdir) as raw:
        await raw.call(1, "initialize", {"protocolVersion": 1})
        new = await raw.call(2, "session/new", {"cwd": str(workdir), "mcpServers": []})
        prompt = {
            "sessionId": new["result"]["sessionId"],
            "prompt": [{"type": "text", "text": "slow"}],
        }
        answers = []
        for attempt in range(12):
            request_id = 10 + attempt
            await raw.send(
                {"jsonrpc": "2.0", "id": request_id, "method": "session/prompt", "params": prompt}
            )
            await raw.receive("session/prompt")  # The first update: the turn is running.
            await anyio.sleep(0.005 * attempt)  # Land at a different point each time.
            await raw.send(
                {
                    "jsonrpc": "2.0",
                    "method": "$/cancel_request",
                    "params": {"requestId": request_id},
                }
            )
            msg = await raw.receive_response(request_id, "session/prompt")
            answers.append(msg.get("error", {}).get("code") or msg["result"]["stopReason"])
    assert answers == ["cancelled"] * 12


async def test_a_cancel_request_written_with_its_prompt_ends_the_turn_cancelled(workdir):
    # Under load the server reads the prompt and its cancel in one chunk, before the
    # prompt's task has started: the cancel must still find it (it used to be dropped,
    # and the slow turn ran on to end_turn).
    async with open_raw(workdir) as raw:
        await raw.call(1, "initialize", {"protocolVersion": 1})
        new = await raw.call(2, "session/new", {"cwd": str(workdir), "mcpServers": []})
        prompt = {
            "sessionId": new["result"]["sessionId"],
            "prompt": [{"type": "text", "text": "slow"}],
        }
        both = [
            {"jsonrpc": "2.0", "id": 3, "method": "session/prompt", "params": prompt},
            {"jsonrpc": "2.0", "method": "$/cancel_request", "params": {"requestId": 3}},
        ]
        await raw.send("\n".join(json.dumps(m) for m in both))  # One write.
        with anyio.fail_after(10):
            msg = await raw.receive_response(3, "session/prompt")
    assert msg == {"jsonrpc": "2.0", "id": 3, "result": {"stopReason": "cancelled"}}


async def test_additional_directories_are_advertised_and_are_roots(workdir, tmp_path):
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "notes.txt").write_text("extra notes\n")
    outside = tmp_path / "outside.txt"
    outside.write_text("secret\n")
    reads = [
        {"name": "read_file", "args": {"file_path": str(extra / "notes.txt")}},
        {"name": "read_file", "args": {"file_path": str(outside)}},
    ]
    async with open_server(workdir) as server:
        with anyio.fail_after(15):
            init = await server.initialize()
            session = await server.conn.new_session(
                cwd=str(workdir), additional_directories=[str(extra)], mcp_servers=[]
            )
            sid = session.session_id
            assert await server.prompt(sid, "call " + json.dumps(reads)) == "end_turn"
    caps = init.agent_capabilities.model_dump(by_alias=True, exclude_none=True)
    assert caps["sessionCapabilities"]["additionalDirectories"] == {}
    finals = {
        u["toolCallId"]: u
        for u in server.updates(sid)
        if u.get("status") in ("completed", "failed")
    }
    statuses = sorted(u["status"] for u in finals.values())
    assert statuses == ["completed", "failed"]
    text = server.text(sid)
    assert "extra notes" in text
    assert "secret" not in text
    assert "outside" in text
