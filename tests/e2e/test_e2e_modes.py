"""End to end: permission modes through the real server process.

The SDK client switches modes (``set_session_mode`` / ``set_config_option``) and the
scripted model asks for tool calls (``call <json>``, see ``e2e_models``); raw pipes check
the exact wire shapes and the order of the sync notification and the response.
"""

from __future__ import annotations

import json
from pathlib import Path

import anyio
from e2e_util import open_raw, open_server
from schema_util import validate_def


def call(*calls: tuple[str, dict]) -> str:
    return "call " + json.dumps([{"name": n, "args": a} for n, a in calls])


def tool_updates(server, sid: str, status: str) -> list[dict]:
    return [
        u
        for u in server.updates(sid)
        if u["sessionUpdate"] == "tool_call_update" and u.get("status") == status
    ]


async def test_new_session_offers_modes_and_the_sdk_switches_them(workdir: Path):
    async with open_server(workdir) as server:
        with anyio.fail_after(20):
            await server.initialize()
            new = await server.conn.new_session(cwd=str(workdir), mcp_servers=[])
            sid = new.session_id
            assert new.modes is not None and new.modes.current_mode_id == "ask"
            assert [m.id for m in new.modes.available_modes] == [
                "ask",
                "accept_edits",
                "read_only",
                "full_access",
            ]
            option, _model = new.config_options or []
            raw = option.model_dump(by_alias=True, exclude_none=True)
            assert raw["id"] == "mode" and raw["type"] == "select" and raw["category"] == "mode"

            await server.conn.set_session_mode(session_id=sid, mode_id="read_only")
            await server.wait_until(
                lambda: any(
                    u["sessionUpdate"] == "config_option_update"
                    and u["configOptions"][0]["currentValue"] == "read_only"
                    for u in server.updates(sid)
                )
            )
            result = await server.conn.set_config_option(
                config_id="mode", session_id=sid, value="full_access"
            )
            dumped = result.model_dump(by_alias=True, exclude_none=True)
            validate_def("SetSessionConfigOptionResponse", dumped)
            assert dumped["configOptions"][0]["currentValue"] == "full_access"
            await server.wait_until(
                lambda: (
                    {"sessionUpdate": "current_mode_update", "currentModeId": "full_access"}
                    in server.updates(sid)
                )
            )


async def test_read_only_refuses_edits_and_commands_without_asking(workdir: Path):
    (workdir / "notes.txt").write_text("keep me\n")
    async with open_server(workdir) as server:
        with anyio.fail_after(20):
            await server.initialize()
            sid = await server.new_session()
            await server.conn.set_session_mode(session_id=sid, mode_id="read_only")
            prompt = call(
                ("read_file", {"file_path": "notes.txt"}),
                ("write_file", {"file_path": "new.txt", "content": "x"}),
                ("execute", {"command": "touch ran.txt"}),
            )
            assert await server.prompt(sid, prompt) == "end_turn"
        assert server.client.permission_requests == []
        assert (workdir / "notes.txt").read_text() == "keep me\n"
        assert not (workdir / "new.txt").exists() and not (workdir / "ran.txt").exists()
        assert len(tool_updates(server, sid, "completed")) == 1  # The read.
        failed = tool_updates(server, sid, "failed")
        assert len(failed) == 2
        assert all("Read only mode" in u["content"][0]["content"]["text"] for u in failed)
        # The model got the explanation, and can pass it on.
        answer = server.text(sid)
        assert "keep me" in answer and answer.count("Read only mode") == 2


async def test_accept_edits_and_full_access_ask_only_where_they_should(workdir: Path):
    outside = workdir.parent / "outside.txt"
    async with open_server(workdir, answers=["allow_once", "allow_once"]) as server:
        with anyio.fail_after(20):
            await server.initialize()
            sid = await server.new_session()
            await server.conn.set_config_option(
                config_id="mode", session_id=sid, value="accept_edits"
            )
            prompt = call(
                ("write_file", {"file_path": "a.txt", "content": "a"}),
                ("execute", {"command": "echo hi"}),
            )
            assert await server.prompt(sid, prompt) == "end_turn"
            asked = server.client.permission_requests
            assert [r["kind"] for r in asked] == ["execute"]
            assert (workdir / "a.txt").read_text() == "a"

            await server.conn.set_session_mode(session_id=sid, mode_id="full_access")
            prompt = call(
                ("write_file", {"file_path": "b.txt", "content": "b"}),
                ("execute", {"command": "echo hi"}),
                ("write_file", {"file_path": str(outside), "content": "o"}),
            )
            assert await server.prompt(sid, prompt) == "end_turn"
        # Only the path outside the project asked (the server still refuses it there).
        assert [r["kind"] for r in asked] == ["execute", "edit"]
        assert str(outside) in json.dumps(asked[1])
        assert (workdir / "b.txt").read_text() == "b"
        assert not outside.exists()


async def test_default_mode_flag_sets_the_mode_of_new_sessions(workdir: Path):
    async with open_server(workdir, args=("--mode", "read_only")) as server:
        with anyio.fail_after(20):
            await server.initialize()
            new = await server.conn.new_session(cwd=str(workdir), mcp_servers=[])
        assert new.modes is not None and new.modes.current_mode_id == "read_only"


async def test_raw_wire_shapes_sync_notifications_and_errors(workdir: Path):
    async with open_raw(workdir) as pipe:
        init = await pipe.call(1, "initialize", {"protocolVersion": 1})
        assert "result" in init
        new = await pipe.call(2, "session/new", {"cwd": str(workdir), "mcpServers": []})
        sid = new["result"]["sessionId"]
        assert new["result"]["modes"]["currentModeId"] == "ask"
        commands = await pipe.receive()  # Right after the response that named the session.
        assert commands["params"]["update"]["sessionUpdate"] == "available_commands_update"

        await pipe.send(
            {
                "jsonrpc": "2.0",
                "id": 3,
                "method": "session/set_mode",
                "params": {"sessionId": sid, "modeId": "accept_edits"},
            }
        )
        note = await pipe.receive()  # The sync notification is queued before the response.
        assert note["method"] == "session/update" and note["params"]["sessionId"] == sid
        update = note["params"]["update"]
        assert update["sessionUpdate"] == "config_option_update"
        assert update["configOptions"][0]["currentValue"] == "accept_edits"
        response = await pipe.receive()
        assert response["id"] == 3 and response["result"] == {}
        validate_def("SetSessionModeResponse", response["result"])

        await pipe.send(
            {
                "jsonrpc": "2.0",
                "id": 4,
                "method": "session/set_config_option",
                "params": {"sessionId": sid, "configId": "mode", "value": "read_only"},
            }
        )
        note = await pipe.receive()
        assert note["params"]["update"] == {
            "sessionUpdate": "current_mode_update",
            "currentModeId": "read_only",
        }
        response = await pipe.receive()
        validate_def("SetSessionConfigOptionResponse", response["result"])
        assert response["result"]["configOptions"][0]["currentValue"] == "read_only"

        bad = [
            ("session/set_mode", {"sessionId": sid, "modeId": "yolo"}, "unknown mode 'yolo'"),
            ("session/set_mode", {"sessionId": "nope", "modeId": "ask"}, "unknown session"),
            (
                "session/set_config_option",
                {"sessionId": sid, "configId": "effort", "value": "ask"},
                "unknown config option 'effort'",
            ),
            (
                "session/set_config_option",
                {"sessionId": sid, "configId": "mode", "type": "boolean", "value": True},
                "not a boolean",
            ),
        ]
        for i, (method, params, problem) in enumerate(bad, start=10):
            error = await pipe.call(i, method, params)
            assert error["error"]["code"] == -32602, error
            assert problem in error["error"]["message"]
        # Still read-only: the next valid change reports the previous state intact.
        await pipe.send(
            {
                "jsonrpc": "2.0",
                "id": 20,
                "method": "session/set_config_option",
                "params": {"sessionId": sid, "configId": "mode", "value": "read_only"},
            }
        )
        response = await pipe.receive_response(20)
        assert response["result"]["configOptions"][0]["currentValue"] == "read_only"
