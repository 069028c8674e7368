"""Start a task outside the caller's task tree, on asyncio or trio.

Used where no block exists to scope a task group in: a streamed run (``agentica._stream``,
a bare ``async for``), a model stream's watchdog (``agentica.models._watch``) and the MCP
servers of an ACP session (``acp_server.mcp_tools``). The owner of such a task is
responsible for ending it.
"""

from __future__ import annotations

import contextvars
import sys
from collections.abc import Awaitable, Callable
from typing import Any

Schedule = Callable[[Callable[[], None]], None]
"""Runs a callback on the task's event loop; callable from any thread."""

_hosted: set[Any] = set()
"""Hosted asyncio tasks (the loop itself keeps only weak references to tasks)."""


def host_task(body: Callable[[], Awaitable[None]]) -> Schedule | None:
    """Start ``body()`` outside the caller's task tree; ``None`` if the loop is unknown.

    Returns a thread-safe way to run a callback on that loop.
    """
    asyncio = sys.modules.get("asyncio")
    if asyncio is not None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            pass
        else:
            # A loop-level task, not a task group (the banned-api rule's advice): a bare
            # ``async for`` gives no block to scope one in. The stream owns the task: it
            # cancels the run when its consumer leaves, and the task ends with the run.
            task = loop.create_task(body())
            _hosted.add(task)
            task.add_done_callback(_hosted.discard)
            return loop.call_soon_threadsafe  # type: ignore[no-any-return]
    trio = sys.modules.get("trio")
    if trio is not None:
        try:
            token = trio.lowlevel.current_trio_token()
        except RuntimeError:
            return None
        trio.lowlevel.spawn_system_task(body, context=contextvars.copy_context())
        return token.run_sync_soon  # type: ignore[no-any-return]
    return None


__all__ = ["Schedule", "host_task"]
