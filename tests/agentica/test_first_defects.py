"""The defects a Python user hits first (issue 13): default model, slash names, exports,
``Tool`` subclasses in 1.5's spelling, text streams and 1.5's ``chunk.content``."""

from __future__ import annotations

import logging

import pytest

import agentica
from agentica import Agent, TextDelta, ThinkingDelta, Tool, UsageUpdated, text_stream, tool
from agentica.exceptions import UserError
from agentica.models.demo import DemoModel
from agentica.models.registry import default_model_spec, get_model
from agentica.testing import ScriptedModel

ENV = ("AGENTICA_MODEL", "OPENAI_API_KEY", "OPENAI_BASE_URL")


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ENV:
        monkeypatch.delenv(var, raising=False)


def test_default_model_follows_agentica_model_then_the_openai_key() -> None:
    assert default_model_spec({}) == "demo"
    assert default_model_spec({"OPENAI_API_KEY": "sk"}) == "openai/gpt-4o-mini"
    env = {"AGENTICA_MODEL": "deepseek/deepseek-chat", "OPENAI_API_KEY": "sk"}
    assert default_model_spec(env) == "deepseek/deepseek-chat"


def test_agent_without_model_uses_agentica_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENTICA_MODEL", "deepseek/deepseek-chat")
    model = Agent().model
    assert (model.name, model.base_url) == ("deepseek-chat", "https://api.deepseek.com")  # type: ignore[attr-defined]


def test_agent_without_model_uses_the_openai_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    model = Agent().model
    assert not isinstance(model, DemoModel)
    assert model.base_url == "http://127.0.0.1:9/v1"  # type: ignore[attr-defined]


def test_agent_without_model_warns_when_falling_back_to_the_demo(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="agentica.agent"):
        assert isinstance(Agent(name="bob").model, DemoModel)
    assert "offline demo model" in caplog.text and "AGENTICA_MODEL" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="agentica.agent"):
        assert isinstance(Agent(model="demo").model, DemoModel)  # Asked for: no warning.
    assert caplog.text == ""


def test_the_server_default_is_the_same_rule(tmp_path) -> None:
    from acp_server.config import load_config

    env = {"XDG_CONFIG_HOME": str(tmp_path), "OPENAI_API_KEY": "sk"}
    assert load_config([], env).model == "openai/gpt-4o-mini"
    assert load_config([], {"XDG_CONFIG_HOME": str(tmp_path)}).model == "demo"


def test_a_name_with_a_slash_goes_to_the_custom_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(UserError, match="OPENAI_BASE_URL"):
        get_model("Qwen/Qwen2.5-7B-Instruct")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:8000/v1")
    model = get_model("Qwen/Qwen2.5-7B-Instruct")
    assert model.name == "Qwen/Qwen2.5-7B-Instruct"
    assert model.base_url == "http://127.0.0.1:8000/v1"  # type: ignore[attr-defined]
    via_option = get_model("meta-llama/Llama-3.1-8B", base_url="http://127.0.0.1:1/v1")
    assert via_option.name == "meta-llama/Llama-3.1-8B"
    assert get_model("deepseek/deepseek-chat").name == "deepseek-chat"


def test_what_users_import_is_at_the_top_level() -> None:
    from agentica._stream import RunStream
    from agentica.messages import ImagePart, TextPart

    assert agentica.TextPart is TextPart and agentica.ImagePart is ImagePart
    assert agentica.RunStream is RunStream and agentica.get_model is get_model
    assert issubclass(agentica.RateLimitError, agentica.ModelError)
    for name in ("AuthenticationError", "ModelTimeoutError", "ContextLengthError"):
        assert name in agentica.__all__


class Legacy(Tool):
    """agentica 1.5's spelling: register undecorated methods in __init__."""

    def __init__(self) -> None:
        super().__init__(name="legacy_tools")
        self.register(self.shout)

    def shout(self, text: str) -> str:
        """Shout the text."""
        return text.upper()


class Mixed(Tool):
    @tool
    def one(self) -> str:
        """One."""
        return "1"

    def helper(self) -> str:
        return "not a tool"


class Forgot(Tool):
    def shout(self, text: str) -> str:
        """Shout."""
        return text.upper()


async def test_tool_subclasses_in_the_1_5_spelling() -> None:
    legacy = Legacy()
    [fn] = legacy.functions()
    assert fn.name == "shout" and legacy.name == "legacy_tools"
    assert await fn.invoke({"text": "hi"}) == "HI"
    assert [f.name for f in Mixed().functions()] == ["one"]
    agent = Agent(model=ScriptedModel(["ok"]), tools=[Legacy(), Mixed()])
    assert [f.name for f in agent.functions] == ["shout", "one"]


def test_a_tool_class_without_tools_is_a_clear_error() -> None:
    with pytest.raises(UserError, match=r"Forgot offers no tools.*@tool.*register"):
        Agent(model=ScriptedModel(["ok"]), tools=[Forgot()])


async def test_text_stream_gives_only_the_text_async_and_sync() -> None:
    agent = Agent(model=ScriptedModel(["Hello world"]))
    assert "".join([t async for t in text_stream(agent.run_stream("hi"))]) == "Hello world"
    sync_agent = Agent(model=ScriptedModel(["Hi there"]))
    texts = list(text_stream(iter(await _events(sync_agent))))
    assert "".join(texts) == "Hi there"


async def _events(agent: Agent) -> list:
    return (await agent.run("hi")).events


def test_text_stream_over_run_stream_sync() -> None:
    agent = Agent(model=ScriptedModel(["Hi there"]))
    assert "".join(text_stream(agent.run_stream_sync("hi"))) == "Hi there"


def test_chunk_content_of_a_non_text_event_explains_itself() -> None:
    assert TextDelta(message_id="m", text="x").content == "x"
    event = ThinkingDelta(message_id="m", text="hmm")
    with pytest.raises(AttributeError, match=r"ThinkingDelta has no 'content'.*text_stream"):
        _ = event.content  # type: ignore[attr-defined]
    with pytest.raises(AttributeError, match="has no attribute 'other'"):
        _ = UsageUpdated(usage=agentica.Usage()).other  # type: ignore[attr-defined]
    assert not hasattr(event, "content")
