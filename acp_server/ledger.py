"""``CallLedger``: what of a running turn has been handed to the connection's writer.

The engine runs ahead of the session's event pump (the run stream buffers events),
while the approver and the client workspace send their requests directly. So every
request made for a tool call first awaits ``CallLedger.announced(call_id)``, set by the
pump once the call's ``tool_call`` notification has been handed to the writer (whose
queue order is wire order); and the workspace's terminal embed is emitted through
``CallLedger.emit_written()``, which returns once that update has been handed over or,
when the call is cancelled meanwhile, withdrawn (the pump then drops it), so
``terminal/release`` always follows it or goes out alone (acp-spec §8, §18.40, §18.54).
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import anyio

logger = logging.getLogger(__name__)

ANNOUNCE_TIMEOUT = 30.0
"""Seconds a request for a tool call waits for its ``tool_call`` to be written, at most.

Only a client that stops reading our output can make this wait long; after it the
request goes out anyway (logged), rather than failing the tool call.
"""


class CallLedger:
    """What of the running turn has been handed to the writer (see the module doc).

    It also gives every tool call its ``toolCallId`` on the wire, unique in the session:
    the model's id, or that id with a ``~N`` suffix when the session already used it (a
    model may repeat ids, within a turn or across turns). The ledger is cleared after
    every turn, except for the ids used.

    Args:
        timeout: Seconds ``announced()`` and ``emit_written()`` wait at most.
    """

    def __init__(self, timeout: float = ANNOUNCE_TIMEOUT) -> None:
        self.timeout = timeout
        self._announced: dict[str, anyio.Event] = {}
        self._written: dict[int, _Handover] = {}
        self._used: set[str] = set()
        """Every ``toolCallId`` the session has sent."""
        self._open: dict[str, deque[str]] = {}
        """Per model call id, the wire ids of its calls still open, oldest first."""

    def open_call(self, call_id: str) -> str:
        """A new call with the model's ``call_id`` started: its wire id (unique, kept)."""
        wire_id, n = call_id, 1
        while wire_id in self._used:
            n += 1
            wire_id = f"{call_id}~{n}"
        self._used.add(wire_id)
        self._open.setdefault(call_id, deque()).append(wire_id)
        return wire_id

    def wire_id(self, call_id: str) -> str:
        """The wire id of the (oldest) open call with the model's ``call_id``."""
        ids = self._open.get(call_id)
        return ids[0] if ids else call_id

    def close_call(self, call_id: str) -> str:
        """The (oldest) open call with the model's ``call_id`` finished: its wire id."""
        ids = self._open.get(call_id)
        if not ids:
            return call_id
        wire_id = ids.popleft()
        if not ids:
            del self._open[call_id]
        return wire_id

    def on_wire(self, event: Any) -> Any:
        """``event`` (a ``RunEvent``) naming its call by the wire id: the first event of a
        call opens its id, the last closes it; other events pass unchanged."""
        from dataclasses import replace

        from agentica.events import ToolCallFinished, ToolCallProgress, ToolCallStarted

        match event:
            case ToolCallStarted(call_id=call_id):
                wire_id = self.open_call(call_id)
            case ToolCallProgress(call_id=call_id):
                wire_id = self.wire_id(call_id)
            case ToolCallFinished(call_id=call_id):
                wire_id = self.close_call(call_id)
            case _:
                return event
        return event if wire_id == call_id else replace(event, call_id=wire_id)

    def _event(self, call_id: str) -> anyio.Event:
        event = self._announced.get(call_id)
        if event is None:
            event = self._announced[call_id] = anyio.Event()
        return event

    def mark_announced(self, call_id: str) -> None:
        """The call's ``tool_call`` notification has been handed to the writer."""
        self._event(call_id).set()

    def claim(self, event: object) -> bool:
        """Whether the pump may write ``event``'s updates now (see ``emit_written``).

        ``False`` for an event its emitter has withdrawn: it must never be written.
        """
        entry = self._written.get(id(event))
        if entry is None or entry.event is not event:
            return True
        if entry.withdrawn:
            del self._written[id(event)]
            return False
        entry.writing = True
        return True

    def mark_written(self, event: object) -> None:
        """``event``'s updates have been handed to the writer."""
        entry = self._written.get(id(event))
        if entry is not None and entry.event is event:
            del self._written[id(event)]
            entry.done.set()

    def is_announced(self, call_id: str) -> bool:
        """Whether the call's ``tool_call`` has been handed to the writer."""
        event = self._announced.get(call_id)
        return event is not None and event.is_set()

    async def announced(self, call_id: str) -> None:
        """Return once the call's ``tool_call`` has been handed to the writer."""
        event = self._event(call_id)
        if event.is_set():
            return
        with anyio.move_on_after(self.timeout) as scope:
            await event.wait()
        if scope.cancelled_caught:
            logger.warning(
                "tool call %s was not announced within %gs; sending its request anyway",
                call_id,
                self.timeout,
            )

    async def emit_written(self, emit: Callable[[Any], Awaitable[None]], event: object) -> None:
        """``await emit(event)`` into the run, then wait until its update has been written.

        When this returns or raises (a cancel, a timeout), the update either has been
        handed to the writer or never will be: one still queued in the run is withdrawn
        (the pump drops it), one being written is waited for (shielded, bounded). So
        whatever the caller sends next (``terminal/release``) follows it on the wire.
        """
        entry = _Handover(event)
        self._written[id(event)] = entry
        try:
            await emit(event)
            with anyio.move_on_after(self.timeout) as scope:
                await entry.done.wait()
            if scope.cancelled_caught:
                logger.warning("a tool call update was not written within %gs", self.timeout)
        finally:
            if not entry.done.is_set():
                if entry.writing:
                    with anyio.CancelScope(shield=True), anyio.move_on_after(self.timeout):
                        await entry.done.wait()
                else:  # Still queued (or never queued): the pump must drop it.
                    entry.withdrawn = True
            if entry.done.is_set() and self._written.get(id(event)) is entry:
                del self._written[id(event)]

    def clear(self) -> None:
        """Forget the turn (waiters still waiting keep their events; ids stay used)."""
        self._announced.clear()
        self._written.clear()
        self._open.clear()


@dataclass(eq=False)
class _Handover:
    """An update emitted through ``CallLedger.emit_written``, on its way to the writer."""

    event: object
    done: anyio.Event = field(default_factory=anyio.Event)
    writing: bool = False
    """The pump has claimed it and is writing it."""
    withdrawn: bool = False
    """Its emitter stopped waiting before the pump claimed it: never write it."""


__all__ = ["ANNOUNCE_TIMEOUT", "CallLedger"]
