"""Session persistence probes: load, resume, close, list, delete (checklist items 25-32).

Each runs only when the agent advertises the capability (``loadSession``,
``sessionCapabilities.{resume,close,list,delete}``) and is a SKIP naming it otherwise;
``session.gated`` checks the other way round (an unadvertised method answers -32601).
"""

from __future__ import annotations

from typing import Any

import anyio

from .checkbase import (
    METHOD_NOT_FOUND,
    CheckConfig,
    CheckRun,
    Probe,
    error_text,
    is_absolute,
    open_session,
)
from .driver import AcpHarness
from .errors import HarnessError
from .outcome import Message, PromptOutcome, as_dict
from .probes_auth import logout_advertised

_HISTORY = {"user_message_chunk", "agent_message_chunk", "agent_thought_chunk", "tool_call"}
_GATED = {
    "list": ("session/list", {}),
    "resume": ("session/resume", {"sessionId": "harness-no-such-session", "mcpServers": []}),
    "close": ("session/close", {"sessionId": "harness-no-such-session"}),
    "delete": ("session/delete", {"sessionId": "harness-no-such-session"}),
}


def _trim(value: Any, limit: int = 160) -> str:
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _caps(h: AcpHarness) -> dict[str, Any]:
    return as_dict(as_dict(h.init_result).get("agentCapabilities"))


def _session_cap(h: AcpHarness, name: str) -> bool:
    value = as_dict(_caps(h).get("sessionCapabilities")).get(name)
    return value is not None and value is not False


def _history_updates(h: AcpHarness, sid: str, start: int, end: int) -> list[Message]:
    """History-like session/update messages for ``sid`` among messages[start:end]."""
    return [
        m
        for m in h.messages[start:end]
        if m.get("method") == "session/update"
        and as_dict(m.get("params")).get("sessionId") == sid
        and as_dict(as_dict(m.get("params")).get("update")).get("sessionUpdate") in _HISTORY
    ]


async def _with_history(
    run: CheckRun, cfg: CheckConfig, h: AcpHarness, cwd: str, pid: str, name: str
) -> str | None:
    sid = await open_session(run, h, pid, name, cwd)
    if sid is None:
        return None
    outcome = await h.prompt(sid, cfg.prompt, timeout=cfg.timeout)
    if outcome.error is not None:
        run.add(
            "SKIP", pid, name, f"the turn to build a history failed: {error_text(outcome.error)}"
        )
        return None
    return sid


async def _call(h: AcpHarness, method: str, params: dict[str, Any]) -> tuple[Message, int, int]:
    """Send a request; its response and the message indexes before and at the response."""
    start = len(h.messages)
    response = await h.request_message(method, params)
    end = next(
        (i for i in range(start, len(h.messages)) if h.messages[i] is response), len(h.messages)
    )
    return response, start, end


async def session_load(run: CheckRun, cfg: CheckConfig, h: AcpHarness, cwd: str) -> None:
    """Item 25: session/load replays the history before its response."""
    pid, name = "session.load", "session/load replays the history before answering"
    if _caps(h).get("loadSession") is not True:
        run.add("SKIP", pid, name, "the agent does not advertise agentCapabilities.loadSession")
        return
    sid = await _with_history(run, cfg, h, cwd, pid, name)
    if sid is None:
        return
    response, start, end = await _call(
        h, "session/load", {"sessionId": sid, "cwd": cwd, "mcpServers": []}
    )
    if "error" in response or not isinstance(response.get("result"), dict):
        run.add("FAIL", pid, name, f"session/load of a live session answered {_trim(response)}")
        return
    replay = _history_updates(h, sid, start, end)
    if not replay:
        run.add(
            "FAIL", pid, name, f"answered {_trim(response)} before replaying any history (item 25)"
        )
        return
    run.add("PASS", pid, name, f"{len(replay)} history updates replayed before the response")


async def session_resume(run: CheckRun, cfg: CheckConfig, h: AcpHarness, cwd: str) -> None:
    """Item 27: session/resume answers without replaying the history."""
    pid, name = "session.resume", "session/resume answers without replaying history"
    if not _session_cap(h, "resume"):
        run.add("SKIP", pid, name, "the agent does not advertise sessionCapabilities.resume")
        return
    sid = await _with_history(run, cfg, h, cwd, pid, name)
    if sid is None:
        return
    response, start, end = await _call(
        h, "session/resume", {"sessionId": sid, "cwd": cwd, "mcpServers": []}
    )
    if "error" in response or not isinstance(response.get("result"), dict):
        run.add("FAIL", pid, name, f"session/resume of a live session answered {_trim(response)}")
        return
    replay = _history_updates(h, sid, start, end)
    if replay:
        run.add(
            "FAIL",
            pid,
            name,
            f"replayed history before the response (item 27 forbids it): {_trim(replay[0])}",
        )
        return
    run.add("PASS", pid, name, "resumed with no history replayed")


def _update_of(sid: str) -> Any:
    def match(m: Message) -> bool:
        params = as_dict(m.get("params"))
        return m.get("method") == "session/update" and params.get("sessionId") == sid

    return match


async def session_close(run: CheckRun, cfg: CheckConfig, h: AcpHarness, cwd: str) -> None:
    """Item 28: session/close during a prompt ends it cancelled; close answers {}."""
    pid, name = "session.close", "session/close mid-turn: the prompt ends cancelled"
    if not _session_cap(h, "close"):
        run.add("SKIP", pid, name, "the agent does not advertise sessionCapabilities.close")
        return
    sid = await open_session(run, h, pid, name, cwd)
    if sid is None:
        return
    ended: list[PromptOutcome | HarnessError] = []
    start = len(h.messages)

    async def turn() -> None:
        try:
            ended.append(await h.prompt(sid, cfg.slow_prompt, timeout=cfg.timeout))
        except HarnessError as exc:
            ended.append(exc)

    closed: Message = {}
    async with anyio.create_task_group() as tg:
        tg.start_soon(turn)
        first = await h.wait_for(_update_of(sid), start=start, timeout=cfg.timeout)
        if first is not None and not ended:
            closed = await h.request_message("session/close", {"sessionId": sid})
    outcome = ended[0]
    if not closed:
        run.add(
            "SKIP", pid, name, "the turn sent no update before it ended: nothing to close mid-turn"
        )
    elif isinstance(outcome, HarnessError):
        run.add("FAIL", pid, name, f"after session/close: {outcome}")
    elif "error" in closed or closed.get("result") != {}:
        run.add("FAIL", pid, name, f"session/close answered {_trim(closed)}, expected {{}}")
    elif outcome.stop_reason != "cancelled":
        got = outcome.stop_reason or error_text(outcome.error)
        run.add("FAIL", pid, name, f"the running prompt ended {got}, not cancelled (item 28)")
    else:
        run.add("PASS", pid, name, "close answered {}; the running prompt ended cancelled")


async def session_list(run: CheckRun, cfg: CheckConfig, h: AcpHarness, cwd: str) -> None:
    """Items 29-30: session/list shape, and an empty result for an unmatched cwd."""
    pid, name = "session.list", "session/list returns sessions with absolute cwds"
    if not _session_cap(h, "list"):
        run.add("SKIP", pid, name, "the agent does not advertise sessionCapabilities.list")
        return
    if await open_session(run, h, pid, name, cwd) is None:
        return
    response = await h.request_message("session/list", {})
    problems = _list_problems(response)
    missing = await h.request_message("session/list", {"cwd": "/harness/no/such/dir"})
    sessions = as_dict(missing.get("result")).get("sessions")
    if not problems and sessions != []:
        problems.append(
            f"a cwd that matches nothing listed {_trim(missing)} (item 30: sessions [])"
        )
    if problems:
        run.add("FAIL", pid, name, "; ".join(problems))
        return
    count = len(as_dict(response.get("result")).get("sessions") or [])
    run.add(
        "PASS",
        pid,
        name,
        f"{count} sessions listed, each with an absolute cwd; an unmatched cwd lists none",
    )


def _list_problems(response: Message) -> list[str]:
    result = response.get("result")
    if not isinstance(result, dict) or not isinstance(result.get("sessions"), list):
        return [f"session/list answered {_trim(response)} (item 29: sessions must be an array)"]
    problems = []
    for item in result["sessions"]:
        if (
            not isinstance(item, dict)
            or not isinstance(item.get("sessionId"), str)
            or not is_absolute(item.get("cwd"))
        ):
            problems.append(f"item needs a string sessionId and an absolute cwd: {_trim(item)}")
            break
    if (
        "nextCursor" in result
        and result["nextCursor"] is not None
        and not isinstance(result["nextCursor"], str)
    ):
        problems.append(f"nextCursor must be a string: {result['nextCursor']!r}")
    return problems


async def session_delete(run: CheckRun, cfg: CheckConfig, h: AcpHarness, cwd: str) -> None:
    """Item 31: a deleted session is no longer listed; deleting an unknown id is {}."""
    pid, name = "session.delete", "a deleted session leaves session/list"
    if not _session_cap(h, "delete"):
        run.add("SKIP", pid, name, "the agent does not advertise sessionCapabilities.delete")
        return
    sid = await open_session(run, h, pid, name, cwd)
    if sid is None:
        return
    deleted = await h.request_message("session/delete", {"sessionId": sid})
    if "error" in deleted or not isinstance(deleted.get("result"), dict):
        run.add("FAIL", pid, name, f"session/delete answered {_trim(deleted)}")
        return
    if _session_cap(h, "list"):
        listed = await h.request_message("session/list", {})
        ids = [
            as_dict(s).get("sessionId") for s in as_dict(listed.get("result")).get("sessions") or []
        ]
        if sid in ids:
            run.add(
                "FAIL",
                pid,
                name,
                f"session/list still lists deleted session {sid!r}: {_trim(listed)}",
            )
            return
    unknown = await h.request_message("session/delete", {"sessionId": "harness-no-such-session"})
    if "error" in unknown:
        run.add(
            "FAIL",
            pid,
            name,
            f"deleting an unknown id answered {error_text(unknown['error'])}, expected {{}}",
            "SHOULD",
        )
        return
    run.add(
        "PASS", pid, name, f"deleted {sid!r}; gone from session/list; an unknown id answered {{}}"
    )


async def session_gated(run: CheckRun, cfg: CheckConfig, h: AcpHarness, cwd: str) -> None:
    """Item 32: an unadvertised session method answers -32601."""
    pid, name = "session.gated", "unadvertised list/resume/close/delete/logout answer -32601"
    tried, problems = [], []
    gated = [(m, params) for cap, (m, params) in _GATED.items() if not _session_cap(h, cap)]
    if not logout_advertised(h):
        gated.append(("logout", {}))
    for method, params in gated:
        tried.append(method)
        response = await h.request_message(method, params)
        err = response.get("error")
        if not isinstance(err, dict) or err.get("code") != METHOD_NOT_FOUND:
            problems.append(f"{method} (not advertised) answered {_trim(response, 120)}")
    if not tried:
        run.add("SKIP", pid, name, "the agent advertises list, resume, close, delete and logout")
    elif problems:
        run.add("FAIL", pid, name, "; ".join(problems))
    else:
        run.add("PASS", pid, name, f"{', '.join(tried)} answered -32601")


def session_probes() -> list[Probe]:
    """Probes for the main connection: session persistence."""
    return [
        Probe(
            "session.gated",
            "unadvertised list/resume/close/delete/logout answer -32601",
            session_gated,
        ),
        Probe("session.load", "session/load replays the history before answering", session_load),
        Probe("session.resume", "session/resume answers without replaying history", session_resume),
        Probe("session.close", "session/close mid-turn: the prompt ends cancelled", session_close),
        Probe("session.list", "session/list returns sessions with absolute cwds", session_list),
        Probe("session.delete", "a deleted session leaves session/list", session_delete),
    ]
