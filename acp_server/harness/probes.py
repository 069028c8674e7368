"""The active conformance probes: each sends something and judges the answer.

A probe records one or more verdicts on the run and returns None, or a reason why the
remaining probes of its connection cannot run (for example, ``initialize`` failed).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .checkbase import (
    RACED,
    CheckConfig,
    CheckRun,
    Probe,
    error_text,
    error_text_expecting,
    is_error_response,
    open_session,
    ping,
)
from .driver import AcpHarness
from .errors import AgentExited, AgentRpcError, HarnessError, HarnessTimeout
from .schema import STOP_REASONS


def connection_probes(
    extra: Sequence[Probe] = (), *, before_sessions: Sequence[Probe] = ()
) -> list[Probe]:
    """Probes for the main connection (fs and terminal advertised), in order.

    ``before_sessions`` probes run right after ``initialize`` (authentication); ``extra``
    probes run after the protocol ones and before the malformed-line probes (after which
    some agents can no longer answer).
    """
    state: dict[str, Any] = {}

    async def init_v1(run: CheckRun, cfg: CheckConfig, h: AcpHarness, cwd: str) -> str | None:
        pid, name = "init.v1", "initialize negotiates protocol version 1"
        try:
            result = await h.initialize(1, timeout=cfg.startup_timeout)
        except AgentRpcError as exc:
            run.add("FAIL", pid, name, f"initialize answered {error_text(exc.error)}")
            return "initialize failed"
        except HarnessError as exc:
            run.add("FAIL", pid, name, str(exc))
            return "initialize failed"
        version = result.get("protocolVersion")
        if version == 1 and type(version) is int:
            run.add("PASS", pid, name, "asked for 1, answered protocolVersion 1")
            return None
        run.add("FAIL", pid, name, f"asked for 1, answered protocolVersion {version!r}")
        return "initialize did not negotiate version 1"

    async def init_shape(run: CheckRun, cfg: CheckConfig, h: AcpHarness, cwd: str) -> None:
        pid, name = "init.shape", "initialize result matches the schema"
        result = h.init_result or {}
        problems = cfg.schema.errors("InitializeResponse", result)
        auth = result.get("authMethods") or []
        if isinstance(auth, list) and any(
            isinstance(m, dict) and m.get("type") == "terminal" for m in auth
        ):
            problems.append("authMethods lists a terminal method though auth.terminal was off")
        if problems:
            run.add("FAIL", pid, name, "; ".join(problems))
            return
        info = result.get("agentInfo")
        who = (
            f"agent {info.get('name')} {info.get('version')}"
            if isinstance(info, dict)
            else "no agentInfo (recommended)"
        )
        run.add("PASS", pid, name, f"valid; {who}")
        return None

    async def session_new(run: CheckRun, cfg: CheckConfig, h: AcpHarness, cwd: str) -> str | None:
        pid, name = "session.new", "session/new returns a unique session id"
        try:
            first = await h.new_session(cwd)
            result = h.last_session_result
            second = await h.new_session(cwd)
        except AgentRpcError as exc:
            run.add("FAIL", pid, name, f"session/new answered {error_text(exc.error)}")
            return "session/new failed"
        problems = [
            p
            for p in cfg.schema.errors("NewSessionResponse", result)
            if not p.startswith(("modes", "configOptions"))
        ]
        if not first or first == second:
            problems.append(f"two sessions got ids {first!r} and {second!r}")
        # modes and configOptions are judged by session.modes (items 21-23).
        if problems:
            run.add("FAIL", pid, name, "; ".join(problems))
            return None
        state["sid"] = first
        run.add("PASS", pid, name, f"got {first!r} and {second!r}")
        return None

    async def relative_cwd(run: CheckRun, cfg: CheckConfig, h: AcpHarness, cwd: str) -> None:
        pid, name = "session.relative-cwd", "session/new rejects a relative cwd"
        response = await h.request_message(
            "session/new", {"cwd": "relative/project", "mcpServers": []}
        )
        if "error" in response:
            run.add("PASS", pid, name, f"answered {error_text(response['error'])}")
        else:
            run.add("FAIL", pid, name, f"accepted cwd 'relative/project': {response.get('result')}")

    async def meta(run: CheckRun, cfg: CheckConfig, h: AcpHarness, cwd: str) -> None:
        pid, name = "session.meta", "a request carrying _meta is processed normally"
        trace = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
        response = await h.request_message(
            "session/new", {"cwd": cwd, "mcpServers": [], "_meta": {"traceparent": trace}}
        )
        if "error" in response:
            run.add(
                "FAIL",
                pid,
                name,
                f"session/new with _meta answered {error_text(response['error'])}",
            )
        else:
            sid = (response.get("result") or {}).get("sessionId")
            if isinstance(sid, str):  # Open now: its updates (e.g. commands) are expected.
                h.client.session_cwds[sid] = cwd
            run.add("PASS", pid, name, "session/new with params._meta.traceparent succeeded")

    async def prompt_basic(run: CheckRun, cfg: CheckConfig, h: AcpHarness, cwd: str) -> None:
        pid, name = "prompt.basic", "session/prompt ends the turn with a stop reason"
        if "sid" not in state:
            run.add("SKIP", pid, name, "no session (session/new failed)")
            return
        try:
            outcome = await h.prompt(state["sid"], cfg.prompt, timeout=cfg.timeout)
        except HarnessTimeout as exc:
            run.add("FAIL", pid, name, f"{exc} (updates so far: {_count(h)})")
            return
        if outcome.error is not None:
            run.add("FAIL", pid, name, f"answered {error_text(outcome.error)}")
            return
        problems = cfg.schema.errors("PromptResponse", outcome.result)
        if outcome.stop_reason not in STOP_REASONS:
            problems.append(f"stopReason {outcome.stop_reason!r} is not a v1 stop reason")
        if problems:
            run.add("FAIL", pid, name, "; ".join(dict.fromkeys(problems)))
            return
        run.add(
            "PASS",
            pid,
            name,
            f"stopReason {outcome.stop_reason} after {outcome.elapsed:.2f}s, "
            f"{len(outcome.updates)} updates, {len(outcome.tool_calls)} tool calls",
        )

    async def unknown_session(run: CheckRun, cfg: CheckConfig, h: AcpHarness, cwd: str) -> None:
        pid, name = "prompt.unknown-session", "session/prompt on an unknown session is an error"
        response = await h.request_message(
            "session/prompt",
            {"sessionId": "harness-no-such-session", "prompt": [{"type": "text", "text": "hi"}]},
        )
        if "error" in response:
            run.add("PASS", pid, name, f"answered {error_text(response['error'])}")
        else:
            run.add("FAIL", pid, name, f"answered a result: {response.get('result')}")

    async def malformed_prompt(run: CheckRun, cfg: CheckConfig, h: AcpHarness, cwd: str) -> None:
        pid, name = "prompt.malformed", "a malformed prompt (a string) is rejected"
        if "sid" not in state:
            run.add("SKIP", pid, name, "no session (session/new failed)")
            return
        response = await h.request_message(
            "session/prompt", {"sessionId": state["sid"], "prompt": "hello"}
        )
        if "error" not in response:
            run.add("FAIL", pid, name, f'accepted prompt: "hello": {response.get("result")}')
        else:
            run.add(
                "PASS", pid, name, f"answered {error_text_expecting(response['error'], -32602)}"
            )

    async def cancel_prompt(run: CheckRun, cfg: CheckConfig, h: AcpHarness, cwd: str) -> None:
        pid, name = "cancel.prompt", "session/cancel ends the turn with stopReason cancelled"
        sid = await open_session(run, h, pid, name, cwd)
        if sid is None:
            return
        try:
            outcome = await h.prompt(
                sid, cfg.slow_prompt, timeout=cfg.timeout, cancel_on_first_update=True
            )
        except HarnessTimeout:
            last = h.last_outcome
            if last is not None and last.cancel_sent:
                run.add(
                    "FAIL",
                    pid,
                    name,
                    f"no answer to session/prompt within {cfg.timeout:g}s after session/cancel",
                )
            else:
                run.add(
                    "FAIL",
                    pid,
                    name,
                    f"the turn sent no update and no answer within {cfg.timeout:g}s",
                )
            return
        if outcome.error is not None:
            verdict = "FAIL" if outcome.cancel_sent else "SKIP"
            run.add(
                verdict,
                pid,
                name,
                f"answered {error_text(outcome.error)} instead of stopReason cancelled"
                if outcome.cancel_sent
                else f"the turn failed before any update: {error_text(outcome.error)}",
            )
            return
        if not outcome.cancel_sent:
            run.add(
                "SKIP",
                pid,
                name,
                f"the turn ended ({outcome.stop_reason}) before any update, nothing to cancel",
            )
        elif outcome.stop_reason == "cancelled":
            run.add("PASS", pid, name, "cancel sent after the first update; answered cancelled")
        else:
            run.add(
                "SKIP",
                pid,
                name,
                f"the turn ended with {outcome.stop_reason!r} right after the cancel was "
                f"sent ({RACED}); use a slower --slow-prompt",
            )

    async def method_not_found(run: CheckRun, cfg: CheckConfig, h: AcpHarness, cwd: str) -> None:
        pid, name = "rpc.method-not-found", "unknown methods answer -32601 with the same id"
        problems, codes = [], []
        for method, req_id in (
            ("harness/no_such_method", "harness-id-1"),
            ("_harness/unknown_ext", 7007),
        ):
            try:
                response = await h.request_message(method, {}, request_id=req_id)
            except HarnessError as exc:
                problems.append(f"{method} with id {req_id!r}: {exc}")
                continue
            err = response.get("error")
            if not isinstance(err, dict):
                problems.append(f"{method} answered a result: {str(response.get('result'))[:80]}")
            elif err.get("code") != -32601:
                codes.append(f"{method} answered {error_text_expecting(err, -32601)}")
        if problems:
            run.add("FAIL", pid, name, "; ".join(problems))
        elif codes:
            # Answering with the id is the MUST; the code is a lowercase "should" (item 6).
            run.add("FAIL", pid, name, "; ".join(codes), "SHOULD")
        else:
            run.add("PASS", pid, name, "string and integer ids echoed with -32601")

    async def notifications(run: CheckRun, cfg: CheckConfig, h: AcpHarness, cwd: str) -> None:
        pid, name = "rpc.notifications", "notifications get no response"
        start = len(h.messages)
        sent = [
            ("_harness/unknown_notification", {}),
            ("harness/unknown_notification", {}),
            ("$/cancel_request", {"requestId": "harness-unknown-request"}),
            ("session/cancel", {"sessionId": state.get("sid", "harness-idle")}),
        ]
        for method, params in sent:
            await h.notify(method, params)
        sentinel = await ping(h)
        replies = [m for m in h.messages[start:] if "method" not in m and m is not sentinel]
        if replies:
            run.add("FAIL", pid, name, f"got a response to a notification: {replies[0]}")
        else:
            run.add(
                "PASS",
                pid,
                name,
                f"{len(sent)} notifications (unknown, $/cancel_request, idle session/cancel) "
                "got no response; the connection kept working",
            )

    async def parse_error(run: CheckRun, cfg: CheckConfig, h: AcpHarness, cwd: str) -> str | None:
        return await _malformed(
            run,
            h,
            "rpc.parse-error",
            "invalid JSON answers -32700 and the connection survives",
            '{"jsonrpc": "2.0", "id": 99, "method": this is not json\n',
            -32700,
        )

    async def invalid_request(
        run: CheckRun, cfg: CheckConfig, h: AcpHarness, cwd: str
    ) -> str | None:
        return await _malformed(
            run,
            h,
            "rpc.invalid-request",
            "a non-object message answers -32600 and the connection survives",
            "42\n",
            -32600,
        )

    return [
        Probe("init.v1", "initialize negotiates protocol version 1", init_v1),
        Probe("init.shape", "initialize result matches the schema", init_shape),
        *before_sessions,
        Probe("session.new", "session/new returns a unique session id", session_new),
        Probe("session.relative-cwd", "session/new rejects a relative cwd", relative_cwd),
        Probe("session.meta", "a request carrying _meta is processed normally", meta),
        Probe("prompt.basic", "session/prompt ends the turn with a stop reason", prompt_basic),
        Probe(
            "prompt.unknown-session",
            "session/prompt on an unknown session is an error",
            unknown_session,
        ),
        Probe(
            "cancel.prompt", "session/cancel ends the turn with stopReason cancelled", cancel_prompt
        ),
        Probe(
            "rpc.method-not-found",
            "unknown methods answer -32601 with the same id",
            method_not_found,
        ),
        Probe("rpc.notifications", "notifications get no response", notifications),
        Probe("prompt.malformed", "a malformed prompt (a string) is rejected", malformed_prompt),
        *extra,
        Probe(
            "rpc.parse-error",
            "invalid JSON answers -32700 and the connection survives",
            parse_error,
        ),
        Probe(
            "rpc.invalid-request",
            "a non-object message answers -32600 and the connection survives",
            invalid_request,
        ),
    ]


def _count(h: AcpHarness) -> int:
    return len(h.last_outcome.updates) if h.last_outcome is not None else 0


async def _malformed(
    run: CheckRun, h: AcpHarness, pid: str, name: str, line: str, code: int
) -> str | None:
    start = len(h.messages)
    await h.send_raw(line)
    try:
        await ping(h)
    except AgentExited as exc:
        run.add("FAIL", pid, name, f"the agent exited after {line.strip()!r}: {exc}")
        return "the agent exited"
    except HarnessTimeout:
        run.add("FAIL", pid, name, f"the agent stopped answering after {line.strip()!r}")
        return "the agent stopped answering"
    error = await h.wait_for(
        lambda m: is_error_response(m) and m.get("id") is None, start=start, timeout=0.5
    )
    if error is None:
        run.add(
            "FAIL",
            pid,
            name,
            f"no error response (expected {code} with id null); the connection survived",
        )
    elif isinstance(error["error"], dict) and error["error"].get("code") == code:
        run.add("PASS", pid, name, f"answered {code} with id null; the connection survived")
    else:
        run.add("FAIL", pid, name, f"answered {error_text(error['error'])}, expected {code}")
    return None
