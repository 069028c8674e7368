"""The ``agentica`` command: dispatches to its subcommands.

``agentica acp`` serves the Agent Client Protocol on stdin/stdout (the editor command);
``agentica harness`` runs the headless ACP harness. Subcommands are imported only when
chosen, so ``agentica acp`` starts as fast as ``agentica-acp``.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

__all__ = ["main"]

USAGE = """\
usage: agentica <command> [options]

An async-first Python agent framework.

commands:
  acp        serve the Agent Client Protocol on stdin/stdout (for editors:
             Zed, JetBrains, Neovim, Emacs, ...); see `agentica acp --help`
  harness    drive an ACP agent headlessly and check its answers;
             see `agentica harness --help`

options:
  -h, --help     show this help and exit
  --version      show the version and exit
"""


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``agentica`` with ``argv`` (default ``sys.argv[1:]``); returns the exit status."""
    args = list(sys.argv[1:] if argv is None else argv)
    command = args[0] if args else None
    if command == "acp":
        from acp_server.__main__ import main as acp_main

        return acp_main(args[1:], prog="agentica acp")
    if command == "harness":
        return _run_harness(args[1:])
    if command in ("-h", "--help"):
        sys.stdout.write(USAGE)
        return 0
    if command == "--version":
        from importlib.metadata import PackageNotFoundError, version

        try:
            found = version("agentica")
        except PackageNotFoundError:
            found = "unknown"
        sys.stdout.write(f"agentica {found}\n")
        return 0
    problem = f"unknown command {command!r}" if command else "a command is required"
    sys.stderr.write(f"{USAGE}\nagentica: error: {problem}\n")
    return 2


def _run_harness(args: list[str]) -> int:
    import inspect

    from acp_server.harness.cli import main as harness_main

    if inspect.signature(harness_main).parameters:
        return harness_main(args) or 0
    sys.argv = ["agentica harness", *args]
    return harness_main() or 0


if __name__ == "__main__":
    sys.exit(main())
