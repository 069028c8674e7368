"""Cancellation races of a real turn: a real agent, the client workspace and a fake editor.

The editor's end of the connection can lag (a client that reads slowly fills the
writer's queue), so the session's event pump may still hold updates of the turn when a
cancel lands. These tests hold the pump at a chosen update to open that window
deterministically, then check what the editor sees, in wire order.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
from fake_client import FakeClient
from proc_util import alive
from schema_util import validate_update

from acp_server import wire
from acp_server.sessions import CallLedger, Session
from acp_server.workspace import ClientWorkspace
from agentica.agent import Agent
from agentica.messages import Message, ToolCall
from agentica.models.base import ModelFinish, ModelTextDelta, ModelToolCall
from agentica.testing import FunctionModel
from agentica.tools.builtin import WorkspaceTools


class LaggingEditor:
    """The connection as the session sees it: ``FakeClient`` answers, one ordered log.

    ``hold(pred)`` makes the notification for which ``pred(update)`` holds block (like a
    full output queue) until ``release`` is set; ``held`` is set once it is blocking.
    """

    def __init__(self, client: FakeClient) -> None:
        self.client = client
        self.wire: list[tuple[str, dict[str, Any]]] = []
        self.pred: Any = None
        self.held = anyio.Event()
        self.release = anyio.Event()

    async def notify(self, method: str, params: dict[str, Any]) -> None:
        update = params["update"]
        validate_update(update)
        if self.pred is not None and self.pred(update) and not self.release.is_set():
            self.held.set()
            await self.release.wait()
        self.wire.append((method, update))

    async def request(self, method: str, params: dict[str, Any]) -> Any:
        self.wire.append((method, params))
        return await self.client.request(method, params)


def tool_calls_then_done(*calls: tuple[str, str, str]) -> FunctionModel:
    """A model asking for ``calls`` (id, name, JSON arguments) at once, then saying done."""

    async def answer(messages, tools):
        if messages[-1].role == "user":
            for call_id, name, args in calls:
                yield ModelToolCall(call=ToolCall(id=call_id, name=name, arguments=args))
            yield ModelFinish(reason="tool_calls")
        else:
            yield ModelTextDelta(text="done")

    return FunctionModel(answer)


def make_session(tmp_path: Path, editor: LaggingEditor, model: FunctionModel) -> Session:
    ledger = CallLedger(timeout=5)
    caps = wire.ClientCapabilities.model_validate({"terminal": True})
    workspace = ClientWorkspace(
        tmp_path, conn=editor, session_id="s1", capabilities=caps, ledger=ledger
    )
    agent = Agent(model=model, tools=[WorkspaceTools(workspace)], approver=None)

    async def notify(update: dict[str, Any]) -> None:
        await editor.notify("session/update", {"sessionId": "s1", "update": update})

    return Session(
        id="s1", cwd=str(tmp_path), agent=agent, notify=notify, workspace=workspace, ledger=ledger
    )


async def test_a_terminal_embed_still_queued_at_a_cancel_never_follows_its_release(tmp_path):
    # acp-spec §8 / §18.54: terminal content must be written before terminal/release.
    # The pump is held on the ls call's update while the execute call creates its
    # terminal and queues the embed; the cancel then releases the terminal at once.
    async with FakeClient() as client:
        editor = LaggingEditor(client)
        editor.pred = lambda u: u.get("toolCallId") == "c2" and u.get("status") is not None
        model = tool_calls_then_done(
            ("c1", "execute", '{"command": "sleep 30"}'), ("c2", "ls", "{}")
        )
        session = make_session(tmp_path, editor, model)
        result: list[str] = []

        async def turn() -> None:
            result.append(await session.prompt(Message.user("go")))

        with anyio.fail_after(10):
            async with anyio.create_task_group() as tg:
                tg.start_soon(turn)
                await editor.held.wait()
                await client.terminal_created.wait()
                await anyio.wait_all_tasks_blocked()  # The embed is queued behind c2's update.
                assert session.cancel()
                await anyio.wait_all_tasks_blocked()
                editor.release.set()

        assert result == ["cancelled"]
        methods = [m for m, _ in editor.wire]
        assert "terminal/release" in methods, methods
        released = methods.index("terminal/release")
        embeds = [
            i
            for i, (m, u) in enumerate(editor.wire)
            if m == "session/update"
            and any(c.get("type") == "terminal" for c in u.get("content") or [])
        ]
        assert all(i < released for i in embeds), editor.wire
        # The call still ends with a final status, and the command is gone.
        finals = [
            u["status"]
            for m, u in editor.wire
            if m == "session/update" and u.get("toolCallId") == "c1" and u.get("status")
        ]
        assert finals[-1] == "failed", finals
        (term,) = client.terminals.values()
        assert term.released
        with anyio.fail_after(5):
            await term.done.wait()
        assert not alive(term.process.pid)
