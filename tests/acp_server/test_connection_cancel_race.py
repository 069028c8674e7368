"""``$/cancel_request`` read right after its request, before the request's task ran.

Under load the reader gets the request line and the cancel in one chunk and handles
both before the request's task has started: the cancel must still find the request
(acp-spec §10.3), not be dropped while the prompt runs on to ``end_turn``.
"""

from __future__ import annotations

import json
from typing import Any

import anyio
from test_connection import serving

from acp_server.connection import SimpleHandlers


def _line(message: dict[str, Any]) -> bytes:
    return json.dumps(message).encode() + b"\n"


def _cancel(request_id: Any) -> bytes:
    return _line(
        {"jsonrpc": "2.0", "method": "$/cancel_request", "params": {"requestId": request_id}}
    )


async def _slow(params: dict[str, Any]) -> Any:
    await anyio.sleep(30)  # Far beyond the test's bound: only a cancel ends it in time.
    return {"stopReason": "end_turn"}


HANDLERS = SimpleHandlers(
    requests={"prompt": _slow, "other": _slow},
    cancelled_results={"prompt": {"stopReason": "cancelled"}},
)


async def test_a_cancel_in_the_same_chunk_as_its_prompt_ends_it_cancelled() -> None:
    async with serving(HANDLERS) as (peer, _):
        prompt = {"jsonrpc": "2.0", "id": 3, "method": "prompt", "params": {}}
        await peer.send_raw(_line(prompt) + _cancel(3))
        with anyio.fail_after(5):
            response = await peer.receive()
    assert response == {"jsonrpc": "2.0", "id": 3, "result": {"stopReason": "cancelled"}}


async def test_a_cancel_in_the_same_chunk_as_its_batch_cancels_that_request() -> None:
    async with serving(HANDLERS) as (peer, _):
        batch = [
            {"jsonrpc": "2.0", "id": "a", "method": "prompt", "params": {}},
            {"jsonrpc": "2.0", "id": "b", "method": "other", "params": {}},
        ]
        await peer.send_raw(json.dumps(batch).encode() + b"\n" + _cancel("a") + _cancel("b"))
        with anyio.fail_after(5):
            response = await peer.receive()
    assert response == [
        {"jsonrpc": "2.0", "id": "a", "result": {"stopReason": "cancelled"}},
        {"jsonrpc": "2.0", "id": "b", "error": {"code": -32800, "message": "Request cancelled"}},
    ]
