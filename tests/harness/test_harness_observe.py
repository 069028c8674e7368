"""Verdicts judged on recorded transcripts (no agent process needed)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from acp_server.harness import ClientSide, SchemaValidator, TranscriptEntry
from acp_server.harness.observe import observed_checks

SID = "s1"


class ReadOnlyFs(ClientSide):
    """An editor that offers fs reads but not writes."""

    def capabilities(self) -> dict[str, Any]:
        return {"fs": {"readTextFile": True, "writeTextFile": False}, "terminal": False}


@dataclass
class Recorded:
    """The parts of an AcpHarness the observed checks read."""

    client: ClientSide
    transcript: list[TranscriptEntry] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    faults: list[str] = field(default_factory=list)
    process: None = None

    def send(self, msg: dict[str, Any]) -> None:
        self.transcript.append(TranscriptEntry(len(self.transcript), "send", message=msg))

    def recv(self, msg: dict[str, Any]) -> None:
        msg = {"jsonrpc": "2.0", **msg}
        self.transcript.append(TranscriptEntry(len(self.transcript), "recv", message=msg))
        self.messages.append(msg)
        if msg.get("method") == "session/update":
            self.updates.append(msg["params"])


def recorded(client: ClientSide | None = None) -> Recorded:
    rec = Recorded(client or ClientSide())
    rec.client.session_cwds[SID] = "/project"
    return rec


def tool_call(rec: Recorded, tid: str, status: str = "pending") -> None:
    update = {"sessionUpdate": "tool_call", "toolCallId": tid, "title": tid, "status": status}
    rec.recv({"method": "session/update", "params": {"sessionId": SID, "update": update}})


def request(rec: Recorded, rid: str, method: str, **params: Any) -> None:
    rec.recv({"id": rid, "method": method, "params": {"sessionId": SID, **params}})


def verdicts(rec: Recorded) -> dict[str, tuple[str, str]]:
    return {cid: (status, reason) for status, cid, _, reason in observed_checks([rec], SCHEMA)}


SCHEMA = SchemaValidator()


def test_fs_write_is_gated_on_write_text_file_not_on_read() -> None:
    rec = recorded(ReadOnlyFs())
    tool_call(rec, "c1")
    request(rec, "a1", "fs/read_text_file", path="/project/README.md")
    assert verdicts(rec)["client.requests"][0] == "PASS"
    request(rec, "a2", "fs/write_text_file", path="/project/out.txt", content="x")
    status, reason = verdicts(rec)["client.requests"]
    assert status == "FAIL"
    assert reason == "fs/write_text_file: fs.writeTextFile was not advertised"


def test_tool_work_during_a_turn_needs_a_running_announced_tool_call() -> None:
    rec = recorded()
    rec.send({"jsonrpc": "2.0", "id": 1, "method": "session/prompt", "params": {"sessionId": SID}})
    tool_call(rec, "c1", status="completed")
    request(rec, "a1", "terminal/create", command="ls")
    status, reason = verdicts(rec)["client.request-order"]
    assert status == "FAIL"
    assert "terminal/create was sent during a prompt turn while no announced tool call" in reason


def test_requests_after_their_tool_call_pass() -> None:
    rec = recorded()
    rec.send({"jsonrpc": "2.0", "id": 1, "method": "session/prompt", "params": {"sessionId": SID}})
    tool_call(rec, "c1")
    options = [{"optionId": "ok", "name": "Allow", "kind": "allow_once"}]
    request(rec, "a1", "session/request_permission", toolCall={"toolCallId": "c1"}, options=options)
    request(rec, "a2", "fs/read_text_file", path="/project/README.md")
    rec.recv({"id": 1, "result": {"stopReason": "end_turn"}})
    assert verdicts(rec)["client.request-order"] == (
        "PASS",
        "2 requests came after their tool_call",
    )


def test_no_tool_call_requests_and_no_terminals_skip_with_a_reason() -> None:
    got = verdicts(recorded())
    assert got["client.request-order"] == (
        "SKIP",
        "the agent made no request tied to a tool call",
    )
    assert got["client.terminal-release"] == (
        "SKIP",
        "the agent embedded no terminal in a tool call",
    )
