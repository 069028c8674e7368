"""``Connection.start_background``: work that outlives a cancelled request handler.

The editor-backed workspace waits there for a ``terminal/create`` answer the cancelled
call gave up on, and releases the terminal it names.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
from test_connection import make_handlers, serving

from acp_server import wire
from acp_server.connection import Connection
from acp_server.workspace import ClientWorkspace
from agentica.tools.base import ToolCallContext, call_context

TERMINAL = wire.ClientCapabilities.model_validate({"terminal": True})


async def test_background_work_runs_only_while_serving() -> None:
    ran = anyio.Event()

    async def work() -> None:
        ran.set()

    async with serving(make_handlers()) as (_, conn):
        await anyio.sleep(0.01)
        assert conn.start_background(work)
        with anyio.fail_after(5):
            await ran.wait()
    assert not conn.start_background(work)


async def test_a_late_terminal_is_released_over_the_connection(tmp_path: Path) -> None:
    async def run(params: dict[str, Any], conn: Connection) -> Any:
        ws = ClientWorkspace(tmp_path, conn=conn, session_id="s1", capabilities=TERMINAL)

        async def emit(event: object) -> None:
            pass

        with call_context(ToolCallContext(call_id="c1", tool_name="execute", emit=emit)):
            await ws.run_command("sleep 30")
        return {}

    def handlers(conn: Connection):
        async def prompt(params: dict[str, Any]) -> Any:
            return await run(params, conn)

        return make_handlers(prompt=prompt)

    async with serving(handlers) as (peer, _):
        await peer.request("p1", "prompt", {})
        create = await peer.receive()
        assert create["method"] == "terminal/create"
        start = anyio.current_time()
        await peer.notify("$/cancel_request", {"requestId": "p1"})
        assert (await peer.receive())["id"] == "p1"  # Cancelled at once.
        assert anyio.current_time() - start < 0.1
        # The editor created the terminal anyway and now answers.
        await peer.send({"jsonrpc": "2.0", "id": create["id"], "result": {"terminalId": "t9"}})
        for method in ("terminal/kill", "terminal/release"):
            request = await peer.receive()
            assert (request["method"], request["params"]) == (
                method,
                {"sessionId": "s1", "terminalId": "t9"},
            )
            await peer.send({"jsonrpc": "2.0", "id": request["id"], "result": {}})
