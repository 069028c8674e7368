"""Usage and thinking effort over ACP: ``thought_level`` for reasoning models (the body
sent to an OpenAI-compatible endpoint), cost in ``usage_update``, usage on load/resume,
and ``PromptResponse.usage`` only for a client that opted in."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fake_client import FakeClient
from schema_util import validate_def

from acp_server.agent import AcpAgent
from acp_server.config import ServerConfig
from acp_server.router import AcpRouter
from agentica.models.openai import OpenAIChat
from agentica.testing import MockReply, OpenAIMock

OPT_IN = {"_meta": {"agentica": {"promptUsage": True}}}


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("AGENTICA_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    return root


async def start(
    client: FakeClient, mock: OpenAIMock, name: str, caps: dict[str, Any] | None = None
) -> AcpRouter:
    def make() -> OpenAIChat:
        return OpenAIChat(
            name, base_url="http://mock/v1", api_key="sk-test", max_retries=0,
            http_client=mock.http_client(),
        )  # fmt: skip

    router = AcpRouter(AcpAgent(client, ServerConfig(max_turns=5), model_factory=make))
    await router.requests["initialize"]({"protocolVersion": 1, "clientCapabilities": caps or {}})
    return router


async def new(router: AcpRouter, cwd: Path) -> dict[str, Any]:
    return await router.requests["session/new"]({"cwd": str(cwd), "mcpServers": []})


async def prompt(router: AcpRouter, sid: str, text: str = "hi") -> dict[str, Any]:
    result = await router.requests["session/prompt"](
        {"sessionId": sid, "prompt": [{"type": "text", "text": text}]}
    )
    validate_def("PromptResponse", result)
    return result


def option(options: list[dict[str, Any]], config_id: str) -> dict[str, Any] | None:
    return next((o for o in options if o["id"] == config_id), None)


def usage_updates(client: FakeClient) -> list[dict[str, Any]]:
    return [u for u in client.updates if u["sessionUpdate"] == "usage_update"]


async def test_thought_level_sets_the_reasoning_effort_of_the_next_requests(project):
    mock = OpenAIMock([MockReply(text="one"), MockReply(text="two"), MockReply(text="three")])
    client = FakeClient()
    router = await start(client, mock, "o3")
    created = await new(router, project)
    sid = created["sessionId"]
    thought = option(created["configOptions"], "thought_level")
    assert thought is not None and thought["category"] == "thought_level"
    assert thought["currentValue"] == "medium"
    assert [o["value"] for o in thought["options"]] == ["low", "medium", "high"]
    await prompt(router, sid)
    assert "reasoning_effort" not in mock.bodies[0]  # The provider's default until asked.
    result = await router.requests["session/set_config_option"](
        {"sessionId": sid, "configId": "thought_level", "value": "high"}
    )
    validate_def("SetSessionConfigOptionResponse", result)
    assert option(result["configOptions"], "thought_level")["currentValue"] == "high"  # type: ignore[index]
    await prompt(router, sid)
    assert mock.bodies[1]["reasoning_effort"] == "high"
    with pytest.raises(Exception, match="must be one of low, medium, high"):
        await router.requests["session/set_config_option"](
            {"sessionId": sid, "configId": "thought_level", "value": "extreme"}
        )
    await router.aclose()
    # Kept with the session: a new server loads it with the same effort.
    client2 = FakeClient()
    router2 = await start(client2, mock, "o3")
    loaded = await router2.requests["session/load"](
        {"sessionId": sid, "cwd": str(project), "mcpServers": []}
    )
    assert option(loaded["configOptions"], "thought_level")["currentValue"] == "high"  # type: ignore[index]
    await prompt(router2, sid)
    assert mock.bodies[2]["reasoning_effort"] == "high"
    await router2.aclose()


async def test_models_without_reasoning_effort_get_no_thought_level(project):
    client = FakeClient()
    router = await start(client, OpenAIMock(), "gpt-4o")
    created = await new(router, project)
    assert option(created["configOptions"], "thought_level") is None
    with pytest.raises(Exception, match="unknown config option 'thought_level'"):
        await router.requests["session/set_config_option"](
            {"sessionId": created["sessionId"], "configId": "thought_level", "value": "high"}
        )
    await router.aclose()


async def test_usage_update_carries_the_cumulative_cost_and_returns_on_load_and_resume(project):
    mock = OpenAIMock(
        [MockReply(text="a", usage=(1000, 500)), MockReply(text="b", usage=(3000, 100))]
    )
    client = FakeClient()
    router = await start(client, mock, "gpt-4o")  # $2.50 / $10 per million tokens.
    sid = (await new(router, project))["sessionId"]
    await prompt(router, sid)
    await prompt(router, sid)
    first, second = usage_updates(client)
    assert first["used"] == 1500 and first["size"] == 128_000
    assert first["cost"] == {"amount": pytest.approx(0.0075), "currency": "USD"}
    assert second["cost"]["amount"] == pytest.approx(0.0075 + 0.0085)  # Cumulative.
    await prompt(router, sid, "/status")
    assert "**Cost so far**: $0.0160" in client.text()
    await router.aclose()
    for method in ("session/load", "session/resume"):
        again = FakeClient()
        router2 = await start(again, mock, "gpt-4o")
        await router2.requests[method]({"sessionId": sid, "cwd": str(project), "mcpServers": []})
        (known,) = usage_updates(again)  # Before the response.
        assert known == {**second, "cost": {"amount": pytest.approx(0.016), "currency": "USD"}}
        await router2.aclose()


async def test_no_usage_update_on_load_while_nothing_is_known(project):
    client = FakeClient()
    router = await start(client, OpenAIMock(), "gpt-4o")
    sid = (await new(router, project))["sessionId"]
    await prompt(router, sid, "/help")  # Stored, but no model call.
    await router.aclose()
    again = FakeClient()
    router2 = await start(again, OpenAIMock(), "gpt-4o")
    await router2.requests["session/load"](
        {"sessionId": sid, "cwd": str(project), "mcpServers": []}
    )
    assert usage_updates(again) == []
    await router2.aclose()


async def test_unpriced_models_report_no_cost(project):
    mock = OpenAIMock([MockReply(text="a", usage=(10, 5))])
    client = FakeClient()
    router = await start(client, mock, "some-local-model")
    sid = (await new(router, project))["sessionId"]
    await prompt(router, sid)
    (update,) = usage_updates(client)
    assert "cost" not in update and update["used"] == 15
    await router.aclose()


async def test_prompt_result_carries_usage_only_for_a_client_that_opted_in(project):
    mock = OpenAIMock(
        [MockReply(text="a", usage=(100, 20)), MockReply(text="b", tool_calls=[("nope", "{}")],
         usage=(100, 20)), MockReply(text="c", usage={"prompt_tokens": 300, "completion_tokens": 30,
         "total_tokens": 330, "prompt_tokens_details": {"cached_tokens": 200},
         "completion_tokens_details": {"reasoning_tokens": 12}})]
    )  # fmt: skip
    plain = FakeClient()
    router = await start(plain, mock, "gpt-4o")
    sid = (await new(router, project))["sessionId"]
    assert await prompt(router, sid) == {"stopReason": "end_turn"}
    await router.aclose()
    opted = FakeClient()
    router2 = await start(opted, mock, "gpt-4o", OPT_IN)
    sid2 = (await new(router2, project))["sessionId"]
    result = await prompt(router2, sid2)  # Two model calls: a tool call, then the answer.
    assert result == {
        "stopReason": "end_turn",
        "usage": {"totalTokens": 450, "inputTokens": 400, "outputTokens": 50,
                  "thoughtTokens": 12, "cachedReadTokens": 200},
    }  # fmt: skip
    assert await prompt(router2, sid2, "/help") == {"stopReason": "end_turn"}  # No model call.
    await router2.aclose()
