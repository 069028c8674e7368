"""Conformance run: drive an agent through the spec's §18 checklist and report each check.

A check only passes when it observed the behaviour. What the agent does not advertise,
or what could not be provoked (a turn that ended before the cancel arrived), is skipped
with the reason. The run uses three short connections: a main one (everything advertised),
one with fs/terminal off (capability gating) and one for version negotiation and shutdown.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

import anyio

from .checkbase import (
    DEFAULT_PROMPT,
    DEFAULT_SLOW_PROMPT,
    RACED,
    CheckConfig,
    CheckResult,
    CheckRun,
    Probe,
    Status,
    result_of,
)
from .driver import AcpHarness
from .errors import HarnessError
from .observe import observed_checks
from .observe_more import more_observed_checks
from .probes import connection_probes
from .probes_auth import auth_probes
from .probes_extra import extra_connection_probes
from .probes_modes import mode_probes
from .probes_more import more_probes
from .probes_sessions import session_probes
from .probes_side import gating_probe, invalid_version_probe, version_probe
from .probes_terminal import terminal_probes

__all__ = [
    "DEFAULT_PROMPT",
    "DEFAULT_SLOW_PROMPT",
    "AgentNotStartable",
    "CheckConfig",
    "CheckResult",
    "CheckRun",
    "Status",
    "result_of",
    "run_checks",
]


def _workdir() -> tempfile.TemporaryDirectory[str]:
    tmp = tempfile.TemporaryDirectory(prefix="acp-check-")
    root = Path(tmp.name)
    (root / "README.md").write_text("# Sample project\n\nUsed by acp-harness check.\n")
    (root / "hello.py").write_text('print("hello")\n')
    return tmp


def _session_dir(cfg: CheckConfig) -> tuple[tempfile.TemporaryDirectory[str] | None, str]:
    if cfg.cwd is not None:
        return None, os.path.abspath(cfg.cwd)
    tmp = _workdir()
    return tmp, tmp.name


class AgentNotStartable(Exception):
    """The agent command cannot be started at all (no such program, empty command)."""


def preflight(argv: Sequence[str]) -> None:
    """Raise :class:`AgentNotStartable` unless ``argv[0]`` names a program that can run."""
    if not argv or not argv[0]:
        raise AgentNotStartable("no agent command given")
    if shutil.which(argv[0]) is None:
        raise AgentNotStartable(f"cannot start the agent: {argv[0]!r} is not an executable")


# Probes that others on their connection depend on: they run even when --only leaves
# them out (their verdicts are then not reported).
_SETUP = {"init.v1", "auth.authenticate", "session.new"}


def _selected(cfg: CheckConfig, check_id: str) -> bool:
    return cfg.only is None or check_id.split(".", 1)[0] in cfg.only or check_id in cfg.only


async def _with_connection(
    run: CheckRun,
    cfg: CheckConfig,
    cwd: str,
    probes: Sequence[Probe],
    *,
    fs: bool = True,
    terminal: bool = True,
) -> None:
    """Spawn the agent, run ``probes`` in order, always clean up."""
    probes = [p for p in probes if _selected(cfg, p.id) or p.id in _SETUP]
    if not any(_selected(cfg, p.id) for p in probes):
        return
    harness = AcpHarness.spawn(
        cfg.argv,
        cwd=cwd,
        env=cfg.env,
        timeout=cfg.timeout,
        fs=fs,
        terminal=terminal,
        permissions=cfg.permissions,
    )
    run.harnesses.append(harness)
    broken: str | None = None
    try:
        async with harness:
            for probe in probes:
                if broken is not None:
                    run.add("SKIP", probe.id, probe.name, f"not run: {broken}")
                    continue
                try:
                    broken = await _attempt(run, cfg, harness, cwd, probe)
                except HarnessError as exc:
                    run.add("FAIL", probe.id, probe.name, str(exc))
                    if harness.closed.is_set():
                        broken = "the agent exited earlier in this connection"
    except (OSError, ValueError) as exc:
        raise AgentNotStartable(f"cannot start the agent: {exc}") from exc


RACE_ATTEMPTS = 3


async def _attempt(
    run: CheckRun, cfg: CheckConfig, harness: AcpHarness, cwd: str, probe: Probe
) -> str | None:
    """Run one probe; retry it (on a fresh session) while a cancel lost the race.

    A cancellation check is only conclusive when the cancel arrives while the turn is
    still running. On a loaded machine a short turn can finish first; that proves nothing
    either way, so the probe gets another try before its SKIP is reported.
    """
    attempt = 1
    while True:
        scratch = CheckRun()
        broken = await probe.fn(scratch, cfg, harness, cwd)
        raced = any(r.status == "SKIP" and RACED in r.reason for r in scratch.results)
        if not raced or attempt == RACE_ATTEMPTS or broken is not None:
            break
        attempt += 1
    for result in scratch.results:
        reason = result.reason
        if attempt > 1:
            reason += f" (attempt {attempt} of {RACE_ATTEMPTS})"
        run.add(result.status, result.id, result.name, reason, result.level)
    return broken


async def run_checks(
    cfg: CheckConfig, on_result: Callable[[CheckResult], None] | None = None
) -> CheckRun:
    """Run the whole conformance suite against ``cfg.argv``.

    Raises :class:`AgentNotStartable` when the agent cannot be started at all.
    """
    preflight(cfg.argv)
    report = on_result

    def keep(result: CheckResult) -> None:
        if _selected(cfg, result.id) and report is not None:
            report(result)

    run = CheckRun(on_result=keep)
    run.notes.append(f"validating with {cfg.schema.source}")
    tmp, cwd = _session_dir(cfg)
    try:
        # The three connections are independent: run them side by side, stream the main
        # connection's verdicts live and report the others after it, in a fixed order.
        gating, version = CheckRun(), CheckRun()
        async with anyio.create_task_group() as tg:
            tg.start_soon(
                partial(
                    _with_connection, gating, cfg, cwd, [gating_probe()], fs=False, terminal=False
                )
            )
            tg.start_soon(
                _with_connection, version, cfg, cwd, [invalid_version_probe(), *version_probe()]
            )
            await _with_connection(
                run,
                cfg,
                cwd,
                connection_probes(
                    [
                        *extra_connection_probes(),
                        *more_probes(),
                        *terminal_probes(),
                        *mode_probes(),
                        *session_probes(),
                    ],
                    before_sessions=auth_probes(),
                ),
            )
        for sub in (gating, version):
            run.harnesses.extend(sub.harnesses)
            for r in sub.results:
                run.add(r.status, r.id, r.name, r.reason, r.level)
        for status, cid, name, reason in observed_checks(run.harnesses, cfg.schema):
            run.add(status, cid, name, reason)
        for status, cid, name, reason in more_observed_checks(run.harnesses):
            run.add(status, cid, name, reason)
        run.results = [r for r in run.results if _selected(cfg, r.id)]
        stderr = sum(h.process.stderr_total for h in run.harnesses if h.process is not None)
        if stderr > 64 * 1024:
            run.notes.append(f"the agent wrote {stderr // 1024} KiB to stderr (drained)")
    finally:
        if tmp is not None:
            tmp.cleanup()
    return run
