"""The ``write_todos`` tool's logic: keep the agent's plan and show it to the user."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from agentica.events import PlanEntry, PlanUpdated
from agentica.tools.base import current_call

if TYPE_CHECKING:
    from agentica.tools.todo_item import TodoItem

TODO_ITEM_SCHEMA: dict[str, Any] = {
    "description": "One item of the todo list.",
    "properties": {
        "content": {
            "description": "What to do, as a short imperative sentence.",
            "title": "Content",
            "type": "string",
        },
        "status": {
            "default": "pending",
            "description": "`pending`, `in_progress` (one item at a time) or `completed`.",
            "enum": ["pending", "in_progress", "completed"],
            "title": "Status",
            "type": "string",
        },
        "priority": {
            "default": "medium",
            "description": "How important the item is (optional).",
            "enum": ["high", "medium", "low"],
            "title": "Priority",
            "type": "string",
        },
    },
    "required": ["content"],
    "title": "TodoItem",
    "type": "object",
}
"""``TodoItem``'s JSON schema as pydantic writes it, declared so the tools need no pydantic
(``tests/agentica/test_fast_schema.py`` checks the two agree)."""


def __getattr__(name: str) -> Any:
    if name == "TodoItem":  # The pydantic model, imported when first asked for.
        from agentica.tools.todo_item import TodoItem

        return TodoItem
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


async def write_todos(todos: Iterable[TodoItem | Mapping[str, Any]]) -> str:
    """See ``WorkspaceTools.write_todos``.

    Raises:
        pydantic.ValidationError: An item is not a todo (its location starts ``todos.``).
    """
    from pydantic import BaseModel

    from agentica.tools.todo_item import TodoList

    items = TodoList.model_validate(
        {"todos": [t.model_dump() if isinstance(t, BaseModel) else t for t in todos]}
    ).todos
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


__all__ = ["TODO_ITEM_SCHEMA", "TodoItem", "summary", "write_todos"]
