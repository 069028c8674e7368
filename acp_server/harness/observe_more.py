"""More checks judged on the run's transcripts (checklist items 2, 16, 56 and 57)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

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
