"""The real server over stdio with the model named as a user would (``--model``,
``OPENAI_BASE_URL``): the Responses API model against a loopback Responses endpoint
(the harness's scripted model, an implementation independent of ours), and a model list
whose primary is down (fallback to the next)."""

from __future__ import annotations

import socket
from pathlib import Path

import anyio
from e2e_util import open_server

from acp_server.harness.loopback import LoopbackServer


def real_model_env(base_url: str) -> dict[str, str]:
    return {"AGENTICA_TEST_MODEL": "", "OPENAI_BASE_URL": base_url, "OPENAI_API_KEY": "sk-loop"}


async def test_the_responses_model_streams_a_turn_with_a_tool_call_and_a_cancel(workdir: Path):
    (workdir / "README.md").write_text("# Project\n")
    args = ("--model", "openai/gpt-loop?api=responses")
    with LoopbackServer() as model:
        async with open_server(workdir, args=args, env=real_model_env(model.base_url)) as server:
            with anyio.fail_after(30):
                await server.initialize()
                sid = await server.new_session()
                assert await server.prompt(sid, "look at the readme") == "end_turn"
                assert server.text(sid) == "Done."
                updates = server.updates(sid)
                calls = [u for u in updates if u["sessionUpdate"] == "tool_call"]
                assert len(calls) == 1 and calls[0]["kind"] == "read"
                # A slow streamed answer is cancelled mid-way; the session goes on.
                result: list[str] = []
                async with anyio.create_task_group() as tg:

                    async def run() -> None:
                        result.append(await server.prompt(sid, "Take your time"))

                    tg.start_soon(run)
                    await server.wait_until(lambda: "Working through" in server.text(sid))
                    await server.conn.cancel(session_id=sid)
                assert result == ["cancelled"]
        bodies = model.script.requests
    assert server.schema_errors == []
    assert len(bodies) == 3
    assert all(b["stream"] is True and b["store"] is False for b in bodies)
    outputs = [i for i in bodies[1]["input"] if i.get("type") == "function_call_output"]
    assert len(outputs) == 1 and "# Project" in outputs[0]["output"]


async def test_a_model_list_falls_back_when_the_primary_cannot_be_reached(workdir: Path):
    with socket.socket() as s:  # A port nobody listens on.
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    args = ("--model", "openai/gpt-down,demo")
    env = real_model_env(f"http://127.0.0.1:{port}/v1")
    async with open_server(workdir, args=args, env=env) as server:
        with anyio.fail_after(30):
            await server.initialize()
            sid = await server.new_session()
            assert await server.prompt(sid, "hello") == "end_turn"
    thoughts = server.text(sid, kind="agent_thought_chunk")
    assert "gpt-down failed" in thoughts and "answers instead" in thoughts
    assert server.text(sid)  # The demo model answered.
    assert "The model call failed" not in server.text(sid)
    assert server.schema_errors == []
