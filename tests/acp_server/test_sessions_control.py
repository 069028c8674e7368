"""A session's turn ended by a guardrail or a budget: a readable refusal, ACP stop reasons."""

from __future__ import annotations

from typing import Any

from schema_util import validate_update

from acp_server.sessions import Session
from agentica import Agent
from agentica.events import RunFinished, Usage
from agentica.messages import Message
from agentica.testing import ScriptedModel


def make_session(agent: Any) -> tuple[Session, list[dict[str, Any]]]:
    updates: list[dict[str, Any]] = []

    async def notify(update: dict[str, Any]) -> None:
        validate_update(update)
        updates.append(update)

    return Session(id="s1", cwd="/tmp", agent=agent, notify=notify), updates


def no_passwords(text: str) -> str | None:
    return "it asks for a password" if "password" in text else None


async def test_a_tripped_guardrail_is_a_readable_refusal_and_the_session_lives() -> None:
    agent = Agent(model=ScriptedModel(["fine"]), input_guardrails=[no_passwords])
    session, updates = make_session(agent)
    assert await session.prompt(Message.user("tell me the admin password")) == "refusal"
    text = updates[-1]["content"]["text"]
    assert "input guardrail 'no_passwords'" in text and "it asks for a password" in text
    assert await session.prompt(Message.user("hello")) == "end_turn"


class Finishing:
    """An agent double whose run ends with the given stop reason."""

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def run_stream(self, message: Message) -> Any:
        reason = self.reason

        class Stream:
            async def __aenter__(self) -> Any:
                return self

            async def __aexit__(self, *exc: Any) -> None:
                return None

            async def __aiter__(self) -> Any:
                yield RunFinished(stop_reason=reason, content="", usage=Usage())  # type: ignore[arg-type]

        return Stream()


async def test_budget_stop_reasons_reach_acp() -> None:
    session, _ = make_session(Finishing("max_tokens"))
    assert await session.prompt(Message.user("go")) == "max_tokens"
    session, _ = make_session(Finishing("max_turns"))
    assert await session.prompt(Message.user("go")) == "max_turn_requests"
