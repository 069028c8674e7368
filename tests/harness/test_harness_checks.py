"""`acp-harness check` reports each fault of deliberately broken fake agents."""

from __future__ import annotations

import pytest
from harness_util import FakeAgent

from acp_server.harness.checks import CheckConfig, CheckRun, result_of, run_checks


async def check(argv: list[str], *, timeout: float = 3.0, startup: float = 20.0) -> CheckRun:
    return await run_checks(CheckConfig(argv, timeout=timeout, startup_timeout=startup))


def statuses(run: CheckRun) -> dict[str, str]:
    return {r.id: r.status for r in run.results}


async def test_check_passes_every_check_on_a_correct_agent(fake_agent: FakeAgent) -> None:
    run = await check(fake_agent())
    # Only what the agent does not advertise (session persistence, logout) or does not do
    # (require a sign-in, change its mode) is skipped.
    skipped = {r.id: r.reason for r in run.results if r.status == "SKIP"}
    assert [r.line() for r in run.results if r.status == "FAIL"] == []
    unadvertised = {"session.load", "session.resume", "session.close", "session.list"}
    unadvertised |= {"session.delete", "auth.logout"}
    assert {k for k, v in skipped.items() if "does not advertise" in v} == unadvertised
    assert skipped.keys() - unadvertised == {"auth.required", "modes.own-change"}
    assert "this agent does not require authentication" in skipped["auth.required"]
    assert skipped["modes.own-change"] == "the agent sent no current_mode_update"
    assert run.summary() == f"{len(run.results) - 8} passed, 0 failed, 0 warnings, 8 skipped"
    assert not run.failed(strict=True)
    assert "official schema" in run.notes[0]


ALSO_FAILS = {
    "exit-mid-turn": {"caps.gating"},
    "ignore-caps": {"client.requests"},
    "string-id": {"init.v99", "init.invalid-version", "caps.gating"},
    "leak-terminal-on-cancel": {"client.requests"},
    "plan-update": {"updates.schema"},  # plan_update is no v1 update kind either
    "answer-notifications": {"transport.framing"},  # an error response without an id
}


@pytest.mark.parametrize(
    ("fault", "check_id", "reason"),
    [
        ("noise", "transport.clean-stdout", "non-JSON output on stdout"),
        ("error-on-cancel", "cancel.prompt", "instead of stopReason cancelled"),
        ("exit-mid-turn", "prompt.basic", "agent closed its stdout during session/prompt"),
        ("huge-line", "transport.framing", "exceeds the limit"),
        ("ignore-caps", "caps.gating", "still called ['fs/read_text_file']"),
        ("late-update", "updates.order", "arrived after the session/prompt response"),
        (
            "permission-first",
            "client.request-order",
            "session/request_permission for toolCallId 'call_1' arrived before the tool_call",
        ),
        (
            "embed-after-release",
            "client.terminal-release",
            "embeds terminal 'term_1' after its terminal/release",
        ),
        ("cancel-request-twice", "cancel.request", "2 responses to one session/prompt"),
        ("run-after-cancel", "cancel.permission", "'call_1' ran to completed after a cancelled"),
        ("bad-current-mode", "session.modes", "currentModeId 'plan' is not one of"),
        ("boolean-option", "session.modes", "is boolean, not advertised by the client"),
        ("lax-config", "config.set", "an unknown value was accepted"),
        ("partial-config", "config.set", "the result lacks the option it changed, 'mode'"),
        ("anonymous-option", "config.set", "config option None lacks id: {'configOptions'"),
        ("string-id", "init.v1", "has id '0', which does not echo the request's id 0"),
        ("cancel-unknown", "client.cancel-request", "names request 'a999', which the agent never"),
        ("leak-terminal-on-cancel", "cancel.terminal", "were never released after session/cancel"),
        ("silent-parse-error", "rpc.parse-error", "no error response (expected -32700"),
        ("chatty-start", "transport.quiet-before-init", "sent before answering initialize"),
        ("no-agent-info", "init.agent-info", "agentInfo None lacks a string name and version"),
        ("elicit", "caps.elicitation", "elicitation was not advertised"),
        ("plan-update", "caps.unstable-updates", "plan_update sent though the client did not"),
        ("run-after-reject", "permission.reject", "['call_1'] ran to completed after reject_once"),
        ("reject-resource-link", "prompt.resource-link", "text + resource_link answered error"),
        ("sticky-cancel", "cancel.idle", "the next prompt ended error -32603"),
        ("lax-dirs", "session.additional-dirs", "accepted additionalDirectories ['relative/dir']"),
        ("lax-auth", "auth.unknown-method", "accepted methodId 'harness-no-such-method'"),
        ("auth-wrong-code", "auth.required", "answered error -32603 'Authentication required'"),
        ("auth-null-result", "auth.authenticate", "authenticate 'token' answered None, not {}"),
        ("auth-logout-stays", "auth.logout", "after logout, session/new answered a session"),
        ("auth-bad-mode-update", "modes.own-change", "currentModeId 'plan' is not one of"),
        ("lax-logout", "session.gated", "logout (not advertised) answered"),
        ("unknown-result", "rpc.method-not-found", "answered a result"),
        ("answer-notifications", "rpc.notifications", "got a response to a notification"),
        ("lax-cwd", "session.relative-cwd", "accepted cwd"),
        ("reject-meta", "session.meta", "_meta"),
        ("lax-unknown-session", "prompt.unknown-session", "answered a result"),
        ("lax-prompt", "prompt.malformed", "accepted"),
        ("lax-mode", "modes.set", "accepted"),
    ],
)
async def test_check_reports_the_fault_of_a_broken_agent(
    fault: str, check_id: str, reason: str, fake_agent: FakeAgent
) -> None:
    run = await check(fake_agent(fault))
    result = result_of(run, check_id)
    assert result is not None
    assert result.status == "FAIL"
    assert reason in result.reason
    # A fault fails its own check only, except where the same broken rule is observed by
    # another check too (an agent that dies or cannot initialize fails every connection).
    also = ALSO_FAILS.get(fault, set())
    assert {r.id for r in run.results if r.status == "FAIL"} - also == {check_id}
    assert run.failed(strict=True)
    # Only a MUST failure fails the run without --strict.
    assert run.failed() == (result.level == "MUST")


async def test_check_passes_an_agent_that_requires_a_sign_in(fake_agent: FakeAgent) -> None:
    run = await check(fake_agent("auth"))
    assert [r.line() for r in run.results if r.status == "FAIL"] == []
    skipped = {r.id for r in run.results if r.status == "SKIP"}
    assert skipped == {
        "session.load", "session.resume", "session.close", "session.list", "session.delete"
    }  # fmt: skip
    reasons = {r.id: r.reason for r in run.results}
    assert reasons["auth.required"] == "session/new before authenticate answered -32000"
    assert reasons["auth.authenticate"].startswith("authenticate 'token' answered {}")
    assert "session/new then answered error -32000" in reasons["auth.logout"]
    assert "current_mode_update notifications" in reasons["modes.own-change"]


async def test_check_reports_an_agent_that_accepts_invalid_requests(
    fake_agent: FakeAgent,
) -> None:
    run = await check(fake_agent("accept-invalid"))
    failed = {r.id: r.reason for r in run.results if r.status == "FAIL"}
    assert failed.keys() == {
        "init.invalid-version",
        "session.load-unadvertised",
        "prompt.text-without-text",
    }
    assert "accepted initialize with a missing protocolVersion" in failed["init.invalid-version"]
    assert "session/load answered a result" in failed["session.load-unadvertised"]
    assert 'accepted [{"type": "text"}]' in failed["prompt.text-without-text"]


async def test_check_explains_what_the_new_probes_saw_on_a_correct_agent(
    fake_agent: FakeAgent,
) -> None:
    run = await check(fake_agent())
    reasons = {r.id: r.reason for r in run.results}
    assert reasons["cancel.request"] == "answered stopReason cancelled once"
    assert "permission for 'call_1' answered cancelled" in reasons["cancel.permission"]
    assert "-32602" in reasons["init.invalid-version"]
    assert "-32601" in reasons["session.load-unadvertised"]
    assert "-32602" in reasons["prompt.text-without-text"]
    assert reasons["client.terminal-release"].endswith(" terminal embeds, all before their release")
    assert reasons["cancel.terminal"].startswith("cancelled while 1 terminal(s) ran; all released")
    assert reasons["client.cancel-request"].startswith("1 $/cancel_request notifications")


async def test_check_reports_content_length_framing_without_hanging(fake_agent: FakeAgent) -> None:
    run = await check(fake_agent("content-length"), timeout=1.0, startup=1.0)
    framing = result_of(run, "transport.framing")
    assert framing is not None and framing.status == "FAIL"
    assert "Content-Length" in framing.reason
    init = result_of(run, "init.v1")
    assert init is not None and init.status == "FAIL"
    assert statuses(run)["prompt.basic"] == "SKIP"


async def test_check_fails_a_prompt_that_never_ends_within_the_timeout(
    fake_agent: FakeAgent,
) -> None:
    run = await check(fake_agent("never-ends"), timeout=0.5)
    basic, cancel = result_of(run, "prompt.basic"), result_of(run, "cancel.prompt")
    assert basic is not None and basic.status == "FAIL"
    assert "no answer to session/prompt within 0.5s" in basic.reason
    assert cancel is not None and cancel.status == "FAIL"
    assert "after session/cancel" in cancel.reason
    held = result_of(run, "cancel.permission")
    assert held is not None and held.status == "SKIP"
    assert "the agent asked no permission during the turn" in held.reason


async def test_check_drains_a_stderr_flood_and_still_passes(fake_agent: FakeAgent) -> None:
    run = await check(fake_agent("stderr-flood"))
    assert run.counts[1] == 0
    assert any("KiB to stderr" in note for note in run.notes)


async def test_check_interoperates_with_an_agent_built_on_the_official_sdk(
    sdk_agent: list[str],
) -> None:
    run = await check(sdk_agent, timeout=1.5)
    got = statuses(run)
    # The SDK (0.12) does not answer invalid JSON, crashes on a non-object line and
    # accepts a string protocolVersion; everything else must pass against it, except
    # what the SDK agent cannot show (it ignores $/cancel_request, which is optional,
    # and embeds no terminal).
    sdk_faults = {"rpc.parse-error", "rpc.invalid-request", "init.invalid-version"}
    unadvertised = {r.id for r in run.results if "does not advertise" in r.reason}
    assert {k: v for k, v in got.items() if k not in sdk_faults | unadvertised and v != "PASS"} == {
        "cancel.request": "SKIP",
        "client.terminal-release": "SKIP",
        "client.cancel-request": "SKIP",
        "cancel.terminal": "SKIP",  # its terminal command ends at once: nothing to cancel
        "modes.own-change": "SKIP",  # it never changes its mode
    }
    skipped = result_of(run, "cancel.request")
    assert skipped is not None and "ignores $/cancel_request" in skipped.reason
    assert got["prompt.basic"] == got["cancel.prompt"] == got["client.requests"] == "PASS"
    assert got["cancel.permission"] == got["client.request-order"] == "PASS"


async def test_a_cancel_that_lost_the_race_is_retried(fake_agent: FakeAgent) -> None:
    # The first two slow turns end before the cancel lands; the third waits for it.
    run = await check(fake_agent("hasty"))
    result = result_of(run, "cancel.prompt")
    assert result is not None
    assert result.status == "PASS"
    assert result.reason.endswith("answered cancelled (attempt 3 of 3)")
    assert [r.line() for r in run.results if r.status == "FAIL"] == []


async def test_a_cancel_that_always_loses_the_race_is_skipped_not_failed(
    fake_agent: FakeAgent,
) -> None:
    run = await check(fake_agent("always-hasty"))
    for check_id in ("cancel.prompt", "cancel.request"):
        result = result_of(run, check_id)
        assert result is not None
        assert result.status == "SKIP"
        assert "it may have finished first" in result.reason
        assert result.reason.endswith("(attempt 3 of 3)")
    assert run.counts[1] == 0
