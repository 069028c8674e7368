"""The ACP ``usage_update`` cost is the engine's ``usage.cost`` (one computation): cached
input at its own price, unknown once any call's price is unknown."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fake_client import FakeClient

from acp_server.agent import AcpAgent
from acp_server.config import ServerConfig
from acp_server.router import AcpRouter
from acp_server.usage import session_cost
from agentica.events import Usage
from agentica.models.openai import OpenAIChat
from agentica.testing import MockReply, OpenAIMock


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENTICA_HOME", str(tmp_path / "home"))


async def prompt_costs(tmp_path: Path, name: str, replies: list[MockReply]) -> list[Any]:
    mock, client = OpenAIMock(replies), FakeClient()

    def make() -> OpenAIChat:
        return OpenAIChat(
            name, base_url="http://mock/v1", api_key="sk-test", max_retries=0,
            http_client=mock.http_client(),
        )  # fmt: skip

    router = AcpRouter(AcpAgent(client, ServerConfig(max_turns=5), model_factory=make))
    await router.requests["initialize"]({"protocolVersion": 1, "clientCapabilities": {}})
    sid = (await router.requests["session/new"]({"cwd": str(tmp_path), "mcpServers": []}))[
        "sessionId"
    ]
    for _ in replies:
        await router.requests["session/prompt"](
            {"sessionId": sid, "prompt": [{"type": "text", "text": "hi"}]}
        )
    await router.aclose()
    return [u.get("cost") for u in client.updates if u["sessionUpdate"] == "usage_update"]


async def test_usage_update_prices_cached_input_at_the_cached_price(tmp_path: Path) -> None:
    usage = {
        "prompt_tokens": 4000, "completion_tokens": 100, "total_tokens": 4100,
        "prompt_tokens_details": {"cached_tokens": 3000},
    }
    (cost,) = await prompt_costs(tmp_path, "gpt-4o", [MockReply(text="a", usage=usage)])
    # gpt-4o: $2.50 input, $1.25 cached input, $10 output per million tokens.
    assert cost == {"amount": pytest.approx((1000 * 2.5 + 3000 * 1.25 + 100 * 10) / 1e6),
                    "currency": "USD"}


def test_the_session_cost_stays_unknown_once_a_part_is_unknown() -> None:
    priced, unpriced = Usage(requests=1, cost=0.5), Usage(requests=1, input_tokens=3)
    assert session_cost(None, False, priced) == 0.5  # The first turn.
    assert session_cost(0.25, True, priced) == 0.75
    assert session_cost(0.25, True, unpriced) is None
    assert session_cost(None, True, priced) is None  # An earlier turn was unpriced.
