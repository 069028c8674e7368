"""Sign-in from the editor: ACP ``authMethods``, ``authenticate`` and ``logout``.

When no model is configured at all (no ``--model``, no ``AGENTICA_MODEL``, no model in
the config file, no provider key such as ``OPENAI_API_KEY`` in the environment, nothing
stored by ``agentica-acp --login``), the server asks the editor to sign in instead of
silently answering with the offline demo:

- ``initialize`` advertises, in this order, a ``terminal`` method ``agentica-login`` (only
  when the client sent ``clientCapabilities.auth.terminal: true``; the client runs our
  command with ``--login``, ``acp_server.login``), an ``agent`` method ``agentica-key``
  ("I have set a key": the config file is read again; if it still holds no key the
  error says where to put one) and an ``agent`` method ``agentica-demo`` (the offline
  demo model, for this connection only: try it without a key), plus
  ``agentCapabilities.auth.logout``;
- until one of them succeeds, ``session/new``, ``session/load`` and ``session/resume``
  answer -32000 (acp-spec §11);
- ``logout`` removes the ``[login]`` table from the config file: the next ``session/new``
  needs a sign-in again. It is advertised while signing in is possible (nothing else
  configured the model).

The ``[login]`` table of the config file holds the model and the provider's variables
(``model = "deepseek/deepseek-chat"``, ``DEEPSEEK_API_KEY = "…"``, maybe
``DEEPSEEK_BASE_URL``); they reach the model client as arguments
(``acp_server.model_settings.credential_overrides``), never ``os.environ``, and never a
log line or an error message. This module imports only the standard library and
``acp_server``'s lightest modules: ``initialize`` is answered before anything heavy.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from acp_server.config import ServerConfig, default_config_path
from acp_server.errors import AUTH_REQUIRED, RpcError

logger = logging.getLogger(__name__)

LOGIN_METHOD = "agentica-login"
"""The ``terminal`` method: the client runs ``agentica-acp --login``."""
KEY_METHOD = "agentica-key"
"""The ``agent`` method: "I have set a key" (the config file is read again)."""
DEMO_METHOD = "agentica-demo"
"""The ``agent`` method: the offline demo model, for this connection."""

PROVIDER_KEY_ENVS = (
    "OPENAI_API_KEY",
    "ANTHROPIC_API_KEY",
    "DEEPSEEK_API_KEY",
    "MOONSHOT_API_KEY",
    "DASHSCOPE_API_KEY",
    "ZAI_API_KEY",
    "ZHIPUAI_API_KEY",
    "OPENROUTER_API_KEY",
)
"""Variables whose presence means the user configured a provider (kept in step with the
key variables of ``agentica.models.presets`` by a test; read without importing it)."""

GATED = frozenset({"session/new", "session/load", "session/resume"})
"""Requests that need a model: -32000 until the client signs in."""

_ENV_NAME = re.compile(r"[A-Z][A-Z0-9_]*")
_DEMO_CHOSEN = "the client chose the offline demo"


def is_demo(spec: str) -> bool:
    """Whether ``spec`` names the offline demo model (``agentica.models.registry``'s rule)."""
    spec = spec.strip()
    return spec.lower() in ("demo", "offline", "demo/demo") or spec.startswith("demo/")


def login_table(config: ServerConfig) -> dict[str, str]:
    """The usable part of the config file's ``[login]`` table: string values only."""
    table = config.login if isinstance(config.login, dict) else {}
    return {k: v for k, v in table.items() if isinstance(k, str) and isinstance(v, str) and v}


def login_variables(config: ServerConfig) -> dict[str, str]:
    """The provider variables stored by ``--login`` (``DEEPSEEK_API_KEY`` …)."""
    return {k: v for k, v in login_table(config).items() if _ENV_NAME.fullmatch(k)}


def apply_login(config: ServerConfig) -> None:
    """Use the model stored by ``--login`` when nothing else named one."""
    model = login_table(config).get("model")
    if model and config.sources.get("model") == "default" and login_variables(config):
        config.model = model
        config.sources["model"] = f"[login] in {config.config_file}"


def needs_sign_in(config: ServerConfig, environ: Mapping[str, str] | None = None) -> bool:
    """Whether no model is configured anywhere (see the module doc).

    Only ``load_config`` marks a defaulted model (``sources["model"] == "default"``): a
    ``ServerConfig`` built by hand (tests, embedding) never asks for a sign-in.
    """
    environ = os.environ if environ is None else environ
    return (
        config.sources.get("model") == "default"
        and is_demo(config.model)
        and not config.api_key
        and not any(environ.get(name) for name in PROVIDER_KEY_ENVS)
    )


def instructions(config: ServerConfig) -> str:
    """What to do to give the server a model, for an error message."""
    path = config.config_file or str(default_config_path())
    return (
        "No model is configured. Either run `agentica-acp --login` in a terminal (it stores "
        f"a provider key in {path}) and choose “I have set a key” again; or set the model "
        "and its key in the editor's settings for this agent (environment, e.g. "
        "AGENTICA_MODEL=deepseek/deepseek-chat and DEEPSEEK_API_KEY, or OPENAI_API_KEY) and "
        f"restart it; or put `model = \"…\"` in {path}; or choose “Use the offline demo "
        "model” to try it without a key."
    )


class SignIn:
    """The sign-in state of one server process (see the module doc).

    Args:
        config: The server settings; a successful sign-in changes its ``model`` (and
            ``login``) in place.
        enabled: False when sessions get their model elsewhere (a test's model factory).
        environ: The environment to look for provider keys in (default ``os.environ``).
    """

    def __init__(
        self,
        config: ServerConfig,
        *,
        enabled: bool = True,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.config = config
        self._environ = os.environ if environ is None else environ
        self.required = enabled and needs_sign_in(config, self._environ)
        self.logout_supported = enabled and (
            self.required or config.sources.get("model", "").startswith("[login]")
        )
        """Advertised once, at ``initialize``: the capability stays for the connection."""
        self._offered: set[str] = set()

    # --- initialize ----------------------------------------------------------------------

    def methods(self, client_capabilities: Any) -> list[dict[str, Any]]:
        """The ``authMethods`` for a client with these raw capabilities."""
        if not self.required:
            return []
        auth = client_capabilities.get("auth") if isinstance(client_capabilities, dict) else None
        terminal = isinstance(auth, dict) and auth.get("terminal") is True
        methods: list[dict[str, Any]] = []
        if terminal:
            methods.append(
                {
                    "type": "terminal",
                    "id": LOGIN_METHOD,
                    "name": "Sign in with an API key",
                    "description": "Pick a provider, paste its API key (not shown), test it "
                    "and store it in the agentica config file (owner-only permissions).",
                    "args": ["--login"],
                }
            )
        methods.append(
            {
                "id": KEY_METHOD,
                "name": "I have set a key",
                "description": "Read the config file again after `agentica-acp --login` ran in "
                "a terminal; otherwise says where to put a key.",
            }
        )
        methods.append(
            {
                "id": DEMO_METHOD,
                "name": "Use the offline demo model",
                "description": "Try agentica without a key: a scripted model, no network.",
            }
        )
        self._offered = {m["id"] for m in methods if m.get("type") != "terminal"}
        return methods

    def amend(self, result: dict[str, Any], client_capabilities: Any) -> dict[str, Any]:
        """The ``initialize`` result with our ``authMethods`` and ``auth.logout``."""
        result["authMethods"] = self.methods(client_capabilities)
        if self.logout_supported:
            result.setdefault("agentCapabilities", {})["auth"] = {"logout": {}}
        return result

    # --- requests ------------------------------------------------------------------------

    def check(self, method: str) -> None:
        """Raise -32000 for a request that needs a model while none is configured."""
        if self.required and method in GATED:
            raise RpcError(AUTH_REQUIRED, f"Authentication required: {instructions(self.config)}")

    def authenticate(self, params: Any) -> bool:
        """``authenticate``: True when the model changed (the caller builds sessions anew).

        Raises:
            RpcError: -32602 for a missing or unknown ``methodId`` (a terminal method
                included: the client must not send it); -32000 with the instructions when
                "I have set a key" finds no key.
        """
        method_id = params.get("methodId") if isinstance(params, dict) else None
        if not isinstance(method_id, str):
            raise RpcError.invalid_params("authenticate needs a string methodId")
        # Those offered at ``initialize``; after a logout with none offered, ours again.
        valid = self._offered or ({KEY_METHOD, DEMO_METHOD} if self.required else set())
        if method_id not in valid:
            known = ", ".join(sorted(self._offered)) or "none: no sign-in is needed"
            raise RpcError.invalid_params(
                f"unknown authentication method {method_id!r} (methods: {known})"
            )
        if method_id == DEMO_METHOD:
            changed = self.required or self.config.model != "demo"
            if changed:
                self.config.model = "demo"
                self.config.sources["model"] = _DEMO_CHOSEN
            self.required = False
            logger.info("signed in: the offline demo model")
            return changed
        chose_demo = self.config.sources.get("model") == _DEMO_CHOSEN
        if not self.required and not chose_demo:
            return False  # A model is configured already: nothing to do.
        if not self._reload():
            raise RpcError(AUTH_REQUIRED, f"Still no key: {instructions(self.config)}")
        self.required = False
        logger.info("signed in: model %s from %s", self.config.model, self.config.config_file)
        return True

    def logout(self) -> bool:
        """``logout``: forget the stored key; True when the model changed.

        Raises:
            RpcError: -32601 when ``logout`` was not advertised.
        """
        if not self.logout_supported:
            raise RpcError.method_not_found("logout")
        path = Path(self.config.config_file or default_config_path())
        from acp_server.login import remove_login  # Not needed before a logout.

        try:
            remove_login(path)
        except OSError as e:
            raise RpcError.internal_error(f"cannot update {path}: {e.strerror or e}") from None
        self.config.login = {}
        self.config.model = "demo"
        self.config.sources["model"] = "default"
        self.required = needs_sign_in(self.config, self._environ)
        logger.info("signed out (%s holds no stored key now)", path)
        return True

    def _reload(self) -> bool:
        """Read the config file's ``[login]`` table again; True when it holds a model."""
        import tomllib

        path = Path(self.config.config_file or default_config_path())
        try:
            with path.open("rb") as f:
                table = tomllib.load(f).get("login")
        except (OSError, tomllib.TOMLDecodeError):
            return False
        self.config.login = table if isinstance(table, dict) else {}
        self.config.config_file = str(path)
        sources = self.config.sources
        chose_demo = sources.get("model") == _DEMO_CHOSEN
        if chose_demo:
            sources["model"] = "default"  # The stored model may replace the demo.
        apply_login(self.config)
        if sources.get("model", "").startswith("[login]"):
            return True
        if chose_demo:
            sources["model"] = _DEMO_CHOSEN
        return False


__all__ = [
    "DEMO_METHOD",
    "GATED",
    "KEY_METHOD",
    "LOGIN_METHOD",
    "PROVIDER_KEY_ENVS",
    "SignIn",
    "apply_login",
    "instructions",
    "is_demo",
    "login_table",
    "login_variables",
    "needs_sign_in",
]
