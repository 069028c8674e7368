"""What the server's settings say about the model client: options and credentials.

The key and endpoint given as flags or in the config file go to the model client as
overrides, never into ``os.environ``, so commands the agent runs (and MCP servers) do
not inherit a secret the user did not put in their own environment.
"""

from __future__ import annotations

import copy
import os
from typing import TYPE_CHECKING, Any

from acp_server.config import ServerConfig

if TYPE_CHECKING:
    from agentica.models.base import Model

REASONING_EFFORTS = ("low", "medium", "high")
"""The thinking efforts offered for a model that takes ``reasoning_effort``."""


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
    """The settings' key and endpoint, as the variables they stand for (not exported).

    The provider variables ``agentica-acp --login`` stored (``[login]``) come first; the
    environment's own values of them win (flags > environment > config file).
    """
    stored = config.login if isinstance(config.login, dict) else {}
    overrides = {
        k: v
        for k, v in stored.items()
        if k.isupper() and isinstance(v, str) and v and not os.environ.get(k)
    }
    if config.api_key:
        overrides["OPENAI_API_KEY"] = config.api_key
    if config.base_url:
        overrides["OPENAI_BASE_URL"] = config.base_url
    return overrides


def with_reasoning_effort(model: Model, effort: str | None) -> Model:
    """A copy of ``model`` asking for ``effort`` in its next requests (``model`` itself may
    be shared by other sessions; the copy shares its connection pool)."""
    own = copy.copy(model)
    own.reasoning_effort = effort
    return own


__all__ = ["REASONING_EFFORTS", "credential_overrides", "model_options", "with_reasoning_effort"]
