"""``acp-harness``: drive any ACP agent over stdio from the command line.

    acp-harness run   [options] [-- AGENT_CMD ...]   play prompts, print the session
    acp-harness check [options] -- AGENT_CMD ...     certify an agent, one line per check
    acp-harness proxy [--log FILE] -- AGENT_CMD ...  pass-through with live validation

``run`` with no agent command (or ``--demo``) runs our own server with the offline demo
model; ``check`` needs the command, or ``--demo`` to certify our own server.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .cli_check import add_check_parser, print_list, run_check_command

if TYPE_CHECKING:
    import anyio

    from .client import PermissionPolicy
    from .driver import AcpHarness
    from .render import Renderer

# The driver, the renderer and anyio are imported by the commands that use them, so
# `acp-harness --help` (and a usage error) answer without loading them.

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
    import tomllib  # Here, not at the top: `acp-harness --help` stays fast.
    from pathlib import Path

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
        epilog="Put the agent command after '--'. `run` without one (or with --demo) runs our "
        "own server with its offline demo model.",
    )
    parser.add_argument("--version", action=_Version)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser(
        "run",
        help="send prompts and print the streamed session",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=SCRIPT_HELP,
        description="Initialize, open a session, send the prompts and print every update.",
    )
    run.add_argument("--cwd", default=None, help="session directory (default: current)")
    run.add_argument("--demo", action="store_true", help="run our own server, demo model")
    run.add_argument(
        "--progress",
        type=float,
        default=5.0,
        metavar="SECONDS",
        help="while the agent is silent, say every SECONDS what we wait for (0: never)",
    )
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
    add_check_parser(sub)
    proxy = sub.add_parser(
        "proxy",
        help="stand in for an agent: pass every byte through, validate and log it live",
        description="An editor launches this in place of the agent. Every byte passes "
        "through unchanged, both ways; each message is validated (JSON-RPC shape, schema, "
        "ordering) and logged with its violations. The agent's exit status and signals "
        "pass through.",
    )
    proxy.add_argument("--log", default=None, metavar="FILE", help="where to write the log")
    proxy.add_argument(
        "--format", choices=("text", "jsonl"), default="text", help="log format (default text)"
    )
    proxy.add_argument("--schema", default=None, metavar="PATH", help="the ACP schema.json")
    return parser


class _Version(argparse.Action):
    """``--version``: the installed package's version, looked up only when asked."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, help="show the version and exit")

    def __call__(self, parser: argparse.ArgumentParser, *args: Any, **kwargs: Any) -> None:
        from acp_server.version import installed_version

        sys.stdout.write(f"{parser.prog} {installed_version()}\n")
        parser.exit()


def _renderer(choice: str, out: Any = None) -> Renderer:
    from .render import Renderer

    color = {"always": True, "never": False}.get(choice)
    return Renderer(out, color=color)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``acp-harness``; returns the exit status."""
    opts, agent = split_argv(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(opts)
    if args.command == "proxy":
        return _proxy(args, agent)
    if args.command == "check" and args.list:
        try:
            return print_list(_renderer(args.color))
        except BrokenPipeError:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 0
    if args.demo and agent:
        print_error("give either --demo or an agent command after '--', not both")
        return 2
    if args.command == "check" and not agent and not args.demo:
        print_error(
            "no agent command: put it after '--' (acp-harness check -- my-agent --stdio), "
            "or pass --demo to certify our own server with its demo model"
        )
        return 2
    if args.command == "run" and args.permissions is None:
        # Auto-approving is only safe for our own offline demo; a user's agent may run
        # shell commands or write files, so ask the way an editor would.
        args.permissions = "ask" if agent else "allow"
    agent = agent or default_agent()
    prompts: list[str] = []
    if args.command == "run":
        args.cwd = os.path.abspath(args.cwd or os.getcwd())
        try:
            prompts = load_script(args.script) if args.script else args.prompt
        except (OSError, ValueError) as exc:  # tomllib.TOMLDecodeError is a ValueError.
            print_error(f"cannot read --script: {exc}")
            return 2
    import anyio

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


def _proxy(args: argparse.Namespace, agent: list[str]) -> int:
    from .proxy import run_proxy  # only the proxy needs its threads and subprocess
    from .schema import SchemaValidator

    if not agent:
        print_error("proxy needs the agent command after '--'")
        return 2
    log = open(args.log, "a", encoding="utf-8") if args.log else None
    try:
        schema = SchemaValidator(args.schema)
        return run_proxy(agent, log=log, jsonl=args.format == "jsonl", schema=schema)
    finally:
        if log is not None:
            log.close()


def print_error(text: str) -> None:
    """An error on stderr."""
    from .render import Renderer

    Renderer(sys.stderr, color=False).error(text)


async def _check(args: argparse.Namespace, agent: list[str]) -> int:
    return await run_check_command(args, agent, _renderer(args.color))


async def _run(args: argparse.Namespace, agent: list[str], prompts: list[str]) -> int:
    import anyio

    from .driver import AcpHarness

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
            if args.progress > 0:
                tg.start_soon(_report_waiting, harness, out, args.progress)
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
    from .errors import HarnessError, HarnessTimeout

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


async def _report_waiting(h: AcpHarness, out: Renderer, every: float) -> None:
    """While a request goes unanswered and the agent sends nothing, say what we wait for."""
    import anyio

    while True:
        await anyio.sleep(every)
        silent = h.now() - h.last_received
        waiting = [(m, age) for m, age in h.waiting_on() if age >= every]
        if waiting and silent >= every:
            method, age = max(waiting, key=lambda w: w[1])
            out.note(
                f"… waiting for the agent's answer to {method} ({age:.0f}s so far, nothing "
                f"received for {silent:.0f}s; gives up after --timeout {h.timeout:g}s)"
            )


class _Interrupts:
    """First Ctrl-C cancels the running turn; a second one (or one when idle) quits."""

    def __init__(self) -> None:
        self.cancelled = False
        self.quit = False

    async def watch(self, h: AcpHarness, scope: anyio.CancelScope, out: Renderer) -> None:
        import anyio

        from agentica import procs

        if procs.is_windows():  # No signal receiver there: Ctrl-C interrupts at once.
            return
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
