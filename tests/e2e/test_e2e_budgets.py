"""End to end: the per-turn budgets end a turn with ``max_tokens`` / ``max_turn_requests``
(each model call of the e2e model uses 110 tokens; ``loop`` calls a tool forever)."""

from __future__ import annotations

import anyio
from e2e_util import open_server


async def test_turn_token_limit_ends_the_turn_with_max_tokens(workdir):
    async with open_server(workdir, args=("--turn-token-limit", "300")) as server:
        with anyio.fail_after(15):
            await server.initialize()
            sid = await server.new_session()
            assert await server.prompt(sid, "loop") == "max_tokens"
            # The budget is per turn: the next turn starts afresh.
            assert await server.prompt(sid, "say still here") == "end_turn"
    usage = [u for u in server.updates(sid) if u["sessionUpdate"] == "usage_update"]
    assert usage  # The tokens spent were reported.
    tool_calls = [u for u in server.updates(sid) if u["sessionUpdate"] == "tool_call"]
    # 110, 220, then 330 >= 300 tokens: the third reply's tool call is not run.
    assert len(tool_calls) == 2


async def test_turn_request_limit_ends_the_turn_with_max_turn_requests(workdir):
    env = {"AGENTICA_TURN_REQUEST_LIMIT": "2"}
    async with open_server(workdir, env=env) as server:
        with anyio.fail_after(15):
            await server.initialize()
            sid = await server.new_session()
            assert await server.prompt(sid, "loop") == "max_turn_requests"
            assert await server.prompt(sid, "say still here") == "end_turn"
    tool_calls = [u for u in server.updates(sid) if u["sessionUpdate"] == "tool_call"]
    assert len(tool_calls) == 2
