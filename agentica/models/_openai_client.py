"""Building the ``openai.AsyncOpenAI`` client of an ``OpenAIChat`` (one per event loop).

The ``openai`` package is imported here, on first use, so naming a model stays cheap.
"""

from __future__ import annotations

from typing import Any

from agentica.exceptions import AuthenticationError
from agentica.models._openai_parts import httpx_module
from agentica.models.presets import Preset

HTTP_MARGIN = 5.0
"""Seconds the HTTP client's own read timeout exceeds the watchdog's limits."""


def make_client(
    preset: Preset,
    *,
    model: str,
    api_key: str | None,
    base_url: str | None,
    timeout: float,
    stall_timeout: float,
    connect_timeout: float,
    max_retries: int,
    max_connections: int,
    http_client: Any = None,
) -> tuple[Any, Any]:
    """A new ``AsyncOpenAI`` and the pooled HTTP client we own (None when given one).

    Raises:
        AuthenticationError: The provider needs a key and none is set.
    """
    key = preset.resolve_api_key(api_key)
    if key is None:
        if preset.needs_key and not (preset.name == "openai" and base_url):
            envs = " or ".join(preset.key_envs)
            raise AuthenticationError(
                f"no API key for provider {preset.name!r}: set {envs} (or pass api_key=...)",
                model=model,
            )
        key = "not-needed"  # Local servers accept any key; the client requires one.
    import openai

    httpx_mod = httpx_module(openai)
    # The watchdog gives up first: a read timeout of the client would be retried.
    http_wait = max(timeout, stall_timeout) + HTTP_MARGIN
    http_timeout = httpx_mod.Timeout(http_wait, connect=connect_timeout)
    owned = None
    if http_client is None:
        http_client = owned = openai.DefaultAsyncHttpxClient(
            timeout=http_timeout,
            limits=httpx_mod.Limits(
                max_connections=max_connections, max_keepalive_connections=max_connections
            ),
        )
    client = openai.AsyncOpenAI(
        api_key=key,
        base_url=base_url,
        timeout=http_timeout,
        max_retries=max_retries,
        http_client=http_client,
    )
    return client, owned


__all__ = ["HTTP_MARGIN", "make_client"]
