"""More active probes: request cancellation, cancel during a permission request, and
invalid input that a v1 agent should reject (spec §18.26, 18.36, 18.46, 18.48).

Each probe opens its own session, so a failure here cannot disturb the others.
"""

from __future__ import annotations

from contextlib import suppress
from typing import Any

import anyio

from .checkbase import (
    INVALID_PARAMS,
    METHOD_NOT_FOUND,
    RACED,
    REQUEST_CANCELLED,
    CheckConfig,
    CheckRun,
    Probe,
    error_text,
    error_text_expecting,
    open_session,
    ping,
)
from .driver import AcpHarness
from .errors import HarnessError, HarnessTimeout
from .outcome import Message, PromptOutcome

CANCEL_REQUEST_WAIT = 5.0
"""How long an agent gets to answer a ``$/cancel_request`` before we assume it ignores it."""
DUPLICATE_WAIT = 1.0
"""How long to watch for a second response to one request before calling it answered once."""


def _response_to(req_id: Any) -> Any:
    return lambda m: "method" not in m and m.get("id") == req_id and ("result" in m or "error" in m)


def _update_for(sid: str) -> Any:
    def match(m: Message) -> bool:
        params = m.get("params")
        return (
            m.get("method") == "session/update"
            and isinstance(params, dict)
            and params.get("sessionId") == sid
        )

    return match


def _judge_code(
    run: CheckRun, pid: str, name: str, response: Message, code: int, accepted: str
) -> None:
    """An error answers the probe (the spec's code, or another with a note); a result fails."""
    err = response.get("error")
    if err is None:
        run.add("FAIL", pid, name, f"{accepted}: {str(response.get('result'))[:120]}")
    else:
        run.add("PASS", pid, name, f"answered {error_text_expecting(err, code)}")


# -- cancellation -------------------------------------------------------------------------


async def cancel_request(run: CheckRun, cfg: CheckConfig, h: AcpHarness, cwd: str) -> None:
    """§18.48: ``$/cancel_request`` of a running prompt gets exactly one response."""
    pid, name = "cancel.request", "$/cancel_request of a running prompt gets exactly one response"
    sid = await open_session(run, h, pid, name, cwd)
    if sid is None:
        return
    req_id = f"harness-prompt-{h.next_id()}"
    start = len(h.messages)
    failure: list[HarnessError] = []

    async def send() -> None:
        try:
            await h.request_message(
                "session/prompt",
                {"sessionId": sid, "prompt": [{"type": "text", "text": cfg.slow_prompt}]},
                request_id=req_id,
                timeout=cfg.timeout * 3,
            )
        except HarnessError as exc:
            failure.append(exc)

    async with anyio.create_task_group() as tg:
        tg.start_soon(send)
        try:
            await _judge_cancel_request(run, cfg, h, sid, req_id, start, failure, pid, name)
        finally:
            tg.cancel_scope.cancel()


async def _judge_cancel_request(
    run: CheckRun,
    cfg: CheckConfig,
    h: AcpHarness,
    sid: str,
    req_id: str,
    start: int,
    failure: list[HarnessError],
    pid: str,
    name: str,
) -> None:
    answered = _response_to(req_id)
    first = await h.wait_for(
        lambda m: answered(m) or _update_for(sid)(m), start=start, timeout=cfg.timeout
    )
    if first is None:
        reason = str(failure[0]) if failure else "no update and no answer"
        run.add("FAIL", pid, name, f"the prompt turn sent {reason} within {cfg.timeout:g}s")
        return
    if answered(first):
        run.add("SKIP", pid, name, "the turn ended before any update, nothing to cancel")
        return
    await h.notify("$/cancel_request", {"requestId": req_id})
    response = await h.wait_for(
        answered, start=start, timeout=min(cfg.timeout, CANCEL_REQUEST_WAIT)
    )
    if response is None:
        await h.cancel(sid)
        late = await h.wait_for(answered, start=start, timeout=cfg.timeout)
        if late is None:
            run.add(
                "FAIL",
                pid,
                name,
                "no response to session/prompt after $/cancel_request, nor after session/cancel",
            )
        else:
            run.add(
                "SKIP",
                pid,
                name,
                "the agent ignores $/cancel_request (support is optional); the turn ended "
                "after session/cancel",
            )
        return
    await ping(h)
    # A second answer may still be on its way from another thread of the agent: give it a
    # moment to show up before concluding there is exactly one.
    await h.wait_for(
        lambda m: answered(m) and m is not response, start=start, timeout=DUPLICATE_WAIT
    )
    count = sum(1 for m in h.messages[start:] if answered(m))
    err, result = response.get("error"), response.get("result")
    stop = result.get("stopReason") if isinstance(result, dict) else None
    with suppress(HarnessError):  # in case the turn goes on after its response
        await h.notify("session/cancel", {"sessionId": sid})
    if count > 1:
        run.add("FAIL", pid, name, f"{count} responses to one session/prompt (exactly one allowed)")
    elif isinstance(err, dict) and err.get("code") == REQUEST_CANCELLED:
        run.add("PASS", pid, name, f"answered {error_text(err)} once")
    elif err is not None:
        run.add(
            "FAIL",
            pid,
            name,
            f"answered {error_text(err)}; expected stopReason cancelled or error "
            f"{REQUEST_CANCELLED}",
        )
    elif stop == "cancelled":
        run.add("PASS", pid, name, "answered stopReason cancelled once")
    else:
        run.add(
            "SKIP",
            pid,
            name,
            f"the turn ended with {stop!r} right after the cancel ({RACED}); use a slower "
            "--slow-prompt",
        )


async def cancel_permission(run: CheckRun, cfg: CheckConfig, h: AcpHarness, cwd: str) -> None:
    """§18.46: cancelling while a permission request is pending.

    The harness holds the permission request, sends ``session/cancel`` and answers it
    ``cancelled``; the turn must end ``cancelled`` and the tool must not run.
    """
    pid, name = "cancel.permission", "cancel during a permission request: tool not run, cancelled"
    sid = await open_session(run, h, pid, name, cwd)
    if sid is None:
        return
    asked = anyio.Event()
    requests: list[dict[str, Any]] = []
    ended: list[PromptOutcome | HarnessError] = []

    async def hold(params: dict[str, Any]) -> str | None:
        requests.append(params)
        asked.set()
        await anyio.sleep_forever()
        return None  # pragma: no cover - answered "cancelled" by the cancel

    async def turn() -> None:
        try:
            ended.append(await h.prompt(sid, cfg.prompt, timeout=cfg.timeout))
        except HarnessError as exc:
            ended.append(exc)
        finally:
            asked.set()

    saved = h.client.permissions
    h.client.permissions = hold
    try:
        async with anyio.create_task_group() as tg:
            tg.start_soon(turn)
            await asked.wait()
            if requests and not ended:
                await h.cancel(sid)
    finally:
        h.client.permissions = saved
    _judge_permission_cancel(run, requests, ended[0], pid, name)


def _judge_permission_cancel(
    run: CheckRun,
    requests: list[dict[str, Any]],
    ended: PromptOutcome | HarnessError,
    pid: str,
    name: str,
) -> None:
    if not requests:
        why = ended if isinstance(ended, HarnessError) else f"ended {_end(ended)}"
        run.add(
            "SKIP",
            pid,
            name,
            f"the agent asked no permission during the turn ({why}); try a --prompt that "
            "makes it run a gated tool",
        )
        return
    if isinstance(ended, HarnessTimeout):
        run.add("FAIL", pid, name, f"{ended} after session/cancel during a permission request")
        return
    if isinstance(ended, HarnessError):
        run.add("FAIL", pid, name, str(ended))
        return
    tool_call = requests[0].get("toolCall")
    tid = tool_call.get("toolCallId") if isinstance(tool_call, dict) else None
    state = ended.tool_calls.get(tid) if isinstance(tid, str) else None
    if ended.error is not None:
        run.add(
            "FAIL", pid, name, f"answered {error_text(ended.error)} instead of stopReason cancelled"
        )
    elif state is not None and "completed" in state.statuses:
        run.add("FAIL", pid, name, f"tool call {tid!r} ran to completed after a cancelled outcome")
    elif ended.stop_reason != "cancelled":
        run.add(
            "FAIL",
            pid,
            name,
            f"the turn ended with {ended.stop_reason!r} after session/cancel and a cancelled "
            "permission outcome (expected cancelled)",
        )
    else:
        run.add(
            "PASS",
            pid,
            name,
            f"permission for {tid!r} answered cancelled; the tool did not run; stopReason "
            "cancelled",
        )


def _end(outcome: PromptOutcome) -> str:
    return outcome.stop_reason or error_text(outcome.error)


# -- invalid input --------------------------------------------------------------------------


async def load_unadvertised(run: CheckRun, cfg: CheckConfig, h: AcpHarness, cwd: str) -> None:
    """§18.26: ``session/load`` when ``loadSession`` is not advertised answers -32601."""
    pid, name = "session.load-unadvertised", "session/load without loadSession is -32601"
    caps = (h.init_result or {}).get("agentCapabilities")
    if isinstance(caps, dict) and caps.get("loadSession") is True:
        run.add("SKIP", pid, name, "the agent advertises loadSession")
        return
    response = await h.request_message(
        "session/load", {"sessionId": "harness-no-such-session", "cwd": cwd, "mcpServers": []}
    )
    _judge_code(
        run,
        pid,
        name,
        response,
        METHOD_NOT_FOUND,
        "loadSession is not advertised, yet session/load answered a result",
    )


async def text_without_text(run: CheckRun, cfg: CheckConfig, h: AcpHarness, cwd: str) -> None:
    """§18.36: a text block without ``text`` is a malformed prompt (-32602)."""
    pid, name = "prompt.text-without-text", "a text block without text is rejected"
    sid = await open_session(run, h, pid, name, cwd)
    if sid is None:
        return
    response = await h.request_message(
        "session/prompt", {"sessionId": sid, "prompt": [{"type": "text"}]}
    )
    _judge_code(
        run, pid, name, response, INVALID_PARAMS, 'accepted [{"type": "text"}] and ran the turn'
    )


def extra_connection_probes() -> list[Probe]:
    """Probes for the main connection, run after the core ones."""
    return [
        Probe(
            "session.load-unadvertised",
            "session/load without loadSession is -32601",
            load_unadvertised,
        ),
        Probe(
            "prompt.text-without-text", "a text block without text is rejected", text_without_text
        ),
        Probe(
            "cancel.request",
            "$/cancel_request of a running prompt gets exactly one response",
            cancel_request,
        ),
        Probe(
            "cancel.permission",
            "cancel during a permission request: tool not run, cancelled",
            cancel_permission,
        ),
    ]
