"""What the server's settings say about the model client: options and credentials.

The key and endpoint given as flags or in the config file go to the model client as
overrides, never into ``os.environ``, so commands the agent runs (and MCP servers) do
not inherit a secret the user did not put in their own environment.
"""

from __future__ import annotations

from typing import Any

from acp_server.config import ServerConfig


def model_options(config: ServerConfig) -> dict[str, Any]:
    """Options for ``get_model`` from the server config (``model_timeout``).

    With a model timeout, an unanswered request is not retried either: the user hears
    about it after ``model_timeout`` seconds, not after several attempts.
    """
    timeout = config.model_timeout
    if not timeout:
        return {}
    return {"timeout": timeout, "connect_timeout": min(timeout, 10.0), "max_retries": 0}


def credential_overrides(config: ServerConfig) -> dict[str, str]:
    """The settings' key and endpoint, as the variables they stand for (not exported)."""
    overrides: dict[str, str] = {}
    if config.api_key:
        overrides["OPENAI_API_KEY"] = config.api_key
    if config.base_url:
        overrides["OPENAI_BASE_URL"] = config.base_url
    return overrides


__all__ = ["credential_overrides", "model_options"]
