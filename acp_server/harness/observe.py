"""Checks judged on everything observed during a conformance run (the transcripts)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from .checkbase import Verdict, is_absolute
from .driver import AcpHarness
from .outcome import Message, as_dict
from .schema import CLIENT_METHOD_DEFS, SchemaValidator

_TURN_UPDATES = {
    "agent_message_chunk",
    "agent_thought_chunk",
    "tool_call",
    "tool_call_update",
    "plan",
}


_FS_GATES = {"fs/read_text_file": "readTextFile", "fs/write_text_file": "writeTextFile"}
"""Each fs method and the client capability that allows it."""
_REOPENS = {"session/prompt", "session/load", "session/resume"}
_TOOL_WORK = {"fs/read_text_file", "fs/write_text_file", "terminal/create"}
"""Requests that do a tool's work (so belong to a tool call already announced)."""


def _framing_fault(fault: str) -> bool:
    return any(k in fault for k in ("Content-Length", "exceeds the limit", "not an object"))


def message_problem(msg: Message) -> str | None:
    """What is wrong with a decoded JSON-RPC message from the agent, if anything."""
    if msg.get("jsonrpc") != "2.0":
        return f'missing or wrong "jsonrpc": {msg.get("jsonrpc")!r}'
    if "method" in msg:
        if not isinstance(msg["method"], str):
            return "method is not a string"
        return None
    if "id" not in msg:
        return "neither a request, a response nor a notification"
    if ("result" in msg) == ("error" in msg):
        return "a response must carry exactly one of result and error"
    if "error" in msg:
        err = msg["error"]
        if (
            not isinstance(err, dict)
            or type(err.get("code")) is not int
            or not isinstance(err.get("message"), str)
        ):
            return f"error object needs an integer code and a string message: {err!r}"
    return None


def observed_checks(harnesses: Sequence[AcpHarness], schema: SchemaValidator) -> Iterator[Verdict]:
    """Verdicts over all the run's connections."""
    yield _framing(harnesses)
    yield _clean_stdout(harnesses)
    yield _update_schema(harnesses, schema)
    yield _tool_calls(harnesses)
    yield _update_order(harnesses)
    yield _client_requests(harnesses, schema)
    yield _request_order(harnesses)
    yield _terminal_release(harnesses)


def _framing(harnesses: Sequence[AcpHarness]) -> Verdict:
    cid, name = "transport.framing", "every stdout line is one JSON-RPC 2.0 message"
    faults = [f for h in harnesses for f in h.faults if _framing_fault(f)]
    bad = [(m, p) for h in harnesses for m in h.messages if (p := message_problem(m))]
    total = sum(len(h.messages) for h in harnesses)
    if faults:
        return "FAIL", cid, name, f"{len(faults)} bad line(s); first: {faults[0]}"
    if bad:
        msg, problem = bad[0]
        return "FAIL", cid, name, f"{problem} in {str(msg)[:160]}"
    if total == 0:
        return "SKIP", cid, name, "the agent wrote nothing to stdout"
    return "PASS", cid, name, f"{total} messages, all well-formed"


def _clean_stdout(harnesses: Sequence[AcpHarness]) -> Verdict:
    cid, name = "transport.clean-stdout", "nothing but protocol messages on stdout"
    noise = [f for h in harnesses for f in h.faults if not _framing_fault(f)]
    if noise:
        return "FAIL", cid, name, f"{len(noise)} stray line(s); first: {noise[0]}"
    if not any(h.messages for h in harnesses):
        return "SKIP", cid, name, "the agent wrote nothing to stdout"
    return "PASS", cid, name, "no banners, logs or blank lines on stdout"


def _update_schema(harnesses: Sequence[AcpHarness], schema: SchemaValidator) -> Verdict:
    cid, name = "updates.schema", "session/update payloads match the schema"
    count = 0
    for h in harnesses:
        known = set(h.client.session_cwds)
        for params in h.updates:
            count += 1
            problems = schema.errors("SessionNotification", params)
            if params.get("sessionId") not in known:
                problems.append(f"sessionId {params.get('sessionId')!r} names no open session")
            if problems:
                kind = params["update"].get("sessionUpdate")
                return "FAIL", cid, name, f"{kind}: {'; '.join(problems)}"
    if count == 0:
        return "SKIP", cid, name, "the agent sent no session/update"
    return "PASS", cid, name, f"{count} updates valid"


def _tool_calls(harnesses: Sequence[AcpHarness]) -> Verdict:
    cid, name = "updates.tool-calls", "tool calls are announced once with absolute paths"
    calls = 0
    for h in harnesses:
        seen: dict[str, set[str]] = {}
        for params in _updates_in_order(h, seen):
            sid, update = str(params.get("sessionId")), params["update"]
            kind = update.get("sessionUpdate")
            if kind not in ("tool_call", "tool_call_update"):
                continue
            ids = seen.setdefault(sid, set())
            tid = update.get("toolCallId")
            if kind == "tool_call":
                calls += 1
                if tid in ids:
                    return "FAIL", cid, name, f"toolCallId {tid!r} announced twice"
                ids.add(tid)
            elif tid not in ids:
                return "FAIL", cid, name, f"tool_call_update for unannounced toolCallId {tid!r}"
            for loc in update.get("locations") or []:
                if not isinstance(loc, dict) or not is_absolute(loc.get("path")):
                    return "FAIL", cid, name, f"location path not absolute: {loc!r}"
                line = loc.get("line")
                if line is not None and (type(line) is not int or line < 1):
                    return "FAIL", cid, name, f"location line must be >= 1: {loc!r}"
            for item in update.get("content") or []:
                if isinstance(item, dict) and item.get("type") == "diff":
                    if not is_absolute(item.get("path")) or not isinstance(
                        item.get("newText"), str
                    ):
                        return (
                            "FAIL",
                            cid,
                            name,
                            f"diff needs an absolute path and newText: {item!r}",
                        )
    if calls == 0:
        return "SKIP", cid, name, "the agent made no tool call"
    return "PASS", cid, name, f"{calls} tool calls consistent"


def _updates_in_order(h: AcpHarness, seen: dict[str, set[str]]) -> Iterator[Message]:
    """The session/update params of ``h`` in order; a session/load or session/resume we
    sent clears ``seen`` for its session (a replayed history announces its calls again)."""
    for entry in h.transcript:
        msg = entry.message
        if not isinstance(msg, dict):
            continue
        if entry.direction == "send":
            if msg.get("method") in ("session/load", "session/resume"):
                seen.pop(str(as_dict(msg.get("params")).get("sessionId")), None)
        elif msg.get("method") == "session/update" and isinstance(
            as_dict(msg.get("params")).get("update"), dict
        ):
            yield msg["params"]


def _update_order(harnesses: Sequence[AcpHarness]) -> Verdict:
    cid, name = "updates.order", "no turn update arrives after the prompt response"
    turns = 0
    for h in harnesses:
        prompt_ids: dict[Any, str] = {}
        ended: set[str] = set()
        for entry in h.transcript:
            msg = entry.message
            if not isinstance(msg, dict):
                continue
            if entry.direction == "send" and msg.get("method") in _REOPENS:
                # A new turn, or a load/resume that may replay history: not "after" a turn.
                sid = str(as_dict(msg.get("params")).get("sessionId"))
                if msg.get("method") == "session/prompt":
                    prompt_ids[msg.get("id")] = sid
                ended.discard(sid)
            elif entry.direction == "recv" and "method" not in msg and msg.get("id") in prompt_ids:
                if "result" in msg:
                    turns += 1
                ended.add(prompt_ids.pop(msg.get("id")))
            elif entry.direction == "recv" and msg.get("method") == "session/update":
                params = msg.get("params") or {}
                update = params.get("update") or {}
                if (
                    params.get("sessionId") in ended
                    and update.get("sessionUpdate") in _TURN_UPDATES
                ):
                    return (
                        "FAIL",
                        cid,
                        name,
                        f"{update.get('sessionUpdate')} arrived after the session/prompt "
                        "response for its session",
                    )
    if turns == 0:
        return "SKIP", cid, name, "no prompt turn completed"
    return "PASS", cid, name, f"{turns} turns: every update came before the response"


def _client_requests(harnesses: Sequence[AcpHarness], schema: SchemaValidator) -> Verdict:
    cid, name = "client.requests", "agent->client requests are valid"
    count = 0
    for h in harnesses:
        created: set[str] = set()
        released: set[str] = set()
        caps = h.client.capabilities()
        for entry in h.transcript:
            msg = entry.message
            if entry.direction != "recv" or not isinstance(msg, dict):
                continue
            method = msg.get("method")
            if method not in CLIENT_METHOD_DEFS or "id" not in msg:
                continue
            count += 1
            params = as_dict(msg.get("params"))
            problems = schema.errors(CLIENT_METHOD_DEFS[method], params)
            gate = _FS_GATES.get(str(method))
            if gate is not None and not caps["fs"].get(gate):
                problems.append(f"fs.{gate} was not advertised")
            if str(method).startswith("terminal/") and not caps["terminal"]:
                problems.append("terminal was not advertised")
            if params.get("sessionId") not in h.client.session_cwds:
                problems.append(f"sessionId {params.get('sessionId')!r} is not a live session")
            if method in ("fs/read_text_file", "fs/write_text_file") and not is_absolute(
                params.get("path")
            ):
                problems.append(f"path {params.get('path')!r} is not absolute")
            if (
                method == "terminal/create"
                and params.get("cwd") is not None
                and not is_absolute(params.get("cwd"))
            ):
                problems.append(f"terminal cwd {params.get('cwd')!r} is not absolute")
            if method == "session/request_permission":
                opts = params.get("options")
                ids = [o.get("optionId") for o in opts or [] if isinstance(o, dict)]
                if not opts or len(set(ids)) != len(ids):
                    problems.append("options must be non-empty with unique optionIds")
            if problems:
                return "FAIL", cid, name, f"{method}: {'; '.join(problems)}"
        if h.client.terminals is not None:
            created = set(h.client.terminals.created)
            released = set(h.client.terminals.released)
        if created - released:
            return "FAIL", cid, name, f"terminal(s) never released: {sorted(created - released)}"
    if count == 0:
        return "SKIP", cid, name, "the agent made no permission, fs or terminal request"
    return "PASS", cid, name, f"{count} requests valid"


def _referenced_calls(params: dict[str, Any]) -> list[Any]:
    """The toolCallIds an agent->client request names (toolCall, toolCallId or _meta)."""
    refs = []
    tool_call = params.get("toolCall")
    if isinstance(tool_call, dict) and "toolCallId" in tool_call:
        refs.append(tool_call["toolCallId"])
    if "toolCallId" in params:
        refs.append(params["toolCallId"])
    meta = params.get("_meta")
    if isinstance(meta, dict) and isinstance(meta.get("toolCallId"), str):
        refs.append(meta["toolCallId"])
    return refs


def _request_order(harnesses: Sequence[AcpHarness]) -> Verdict:
    """§18.40: a request made for a tool call comes after the ``tool_call`` announcing it.

    A request naming a toolCallId (permission, elicitation) must name an announced one.
    fs reads/writes and ``terminal/create`` carry no toolCallId: during a prompt turn they
    are a tool's work, so some announced tool call of the session must still be running.
    """
    cid, name = "client.request-order", "requests for a tool call follow its tool_call"
    checked = 0
    for h in harnesses:
        announced: dict[str, set[Any]] = {}
        running: dict[str, set[Any]] = {}
        prompts: dict[Any, str] = {}
        for entry in h.transcript:
            msg = entry.message
            if not isinstance(msg, dict):
                continue
            method = msg.get("method")
            params = as_dict(msg.get("params"))
            sid = str(params.get("sessionId"))
            if entry.direction == "send":
                if method == "session/prompt":
                    prompts[msg.get("id")] = sid
                continue
            if method is None:
                prompts.pop(msg.get("id"), None)
            elif method == "session/update":
                update = as_dict(params.get("update"))
                kind, tid = update.get("sessionUpdate"), update.get("toolCallId")
                if kind == "tool_call":
                    announced.setdefault(sid, set()).add(tid)
                    running.setdefault(sid, set()).add(tid)
                if kind in ("tool_call", "tool_call_update") and update.get("status") in (
                    "completed",
                    "failed",
                ):
                    running.get(sid, set()).discard(tid)
            elif "id" in msg and method in CLIENT_METHOD_DEFS:
                for ref in _referenced_calls(params):
                    checked += 1
                    if ref not in announced.get(sid, set()):
                        return (
                            "FAIL",
                            cid,
                            name,
                            f"{method} for toolCallId {ref!r} arrived before the tool_call "
                            "update announcing it",
                        )
                if method in _TOOL_WORK and sid in prompts.values():
                    checked += 1
                    if not running.get(sid):
                        return (
                            "FAIL",
                            cid,
                            name,
                            f"{method} was sent during a prompt turn while no announced "
                            "tool call was running (send the tool_call first)",
                        )
    if checked == 0:
        return "SKIP", cid, name, "the agent made no request tied to a tool call"
    return "PASS", cid, name, f"{checked} requests came after their tool_call"


def _terminal_release(harnesses: Sequence[AcpHarness]) -> Verdict:
    """§18.54: terminal content is embedded before ``terminal/release``, never after."""
    cid, name = "client.terminal-release", "no terminal content after its terminal/release"
    embeds = 0
    for h in harnesses:
        released: set[Any] = set()
        for entry in h.transcript:
            msg = entry.message
            if entry.direction != "recv" or not isinstance(msg, dict):
                continue
            params = as_dict(msg.get("params"))
            if msg.get("method") == "terminal/release" and "id" in msg:
                released.add(params.get("terminalId"))
                continue
            if msg.get("method") != "session/update":
                continue
            update = as_dict(params.get("update"))
            for item in update.get("content") or []:
                if not isinstance(item, dict) or item.get("type") != "terminal":
                    continue
                embeds += 1
                if item.get("terminalId") in released:
                    return (
                        "FAIL",
                        cid,
                        name,
                        f"{update.get('sessionUpdate')} {update.get('toolCallId')!r} embeds "
                        f"terminal {item.get('terminalId')!r} after its terminal/release",
                    )
    if embeds == 0:
        return "SKIP", cid, name, "the agent embedded no terminal in a tool call"
    return "PASS", cid, name, f"{embeds} terminal embeds, all before their release"
