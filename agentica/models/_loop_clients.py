"""One pooled HTTP client per running event loop.

A pooled ``httpx`` client (and the ``AsyncOpenAI`` over it) is bound to the event loop
that opened its connections: reused on another loop it fails with "Event loop is
closed". Every ``run_sync()`` / ``run_stream_sync()`` runs on a fresh loop, so a model
keeps one client per loop, pooled within that loop.

Each client is closed *on its own loop* when that loop shuts down: a tiny async
generator is started on the loop and kept suspended; ``asyncio.run()`` / ``anyio.run()``
(and a blocking portal) finalise pending async generators before closing the loop, which
runs the generator's ``finally`` and closes the pool there. A loop closed without that
step (a bare ``loop.close()``) leaves its entry to be pruned, without awaiting, at the
next call.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import AsyncGenerator, Callable
from dataclasses import field
from typing import Any

import anyio.lowlevel

from agentica._records import record

logger = logging.getLogger(__name__)


@record(frozen=False, kw_only=False, eq=False)
class _Entry:
    client: Any
    owned: Any
    """The HTTP client to close with the loop (None when the caller owns it)."""
    closer: AsyncGenerator[None, None] | None = None
    dead: bool = False
    """Set when the loop is gone: the closer then returns without awaiting."""
    key: Any = field(default=None, repr=False)


class LoopClients:
    """Clients made by ``factory() -> (client, owned_http_client | None)``, one per loop."""

    def __init__(self, factory: Callable[[], tuple[Any, Any]]) -> None:
        self._factory = factory
        self._weak: weakref.WeakKeyDictionary[Any, _Entry] = weakref.WeakKeyDictionary()
        self._strong: dict[Any, _Entry] = {}

    def __len__(self) -> int:
        return len(self._weak) + len(self._strong)

    async def get(self) -> Any:
        """The client of the running loop, created (and registered for closing) once."""
        key = anyio.lowlevel.current_token().native_token
        entry = self._lookup(key)
        if entry is not None:
            return entry.client
        self._prune()
        client, owned = self._factory()
        entry = _Entry(client=client, owned=owned, key=key)
        self._store(key, entry)
        if owned is not None:
            entry.closer = self._close_at_loop_end(entry)
            # The first step registers the generator with the loop's finaliser hooks;
            # it suspends at once, without yielding to other tasks.
            await entry.closer.__anext__()
        return client

    async def aclose_current(self) -> None:
        """Close the running loop's client now (others close with their loops)."""
        self._prune()
        key = anyio.lowlevel.current_token().native_token
        entry = self._lookup(key)
        if entry is None:
            return
        self._remove(entry)
        if entry.closer is not None:
            await entry.closer.aclose()

    async def _close_at_loop_end(self, entry: _Entry) -> AsyncGenerator[None, None]:
        try:
            yield
        finally:
            self._remove(entry)
            if not entry.dead:
                with anyio.CancelScope(shield=True):
                    await entry.owned.aclose()

    # --- bookkeeping -------------------------------------------------------------------

    def _lookup(self, key: Any) -> _Entry | None:
        try:
            return self._weak.get(key)
        except TypeError:  # a loop token that cannot be weakly referenced
            return self._strong.get(key)

    def _store(self, key: Any, entry: _Entry) -> None:
        try:
            self._weak[key] = entry
        except TypeError:
            self._strong[key] = entry

    def _remove(self, entry: _Entry) -> None:
        for table in (self._weak, self._strong):
            try:
                if table.get(entry.key) is entry:
                    del table[entry.key]
            except TypeError:
                pass

    def _prune(self) -> None:
        """Forget clients of loops closed without finalising (no await on a dead loop)."""
        for key, entry in [*self._weak.items(), *self._strong.items()]:
            is_closed = getattr(key, "is_closed", None)
            if is_closed is None or not is_closed():
                continue
            logger.debug("dropping the HTTP client of a closed event loop")
            self._remove(entry)
            entry.dead = True
            if entry.closer is not None:
                # Run the closer's ``finally`` synchronously: it returns at once when dead,
                # so the loop's finaliser hook is never called on the closed loop.
                step = entry.closer.aclose()
                try:
                    step.send(None)
                except StopIteration:
                    pass
                else:  # pragma: no cover  (the closer never awaits once dead)
                    step.close()
