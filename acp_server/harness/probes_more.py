"""More active probes: resource links, a rejected permission, an idle cancel, additional
directories and authentication (checklist items 24, 33, 47, 59, 65)."""

from __future__ import annotations

from typing import Any

from .checkbase import (
    INVALID_PARAMS,
    CheckConfig,
    CheckRun,
    Probe,
    error_text,
    error_text_expecting,
    open_session,
)
from .driver import AcpHarness
from .errors import HarnessTimeout
from .outcome import as_dict


def _trim(value: Any, limit: int = 160) -> str:
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _caps(h: AcpHarness) -> dict[str, Any]:
    return as_dict(as_dict(h.init_result).get("agentCapabilities"))


async def resource_link(run: CheckRun, cfg: CheckConfig, h: AcpHarness, cwd: str) -> None:
    """Item 33: a prompt of text and a resource_link is accepted and ends with a stop reason."""
    pid, name = "prompt.resource-link", "a prompt with a resource_link block is accepted"
    sid = await open_session(run, h, pid, name, cwd)
    if sid is None:
        return
    link = {"type": "resource_link", "uri": f"file://{cwd}/README.md", "name": "README.md"}
    outcome = await h.prompt(sid, [{"type": "text", "text": cfg.prompt}, link], timeout=cfg.timeout)
    if outcome.error is not None:
        run.add("FAIL", pid, name, f"text + resource_link answered {error_text(outcome.error)}")
    else:
        run.add("PASS", pid, name, f"text + resource_link ended {outcome.stop_reason}")


async def permission_reject(run: CheckRun, cfg: CheckConfig, h: AcpHarness, cwd: str) -> None:
    """Item 59: a rejected permission means the tool does not run."""
    pid, name = "permission.reject", "a rejected permission: the tool does not run"
    sid = await open_session(run, h, pid, name, cwd)
    if sid is None:
        return
    saved = h.client.permissions
    h.client.permissions = "reject"
    try:
        outcome = await h.prompt(sid, cfg.prompt, timeout=cfg.timeout)
    finally:
        h.client.permissions = saved
    asked = [m for m in outcome.requests if m.get("method") == "session/request_permission"]
    if not asked:
        run.add("SKIP", pid, name, "the agent asked no permission during the turn")
        return
    ran = []
    for msg in asked:
        tool = as_dict(as_dict(msg.get("params")).get("toolCall"))
        state = outcome.tool_calls.get(str(tool.get("toolCallId")))
        if state is not None and "completed" in state.statuses:
            ran.append(str(tool.get("toolCallId")))
    if ran:
        run.add("FAIL", pid, name, f"tool call(s) {ran} ran to completed after reject_once")
    else:
        run.add("PASS", pid, name, f"{len(asked)} permission(s) rejected; no such tool completed")


async def idle_cancel(run: CheckRun, cfg: CheckConfig, h: AcpHarness, cwd: str) -> None:
    """Item 47: after a session/cancel with no turn running, the session still prompts."""
    pid, name = "cancel.idle", "an idle session/cancel leaves the session usable"
    sid = await open_session(run, h, pid, name, cwd)
    if sid is None:
        return
    await h.notify("session/cancel", {"sessionId": sid})
    try:
        outcome = await h.prompt(sid, cfg.prompt, timeout=cfg.timeout)
    except HarnessTimeout as exc:
        run.add("FAIL", pid, name, f"after an idle session/cancel: {exc}")
        return
    if outcome.error is not None or outcome.stop_reason == "cancelled":
        got = outcome.stop_reason or error_text(outcome.error)
        run.add("FAIL", pid, name, f"the next prompt ended {got} after an idle session/cancel")
    else:
        run.add("PASS", pid, name, f"the next prompt ended {outcome.stop_reason}")


async def additional_dirs(run: CheckRun, cfg: CheckConfig, h: AcpHarness, cwd: str) -> None:
    """Item 24: a relative additionalDirectories entry is an error (when advertised)."""
    pid, name = "session.additional-dirs", "a relative additionalDirectories entry is an error"
    session_caps = as_dict(_caps(h).get("sessionCapabilities"))
    if session_caps.get("additionalDirectories") is None:
        run.add(
            "SKIP",
            pid,
            name,
            "the agent does not advertise sessionCapabilities.additionalDirectories",
        )
        return
    response = await h.request_message(
        "session/new", {"cwd": cwd, "mcpServers": [], "additionalDirectories": ["relative/dir"]}
    )
    err = response.get("error")
    if err is None:
        run.add(
            "FAIL", pid, name, f"accepted additionalDirectories ['relative/dir']: {_trim(response)}"
        )
    else:
        run.add("PASS", pid, name, f"answered {error_text_expecting(err, INVALID_PARAMS)}")


async def auth_unknown(run: CheckRun, cfg: CheckConfig, h: AcpHarness, cwd: str) -> None:
    """Item 65: authenticate with an unknown methodId is an error."""
    pid, name = "auth.unknown-method", "authenticate with an unknown methodId is an error"
    methods = as_dict(h.init_result).get("authMethods")
    if not methods:
        run.add("SKIP", pid, name, "the agent does not advertise authMethods")
        return
    response = await h.request_message("authenticate", {"methodId": "harness-no-such-method"})
    err = response.get("error")
    if err is None:
        run.add("FAIL", pid, name, f"accepted methodId 'harness-no-such-method': {_trim(response)}")
    else:
        run.add("PASS", pid, name, f"answered {error_text_expecting(err, INVALID_PARAMS)}")


def more_probes() -> list[Probe]:
    """Probes for the main connection, run with the other extra ones."""
    return [
        Probe(
            "auth.unknown-method", "authenticate with an unknown methodId is an error", auth_unknown
        ),
        Probe(
            "session.additional-dirs",
            "a relative additionalDirectories entry is an error",
            additional_dirs,
        ),
        Probe(
            "prompt.resource-link", "a prompt with a resource_link block is accepted", resource_link
        ),
        Probe(
            "permission.reject", "a rejected permission: the tool does not run", permission_reject
        ),
        Probe("cancel.idle", "an idle session/cancel leaves the session usable", idle_cancel),
    ]
