"""The server's plain command lines, parsed without argparse (``quick_flags()``).

Importing argparse and building the parser cost several ms of the time an editor waits
for ``initialize``; ``acp_server.config.build_parser()`` stays the reference (a test keeps
these tables in step with it) and decides every command line this module declines.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
"""The accepted ``--log-level`` values."""

VALUE_FLAGS = {
    "--model": "model",
    "--model_provider": "model_provider",
    "--model-provider": "model_provider",
    "--model_name": "model_name",
    "--model-name": "model_name",
    "--log-level": "log_level",
    "--log_level": "log_level",
    "--log-file": "log_file",
    "--log_file": "log_file",
    "--config": "config_file",
    "--request-timeout": "request_timeout",
    "--model-timeout": "model_timeout",
    "--model_timeout": "model_timeout",
    "--max-turns": "max_turns",
    "--max_turns": "max_turns",
    "--turn-token-limit": "turn_token_limit",
    "--turn_token_limit": "turn_token_limit",
    "--turn-request-limit": "turn_request_limit",
    "--turn_request_limit": "turn_request_limit",
    "--work-dir": "work_dir",
    "--work_dir": "work_dir",
    "--base-url": "base_url",
    "--base_url": "base_url",
    "--api-key": "api_key",
    "--api_key": "api_key",
    "--mode": "mode",
    "--context-window": "context_window",
    "--context_window": "context_window",
}
"""``build_parser()``'s options taking one value, by option string (a test keeps them in step)."""
SWITCHES = {"--allow-outside": "allow_outside"}
"""Its ``store_true`` options."""


def quick_flags(argv: Sequence[str]) -> dict[str, Any] | None:
    """The flags ``build_parser().parse_args(argv)`` gives (those not None), without argparse.

    Only for plain command lines: whole option names, each value after ``=`` or as the
    next argument. Anything else (``--help``, ``--version``, abbreviations, positional
    arguments, a value that starts with ``-``, a bad ``--log-level``) is None: argparse
    decides, with its messages. Importing and building the parser cost several ms of
    the time an editor waits for ``initialize``.
    """
    flags: dict[str, Any] = {}
    i = 0
    while i < len(argv):
        arg = argv[i]
        name, eq, value = arg.partition("=")
        if name in SWITCHES and not eq:
            flags[SWITCHES[name]] = True
            i += 1
            continue
        dest = VALUE_FLAGS.get(name)
        if dest is None:
            return None
        if not eq:
            if i + 1 >= len(argv):
                return None
            value = argv[i + 1]
            if value.startswith("-"):
                return None  # argparse's rules for values like "-1" or "--x" are subtle.
            i += 1
        i += 1
        if dest == "log_level":
            value = value.upper()
            if value not in LEVELS:
                return None
        flags[dest] = value
    return flags


__all__ = ["LEVELS", "SWITCHES", "VALUE_FLAGS", "quick_flags"]
