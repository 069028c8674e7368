"""The ``agentica`` command: ``chat``, ``run`` and subcommands registered as entry points.

``agentica`` alone on a terminal opens ``agentica chat``; ``agentica --query "..."``
(agentica 1.5's spelling) is ``agentica run "..."``, and other leading flags
(``agentica --model x``) go to ``chat``. ``chat`` and ``run`` are agentica's own
(``agentica.terminal``); the others are found as below.

A subcommand is an entry point in the ``agentica.commands`` group, so packages built on
agentica add commands without agentica importing them: ``agentica acp`` (the editor
command) and ``agentica harness`` are registered by the ACP server's package. An entry
point names a ``main(argv)`` function; it may also take ``prog=`` (the name to show in
its usage) and return an exit status.

Only the chosen command is loaded. Entry points are read straight from the installed
packages' metadata files on ``sys.path`` (``importlib.metadata`` alone costs ~25 ms to
import, and ``agentica acp`` is started by editors on every session), falling back to
``importlib.metadata`` when the fast scan finds nothing.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["COMMAND_GROUP", "available_commands", "find_command", "installed_version", "main"]

COMMAND_GROUP = "agentica.commands"
"""The entry-point group the ``agentica`` command reads its subcommands from."""

BUILTIN_COMMANDS = {
    "chat": "agentica.terminal.chat:main",
    "run": "agentica.terminal.run:main",
}
"""agentica's own subcommands (no metadata scan needed to find them)."""

USAGE = """\
usage: agentica [<command>] [options]

An async-first Python agent framework. `agentica` alone opens a chat on a terminal;
`agentica --query "..."` is `agentica run "..."`.

commands:
{commands}

  Run `agentica <command> --help` for a command's options.

options:
  -h, --help     show this help and exit
  --version      show the version and exit
"""


def _metadata_dirs() -> list[str]:
    """Installed packages' metadata dirs on ``sys.path`` (the first one of each package)."""
    seen: dict[str, str] = {}
    for entry in sys.path:
        base = entry or "."
        try:
            names = os.listdir(base)
        except OSError:
            continue
        for name in names:
            stem, dot, suffix = name.rpartition(".")
            if not dot or suffix not in ("dist-info", "egg-info"):
                continue
            dist = stem.split("-", 1)[0].lower().replace("-", "_").replace(".", "_")
            seen.setdefault(dist, os.path.join(base, name))
    return list(seen.values())


def _scan_entry_points(group: str) -> dict[str, str]:
    """``name -> "module:attr"`` of ``group``, read from ``entry_points.txt`` files."""
    found: dict[str, str] = {}
    header = f"[{group}]"
    for directory in _metadata_dirs():
        try:
            with open(os.path.join(directory, "entry_points.txt"), encoding="utf-8") as f:
                lines = f.read().splitlines()
        except OSError:
            continue
        inside = False
        for raw in lines:
            line = raw.strip()
            if line.startswith("["):
                inside = line == header
            elif inside and "=" in line and not line.startswith(("#", ";")):
                name, _, value = line.partition("=")
                found.setdefault(name.strip(), value.strip())
    return found


def _entry_points(group: str) -> dict[str, str]:
    found = _scan_entry_points(group)
    if found:
        return found
    from importlib.metadata import entry_points

    return {ep.name: ep.value for ep in entry_points(group=group)}


def installed_version() -> str:
    """The installed ``agentica`` version (``METADATA`` read directly: fast), or "unknown"."""
    for directory in _metadata_dirs():
        base = os.path.basename(directory).lower()
        if not (base.startswith("agentica-") or base == "agentica.egg-info"):
            continue  # (``agentica.egg-info``: a source checkout installed with -e.)
        meta = "METADATA" if directory.endswith(".dist-info") else "PKG-INFO"
        try:
            with open(os.path.join(directory, meta), encoding="utf-8") as f:
                for line in f:
                    if line.startswith("Version:"):
                        return line.partition(":")[2].strip()
        except OSError:
            pass
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("agentica")
    except PackageNotFoundError:
        return "unknown"


def available_commands() -> list[str]:
    """The names of the registered subcommands (agentica's own too), sorted."""
    return sorted({*BUILTIN_COMMANDS, *_entry_points(COMMAND_GROUP)})


def find_command(name: str) -> Callable[..., Any] | None:
    """Load the subcommand ``name`` (only that one); ``None`` when none is registered."""
    target = BUILTIN_COMMANDS.get(name) or _entry_points(COMMAND_GROUP).get(name)
    if target is None:
        return None
    import importlib

    module, _, attr = target.partition(":")
    value: Any = importlib.import_module(module.strip())
    for part in attr.split("[", 1)[0].strip().split("."):
        if part:
            value = getattr(value, part)
    return value


def _run(command: Callable[..., Any], name: str, args: list[str]) -> int:
    """Call a command's ``main``: with ``argv`` (and ``prog=`` when it takes one)."""
    code = getattr(command, "__code__", None)
    if code is None:
        return command(args) or 0
    params = code.co_varnames[: code.co_argcount + code.co_kwonlyargcount]
    if code.co_argcount == 0 and not code.co_flags & 0x04:  # main(): reads sys.argv
        sys.argv = [f"agentica {name}", *args]
        return command() or 0
    if "prog" in params:
        return command(args, prog=f"agentica {name}") or 0
    return command(args) or 0


def _usage(commands: list[str]) -> str:
    listed = "\n".join(f"  {name}" for name in commands) or "  (none installed)"
    return USAGE.format(commands=listed)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``agentica`` with ``argv`` (default ``sys.argv[1:]``); returns the exit status."""
    args = list(sys.argv[1:] if argv is None else argv)
    command = args[0] if args else None
    if command in ("-h", "--help"):
        sys.stdout.write(_usage(available_commands()))
        return 0
    if command == "--version":
        sys.stdout.write(f"agentica {installed_version()}\n")
        return 0
    if command is None and sys.stdin.isatty() and sys.stdout.isatty():
        command, args = "chat", ["chat"]
    elif command is not None and command.startswith("-"):  # 1.5's flags, no subcommand.
        query = any(a in ("--query", "-q") or a.startswith("--query=") for a in args)
        command, args = ("run" if query else "chat"), ["run" if query else "chat", *args]
    if command == "run":
        from agentica import _startup

        _startup.pause()  # Resumed by ``run`` at its first event; released below.
        try:
            target = find_command(command)
            return _run(target, command, args[1:]) if target else 2
        finally:
            _startup.release()  # However run ended (usage errors, --help, failures).
    if command is not None and not command.startswith("-"):
        target = find_command(command)
        if target is not None:
            return _run(target, command, args[1:])
    commands = available_commands()
    available = ", ".join(commands) or "none installed"
    problem = (
        f"unknown command {command!r} (available: {available})"
        if command else f"a command is required (available: {available})"
    )
    sys.stderr.write(f"{_usage(commands)}\nagentica: error: {problem}\n")
    return 2


if __name__ == "__main__":
    sys.exit(main())
