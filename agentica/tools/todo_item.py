"""``TodoItem``: one item of ``write_todos``'s list, as pydantic validates it.

Imported when the tool first runs (or when ``TodoItem`` is asked for), not with the
tools: the schema the model sees is declared without pydantic in ``agentica.tools.todos``.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

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


class TodoList(BaseModel):
    """``write_todos``'s arguments: an error's location starts with ``todos``, as the model
    sent it."""

    model_config = ConfigDict(extra="ignore")

    todos: list[TodoItem]


__all__ = ["TodoItem", "TodoList"]
