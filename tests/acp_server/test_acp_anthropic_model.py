"""The server with an ``anthropic/...`` model: the warm-up imports its SDK, not OpenAI's."""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("anthropic")

from acp_server.config import ServerConfig
from acp_server.factory import SessionFactory
from agentica.models.anthropic import AnthropicChat


def test_an_anthropic_model_is_built_and_its_sdk_warmed_up(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant")
    config = ServerConfig(model="anthropic/claude-sonnet-4-5", model_timeout=30)
    factory = SessionFactory(object(), config)  # type: ignore[arg-type]
    assert factory.warm_up_modules() == ("agentica.models.anthropic", "anthropic")
    model: Any = factory.shared_model()
    assert isinstance(model, AnthropicChat)
    assert (model.id, model.timeout, model.max_retries) == ("claude-sonnet-4-5", 30, 0)
