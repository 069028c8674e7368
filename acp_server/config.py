"""Server settings from command-line flags, environment variables and a TOML file.

Precedence, highest first: flags > environment > config file > defaults.

| setting           | flag                                   | environment               |
|-------------------|----------------------------------------|---------------------------|
| model             | ``--model`` (``--model_provider``,     | ``AGENTICA_MODEL``        |
|                   | ``--model_name``)                      |                           |
| log_level         | ``--log-level``                        | ``AGENTICA_LOG_LEVEL``    |
| log_file          | ``--log-file``                         | ``AGENTICA_LOG_FILE``     |
| request_timeout   | ``--request-timeout``                  | ``AGENTICA_REQUEST_TIMEOUT`` |
| model_timeout     | ``--model-timeout``                    | ``AGENTICA_MODEL_TIMEOUT``|
| max_turns         | ``--max-turns``                        | ``AGENTICA_MAX_TURNS``    |
| turn_token_limit  | ``--turn-token-limit``                 | ``AGENTICA_TURN_TOKEN_LIMIT`` |
| turn_request_limit| ``--turn-request-limit``               | ``AGENTICA_TURN_REQUEST_LIMIT`` |
| work_dir          | ``--work-dir`` / ``--work_dir``        | ``AGENTICA_WORK_DIR``     |
| base_url          | ``--base-url`` / ``--base_url``        | ``OPENAI_BASE_URL``       |
| api_key           | ``--api-key`` / ``--api_key``          | ``OPENAI_API_KEY``        |
| allow_outside     | ``--allow-outside``                    | ``AGENTICA_ALLOW_OUTSIDE``|
| mode              | ``--mode``                             | ``AGENTICA_MODE``         |
| context_window    | ``--context-window``                   | ``AGENTICA_CONTEXT_WINDOW`` |
| models            | (config file: a list)                  | ``AGENTICA_MODELS`` (a,b) |

The config file is ``--config PATH``, else ``$AGENTICA_CONFIG``, else
``$XDG_CONFIG_HOME/agentica/acp.toml`` (``~/.config/agentica/acp.toml``); a missing
default file is fine, a missing explicit one is an error. It holds the same settings as
top-level keys (``model = "deepseek/deepseek-chat"``, ``max_turns = 30``, …); keys we do
not know are kept in ``ServerConfig.extra``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from acp_server.modes import DEFAULT_MODE, MODE_IDS
from acp_server.quickflags import LEVELS as _LEVELS
from acp_server.quickflags import quick_flags

if TYPE_CHECKING:
    import argparse

__all__ = [
    "ConfigError",
    "ServerConfig",
    "build_parser",
    "default_config_path",
    "load_config",
    "quick_flags",
]

_ENV = {
    "model": "AGENTICA_MODEL",
    "log_level": "AGENTICA_LOG_LEVEL",
    "log_file": "AGENTICA_LOG_FILE",
    "request_timeout": "AGENTICA_REQUEST_TIMEOUT",
    "model_timeout": "AGENTICA_MODEL_TIMEOUT",
    "max_turns": "AGENTICA_MAX_TURNS",
    "turn_token_limit": "AGENTICA_TURN_TOKEN_LIMIT",
    "turn_request_limit": "AGENTICA_TURN_REQUEST_LIMIT",
    "work_dir": "AGENTICA_WORK_DIR",
    "base_url": "OPENAI_BASE_URL",
    "api_key": "OPENAI_API_KEY",
    "allow_outside": "AGENTICA_ALLOW_OUTSIDE",
    "mode": "AGENTICA_MODE",
    "context_window": "AGENTICA_CONTEXT_WINDOW",
    "models": "AGENTICA_MODELS",
}

DEFAULT_CONTEXT_WINDOW = 128_000
"""Tokens assumed for a model that does not report its context window."""


class ConfigError(ValueError):
    """A setting has an unusable value, or the config file cannot be read."""


@dataclass(kw_only=True)
class ServerConfig:
    """Settings of one ACP server process."""

    model: str = "demo"
    """Spec for ``get_model`` ("demo", "provider/model"; "a,b": a with b as fallback)."""
    log_level: str = "WARNING"
    """Logging level name for the server's logs (stderr or ``log_file``)."""
    log_file: str | None = None
    """Append logs to this file instead of stderr."""
    request_timeout: float | None = None
    """Seconds to wait for the client to answer our requests (None: wait forever)."""
    model_timeout: float | None = None
    """Seconds to wait for the model's answer (None: the model's own default, 120 s)."""
    max_turns: int = 50
    """Cap on model requests within one prompt turn."""
    turn_token_limit: int | None = None
    """Tokens one prompt turn may use (ends it with ``max_tokens``; None/0: no limit)."""
    turn_request_limit: int | None = None
    """Model requests one prompt turn may make (ends it with ``max_turn_requests``)."""
    work_dir: str | None = None
    """Default working directory (ACP ``session/new`` normally sends ``cwd``)."""
    base_url: str | None = None
    """OpenAI-compatible endpoint (``OPENAI_BASE_URL``), passed to the model client."""
    api_key: str | None = field(default=None, repr=False)
    """API key (``OPENAI_API_KEY``), passed to the model client: never exported into the
    environment, so commands the agent runs do not see it."""
    allow_outside: bool = False
    """Let file tools reach paths outside the session's roots."""
    mode: str = DEFAULT_MODE
    """The permission mode new sessions start in (``acp_server.modes``: ask, accept_edits,
    read_only, full_access); the user can switch it per session in the editor."""
    mcp_servers: list[dict[str, Any]] = field(default_factory=list)
    """MCP servers for every session (config file only: ``mcpServers`` or ``mcp_servers``,
    normalised by ``acp_server.mcp_tools.parse_servers``); the editor's are added."""
    mcp_startup_timeout: float = 30.0
    """Seconds the first prompt of a session waits for its MCP servers to start."""
    context_window: int = DEFAULT_CONTEXT_WINDOW
    """The context window (tokens) of a model that does not report one, for the usage
    shown to the user (``usage_update``)."""
    models: list[str] = field(default_factory=list)
    """Model specs the user can switch to (the ``model`` config option, ``/model``)."""
    config_file: str | None = None
    """The TOML file these settings were read from, if any."""
    login: dict[str, Any] = field(default_factory=dict, repr=False)
    """The file's ``[login]`` table, written by ``agentica-acp --login`` (``acp_server.auth``)."""
    sources: dict[str, str] = field(default_factory=dict, repr=False, compare=False)
    """Where each setting came from: ``command line``, ``env VAR``, the file or ``default``."""
    extra: dict[str, Any] = field(default_factory=dict)
    """Config-file keys this dataclass does not know (for other components)."""

    @property
    def client_timeout(self) -> float | None:
        """Alias of ``request_timeout``."""
        return self.request_timeout


def default_config_path(environ: Mapping[str, str] | None = None) -> Path:
    """``$AGENTICA_CONFIG``, else ``$XDG_CONFIG_HOME/agentica/acp.toml``."""
    environ = os.environ if environ is None else environ
    if environ.get("AGENTICA_CONFIG"):
        return Path(environ["AGENTICA_CONFIG"]).expanduser()
    base = environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "agentica" / "acp.toml"


def build_parser(prog: str = "agentica-acp") -> argparse.ArgumentParser:
    """The command-line parser for the ACP server."""
    import argparse  # Not at module level: most starts take ``quick_flags()``'s path.

    class _VersionAction(argparse.Action):
        """``--version``, looking the version up only when asked (keeps startup fast)."""

        def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
            super().__init__(option_strings, dest, nargs=0, help="show the version and exit")

        def __call__(self, parser: argparse.ArgumentParser, *args: Any, **kwargs: Any) -> None:
            from acp_server.version import installed_version

            sys.stdout.write(f"{parser.prog} {installed_version()}\n")
            parser.exit()

    parser = argparse.ArgumentParser(
        prog=prog,
        description="Serve the Agent Client Protocol (ACP v1) on stdin/stdout. "
        "Editors launch this command; logs go to stderr.",
        epilog=f"Config file: --config, $AGENTICA_CONFIG or {default_config_path()}. "
        "Precedence: flags > environment > config file > defaults. "
        "Sign in: --login; check the setup: --check.",
    )
    add = parser.add_argument
    add(
        "--model",
        help='model spec, e.g. "demo" or "deepseek/deepseek-chat" '
        "(env AGENTICA_MODEL; default: OpenAI's gpt-4o-mini when an OpenAI key is set, "
        "else demo)",
    )
    add("--model_provider", "--model-provider", dest="model_provider", help=argparse.SUPPRESS)
    add("--model_name", "--model-name", dest="model_name", help=argparse.SUPPRESS)
    add(
        "--log-level",
        "--log_level",
        dest="log_level",
        type=str.upper,
        choices=_LEVELS,
        help="log level (env AGENTICA_LOG_LEVEL; default WARNING)",
    )
    add("--log-file", "--log_file", dest="log_file", help="write logs to this file, not stderr")
    add("--config", dest="config_file", metavar="PATH", help="TOML config file")
    add(
        "--request-timeout",
        dest="request_timeout",
        metavar="SECONDS",
        help="how long to wait for the editor to answer our requests (0: forever)",
    )
    add(
        "--model-timeout",
        "--model_timeout",
        dest="model_timeout",
        metavar="SECONDS",
        help="how long to wait for the model to answer before giving up "
        "(env AGENTICA_MODEL_TIMEOUT; default 120)",
    )
    add("--max-turns", "--max_turns", dest="max_turns", metavar="N",
        help="cap on model requests per prompt turn (default 50)")
    for flag, what in (("token", "tokens"), ("request", "model requests")):
        add(f"--turn-{flag}-limit", f"--turn_{flag}_limit", dest=f"turn_{flag}_limit",
            metavar="N", help=f"{what} one prompt turn may use (0: no limit, the default)")
    add(
        "--work-dir", "--work_dir", dest="work_dir", metavar="DIR", help="default working directory"
    )
    add("--base-url", "--base_url", dest="base_url", metavar="URL",
        help="OpenAI-compatible endpoint (env OPENAI_BASE_URL)")
    add(
        "--api-key", "--api_key", dest="api_key", metavar="KEY", help="API key (env OPENAI_API_KEY)"
    )
    add(
        "--allow-outside",
        dest="allow_outside",
        action="store_true",
        default=None,
        help="let file tools reach paths outside the session's directories",
    )
    add(
        "--mode",
        dest="mode",
        metavar="MODE",
        help=f"permission mode new sessions start in: {', '.join(MODE_IDS)} "
        "(env AGENTICA_MODE; default ask)",
    )
    add(
        "--context-window",
        "--context_window",
        dest="context_window",
        metavar="TOKENS",
        help="context window of a model that does not report one "
        f"(env AGENTICA_CONTEXT_WINDOW; default {DEFAULT_CONTEXT_WINDOW})",
    )
    add("--version", action=_VersionAction)
    return parser


def load_config(
    argv: Sequence[str] | None = None,
    environ: Mapping[str, str] | None = None,
    *,
    prog: str = "agentica-acp",
) -> ServerConfig:
    """Resolve the settings from ``argv`` (flags), ``environ`` and the config file.

    Raises:
        SystemExit: For ``--help``, ``--version`` and unusable flags (argparse's behaviour).
        ConfigError: An unusable value in the environment or the config file.
    """
    environ = os.environ if environ is None else environ
    argv = sys.argv[1:] if argv is None else list(argv)
    flags = quick_flags(argv)
    if flags is None:
        args = build_parser(prog).parse_args(argv)
        flags = {k: v for k, v in vars(args).items() if v is not None}
    required = "config_file" in flags
    provider, name = flags.pop("model_provider", None), flags.pop("model_name", None)
    if (provider or name) and "model" not in flags:
        flags["model"] = f"{provider}/{name}" if provider and name else provider or name

    path = Path(flags.pop("config_file")).expanduser() if "config_file" in flags else None
    path = path or default_config_path(environ)
    file_values = _read_toml(path, required=required)
    login = file_values.pop("login", {})  # Checked where it is used (``acp_server.auth``).
    env_values = {key: environ[var] for key, var in _ENV.items() if environ.get(var)}

    known = {f.name for f in fields(ServerConfig)} - {"extra", "config_file", "sources"}
    extra = {k: v for k, v in file_values.items() if k not in known}
    merged: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for values, origin in (
        ({k: v for k, v in file_values.items() if k in known}, f"config file {path}"),
        (env_values, "environment"),
        (flags, "command line"),
    ):
        try:
            merged.update({k: _coerce(k, v) for k, v in values.items()})
        except ConfigError as exc:
            raise ConfigError(f"{exc} (from the {origin})") from None
        sources |= {k: f"env {_ENV[k]}" if values is env_values else origin for k in values}
    if not merged.get("model"):
        # No model anywhere: the same default as ``Agent()`` (agentica's one rule).
        from agentica.models.registry import default_model_spec

        merged["model"] = default_model_spec({"OPENAI_API_KEY": merged.get("api_key") or ""})
        sources["model"] = "default"
    if path.is_file():
        merged["config_file"] = str(path)
    return ServerConfig(**merged, extra=extra, sources=sources, login=login)


def _read_toml(path: Path, *, required: bool) -> dict[str, Any]:
    if not path.is_file():
        if required:
            raise ConfigError(f"config file {path} does not exist")
        return {}
    import tomllib

    try:
        with path.open("rb") as f:
            values = tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read config file {path}: {exc}") from None
    provider, name = values.pop("model_provider", None), values.pop("model_name", None)
    if (provider or name) and "model" not in values:
        values["model"] = f"{provider}/{name}" if provider and name else provider or name
    if "mcpServers" in values:  # The common JSON shape's key.
        values["mcp_servers"] = values.pop("mcpServers")
    return values


def _coerce(key: str, value: Any) -> Any:
    """Check and convert one setting (strings from flags/env, typed values from TOML)."""
    if key == "mcp_servers":
        from acp_server.mcp_tools import McpConfigError, parse_servers

        try:
            return parse_servers(value)
        except McpConfigError as exc:
            raise ConfigError(str(exc)) from None
    if key == "log_level":
        level = str(value).upper()
        if level not in _LEVELS:
            raise ConfigError(f"log_level must be one of {', '.join(_LEVELS)}, got {value!r}")
        return level
    if key == "allow_outside":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text not in ("1", "true", "yes", "on", "0", "false", "no", "off"):
            raise ConfigError(f"allow_outside must be true or false, got {value!r}")
        return text in ("1", "true", "yes", "on")
    if key == "mode":
        mode = str(value).strip().lower().replace("-", "_")
        if not isinstance(value, str) or mode not in MODE_IDS:
            raise ConfigError(f"mode must be one of {', '.join(MODE_IDS)}, got {value!r}")
        return mode
    if key == "mcp_startup_timeout":
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise ConfigError(f"{key} must be a number of seconds, got {value!r}")
        try:
            seconds = float(value)
        except ValueError:
            raise ConfigError(f"{key} must be a number of seconds, got {value!r}") from None
        if not 0 < seconds < float("inf"):
            raise ConfigError(f"{key} must be > 0, got {value!r}")
        return seconds
    if key in ("request_timeout", "model_timeout"):
        if isinstance(value, str) and value.strip().lower() in ("", "0", "none", "off"):
            return None
        try:
            if isinstance(value, bool):
                raise TypeError
            seconds = float(value)
        except (TypeError, ValueError):
            raise ConfigError(f"{key} must be a number of seconds, got {value!r}") from None
        if not seconds >= 0 or seconds == float("inf"):
            raise ConfigError(f"{key} must be >= 0 (a finite number of seconds), got {value!r}")
        return seconds or None
    if key == "models":
        items = value.split(",") if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(m, str) for m in items):
            raise ConfigError(f"models must be a list of model names, got {value!r}")
        return [m.strip() for m in items if m.strip()]
    if key == "model" and isinstance(value, list):  # Fallbacks, as one spec: "a,b".
        return ",".join(_coerce("models", value))
    if key == "context_window":
        try:
            tokens = int(value)
        except (TypeError, ValueError):
            raise ConfigError(f"context_window must be an integer, got {value!r}") from None
        if tokens < 1 or isinstance(value, bool | float):
            raise ConfigError(f"context_window must be an integer >= 1, got {value!r}")
        return tokens
    limit = key in ("turn_token_limit", "turn_request_limit")
    if limit and str(value).strip().lower() in ("", "0", "none", "off"):
        return None
    if key == "max_turns" or limit:
        try:
            turns = int(value)
        except (TypeError, ValueError):
            raise ConfigError(f"{key} must be an integer, got {value!r}") from None
        if turns < 1 or isinstance(value, bool | float):
            raise ConfigError(f"{key} must be an integer >= 1, got {value!r}")
        return turns
    if not isinstance(value, str):
        raise ConfigError(f"{key} must be a string, got {value!r}")
    return value
