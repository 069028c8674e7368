"""The server and the new model kinds: fallbacks (config list, the note the user sees) and
the Responses API model behind the ACP agent (in process, fake endpoints, no network)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fake_client import FakeClient
from schema_util import validate_update

from acp_server.agent import AcpAgent
from acp_server.config import ConfigError, ServerConfig, load_config
from acp_server.mapping import event_to_updates
from acp_server.router import AcpRouter
from agentica.events import ModelFallback
from agentica.models.base import Model
from agentica.models.fallback import FallbackModel
from agentica.models.openai import OpenAIChat
from agentica.models.openai_responses import OpenAIResponses
from agentica.testing import MockReply, OpenAIMock, openai_error


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("AGENTICA_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def write_config(home: Path, text: str) -> dict[str, str]:
    path = home / "xdg" / "agentica" / "acp.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return {"XDG_CONFIG_HOME": str(home / "xdg")}


def test_a_fallback_is_shown_as_a_thought_note() -> None:
    event = ModelFallback(from_model="gpt-5", to_model="deepseek-chat", reason="HTTP 503: busy")
    (update,) = event_to_updates(event)
    validate_update(update)
    assert update["sessionUpdate"] == "agent_thought_chunk"
    text = update["content"]["text"]
    assert "gpt-5 failed" in text and "deepseek-chat answers instead" in text
    assert "HTTP 503: busy" in text


def test_model_list_in_the_config_file_and_on_the_command_line(home: Path) -> None:
    env = write_config(home, 'model = ["openai/gpt-5?api=responses", " deepseek/deepseek-chat"]\n')
    config = load_config([], env)
    assert config.model == "openai/gpt-5?api=responses,deepseek/deepseek-chat"
    flagged = load_config(["--model", "openai/gpt-5,demo"], env)
    assert flagged.model == "openai/gpt-5,demo"
    env = write_config(home, "model = [1, 2]\n")
    with pytest.raises(ConfigError, match="list of model names"):
        load_config([], env)


def test_the_server_builds_the_fallback_model_from_its_config(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from acp_server.factory import SessionFactory

    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    config = ServerConfig(model="openai/gpt-5?api=responses,deepseek,demo")
    factory = SessionFactory(FakeClient(), config)
    model = factory.shared_model()
    assert isinstance(model, FallbackModel)
    assert [type(m).__name__ for m in model.models] == [
        "OpenAIResponses",
        "OpenAIChat",
        "DemoModel",
    ]
    assert factory.supports_images() == model.supports_images  # The primary decides.


async def start(client: FakeClient, make: Any) -> AcpRouter:
    router = AcpRouter(AcpAgent(client, ServerConfig(max_turns=5), model_factory=make))
    await router.requests["initialize"]({"protocolVersion": 1, "clientCapabilities": {}})
    return router


async def prompt(router: AcpRouter, cwd: Path, text: str = "hi") -> tuple[str, dict[str, Any]]:
    session = await router.requests["session/new"]({"cwd": str(cwd), "mcpServers": []})
    sid = session["sessionId"]
    result = await router.requests["session/prompt"](
        {"sessionId": sid, "prompt": [{"type": "text", "text": text}]}
    )
    return sid, result


def chat_text(client: FakeClient, kind: str) -> str:
    return "".join(u["content"]["text"] for u in client.updates if u["sessionUpdate"] == kind)


async def test_a_turn_falls_back_and_the_user_sees_the_switch(tmp_path: Path) -> None:
    primary = OpenAIMock([openai_error(503, "The engine is overloaded")])
    backup = OpenAIMock([MockReply(text="Answer from the backup", usage=(10, 4))])

    def make() -> Model:
        return FallbackModel(
            [
                OpenAIChat("gpt-primary", api_key="k", base_url="http://mock/v1",
                           max_retries=0, http_client=primary.http_client()),
                OpenAIChat("backup", api_key="k", base_url="http://mock/v1",
                           max_retries=0, http_client=backup.http_client()),
            ]
        )  # fmt: skip

    client = FakeClient()
    router = await start(client, make)
    _, result = await prompt(router, tmp_path)
    assert result["stopReason"] == "end_turn"
    for update in client.updates:
        validate_update(update)
    assert chat_text(client, "agent_message_chunk") == "Answer from the backup"
    note = chat_text(client, "agent_thought_chunk")
    assert "gpt-primary failed" in note and "backup answers instead" in note
    assert "overloaded" in note


async def test_a_responses_model_streams_a_turn_with_thoughts(tmp_path: Path) -> None:
    mock = OpenAIMock([MockReply(text="Hello from responses", reasoning="Thinking it over")])

    def make() -> Model:
        return OpenAIResponses(
            "gpt-5", api_key="k", base_url="http://mock/v1", max_retries=0,
            http_client=mock.http_client(),
        )  # fmt: skip

    client = FakeClient()
    router = await start(client, make)
    _, result = await prompt(router, tmp_path)
    assert result["stopReason"] == "end_turn"
    assert chat_text(client, "agent_message_chunk") == "Hello from responses"
    assert chat_text(client, "agent_thought_chunk") == "Thinking it over"
    assert mock.requests[0].url.path == "/v1/responses"


def test_the_warm_up_imports_the_resources_of_the_configured_api() -> None:
    import importlib

    from acp_server.factory import SessionFactory

    for spec, module in [
        ("openai/gpt-5?api=responses", "openai.resources.responses.responses"),
        ("openai/gpt-5", "openai.resources.chat.chat"),
    ]:
        modules = SessionFactory(FakeClient(), ServerConfig(model=spec)).warm_up_modules()
        assert module in modules
        for name in modules:
            importlib.import_module(name)
