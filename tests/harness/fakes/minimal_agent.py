"""A small, dependency-free ACP agent for testing the harness, with switchable faults.

Usage: python minimal_agent.py [FAULT]

FAULT is one of:
  (none)          a correct minimal agent
  noise           prints a banner and log lines on stdout
  content-length  frames every message with LSP 'Content-Length' headers
  error-on-cancel answers a cancelled prompt with a JSON-RPC error
  never-ends      never answers session/prompt (ignores session/cancel too)
  exit-mid-turn   exits with status 3 in the middle of a prompt turn
  stderr-flood    writes 256 KiB to stderr at startup and per turn
  huge-line       sends an 11 MiB agent_message_chunk line during a turn
  ignore-caps     calls fs/read_text_file even when the client did not offer fs
  late-update     sends a message chunk after the prompt response
  permission-first  asks permission for a tool call before announcing it (tool_call)
  embed-after-release  embeds a terminal in a tool call update after terminal/release
  cancel-request-twice  answers a $/cancel_request'ed prompt twice (-32800, then a result)
  run-after-cancel  runs the tool after a cancelled permission outcome and ends end_turn
  hasty           ends its first two slow turns end_turn right after their first update
                  (so a cancel loses the race); later slow turns wait for the cancel
  always-hasty    ends every slow turn end_turn right after its first update
  bad-current-mode  advertises a currentModeId that is not one of its modes
  boolean-option  advertises a boolean config option the client did not opt in to
  lax-config      accepts an unknown config value
  partial-config  answers set_config_option with an empty option set
  anonymous-option  answers set_config_option with an extra option that has no id
  accept-invalid  accepts initialize without protocolVersion, session/load (not advertised)
                  and a text block without text
  string-id       answers initialize with the id as a string ("0" for 0)
  cancel-unknown  sends $/cancel_request naming a request it never sent
  grows-config    (correct) set_config_option answers with one more option than before
  silent-parse-error  ignores a line that is not JSON (no -32700; a SHOULD)
  leak-terminal-on-cancel  leaves its running terminal unreleased after session/cancel

  persist         (correct) advertises and implements loadSession and session
                  list/resume/close/delete
  persist-no-replay       answers session/load without replaying the history
  persist-resume-replays  replays the history on session/resume
  persist-close-no-cancel lets a prompt run on after session/close (ends end_turn)
  persist-list-relative   lists sessions with a relative cwd
  persist-delete-keeps    still lists a deleted session

  chatty-start    sends a notification before it answers initialize
  no-agent-info   answers initialize without agentInfo
  elicit          sends elicitation/create (never offered) during a turn
  plan-update     sends an unstable plan_update session update during a turn
  run-after-reject  runs the tool after its permission was rejected
  reject-resource-link  rejects a prompt with a resource_link block
  sticky-cancel   fails every prompt of a session that got an idle session/cancel
  lax-dirs        accepts a relative additionalDirectories entry
  lax-auth        accepts authenticate with an unknown methodId
  lax-logout      answers logout with {} though it does not advertise auth.logout
  unknown-result  answers the harness's unknown methods with a result, not -32601
  answer-notifications  answers an unknown _ notification with an error (and no id)
  lax-cwd         accepts a relative cwd in session/new
  reject-meta     refuses a session/new that carries _meta
  lax-unknown-session  ends a prompt on an unknown session with stopReason refusal
  lax-prompt      accepts a prompt that is a string, not an array of blocks
  lax-mode        accepts session/set_mode with an unknown modeId

  auth            (correct) requires authenticate (method "token") before session/new,
                  advertises auth.logout (after which it requires it again) and sends
                  current_mode_update when the mode changes
  auth-wrong-code     answers session/new before authenticate with -32603, not -32000
  auth-null-result    answers authenticate with null instead of {}
  auth-logout-stays   answers logout with {} but keeps serving session/new
  auth-bad-mode-update  sends current_mode_update naming a mode it does not offer

Every session/new is followed by an available_commands_update for the new session. A
prompt containing "sleep 30" runs that command in a client terminal until cancelled.

A prompt containing "Take your time" runs until cancelled (for cancellation checks).
"""

from __future__ import annotations

import json
import os
import sys
import threading
from itertools import count

FAULT = sys.argv[1] if len(sys.argv) > 1 else ""
OUT = sys.stdout.buffer
_write_lock = threading.Lock()
_ids = count(1)
_pending: dict[str, tuple[threading.Event, list]] = {}
_sessions: dict[str, str] = {}
_cancel: dict[str, threading.Event] = {}
_client_caps: dict = {}
_prompt_ids: dict = {}
_cancel_by: dict = {}
_history: dict[str, list] = {}
_sticky: set = set()
PERSIST = FAULT.startswith("persist")
AUTH = FAULT.startswith("auth")
_signed_in: list[bool] = [not AUTH]
"""How each session's turn was cancelled: session/cancel or $/cancel_request."""
_slow_turns = count(1)
MODES = [{"id": "ask", "name": "Ask"}, {"id": "auto", "name": "Auto"}]
_modes: dict[str, str] = {}


def config_options(sid: str) -> list:
    """The session's complete config option set (a mode select)."""
    options = [
        {
            "id": "mode",
            "name": "Mode",
            "category": "mode",
            "type": "select",
            "currentValue": _modes[sid],
            "options": [{"value": m["id"], "name": m["name"]} for m in MODES],
        }
    ]
    if FAULT == "boolean-option":
        options.append({"id": "fast", "name": "Fast", "type": "boolean", "currentValue": False})
    return options


def set_config(req_id, params: dict) -> None:
    sid, value = params.get("sessionId"), params.get("value")
    if sid not in _sessions:
        respond(req_id, error={"code": -32602, "message": f"unknown session {sid}"})
    elif params.get("configId") != "mode" or (
        value not in [m["id"] for m in MODES] and FAULT != "lax-config"
    ):
        respond(req_id, error={"code": -32602, "message": "unknown config option or value"})
    else:
        _modes[sid] = value
        mode_changed(sid)
        options = [] if FAULT == "partial-config" else config_options(sid)
        if FAULT == "grows-config":
            model = {"id": "model", "name": "Model", "type": "select", "currentValue": "m1"}
            options.append({**model, "options": [{"value": "m1", "name": "M1"}]})
        if FAULT == "anonymous-option":
            options.append({"name": "Nameless", "type": "select", "currentValue": "x"})
        respond(req_id, {"configOptions": options})


def set_mode(req_id, params: dict) -> None:
    sid = params.get("sessionId")
    known = params.get("modeId") in [m["id"] for m in MODES] or FAULT == "lax-mode"
    if sid not in _sessions or not known:
        respond(req_id, error={"code": -32602, "message": "unknown session or mode"})
    else:
        _modes[sid] = params["modeId"]
        respond(req_id, {})
        mode_changed(sid)


def mode_changed(sid: str) -> None:
    """Tell the client the session's mode changed (the ``auth`` agents only)."""
    if AUTH:
        mode = "plan" if FAULT == "auth-bad-mode-update" else _modes[sid]
        update(sid, {"sessionUpdate": "current_mode_update", "currentModeId": mode})


def send(msg: dict) -> None:
    data = json.dumps(msg, separators=(",", ":")).encode()
    with _write_lock:
        if FAULT == "content-length":
            OUT.write(b"Content-Length: %d\r\n\r\n" % len(data) + data)
        else:
            OUT.write(data + b"\n")
        OUT.flush()


def respond(req_id, result=None, error=None) -> None:
    msg = {"jsonrpc": "2.0", "id": req_id}
    if FAULT == "string-id" and isinstance(req_id, int):
        msg["id"] = str(req_id)
    if error is not None:
        msg["error"] = error
    else:
        msg["result"] = result
    send(msg)


def update(sid: str, upd: dict) -> None:
    send(
        {"jsonrpc": "2.0", "method": "session/update", "params": {"sessionId": sid, "update": upd}}
    )


def call_client(method: str, params: dict) -> dict:
    req_id = f"a{next(_ids)}"
    done = threading.Event()
    slot: list = []
    _pending[req_id] = (done, slot)
    send({"jsonrpc": "2.0", "id": req_id, "method": method, "params": params})
    done.wait(30)
    return slot[0] if slot else {"error": {"code": -1, "message": "no answer"}}


def chunk(sid: str, text: str) -> None:
    update(sid, {"sessionUpdate": "agent_message_chunk", "content": {"type": "text", "text": text}})


def run_turn(req_id, sid: str, text: str) -> None:
    cancel = _cancel[sid]
    if FAULT == "stderr-flood":
        sys.stderr.write("x" * 256 * 1024 + "\n")
        sys.stderr.flush()
    if FAULT == "never-ends":
        chunk(sid, "thinking forever")
        threading.Event().wait(600)
        return
    if "Take your time" in text:
        chunk(sid, "Working on it")
        hasty = FAULT == "always-hasty" or (FAULT == "hasty" and next(_slow_turns) <= 2)
        if hasty:  # Done before the client's cancel can arrive: a race the cancel lost.
            respond(req_id, {"stopReason": "end_turn"})
            return
        cancel.wait(30)
        if FAULT == "error-on-cancel" and _cancel_by.get(sid) == "session/cancel":
            respond(req_id, error={"code": -32603, "message": "Internal error", "data": "aborted"})
            return
        if FAULT != "cancel-request-twice":  # (its first answer already ended the turn)
            chunk(sid, " (cancelled)")
        stop = "cancelled" if cancel.is_set() else "end_turn"
        if FAULT == "persist-close-no-cancel" and _cancel_by.get(sid) == "session/close":
            stop = "end_turn"
        respond(req_id, {"stopReason": stop})
        return
    if "sleep 30" in text:
        run_slow_command(req_id, sid, cancel)
        return
    if FAULT == "cancel-unknown":
        send({"jsonrpc": "2.0", "method": "$/cancel_request", "params": {"requestId": "a999"}})
    if FAULT == "elicit":
        schema = {"type": "object", "properties": {"name": {"type": "string"}}}
        call_client(
            "elicitation/create",
            {"sessionId": sid, "mode": "form", "message": "Name?", "requestedSchema": schema},
        )
    if FAULT == "plan-update":
        update(sid, {"sessionUpdate": "plan_update", "entries": []})
    if FAULT == "noise":
        OUT.write(b"DEBUG: handling prompt\n")
        OUT.flush()
    chunk(sid, "Hello")
    if FAULT == "exit-mid-turn":
        os._exit(3)
    if FAULT == "huge-line":
        chunk(sid, "y" * (11 * 1024 * 1024))
    cwd = _sessions[sid]
    readme = os.path.join(cwd, "README.md")
    announce = {
        "sessionUpdate": "tool_call",
        "toolCallId": "call_1",
        "title": "Read README.md",
        "kind": "read",
        "status": "pending",
        "locations": [{"path": readme}],
    }
    if FAULT != "permission-first":
        update(sid, announce)
    perm = call_client(
        "session/request_permission",
        {
            "sessionId": sid,
            "toolCall": {"toolCallId": "call_1"},
            "options": [
                {"optionId": "allow", "name": "Allow", "kind": "allow_once"},
                {"optionId": "reject", "name": "Reject", "kind": "reject_once"},
            ],
        },
    )
    if FAULT == "permission-first":
        update(sid, announce)
    outcome = (perm.get("result") or {}).get("outcome") or {}
    if outcome.get("outcome") == "cancelled" and FAULT != "run-after-cancel":
        update(
            sid, {"sessionUpdate": "tool_call_update", "toolCallId": "call_1", "status": "failed"}
        )
        respond(req_id, {"stopReason": "cancelled"})
        return
    allowed = outcome.get("outcome") == "selected" and outcome.get("optionId") == "allow"
    allowed = allowed or (FAULT == "run-after-reject" and outcome.get("outcome") == "selected")
    if allowed or (FAULT == "run-after-cancel" and outcome.get("outcome") == "cancelled"):
        content = "(no fs)"
        fs = _client_caps.get("fs") or {}
        if fs.get("readTextFile") or FAULT == "ignore-caps":
            res = call_client("fs/read_text_file", {"sessionId": sid, "path": readme})
            content = (res.get("result") or {}).get("content", str(res.get("error")))
        update(
            sid,
            {
                "sessionUpdate": "tool_call_update",
                "toolCallId": "call_1",
                "status": "completed",
                "content": [{"type": "content", "content": {"type": "text", "text": content}}],
            },
        )
    else:
        update(
            sid, {"sessionUpdate": "tool_call_update", "toolCallId": "call_1", "status": "failed"}
        )
    if _client_caps.get("terminal"):
        run_terminal(sid)
    update(
        sid,
        {
            "sessionUpdate": "plan",
            "entries": [{"content": "Say hello", "priority": "high", "status": "completed"}],
        },
    )
    chunk(sid, ", world.")
    _history.setdefault(sid, []).append((text, "Hello, world."))
    respond(req_id, {"stopReason": "end_turn"})
    if FAULT == "late-update":
        chunk(sid, " (late)")


def run_terminal(sid: str) -> None:
    """Announce call_2, run it in a client terminal, embed it, finish, then release it."""
    update(
        sid,
        {
            "sessionUpdate": "tool_call",
            "toolCallId": "call_2",
            "title": "echo",
            "kind": "execute",
            "status": "pending",
        },
    )
    res = call_client("terminal/create", {"sessionId": sid, "command": "echo hi from terminal"})
    tid = (res.get("result") or {}).get("terminalId")
    if not tid:
        update(
            sid, {"sessionUpdate": "tool_call_update", "toolCallId": "call_2", "status": "failed"}
        )
        return
    embed = [{"type": "terminal", "terminalId": tid}]
    update(
        sid,
        {
            "sessionUpdate": "tool_call_update",
            "toolCallId": "call_2",
            "status": "in_progress",
            "content": embed,
        },
    )
    call_client("terminal/wait_for_exit", {"sessionId": sid, "terminalId": tid})
    call_client("terminal/output", {"sessionId": sid, "terminalId": tid})
    done = {"sessionUpdate": "tool_call_update", "toolCallId": "call_2", "status": "completed"}
    if FAULT == "embed-after-release":
        call_client("terminal/release", {"sessionId": sid, "terminalId": tid})
        update(sid, {**done, "content": embed})
        return
    update(sid, done)
    call_client("terminal/release", {"sessionId": sid, "terminalId": tid})


def run_slow_command(req_id, sid: str, cancel: threading.Event) -> None:
    """Run `sleep 30` in a client terminal; on cancel kill and release it, end cancelled."""
    update(
        sid,
        {
            "sessionUpdate": "tool_call",
            "toolCallId": "call_sleep",
            "title": "sleep 30",
            "kind": "execute",
            "status": "in_progress",
        },
    )
    res = call_client("terminal/create", {"sessionId": sid, "command": "sleep 30"})
    tid = (res.get("result") or {}).get("terminalId")
    if tid:
        embed = [{"type": "terminal", "terminalId": tid}]
        update(
            sid, {"sessionUpdate": "tool_call_update", "toolCallId": "call_sleep", "content": embed}
        )
        # Wait for the exit in the background; a cancel withdraws that request.
        wait_id = f"a{next(_ids)}"
        _pending[wait_id] = (threading.Event(), [])
        params = {"sessionId": sid, "terminalId": tid}
        send(
            {"jsonrpc": "2.0", "id": wait_id, "method": "terminal/wait_for_exit", "params": params}
        )
    cancel.wait(30)
    if tid:
        send({"jsonrpc": "2.0", "method": "$/cancel_request", "params": {"requestId": wait_id}})
        call_client("terminal/kill", {"sessionId": sid, "terminalId": tid})
        if FAULT != "leak-terminal-on-cancel":
            call_client("terminal/release", {"sessionId": sid, "terminalId": tid})
    update(
        sid, {"sessionUpdate": "tool_call_update", "toolCallId": "call_sleep", "status": "failed"}
    )
    respond(req_id, {"stopReason": "cancelled" if cancel.is_set() else "end_turn"})


def valid_prompt(prompt: object) -> str | None:
    """Why ``prompt`` is not an array of content blocks (None when it is)."""
    if not isinstance(prompt, list):
        return "prompt must be an array"
    for i, block in enumerate(prompt):
        if not isinstance(block, dict) or not isinstance(block.get("type"), str):
            return f"prompt[{i}] must be a content block"
        if block["type"] == "resource_link" and FAULT == "reject-resource-link":
            return f"prompt[{i}]: resource_link is not supported"
        if block["type"] == "text" and not isinstance(block.get("text"), str):
            if FAULT != "accept-invalid":
                return f"prompt[{i}].text is required"
    return None


def handle(msg: dict) -> None:
    method, req_id, params = msg.get("method"), msg.get("id"), msg.get("params") or {}
    if method is None:
        waiter = _pending.pop(str(req_id), None)
        if waiter is not None:
            waiter[1].append(msg)
            waiter[0].set()
        return
    if "id" not in msg:
        if FAULT == "answer-notifications" and method.startswith("_"):
            send({"jsonrpc": "2.0", "error": {"code": -32601, "message": "Method not found"}})
            return
        target = params.get("sessionId")
        if method == "$/cancel_request":
            target = _prompt_ids.get(params.get("requestId"))
            if target is not None and FAULT == "cancel-request-twice":
                respond(params["requestId"], error={"code": -32800, "message": "Cancelled"})
        if (
            method == "session/cancel"
            and FAULT == "sticky-cancel"
            and target not in _prompt_ids.values()
        ):
            _sticky.add(target)
        if method in ("session/cancel", "$/cancel_request"):
            ev = _cancel.get(target)
            _cancel_by[target] = method
            if ev is not None:
                ev.set()
        return
    if FAULT == "unknown-result" and method in ("harness/no_such_method", "_harness/unknown_ext"):
        respond(req_id, {})
        return
    if method == "initialize":
        version = params.get("protocolVersion")
        if (type(version) is not int or version < 0) and FAULT != "accept-invalid":
            respond(req_id, error={"code": -32602, "message": "protocolVersion: expected uint16"})
            return
        _client_caps.update(params.get("clientCapabilities") or {})
        if FAULT == "chatty-start":
            send({"jsonrpc": "2.0", "method": "_minimal/hello", "params": {}})
        session_caps: dict = {"additionalDirectories": {}}
        if PERSIST:
            session_caps.update({"list": {}, "resume": {}, "close": {}, "delete": {}})
        result = {
            "protocolVersion": 1,
            "agentCapabilities": {
                "loadSession": PERSIST,
                "sessionCapabilities": session_caps,
                "promptCapabilities": {"embeddedContext": False},
            },
            "authMethods": [{"id": "token", "name": "Token"}],
            "agentInfo": {"name": "minimal-agent", "version": "0.1"},
        }
        if FAULT == "no-agent-info":
            del result["agentInfo"]
        if AUTH:
            result["agentCapabilities"]["auth"] = {"logout": {}}
        respond(req_id, result)
    elif method == "authenticate":
        if params.get("methodId") == "token" or FAULT == "lax-auth":
            _signed_in[0] = True
            respond(req_id, None if FAULT == "auth-null-result" else {})
        else:
            respond(req_id, error={"code": -32602, "message": "unknown auth method"})
    elif method == "logout" and (AUTH or FAULT == "lax-logout"):
        if AUTH and FAULT != "auth-logout-stays":
            _signed_in[0] = False
        respond(req_id, {})
    elif method == "session/new" and not _signed_in[0]:
        code = -32603 if FAULT == "auth-wrong-code" else -32000
        respond(req_id, error={"code": code, "message": "Authentication required"})
    elif method == "session/new":
        cwd = params.get("cwd")
        if FAULT == "reject-meta" and "_meta" in params:
            respond(req_id, error={"code": -32602, "message": "unexpected field _meta"})
            return
        relative_ok = FAULT == "lax-cwd" and isinstance(cwd, str)
        if not isinstance(cwd, str) or not (os.path.isabs(cwd) or relative_ok):
            respond(req_id, error={"code": -32602, "message": "cwd must be absolute"})
            return
        extra = params.get("additionalDirectories") or []
        if any(not os.path.isabs(str(d)) for d in extra) and FAULT != "lax-dirs":
            respond(req_id, error={"code": -32602, "message": "additionalDirectories: absolute"})
            return
        sid = f"sess-{next(_ids)}"
        _sessions[sid] = cwd
        _modes[sid] = "ask"
        current = "plan" if FAULT == "bad-current-mode" else "ask"
        modes = {"currentModeId": current, "availableModes": MODES}
        respond(req_id, {"sessionId": sid, "modes": modes, "configOptions": config_options(sid)})
        command = {"name": "hello", "description": "Say hello"}
        update(sid, {"sessionUpdate": "available_commands_update", "availableCommands": [command]})
    elif method == "session/set_config_option":
        set_config(req_id, params)
    elif method == "session/set_mode":
        set_mode(req_id, params)
    elif method == "session/prompt":
        sid, prompt = params.get("sessionId"), params.get("prompt")
        if FAULT == "lax-prompt" and isinstance(prompt, str):
            respond(req_id, {"stopReason": "end_turn"})  # Takes it as a (silent) turn.
        elif sid not in _sessions and FAULT == "lax-unknown-session":
            respond(req_id, {"stopReason": "refusal"})
        elif sid not in _sessions:
            respond(req_id, error={"code": -32602, "message": f"unknown session {sid}"})
        elif sid in _sticky:
            respond(req_id, error={"code": -32603, "message": "session was cancelled"})
        elif (problem := valid_prompt(prompt)) is not None:
            respond(req_id, error={"code": -32602, "message": problem})
        else:
            text = " ".join(str(b.get("text", "")) for b in prompt)
            _cancel[sid] = threading.Event()
            _prompt_ids[req_id] = sid
            threading.Thread(target=run_turn, args=(req_id, sid, text), daemon=True).start()
    elif method == "session/load" and FAULT == "accept-invalid":
        respond(req_id, {})
    elif PERSIST and method.startswith("session/") and persist(method, req_id, params):
        return
    else:
        respond(req_id, error={"code": -32601, "message": "Method not found"})


def persist(method: str, req_id, params: dict) -> bool:
    """Serve the session persistence methods; False for any other method."""
    sid = params.get("sessionId")
    if method in ("session/load", "session/resume"):
        if sid not in _sessions:
            respond(req_id, error={"code": -32002, "message": f"unknown session {sid}"})
            return True
        if method == "session/load":
            replay = FAULT != "persist-no-replay"
        else:
            replay = FAULT == "persist-resume-replays"
        for user, agent in _history.get(sid, []) if replay else []:
            update(
                sid,
                {"sessionUpdate": "user_message_chunk", "content": {"type": "text", "text": user}},
            )
            chunk(sid, agent)
            # The history's tool call, announced again (as in the original turn).
            call = {"sessionUpdate": "tool_call", "toolCallId": "call_1", "title": "Read"}
            update(sid, {**call, "status": "completed"})
        respond(req_id, {})
    elif method == "session/close":
        ev = _cancel.get(sid)
        if ev is not None and not ev.is_set():
            _cancel_by[sid] = "session/close"
            ev.set()
        _sessions.pop(sid, None)
        respond(req_id, {})
    elif method == "session/list":
        want = params.get("cwd")
        items = [
            {"sessionId": s, "cwd": "project" if FAULT == "persist-list-relative" else c}
            for s, c in _sessions.items()
            if want is None or c == want
        ]
        respond(req_id, {"sessions": items})
    elif method == "session/delete":
        if FAULT != "persist-delete-keeps":
            _sessions.pop(sid, None)
        respond(req_id, {})
    else:
        return False
    return True


def main() -> None:
    if FAULT == "noise":
        OUT.write(b"minimal-agent 0.1 starting up...\n")
        OUT.flush()
    if FAULT == "stderr-flood":
        sys.stderr.write("log line " * 30000 + "\n")
        sys.stderr.flush()
    for raw in sys.stdin.buffer:
        line = raw.strip()
        if not line:
            continue
        try:
            msg = json.loads(line)
        except ValueError:
            if FAULT != "silent-parse-error":
                respond(None, error={"code": -32700, "message": "Parse error"})
            continue
        if not isinstance(msg, dict):
            respond(None, error={"code": -32600, "message": "Invalid Request"})
            continue
        handle(msg)


if __name__ == "__main__":
    main()
