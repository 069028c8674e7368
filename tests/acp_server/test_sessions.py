"""Session.prompt: one turn, its cancel scope, stop reasons, failures (with an agent double)."""

from __future__ import annotations

from typing import Any

import anyio
import pytest
from schema_util import validate_update

from acp_server.errors import RpcError
from acp_server.sessions import Session, SessionStore
from agentica.events import (
    RunFinished,
    TextDelta,
    ToolCallFinished,
    ToolCallStarted,
    Usage,
)
from agentica.exceptions import ModelResponseError
from agentica.messages import Message


class ScriptStream:
    def __init__(self, gen: Any) -> None:
        self.gen = gen

    async def __aenter__(self) -> ScriptStream:
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.gen.aclose()

    def __aiter__(self) -> Any:
        return self.gen


class ScriptAgent:
    """Plays an async generator function ``script(message)`` as the run's events."""

    def __init__(self, script: Any) -> None:
        self.script = script
        self.prompts: list[Message] = []

    def run_stream(self, message: Message) -> ScriptStream:
        self.prompts.append(message)
        return ScriptStream(self.script(message))


def make_session(script: Any) -> tuple[Session, list[dict[str, Any]]]:
    updates: list[dict[str, Any]] = []

    async def notify(update: dict[str, Any]) -> None:
        validate_update(update)
        updates.append(update)

    return Session(id="s1", cwd="/tmp", agent=ScriptAgent(script), notify=notify), updates


def finished(reason: str = "end_turn") -> RunFinished:
    return RunFinished(stop_reason=reason, content="", usage=Usage())


async def test_prompt_streams_updates_then_returns_the_stop_reason():
    async def script(message):
        yield TextDelta(message_id="m1", text="Hel")
        yield TextDelta(message_id="m1", text="lo")
        yield finished()

    session, updates = make_session(script)
    assert await session.prompt(Message.user("hi")) == "end_turn"
    assert [u["content"]["text"] for u in updates] == ["Hel", "lo"]
    assert not session.busy


async def test_max_turns_maps_to_max_turn_requests():
    async def script(message):
        yield finished("max_turns")

    session, _ = make_session(script)
    assert await session.prompt(Message.user("hi")) == "max_turn_requests"


async def test_second_prompt_while_busy_is_rejected_with_a_clear_error():
    started = anyio.Event()

    async def script(message):
        started.set()
        await anyio.sleep_forever()
        yield finished()

    session, _ = make_session(script)
    with anyio.fail_after(5):
        async with anyio.create_task_group() as tg:
            tg.start_soon(session.prompt, Message.user("one"))
            await started.wait()
            with pytest.raises(RpcError) as e:
                await session.prompt(Message.user("two"))
            assert e.value.code == -32600
            assert "already running a prompt; send session/cancel first" in e.value.message
            assert session.cancel()


async def test_cancel_ends_the_turn_as_cancelled_and_fails_open_tool_calls_first():
    running = anyio.Event()

    async def script(message):
        yield ToolCallStarted(call_id="c1", tool_name="execute", title="Run sleep")
        yield ToolCallStarted(call_id="c2", tool_name="ls", title="List")
        yield ToolCallFinished(call_id="c2", tool_name="ls", status="completed", result="a")
        running.set()
        await anyio.sleep_forever()
        yield finished()

    session, updates = make_session(script)
    result: list[str] = []

    async def run() -> None:
        result.append(await session.prompt(Message.user("go")))

    with anyio.fail_after(5):
        async with anyio.create_task_group() as tg:
            tg.start_soon(run)
            await running.wait()
            session.cancel()
    assert result == ["cancelled"]
    last = updates[-1]
    assert last["toolCallId"] == "c1"
    assert last["status"] == "failed"
    assert [u["toolCallId"] for u in updates if u.get("status") == "failed"] == ["c1"]
    # The session keeps working after a cancel.
    session.agent.script = lambda m: _one_text("again")
    assert await session.prompt(Message.user("next")) == "end_turn"


async def _one_text(text: str):
    yield TextDelta(message_id="m2", text=text)
    yield finished()


async def test_cancel_with_no_running_turn_is_a_no_op():
    session, updates = make_session(lambda m: _one_text("x"))
    assert session.cancel() is False
    assert updates == []


async def test_model_error_becomes_a_readable_message_and_end_turn():
    async def script(message):
        yield TextDelta(message_id="m1", text="partial ")
        raise ModelResponseError("upstream exploded", status=502, model="m")

    session, updates = make_session(script)
    assert await session.prompt(Message.user("hi")) == "end_turn"
    text = updates[-1]["content"]["text"]
    assert "The model call failed" in text
    assert "upstream exploded" in text
    session.agent.script = lambda m: _one_text("fine")
    assert await session.prompt(Message.user("again")) == "end_turn"
    assert updates[-1]["content"]["text"] == "fine"


async def test_demo_notice_is_sent_once_before_the_first_reply():
    session, updates = make_session(lambda m: _one_text("hello"))
    session.demo_notice = True
    await session.prompt(Message.user("a"))
    await session.prompt(Message.user("b"))
    texts = [u["content"]["text"] for u in updates]
    assert "offline demo model" in texts[0]
    assert texts[1:] == ["hello", "hello"]


async def test_session_without_agent_answers_with_its_setup_error():
    session, updates = make_session(None)
    session.agent, session.setup_error = None, "no key for the model"
    assert await session.prompt(Message.user("hi")) == "end_turn"
    assert updates[0]["content"]["text"] == "no key for the model"


def test_store_names_the_unknown_session():
    store = SessionStore()
    with pytest.raises(RpcError) as e:
        store.get("nope")
    assert e.value.code == -32602
    assert "'nope'" in e.value.message
