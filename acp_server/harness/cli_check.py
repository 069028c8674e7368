"""``acp-harness check``: its options, the run, and the JSON / JUnit reports for CI."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

# Only what the parser needs is imported here (`acp-harness --help` stays fast); the
# runner, the loopback model and the reports load when a check runs.
from .catalog import (
    DEFAULT_PROMPT,
    DEFAULT_SLOW_PROMPT,
    DEFAULT_TERMINAL_PROMPT,
    GROUPS,
    listing,
    rule_of,
)

if TYPE_CHECKING:
    from .checks import CheckRun
    from .render import Renderer

CHECK_EPILOG = """\
Levels: a failed MUST check prints FAIL and makes the exit status 1; a failed SHOULD
check prints WARN and does not (unless --strict). A check the agent cannot be asked to
show (a capability it does not advertise, a tool call it never makes) prints SKIP with
the reason. `check --list` lists every check.

Exit status: 0 no MUST failed, 1 a MUST failed (or a SHOULD with --strict), 2 the agent
could not be started or the command line is wrong.
"""


def add_check_parser(sub: Any) -> None:
    """The ``check`` subcommand's options."""
    check = sub.add_parser(
        "check",
        help="certify an agent: run the conformance checks (see check --list)",
        description="Conformance run against the agent command given after '--'.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=CHECK_EPILOG,
    )
    check.add_argument("--list", action="store_true", help="list the checks and exit")
    check.add_argument(
        "--demo", action="store_true", help="check our own server with its offline demo model"
    )
    check.add_argument("--cwd", default=None, help="session directory (default: a temporary one)")
    check.add_argument(
        "--timeout", type=float, default=10.0, metavar="SECONDS",
        help="per-request timeout (default 10)",
    )  # fmt: skip
    check.add_argument(
        "--startup-timeout", type=float, default=30.0, metavar="SECONDS",
        help="timeout of initialize, covering the agent's start-up (default 30)",
    )  # fmt: skip
    check.add_argument(
        "--schema", default=None, metavar="PATH",
        help="the ACP v1 schema.json to validate with (default: the bundled official one)",
    )  # fmt: skip
    check.add_argument(
        "--env", action="append", default=[], metavar="K=V",
        help="set an environment variable for the agent (repeatable)",
    )  # fmt: skip
    check.add_argument(
        "--permissions", choices=("allow", "reject", "cancel"), default="allow",
        help="how to answer permission requests outside the permission checks (default allow)",
    )  # fmt: skip
    check.add_argument(
        "--only", action="append", default=None, metavar="GROUP",
        help=f"report only these groups or check ids (repeatable; groups: {', '.join(GROUPS)})",
    )  # fmt: skip
    check.add_argument("--strict", action="store_true", help="SHOULD failures fail the run too")
    check.add_argument("--json", default=None, metavar="FILE", help="write the verdicts as JSON")
    check.add_argument("--junit", default=None, metavar="FILE", help="write a JUnit XML report")
    check.add_argument("--prompt", default=DEFAULT_PROMPT, help="prompt for the basic turn")
    check.add_argument(
        "--slow-prompt", default=DEFAULT_SLOW_PROMPT,
        help="prompt for the cancellation checks (should take a while)",
    )  # fmt: skip
    check.add_argument(
        "--terminal-prompt", default=DEFAULT_TERMINAL_PROMPT,
        help="prompt that makes the agent run a long command in a terminal",
    )  # fmt: skip
    check.add_argument(
        "--loopback", action="store_true",
        help="start a scripted model on 127.0.0.1 (Chat Completions and Responses API) and "
        "point the agent at it: OPENAI_BASE_URL and OPENAI_API_KEY are set, and "
        "{loopback_url} in the agent command or an --env value becomes its URL",
    )  # fmt: skip
    check.add_argument(
        "--loopback-tool", action="append", default=[], metavar="ROLE=NAME",
        help="the agent's tool the loopback model calls for ROLE (read or shell); default: "
        "found by name (read_file, read, view ...; execute, shell, bash, exec_command ...)",
    )  # fmt: skip
    check.add_argument("--color", choices=("auto", "always", "never"), default="auto")


def parse_env(pairs: Sequence[str]) -> dict[str, str] | None:
    """``["K=V", ...]`` merged over our environment (None when there are none)."""
    if not pairs:
        return None
    return {**os.environ, **dict(_pair(p, "--env") for p in pairs)}


async def run_check_command(args: argparse.Namespace, agent: list[str], out: Renderer) -> int:
    """Run ``check``; returns the exit status."""
    from .loopback import LoopbackServer
    from .render import Renderer

    errors = Renderer(sys.stderr, color=False)
    try:
        env = parse_env(args.env)
        tools = dict(_pair(p, "--loopback-tool") for p in args.loopback_tool)
    except ValueError as exc:
        errors.error(str(exc))
        return 2
    if not args.loopback:
        return await _check(args, agent, env, out, errors)
    with LoopbackServer(tools) as model:
        url = model.base_url
        env = {**(env or dict(os.environ)), **model.env()}
        env = {k: v.replace("{loopback_url}", url) for k, v in env.items()}
        agent = [a.replace("{loopback_url}", url) for a in agent]
        out.note(f"# loopback model at {url}")
        return await _check(args, agent, env, out, errors)


def _pair(text: str, flag: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise ValueError(f"{flag} {text!r}: expected K=V")
    return key, value


async def _check(
    args: argparse.Namespace,
    agent: list[str],
    env: dict[str, str] | None,
    out: Renderer,
    errors: Renderer,
) -> int:
    from .checks import AgentNotStartable, CheckConfig, run_checks
    from .schema import SchemaValidator

    only = None
    if args.only:
        only = frozenset(g.strip() for item in args.only for g in item.split(",") if g.strip())
    cfg = CheckConfig(
        agent,
        cwd=args.cwd,
        timeout=args.timeout,
        startup_timeout=args.startup_timeout,
        schema=SchemaValidator(args.schema),
        env=env,
        prompt=args.prompt,
        slow_prompt=args.slow_prompt,
        terminal_prompt=args.terminal_prompt,
        permissions=args.permissions,
        only=only,
    )
    if args.schema and cfg.schema.path is None:
        out.note(f"# --schema {args.schema} not found")
    try:
        run = await run_checks(cfg, on_result=lambda r: out.check_line(r.label, r.line()))
    except AgentNotStartable as exc:
        errors.error(str(exc))
        return 2
    for note in run.notes:
        out.note(f"# {note}")
    out.plain(run.summary())
    if args.json:
        write_json(run, agent, args.json)
    if args.junit:
        write_junit(run, args.junit)
    return 1 if run.failed(strict=args.strict) else 0


def print_list(out: Renderer) -> int:
    """``check --list``."""
    out.plain(listing())
    return 0


def write_json(run: CheckRun, agent: list[str], path: str) -> None:
    """The verdicts as one JSON document."""
    passed, failed, skipped = run.counts
    doc = {
        "agent": agent,
        "summary": {
            "passed": passed,
            "failed": failed,
            "warnings": run.warnings,
            "skipped": skipped,
        },
        "notes": run.notes,
        "checks": [
            {
                "id": r.id,
                "level": r.level,
                "rule": rule_of(r.id),
                "status": r.label,
                "name": r.name,
                "reason": r.reason,
            }
            for r in run.results
        ],
    }
    with open(path, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")


def write_junit(run: CheckRun, path: str) -> None:
    """A JUnit XML report: one testcase per check; WARN is a failure of type SHOULD."""
    import xml.etree.ElementTree as ET

    suite = ET.Element(
        "testsuite",
        name="acp-harness check",
        tests=str(len(run.results)),
        failures=str(run.counts[1] + run.warnings),
        skipped=str(run.counts[2]),
    )
    for r in run.results:
        case = ET.SubElement(suite, "testcase", classname=f"acp.{r.id.split('.', 1)[0]}", name=r.id)
        if r.label in ("FAIL", "WARN"):
            node = ET.SubElement(case, "failure", type=r.level, message=r.reason[:200])
            node.text = r.reason
        elif r.label == "SKIP":
            ET.SubElement(case, "skipped", message=r.reason)
        ET.SubElement(case, "system-out").text = f"{r.level}: {r.name}"
    ET.ElementTree(suite).write(path, encoding="utf-8", xml_declaration=True)
