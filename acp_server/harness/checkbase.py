"""The vocabulary of a conformance run, below the probes and the runner.

Verdicts (:class:`CheckResult`), the run's inputs (:class:`CheckConfig`) and collected
results (:class:`CheckRun`), the :class:`Probe` record, and the small helpers every probe
module shares. ``checks`` (the runner) and the ``probes*`` modules import from here;
nothing here imports them.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from .catalog import DEFAULT_PROMPT as DEFAULT_PROMPT
from .catalog import DEFAULT_SLOW_PROMPT as DEFAULT_SLOW_PROMPT
from .catalog import DEFAULT_TERMINAL_PROMPT as DEFAULT_TERMINAL_PROMPT
from .catalog import Level, level_of, rule_of
from .driver import AcpHarness
from .errors import AgentRpcError
from .outcome import Message
from .schema import SchemaValidator

Status = Literal["PASS", "FAIL", "SKIP"]
Verdict = tuple[Status, str, str, str]
"""``(status, check id, name, reason)``."""

RACED = "it may have finished first"
"""Marks an inconclusive SKIP: the turn ended before the cancel under test reached the agent."""

REQUEST_CANCELLED = -32800
INVALID_PARAMS = -32602
METHOD_NOT_FOUND = -32601


@dataclass(frozen=True, slots=True)
class CheckResult:
    """The verdict of one check."""

    status: Status
    id: str
    name: str
    reason: str
    level: Level = "MUST"

    @property
    def label(self) -> str:
        """PASS, FAIL (a MUST failed), WARN (a SHOULD failed) or SKIP."""
        return "WARN" if self.status == "FAIL" and self.level == "SHOULD" else self.status

    def line(self) -> str:
        """The report line: ``PASS|FAIL|WARN|SKIP <id> <name> — reason``; a failure names
        the rule it breaks (level and checklist items)."""
        text = f"{self.label} {self.id} {self.name} — {self.reason}"
        if self.status == "FAIL":
            text += f" [{self.level}: {rule_of(self.id)}]"
        return text


@dataclass(slots=True)
class CheckConfig:
    """Inputs of a conformance run."""

    argv: Sequence[str]
    cwd: str | None = None
    """Session directory; a temporary one with a couple of files when None."""
    timeout: float = 10.0
    """Per-request timeout."""
    startup_timeout: float = 30.0
    """Timeout of each connection's ``initialize`` (covers the agent's start-up)."""
    schema: SchemaValidator = field(default_factory=SchemaValidator)
    env: dict[str, str] | None = None
    prompt: str = DEFAULT_PROMPT
    slow_prompt: str = DEFAULT_SLOW_PROMPT
    terminal_prompt: str = DEFAULT_TERMINAL_PROMPT
    """Prompt that makes the agent run a long command in a client terminal."""
    permissions: Literal["allow", "reject", "cancel"] = "allow"
    """How the harness answers permission requests outside the permission probes."""
    only: frozenset[str] | None = None
    """Check groups (or ids) to report; None for all."""


@dataclass(slots=True)
class CheckRun:
    """Collected results plus free-form notes."""

    results: list[CheckResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    harnesses: list[AcpHarness] = field(default_factory=list)
    on_result: Callable[[CheckResult], None] | None = None

    def add(
        self, status: Status, check_id: str, name: str, reason: str, level: Level | None = None
    ) -> None:
        """Record a verdict (and report it at once); the level defaults to the catalog's."""
        result = CheckResult(status, check_id, name, reason, level or level_of(check_id))
        self.results.append(result)
        if self.on_result is not None:
            self.on_result(result)

    @property
    def counts(self) -> tuple[int, int, int]:
        """(passed, failed MUSTs, skipped)."""
        return (
            sum(r.label == "PASS" for r in self.results),
            sum(r.label == "FAIL" for r in self.results),
            sum(r.label == "SKIP" for r in self.results),
        )

    @property
    def warnings(self) -> int:
        """How many SHOULD checks failed."""
        return sum(r.label == "WARN" for r in self.results)

    def failed(self, *, strict: bool = False) -> bool:
        """Whether the run fails: a MUST failed (or, when ``strict``, a SHOULD)."""
        return self.counts[1] > 0 or (strict and self.warnings > 0)

    def summary(self) -> str:
        """The closing line: ``N passed, N failed, N warnings, N skipped``."""
        p, f, s = self.counts
        return f"{p} passed, {f} failed, {self.warnings} warnings, {s} skipped"


def result_of(run: CheckRun, check_id: str) -> CheckResult | None:
    """The result of ``check_id`` in ``run`` (helper for tests and tools)."""
    return next((r for r in run.results if r.id == check_id), None)


ProbeFn = Callable[[CheckRun, CheckConfig, AcpHarness, str], Awaitable[str | None]]
"""``fn(run, cfg, harness, cwd)``: records verdicts; returns None, or why the remaining
probes of its connection cannot run."""


@dataclass(frozen=True, slots=True)
class Probe:
    """One named check that runs on a connection."""

    id: str
    name: str
    fn: ProbeFn


# -- helpers shared by the probe modules ----------------------------------------------------


def error_text(error: Any) -> str:
    """``error CODE 'message'`` of a JSON-RPC error object, for a report line."""
    if isinstance(error, dict):
        return f"error {error.get('code')} {error.get('message')!r}"
    return f"error {error!r}"


def error_text_expecting(error: Any, code: int) -> str:
    """:func:`error_text`, noting the code the spec asks for when the agent used another."""
    if isinstance(error, dict) and error.get("code") == code:
        return error_text(error)
    return f"{error_text(error)} ({code} expected)"


def is_error_response(msg: Message) -> bool:
    """True for a response message carrying an error."""
    return "method" not in msg and "error" in msg


def is_absolute(path: Any) -> bool:
    """True for an absolute path string."""
    return isinstance(path, str) and os.path.isabs(path)


async def ping(h: AcpHarness) -> Message:
    """A round trip that proves the agent is still reading; its response message."""
    return await h.request_message(
        "harness/ping_unknown_method", {}, request_id=f"harness-sentinel-{h.next_id()}"
    )


async def open_session(run: CheckRun, h: AcpHarness, pid: str, name: str, cwd: str) -> str | None:
    """A new session for probe ``pid``; None (with a SKIP recorded) when the agent refused."""
    try:
        return await h.new_session(cwd)
    except AgentRpcError as exc:
        run.add("SKIP", pid, name, f"session/new answered {error_text(exc.error)}")
        return None
