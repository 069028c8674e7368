"""More checks judged on the run's transcripts (checklist items 2, 16, 50, 56, 57, 62)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from .checkbase import Verdict
from .driver import AcpHarness
from .outcome import as_dict

_UNSTABLE = ("plan_update", "plan_removed", "compaction_")
"""Update kinds the harness never opts in to (unstable ``plan`` / ``session.compaction``)."""


def more_observed_checks(harnesses: Sequence[AcpHarness]) -> Iterator[Verdict]:
    """Verdicts over all the run's connections."""
    yield _quiet_before_init(harnesses)
    yield _agent_info(harnesses)
    yield _no_elicitation(harnesses)
    yield _no_unstable_updates(harnesses)
    yield _agent_cancel_requests(harnesses)
    yield _mode_updates(harnesses)


def _quiet_before_init(harnesses: Sequence[AcpHarness]) -> Verdict:
    cid, name = "transport.quiet-before-init", "nothing is sent before the initialize answer"
    seen = 0
    for h in harnesses:
        init_ids: set[str] = set()
        for entry in h.transcript:
            msg = entry.message
            if not isinstance(msg, dict):
                continue
            if entry.direction == "send":
                if msg.get("method") == "initialize":
                    init_ids.add(str(msg.get("id")))
                continue
            if "method" not in msg and str(msg.get("id")) in init_ids:
                seen += 1
                break  # answered: anything later is fine
            return "FAIL", cid, name, f"sent before answering initialize: {str(msg)[:160]}"
    if seen == 0:
        return "SKIP", cid, name, "no initialize was answered"
    return "PASS", cid, name, f"{seen} connections: the initialize answer came first"


def _agent_info(harnesses: Sequence[AcpHarness]) -> Verdict:
    cid, name = "init.agent-info", "initialize names the agent (agentInfo name and version)"
    results = [h.init_result for h in harnesses if h.init_result]
    if not results:
        return "SKIP", cid, name, "no initialize was answered"
    info = as_dict(results[0].get("agentInfo"))
    if not isinstance(info.get("name"), str) or not isinstance(info.get("version"), str):
        got = results[0].get("agentInfo")
        return "FAIL", cid, name, f"agentInfo {str(got)[:120]} lacks a string name and version"
    return "PASS", cid, name, f"{info['name']} {info['version']}"


def _no_elicitation(harnesses: Sequence[AcpHarness]) -> Verdict:
    cid, name = "caps.elicitation", "no elicitation/create when the client offers none"
    turns = 0
    for h in harnesses:
        for entry in h.transcript:
            msg = entry.message
            if not isinstance(msg, dict):
                continue
            if entry.direction == "send" and msg.get("method") == "session/prompt":
                turns += 1
            elif entry.direction == "recv" and msg.get("method") == "elicitation/create":
                return "FAIL", cid, name, f"elicitation was not advertised: {str(msg)[:160]}"
    if turns == 0:
        return "SKIP", cid, name, "no prompt turn ran"
    return "PASS", cid, name, f"{turns} prompt turns without elicitation/create"


def _no_unstable_updates(harnesses: Sequence[AcpHarness]) -> Verdict:
    cid, name = "caps.unstable-updates", "no plan_update/compaction updates unless offered"
    count = 0
    for h in harnesses:
        for params in h.updates:
            kind = str(as_dict(params.get("update")).get("sessionUpdate"))
            count += 1
            if kind.startswith(_UNSTABLE):
                return "FAIL", cid, name, f"{kind} sent though the client did not opt in to it"
    if count == 0:
        return "SKIP", cid, name, "the agent sent no session/update"
    return "PASS", cid, name, f"{count} updates, none of the unstable kinds"


def _agent_cancel_requests(harnesses: Sequence[AcpHarness]) -> Verdict:
    """§18 item 50: the agent's ``$/cancel_request`` names one of its own open requests."""
    cid, name = "client.cancel-request", "the agent's $/cancel_request names its own request"
    seen = 0
    for h in harnesses:
        asked: set[Any] = set()
        for entry in h.transcript:
            msg = entry.message
            if entry.direction == "send" or not isinstance(msg, dict):
                continue
            if msg.get("method") != "$/cancel_request":
                if "method" in msg and "id" in msg:
                    asked.add(_id_key(msg.get("id")))
                continue
            seen += 1
            rid = as_dict(msg.get("params")).get("requestId")
            quoted = str(msg)[:160]
            if "id" in msg:
                return (
                    "FAIL",
                    cid,
                    name,
                    f"$/cancel_request must be a notification (no id): {quoted}",
                )
            if _id_key(rid) not in asked:
                return (
                    "FAIL",
                    cid,
                    name,
                    f"names request {rid!r}, which the agent never sent: {quoted}",
                )
    if seen == 0:
        return "SKIP", cid, name, "the agent sent no $/cancel_request"
    return "PASS", cid, name, f"{seen} $/cancel_request notifications, each naming its own request"


def _id_key(value: Any) -> tuple[str, str]:
    """A request id with its JSON type (``"0"`` and ``0`` are different ids)."""
    return type(value).__name__, str(value)


_SESSION_SETUP = ("session/new", "session/load", "session/resume", "session/fork")


def _session_modes(h: AcpHarness) -> dict[Any, set[str]]:
    """Each session's ``availableModes`` ids, from the answers to session/new, load, …"""
    asked: dict[tuple[str, str], Any] = {}
    modes: dict[Any, set[str]] = {}
    for entry in h.transcript:
        msg = entry.message
        if not isinstance(msg, dict):
            continue
        if entry.direction == "send":
            if msg.get("method") in _SESSION_SETUP:
                asked[_id_key(msg.get("id"))] = as_dict(msg.get("params")).get("sessionId")
            continue
        key = _id_key(msg.get("id"))
        if "method" in msg or key not in asked:
            continue
        result = as_dict(msg.get("result"))
        sid = result.get("sessionId", asked[key])
        available = as_dict(result.get("modes")).get("availableModes")
        if isinstance(available, list):
            modes[sid] = {str(as_dict(m).get("id")) for m in available}
    return modes


def _mode_updates(harnesses: Sequence[AcpHarness]) -> Verdict:
    """§18 item 62: a ``current_mode_update`` has ``currentModeId``, one of the modes."""
    cid, name = "modes.own-change", "current_mode_update names one of the availableModes"
    seen = 0
    for h in harnesses:
        modes = _session_modes(h)
        for params in h.updates:
            update = as_dict(params.get("update"))
            if update.get("sessionUpdate") != "current_mode_update":
                continue
            seen += 1
            mode, sid, quoted = update.get("currentModeId"), params.get("sessionId"), str(update)
            if not isinstance(mode, str):
                return "FAIL", cid, name, f"no string currentModeId: {quoted[:160]}"
            known = modes.get(sid)
            if known is None:
                return "FAIL", cid, name, f"session {sid!r} has no modes: {quoted[:160]}"
            if mode not in known:
                return (
                    "FAIL",
                    cid,
                    name,
                    f"currentModeId {mode!r} is not one of the session's availableModes "
                    f"{sorted(known)}: {quoted[:160]}",
                )
    if seen == 0:
        return "SKIP", cid, name, "the agent sent no current_mode_update"
    return "PASS", cid, name, f"{seen} current_mode_update notifications, each an available mode"
