"""Session.prompt: one turn, its cancel scope, stop reasons, failures (with an agent double)."""

from __future__ import annotations

from typing import Any

import anyio
import anyio.lowlevel
import pytest
from schema_util import validate_update

from acp_server.errors import RpcError
from acp_server.sessions import CallLedger, Session, SessionStore
from agentica.events import (
    RunFinished,
    TerminalContent,
    TextDelta,
    ToolCallFinished,
    ToolCallProgress,
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
            assert e.value.code == -32602  # Invalid params (see Session.prompt for why)
            assert "already running a prompt" in e.value.message
            assert "send session/cancel first" in e.value.message
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


async def test_any_failure_of_the_run_is_a_readable_message_and_the_session_stays_usable(caplog):
    async def script(message):
        yield ToolCallStarted(call_id="c1", tool_name="ls", title="List")
        raise TypeError("unsupported operand type(s) for +: 'int' and 'str'")

    session, updates = make_session(script)
    with caplog.at_level("ERROR", logger="acp_server.sessions"):
        assert await session.prompt(Message.user("hi")) == "end_turn"
    text = updates[-1]["content"]["text"]
    assert updates[-1]["sessionUpdate"] == "agent_message_chunk"
    assert "The turn failed" in text and "TypeError" in text and "'int' and 'str'" in text
    # The started call was closed before the message, and the traceback was logged.
    assert updates[-2] == {**updates[-2], "toolCallId": "c1", "status": "failed"}
    assert any(r.exc_info and r.exc_info[0] is TypeError for r in caplog.records)
    session.agent.script = lambda m: _one_text("fine")
    assert await session.prompt(Message.user("again")) == "end_turn"
    assert updates[-1]["content"]["text"] == "fine"


def fed_session() -> tuple[Session, Any, list[str], anyio.Event]:
    """A session playing the events sent to ``feed``, whose writer is stalled until
    ``release`` is set (the engine running ahead of the pump); ``log`` records writes."""
    log: list[str] = []
    release = anyio.Event()
    feed, events = anyio.create_memory_object_stream[Any](16)

    async def script(message):
        with events:
            async for event in events:
                yield event

    async def notify(update: dict[str, Any]) -> None:
        validate_update(update)
        await release.wait()
        log.append(f"write {update['sessionUpdate']} {update.get('toolCallId')}")

    session = Session(id="s1", cwd="/tmp", agent=ScriptAgent(script), notify=notify)
    return session, feed, log, release


def done(call_id: str) -> ToolCallFinished:
    return ToolCallFinished(call_id=call_id, tool_name="t", status="completed", result="ok")


async def run_fed(session: Session, release: anyio.Event, engine: Any) -> str:
    result: list[str] = []

    async def turn() -> None:
        result.append(await session.prompt(Message.user("go")))

    with anyio.fail_after(5):
        async with anyio.create_task_group() as tg:
            tg.start_soon(turn)
            tg.start_soon(engine)
            await anyio.wait_all_tasks_blocked()
            release.set()
    return result[0]


async def test_requests_for_a_tool_call_wait_until_its_tool_call_is_written():
    session, feed, log, release = fed_session()

    async def engine() -> None:  # Runs ahead: asks before the tool_call is written.
        with feed:
            await feed.send(ToolCallStarted(call_id="c1", tool_name="write_file", title="W"))
            await session.announced("c1")
            log.append("request c1")
            await feed.send(done("c1"))
            await feed.send(finished())

    assert await run_fed(session, release, engine) == "end_turn"
    assert log[:2] == ["write tool_call c1", "request c1"]
    assert not session.ledger.is_announced("c1")  # Forgotten after the turn.


async def test_emit_written_returns_once_the_update_is_written():
    session, feed, log, release = fed_session()
    progress = ToolCallProgress(call_id="c1", content=(TerminalContent(terminal_id="t1"),))

    async def engine() -> None:
        with feed:
            await feed.send(ToolCallStarted(call_id="c1", tool_name="execute", title="Run"))
            await session.ledger.emit_written(feed.send, progress)
            log.append("release t1")
            await feed.send(done("c1"))
            await feed.send(finished())

    assert await run_fed(session, release, engine) == "end_turn"
    assert log[:3] == ["write tool_call c1", "write tool_call_update c1", "release t1"]


async def test_announced_gives_up_after_its_timeout_and_logs(caplog):
    ledger = CallLedger(timeout=0.01)
    with anyio.fail_after(5):
        await ledger.announced("never")
    assert "not announced" in caplog.text


def test_store_names_the_unknown_session():
    store = SessionStore()
    with pytest.raises(RpcError) as e:
        store.get("nope")
    assert e.value.code == -32602
    assert "'nope'" in e.value.message


async def test_a_cancel_while_a_tool_call_is_being_announced_never_orphans_its_updates():
    # The cancel lands while the ``tool_call`` update is on its way to the writer. Either
    # the client sees the call and then its final update, or neither: never a
    # ``tool_call_update`` for a call it was not told about.
    async def script(message: Message) -> Any:
        yield ToolCallStarted(call_id="c1", tool_name="execute", title="Run", kind="execute")
        await anyio.sleep_forever()

    updates: list[dict[str, Any]] = []
    session: Session

    async def notify(update: dict[str, Any]) -> None:
        validate_update(update)
        if update["sessionUpdate"] == "tool_call":
            session.cancel()
            await anyio.lowlevel.checkpoint()  # The writer's queue put is a checkpoint.
        updates.append(update)

    session = Session(id="s1", cwd="/tmp", agent=ScriptAgent(script), notify=notify)
    with anyio.fail_after(5):
        assert await session.prompt(Message.user("go")) == "cancelled"
    announced = {u["toolCallId"] for u in updates if u["sessionUpdate"] == "tool_call"}
    closed = {u["toolCallId"] for u in updates if u["sessionUpdate"] == "tool_call_update"}
    assert closed <= announced
    assert announced == closed == {"c1"}
