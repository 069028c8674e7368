"""Settings of ``agentica chat`` / ``agentica run`` and the agent they drive.

Precedence, highest first, as for the ACP server: flags > environment > the config file
> defaults. The config file is the server's (``$AGENTICA_CONFIG``, else
``$XDG_CONFIG_HOME/agentica/acp.toml``); its keys ``model`` (or ``model_provider`` +
``model_name``), ``mode``, ``max_turns``, ``models``, ``api_key``, ``base_url``,
``model_timeout`` and ``context_window`` are read, the others ignored.

agentica 1.5's flags are accepted beside the new spellings: ``--model_provider``,
``--model_name``, ``--base_url``, ``--api_key``, ``--work_dir``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agentica._records import record
from agentica.modes import DEFAULT_MODE, MODE_IDS

if TYPE_CHECKING:
    import argparse

    from agentica.deep_agent import DeepAgent
    from agentica.messages import Message
    from agentica.models.base import Model
    from agentica.tools.base import Approver

DEFAULT_CONTEXT_WINDOW = 128_000
"""Tokens assumed for a model that does not report its context window (as the server)."""


class SettingsError(ValueError):
    """A flag, variable or config value is unusable (the message says which)."""


@record(frozen=False, slots=False)
class Settings:
    """What one ``agentica chat`` / ``agentica run`` works with."""

    model: str
    mode: str = DEFAULT_MODE
    cwd: str = field(default_factory=os.getcwd)
    max_turns: int | None = None
    models: list[str] = field(default_factory=list)
    """Models offered by ``/model`` besides the current one (config ``models``)."""
    api_key: str | None = field(default=None, repr=False)
    base_url: str | None = None
    model_timeout: float | None = None
    context_window: int = DEFAULT_CONTEXT_WINDOW
    model_from_flag: bool = False
    """The model was chosen on the command line (it beats a resumed session's)."""

    def make_model(self, spec: str | None = None) -> Model:
        """The model ``spec`` (default: ``self.model``) with the key and endpoint given as
        flags or in the config file (passed to the client, never exported)."""
        from agentica.models.registry import get_model

        overrides = {}
        if self.api_key:
            overrides["OPENAI_API_KEY"] = self.api_key
        if self.base_url:
            overrides["OPENAI_BASE_URL"] = self.base_url
        options: dict[str, Any] = {}
        if self.model_timeout:
            options = {"timeout": self.model_timeout, "max_retries": 0}
        return get_model(spec or self.model, env_overrides=overrides or None, **options)


def add_common_flags(parser: argparse.ArgumentParser) -> None:
    """The flags ``chat`` and ``run`` share (1.5's spellings too)."""
    add = parser.add_argument
    add("--model", "-m", help="model spec, e.g. demo or deepseek/deepseek-chat "
        "(env AGENTICA_MODEL; default: the config file's, else OpenAI with OPENAI_API_KEY, "
        "else demo)")
    add("--model_provider", "--model-provider", dest="model_provider", help=_suppress())
    add("--model_name", "--model-name", dest="model_name", help=_suppress())
    add("--mode", choices=MODE_IDS, help="permission mode (env AGENTICA_MODE)")
    add("--cwd", "--work_dir", "--work-dir", dest="cwd", metavar="DIR",
        help="the project directory the agent works in (default: the current one)")
    add("--max-turns", "--max_turns", dest="max_turns", type=int, metavar="N",
        help="at most N model requests per prompt (default 50)")
    add("--base-url", "--base_url", dest="base_url", metavar="URL",
        help="OpenAI-compatible endpoint (env OPENAI_BASE_URL)")
    add("--api-key", "--api_key", dest="api_key", metavar="KEY", help="API key")


def _suppress() -> str:
    import argparse

    return argparse.SUPPRESS


def config_path(environ: Mapping[str, str] | None = None) -> Path:
    """``$AGENTICA_CONFIG``, else ``$XDG_CONFIG_HOME/agentica/acp.toml`` (the server's)."""
    env = os.environ if environ is None else environ
    if env.get("AGENTICA_CONFIG"):
        return Path(env["AGENTICA_CONFIG"]).expanduser()
    base = env.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "agentica" / "acp.toml"


def read_config(path: Path) -> dict[str, Any]:
    """The config file's values (empty when it does not exist)."""
    if not path.is_file():
        return {}
    import tomllib

    try:
        with path.open("rb") as f:
            values = tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise SettingsError(f"cannot read config file {path}: {e}") from None
    provider, name = values.pop("model_provider", None), values.pop("model_name", None)
    if (provider or name) and "model" not in values:
        values["model"] = f"{provider}/{name}" if provider and name else provider or name
    return values


def resolve(
    args: argparse.Namespace, environ: Mapping[str, str] | None = None
) -> Settings:
    """The settings from parsed flags, the environment and the config file."""
    env = os.environ if environ is None else environ
    path = config_path(env)
    file = read_config(path)
    flag_model = args.model
    if not flag_model and (args.model_provider or args.model_name):
        provider, name = args.model_provider, args.model_name
        flag_model = f"{provider}/{name}" if provider and name else provider or name
    api_key = args.api_key or _text(file, "api_key", path)
    model = flag_model or env.get("AGENTICA_MODEL") or _text(file, "model", path)
    if not model:
        from agentica.models.registry import default_model_spec

        model = default_model_spec({"OPENAI_API_KEY": api_key or env.get("OPENAI_API_KEY", "")})
    mode = args.mode or env.get("AGENTICA_MODE") or _text(file, "mode", path) or DEFAULT_MODE
    if mode not in MODE_IDS:
        raise SettingsError(f"unknown mode {mode!r}; available modes: {', '.join(MODE_IDS)}")
    cwd = os.path.abspath(os.path.expanduser(args.cwd or os.getcwd()))
    if not os.path.isdir(cwd):
        raise SettingsError(f"--cwd {args.cwd!r} is not a directory")
    models = file.get("models") or env.get("AGENTICA_MODELS", "").split(",")
    return Settings(
        model=model.strip(),
        mode=mode,
        cwd=cwd,
        max_turns=args.max_turns or _number(env.get("AGENTICA_MAX_TURNS") or file.get(
            "max_turns"), "max_turns", int),
        models=[str(m).strip() for m in models if str(m).strip()],
        api_key=api_key,
        base_url=args.base_url or _text(file, "base_url", path),
        model_timeout=_number(env.get("AGENTICA_MODEL_TIMEOUT") or file.get("model_timeout"),
                              "model_timeout", float),
        context_window=_number(file.get("context_window"), "context_window", int)
        or DEFAULT_CONTEXT_WINDOW,
        model_from_flag=bool(flag_model),
    )


def _text(values: Mapping[str, Any], key: str, path: Path) -> str | None:
    value = values.get(key)
    if value is None or isinstance(value, str):
        return value or None
    raise SettingsError(f"{key} in config file {path} must be a string, got {value!r}")


def _number(value: Any, key: str, kind: type[int] | type[float]) -> Any:
    if value in (None, ""):
        return None
    try:
        number = kind(value)
    except (TypeError, ValueError):
        raise SettingsError(f"{key} must be a number, got {value!r}") from None
    if number <= 0:
        raise SettingsError(f"{key} must be positive, got {value!r}")
    return number


def instructions_for(cwd: str) -> Any:
    """The agent's system prompt: DeepAgent's, then the project's ``AGENTS.md`` files
    (``agentica.commands.project_instructions``), read again at every run."""
    from agentica.deep_agent import DEEP_AGENT_INSTRUCTIONS, DEEP_AGENT_TASK_INSTRUCTIONS

    base = (
        f"{DEEP_AGENT_INSTRUCTIONS}\n{DEEP_AGENT_TASK_INSTRUCTIONS}\n\n"
        f"The project directory is {cwd}."
    )

    def instructions() -> str:
        from agentica.commands import project_instructions

        project = project_instructions(cwd)
        return f"{base}\n\n{project}" if project else base

    return instructions


def build_agent(
    settings: Settings,
    *,
    model: Model,
    approver: Approver | None,
    history: Sequence[Message] = (),
    session_id: str | None = None,
) -> DeepAgent:
    """The ``DeepAgent`` of a chat or a run, working in ``settings.cwd``."""
    from agentica.deep_agent import DeepAgent

    return DeepAgent(
        name="agentica",
        model=model,
        work_dir=settings.cwd,
        instructions=instructions_for(settings.cwd),
        approver=approver,
        max_turns=settings.max_turns or 50,
        history=history,
        session_id=session_id,
    )


__all__ = [
    "DEFAULT_CONTEXT_WINDOW",
    "Settings",
    "SettingsError",
    "add_common_flags",
    "build_agent",
    "config_path",
    "instructions_for",
    "read_config",
    "resolve",
]
