"""Recording a session into the session database (``agentica.sessions``), step by step.

A ``Recorder`` sits between a session and its client: every ``session/update`` it sends
goes through ``Recorder.notify``, which keeps the replayable ones (chunks, tool calls,
plans) in a buffer, consecutive text chunks of one message merged. ``step()`` commits
the buffer together with the agent's new history messages once they form a consistent
prefix (every tool call answered): a server killed mid-turn loses at most the step that
was running, and the stored history never has a tool call without its result.
``end_turn()`` commits the rest and waits for the disk before the prompt is answered.

The title is the first line of the first prompt (no model call).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import anyio

if TYPE_CHECKING:
    from concurrent.futures import Future

    from acp_server.permissions import PermissionApprover
    from agentica.messages import Message
    from agentica.sessions import SessionDB, SessionRecord

logger = logging.getLogger(__name__)

Notify = Callable[[dict[str, Any]], Awaitable[None]]

REPLAYED = frozenset(
    {
        "user_message_chunk",
        "agent_message_chunk",
        "agent_thought_chunk",
        "tool_call",
        "tool_call_update",
        "plan",
    }
)
"""The ``session/update`` kinds ``session/load`` replays."""

_CHUNKS = ("user_message_chunk", "agent_message_chunk", "agent_thought_chunk")
def iso_time(when: float) -> str:
    """An epoch time as ISO 8601 (UTC)."""
    return datetime.fromtimestamp(when, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


async def wait(future: Future[Any]) -> None:
    """Wait for a store write without blocking the event loop (errors are logged there).

    Cancellable: the write stays queued and commits when it can, but a turn cancelled
    on shutdown must not wait on a database another process holds locked.
    """
    if not future.done():
        await anyio.to_thread.run_sync(future.exception, abandon_on_cancel=True)



def _without_terminals(update: dict[str, Any]) -> dict[str, Any]:
    """``update`` without embedded terminals: a replay comes after their release, when
    naming them is forbidden (acp-spec §18.54); the output stays in ``rawOutput``."""
    content = update.get("content")
    if not isinstance(content, list) or not any(
        isinstance(c, dict) and c.get("type") == "terminal" for c in content
    ):
        return update
    kept = [c for c in content if not (isinstance(c, dict) and c.get("type") == "terminal")]
    if kept:
        return {**update, "content": kept}
    return {k: v for k, v in update.items() if k != "content"}

class Recorder:
    """Stores one session: its record, history messages and replay updates.

    Args:
        db: The session database.
        record: The session's metadata (saved on the first prompt, kept up to date).
        send: Sends one update to the client.
        committed: How many of the agent's history messages are already stored.
        saved: Whether the record is already in the database.
    """

    def __init__(
        self,
        db: SessionDB,
        record: SessionRecord,
        send: Notify,
        *,
        committed: int = 0,
        saved: bool = False,
    ) -> None:
        self.db = db
        self.record = record
        self.send = send
        self.committed = committed
        self.saved = saved
        self._buffer: list[dict[str, Any]] = []

    async def notify(self, update: dict[str, Any]) -> None:
        """Send ``update`` to the client, keeping it for the replay when it is replayable."""
        self.keep(update)
        await self.send(update)

    def keep(self, update: dict[str, Any]) -> None:
        """Buffer a replayable update (merged into the previous chunk of its message)."""
        kind = update.get("sessionUpdate")
        if kind not in REPLAYED:
            return
        update = _without_terminals(update)
        if kind in _CHUNKS and self._buffer:
            last = self._buffer[-1]
            content, before = update.get("content") or {}, last.get("content") or {}
            if (
                last.get("sessionUpdate") == kind
                and last.get("messageId") == update.get("messageId")
                and content.get("type") == "text"
                and before.get("type") == "text"
            ):
                text = before["text"] + content["text"]
                self._buffer[-1] = {**last, "content": {**before, "text": text}}
                return
        self._buffer.append(update)

    async def replay(self, updates: Sequence[dict[str, Any]]) -> None:
        """Send stored updates to the client (not recorded again)."""
        for update in updates:
            await self.send(update)

    def save(self, **changes: Any) -> None:
        """Update the record (``mode=...``, ``config=...``) and store it once saved."""
        for name, value in changes.items():
            setattr(self.record, name, value)
        if self.saved:
            self.db.save(self.record)

    def begin_turn(self, message: Message | None, shown: Sequence[dict[str, Any]]) -> None:
        """Store the prompt (``message`` None: the session has no agent history)."""
        if self.record.title is None and message is not None:
            from agentica.sessions.records import make_title

            self.record.title = make_title(message.text)
        self.record.updated_at = time.time()
        if not self.saved:
            self.saved = True
            self.db.save(self.record)
        for update in shown:
            self.keep(update)
        self.db.append(
            self.record.id,
            messages=[] if message is None else [message],
            updates=self._take(),
            updated_at=self.record.updated_at,
        )
        if message is not None:
            self.committed += 1

    def step(self, messages: Sequence[Message]) -> None:
        """Commit the completed steps of the running turn (see the module doc)."""
        from agentica.sessions import consistent_prefix

        new = messages[self.committed :]
        done = consistent_prefix(new)
        if done == 0:
            return
        self.db.append(self.record.id, messages=new[:done], updates=self._take())
        self.committed += done

    async def end_turn(
        self, messages: Sequence[Message] | None, approver: PermissionApprover | None = None
    ) -> None:
        """Commit the rest of the turn (``messages``: the agent's whole history after it,
        and the approver's remembered answers), wait until it is on disk, and tell the
        client the session's title and time."""
        self.record.updated_at = time.time()
        if approver is not None:
            remembered = [[t, k, d] for (t, k), d in approver.remembered.items()]
            if remembered != self.record.permissions:
                self.record.permissions = remembered
                self.db.save(self.record)
        if messages is not None and len(messages) < self.committed:  # Shortened: rewrite.
            self.db.replace_messages(self.record.id, messages)
            self.committed = len(messages)
            messages = []
        new = [] if messages is None else messages[self.committed :]
        self.committed += len(new)
        await wait(
            self.db.append(
                self.record.id, messages=new, updates=self._take(),
                updated_at=self.record.updated_at,
            )
        )
        await self.send(self.info_update())

    def replace_history(self, messages: Sequence[Message]) -> Future[None]:
        """Make ``messages`` the stored history (after ``/clear`` or ``/compact``)."""
        self.committed = len(messages)
        return self.db.replace_messages(self.record.id, messages)

    def info_update(self) -> dict[str, Any]:
        """The ``session_info_update`` payload: title and last activity."""
        update: dict[str, Any] = {
            "sessionUpdate": "session_info_update",
            "updatedAt": iso_time(self.record.updated_at),
        }
        if self.record.title:
            update["title"] = self.record.title
        return update

    def _take(self) -> list[dict[str, Any]]:
        taken, self._buffer = self._buffer, []
        return taken


__all__ = ["REPLAYED", "Recorder", "iso_time", "wait"]
