"""``acp-harness``: drive any ACP agent over stdio from the command line.

    acp-harness run   [options] [-- AGENT_CMD ...]   play prompts, print the session
    acp-harness check [options] [-- AGENT_CMD ...]   conformance run, one line per check

With no agent command, our own server runs with the offline demo model.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import anyio
import anyio.abc

from .checks import DEFAULT_PROMPT, DEFAULT_SLOW_PROMPT, CheckConfig, run_checks
from .client import PermissionPolicy
from .driver import AcpHarness
from .errors import HarnessError, HarnessTimeout
from .render import Renderer
from .schema import SchemaValidator

DEFAULT_RUN_PROMPT = "Show me what you can do in this directory"

SCRIPT_HELP = """\
--script FILE formats:
  *.json   a JSON array of prompts: ["first", "second"] (items may be {"prompt": "..."})
  *.toml   prompts = ["first", "second"]
  other    one prompt per line; blank lines and lines starting with '#' are ignored
"""


def default_agent() -> list[str]:
    """Our own server with the offline demo model."""
    return [sys.executable, "-m", "acp_server", "--model", "demo"]


def split_argv(argv: Sequence[str]) -> tuple[list[str], list[str]]:
    """Split at the first ``--``: (harness options, agent command)."""
    argv = list(argv)
    if "--" in argv:
        i = argv.index("--")
        return argv[:i], argv[i + 1 :]
    return argv, []


def load_script(path: str) -> list[str]:
    """Prompts from a script file (see SCRIPT_HELP)."""
    text = Path(path).read_text(encoding="utf-8")
    if path.endswith(".json"):
        items = json.loads(text)
    elif path.endswith(".toml"):
        items = tomllib.loads(text).get("prompts", [])
    else:
        return [
            ln for ln in (s.strip() for s in text.splitlines()) if ln and not ln.startswith("#")
        ]
    if not isinstance(items, list):
        raise ValueError(f"{path}: expected a list of prompts")
    return [str(i["prompt"]) if isinstance(i, dict) else str(i) for i in items]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="acp-harness",
        description="A headless ACP client: drive any Agent Client Protocol agent over stdio.",
        epilog="Put the agent command after '--'. Without one, runs: python -m acp_server "
        "--model demo.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser(
        "run",
        help="send prompts and print the streamed session",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=SCRIPT_HELP,
        description="Initialize, open a session, send the prompts and print every update.",
    )
    run.add_argument("--cwd", default=None, help="session directory (default: current)")
    group = run.add_mutually_exclusive_group()
    group.add_argument("--prompt", action="append", help="a prompt (repeatable)")
    group.add_argument("--script", help="a file of prompts (formats below)")
    run.add_argument("--json", action="store_true", help="write the raw transcript as NDJSON")
    run.add_argument(
        "--permissions",
        choices=("allow", "reject", "ask"),
        default=None,
        help="how to answer permission requests. ask: prompt on a TTY, otherwise reject "
        "(with a note). Default: allow for the built-in demo (no agent command), ask for "
        "an agent command given after '--'",
    )
    run.add_argument("--no-fs", action="store_true", help="do not offer fs/* to the agent")
    run.add_argument(
        "--no-terminal", action="store_true", help="do not offer terminal/* to the agent"
    )
    run.add_argument(
        "--cancel-after",
        type=float,
        default=None,
        metavar="SECONDS",
        help="send session/cancel this long into each prompt",
    )
    run.add_argument(
        "--timeout",
        type=float,
        default=300.0,
        metavar="SECONDS",
        help="give up on any request after this long (default 300)",
    )
    run.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    run.add_argument("--stderr", action="store_true", help="pass the agent's stderr through")
    check = sub.add_parser(
        "check",
        help="run the conformance checks (spec §18)",
        description="Conformance run; exits non-zero on any failure.",
    )
    check.add_argument("--cwd", default=None, help="session directory (default: a temporary one)")
    check.add_argument(
        "--timeout",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="per-request timeout (default 10)",
    )
    check.add_argument(
        "--startup-timeout",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="timeout of initialize, covering the agent's start-up (default 30)",
    )
    check.add_argument(
        "--schema",
        default=None,
        metavar="PATH",
        help="the ACP v1 schema.json to validate with (default: the official schema "
        "bundled with acp-harness)",
    )
    check.add_argument("--prompt", default=DEFAULT_PROMPT, help="prompt for the basic turn")
    check.add_argument(
        "--slow-prompt",
        default=DEFAULT_SLOW_PROMPT,
        help="prompt for the cancellation check (should take a while)",
    )
    check.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    return parser


def _renderer(choice: str, out: Any = None) -> Renderer:
    color = {"always": True, "never": False}.get(choice)
    return Renderer(out, color=color)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``acp-harness``; returns the exit status."""
    opts, agent = split_argv(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(opts)
    if args.command == "run" and args.permissions is None:
        # Auto-approving is only safe for our own offline demo; a user's agent may run
        # shell commands or write files, so ask the way an editor would.
        args.permissions = "ask" if agent else "allow"
    agent = agent or default_agent()
    if args.command == "run":
        args.cwd = os.path.abspath(args.cwd or os.getcwd())
    prompts: list[str] = []
    if args.command == "run":
        try:
            prompts = load_script(args.script) if args.script else args.prompt
        except (OSError, ValueError, tomllib.TOMLDecodeError) as exc:
            print_error(f"cannot read --script: {exc}")
            return 2
    code = 0
    try:
        if args.command == "check":
            code = anyio.run(_check, args, agent)
        else:
            code = anyio.run(_run, args, agent, prompts or [DEFAULT_RUN_PROMPT])
    except* BrokenPipeError:
        # The reader of our stdout went away (e.g. `| head`): stop quietly.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return code


def print_error(text: str) -> None:
    """An error on stderr."""
    Renderer(sys.stderr, color=False).error(text)


async def _check(args: argparse.Namespace, agent: list[str]) -> int:
    out = _renderer(args.color)
    cfg = CheckConfig(
        agent,
        cwd=args.cwd,
        timeout=args.timeout,
        startup_timeout=args.startup_timeout,
        schema=SchemaValidator(args.schema),
        prompt=args.prompt,
        slow_prompt=args.slow_prompt,
    )
    if args.schema and cfg.schema.path is None:
        out.note(f"# --schema {args.schema} not found")
    run = await run_checks(cfg, on_result=lambda r: out.check_line(r.status, r.line()))
    for note in run.notes:
        out.note(f"# {note}")
    out.plain(run.summary())
    return 1 if run.counts[1] else 0


async def _run(args: argparse.Namespace, agent: list[str], prompts: list[str]) -> int:
    out = _renderer(args.color, sys.stderr if args.json else None)
    if args.json:
        stream = _renderer("never")
        handlers: dict[str, Any] = {"on_entry": stream.entry}
    else:
        handlers = {
            "on_update": out.update,
            "on_request": out.request,
            "on_entry": lambda e: e.fault is not None and out.warn(e.fault),
        }
    if args.stderr:
        handlers["on_stderr"] = lambda b: sys.stderr.buffer.write(b) and sys.stderr.flush()
    policy: PermissionPolicy = args.permissions if args.permissions != "ask" else "reject"
    if args.permissions == "ask":
        if sys.stdin.isatty() and not args.json:

            async def ask(params: dict[str, Any]) -> str | None:
                return await anyio.to_thread.run_sync(
                    out.ask_permission, params, abandon_on_cancel=True
                )

            policy = ask
        else:
            why = "with --json" if args.json else "stdin is not a TTY"
            out.note(
                f"{why}: --permissions ask falls back to reject "
                "(pass --permissions allow to approve the agent's requests)"
            )
    cwd = args.cwd
    harness = AcpHarness.spawn(
        agent,
        cwd=cwd,
        permissions=policy,
        fs=not args.no_fs,
        terminal=not args.no_terminal,
        timeout=args.timeout,
        **handlers,
    )
    out.terminal_output = harness.client.terminal_output
    out.terminal_exit = harness.client.terminal_exit
    interrupts = _Interrupts()
    code = 130
    try:
        async with harness, anyio.create_task_group() as tg:
            tg.start_soon(interrupts.watch, harness, tg.cancel_scope, out)
            code = await _session(harness, out, args, agent, cwd, prompts)
            tg.cancel_scope.cancel()
    except (OSError, ValueError) as exc:
        out.error(f"cannot start the agent {agent}: {exc}")
        return 1
    if interrupts.quit:
        out.error("interrupted")
        return 130
    return code


async def _session(
    h: AcpHarness,
    out: Renderer,
    args: argparse.Namespace,
    agent: list[str],
    cwd: str,
    prompts: list[str],
) -> int:
    try:
        init = await h.initialize()
        sid = await h.new_session(cwd)
        if not args.json:
            out.header(agent, init, sid, cwd)
        for text in prompts:
            if not args.json:
                out.prompt_start(text)
            outcome = await h.prompt(sid, text, cancel_after=args.cancel_after)
            if not args.json:
                out.prompt_end(outcome)
            if outcome.error is not None:
                if args.json:
                    out.error(f"session/prompt failed: {outcome.error}")
                return 1
    except HarnessTimeout as exc:
        out.error(f"{exc}; giving up")
        return 1
    except HarnessError as exc:
        out.error(str(exc))
        return 1
    return 0


class _Interrupts:
    """First Ctrl-C cancels the running turn; a second one (or one when idle) quits."""

    def __init__(self) -> None:
        self.cancelled = False
        self.quit = False

    async def watch(self, h: AcpHarness, scope: anyio.CancelScope, out: Renderer) -> None:
        with anyio.open_signal_receiver(signal.SIGINT) as signals:
            async for _ in signals:
                if h.running_sessions and not self.cancelled:
                    self.cancelled = True
                    out.note("^C: sending session/cancel (press again to quit)")
                    await h.cancel()
                else:
                    self.quit = True
                    scope.cancel()
                    return


if __name__ == "__main__":
    sys.exit(main())
