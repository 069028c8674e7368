"""The ``write_todos`` tool's logic: keep the agent's plan and show it to the user."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, field_validator

from agentica.events import PlanEntry, PlanUpdated
from agentica.tools.base import current_call

_STATUS_ALIASES = {
    "todo": "pending",
    "not_started": "pending",
    "open": "pending",
    "in-progress": "in_progress",
    "in progress": "in_progress",
    "inprogress": "in_progress",
    "doing": "in_progress",
    "active": "in_progress",
    "done": "completed",
    "complete": "completed",
    "finished": "completed",
}


class TodoItem(BaseModel):
    """One item of the todo list."""

    # Descriptions as ``Field``s, not attribute docstrings: ``use_attribute_docstrings``
    # reads and parses this file's source (~8 ms at every start).
    model_config = ConfigDict(extra="ignore")

    content: str = Field(description="What to do, as a short imperative sentence.")
    status: Literal["pending", "in_progress", "completed"] = Field(
        "pending", description="`pending`, `in_progress` (one item at a time) or `completed`."
    )
    priority: Literal["high", "medium", "low"] = Field(
        "medium", description="How important the item is (optional)."
    )

    @field_validator("status", mode="before")
    @classmethod
    def _normalise_status(cls, value: Any) -> Any:
        if isinstance(value, str):
            key = value.strip().lower()
            return _STATUS_ALIASES.get(key, key)
        return value


_TODOS = TypeAdapter(list[TodoItem])


async def write_todos(todos: Iterable[TodoItem | Mapping[str, Any]]) -> str:
    """See ``WorkspaceTools.write_todos``."""
    items = _TODOS.validate_python(
        [t.model_dump() if isinstance(t, BaseModel) else t for t in todos]
    )
    entries = tuple(
        PlanEntry(content=t.content, status=t.status, priority=t.priority) for t in items
    )
    ctx = current_call()
    if ctx is not None:
        await ctx.emit(PlanUpdated(entries=entries, agent=ctx.agent))
    return summary(entries)


def summary(entries: tuple[PlanEntry, ...]) -> str:
    """``Todo list updated: 3 items (1 completed, 1 in progress, 1 pending)`` and the list."""
    if not entries:
        return "Todo list cleared."
    counts = Counter(e.status for e in entries)
    parts = [
        f"{counts[s]} {s.replace('_', ' ')}"
        for s in ("completed", "in_progress", "pending")
        if counts[s]
    ]
    noun = "item" if len(entries) == 1 else "items"
    head = f"Todo list updated: {len(entries)} {noun} ({', '.join(parts)})."
    rows = [f"{i}. [{e.status}] {e.content}" for i, e in enumerate(entries, 1)]
    return "\n".join([head, *rows])
