"""Tools that declare their JSON schema (``@tool(parameters=...)``), and ``write_todos``,
which does so to need no pydantic until it runs, yet answers the model as before."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from agentica import Function, FunctionCall, tool
from agentica.exceptions import UserError
from agentica.tools.builtin import WorkspaceTools

SCHEMA: dict[str, Any] = {
    "properties": {"n": {"description": "The number.", "type": "integer"}},
    "required": ["n"],
    "type": "object",
}


class Opaque:
    """A type pydantic has no JSON schema for."""


async def test_a_declared_schema_is_what_the_model_sees_and_the_signature_still_validates():
    @tool(parameters=SCHEMA)
    def double(n: int) -> int:
        """Double it."""
        return 2 * n

    made = Function.from_callable(double)
    assert made.parameters is SCHEMA
    assert made.spec().parameters is SCHEMA
    assert await made.invoke({"n": "4", "ignored": 1}) == 8  # Coerced, extra key dropped.
    failed = await FunctionCall(function=made, call_id="c", arguments={"n": "x"}).execute()
    assert failed.is_error and failed.text.startswith("Invalid arguments for tool 'double': n:")


async def test_parameters_can_be_given_to_from_callable_too():
    def plain(n: int) -> int:
        return n

    made = Function.from_callable(plain, parameters=SCHEMA)
    assert made.parameters is SCHEMA and await made.invoke({"n": "5"}) == 5
    assert Function.from_callable(plain).parameters["properties"]["n"] == {"type": "integer"}


def test_a_declared_schema_spares_the_signature_s_schema():
    def takes(thing: Opaque) -> str:
        return "ok"

    with pytest.raises(UserError, match="no JSON schema"):
        Function.from_callable(takes)
    made = Function.from_callable(takes, parameters={"type": "object", "properties": {}})
    assert made.parameters == {"type": "object", "properties": {}}


# What the model read for bad ``write_todos`` arguments when pydantic validated them
# before the call (``todos: list[TodoItem]``); the tool now validates them itself.
BAD_TODOS: list[tuple[dict[str, Any], str]] = [
    ({"todos": [{"content": "A", "status": "someday"}]},
     "todos.0.status: Input should be 'pending', 'in_progress' or 'completed'"),
    ({"todos": [{"status": "done"}]}, "todos.0.content: Field required"),
    ({"todos": "notalist"}, "todos: Input should be a valid list"),
    ({"todos": None}, "todos: Input should be a valid list"),
    ({"todos": [1, "x"]},
     "todos.0: Input should be a valid dictionary or instance of TodoItem; "
     "todos.1: Input should be a valid dictionary or instance of TodoItem"),
    ({}, "todos: Field required"),
    ({"todos": [{"content": 3, "priority": "urgent", "extra": 1}]},
     "todos.0.content: Input should be a valid string; "
     "todos.0.priority: Input should be 'high', 'medium' or 'low'"),
]


@pytest.mark.parametrize(("arguments", "problems"), BAD_TODOS)
async def test_bad_todos_read_as_before(tmp_path: Path, arguments: dict[str, Any], problems: str):
    todos = {f.name: f for f in WorkspaceTools(tmp_path).functions()}["write_todos"]
    result = await FunctionCall(function=todos, call_id="c", arguments=arguments).execute()
    assert result.is_error
    assert result.text == f"Invalid arguments for tool 'write_todos': {problems}"


async def test_todos_keep_aliases_and_ignore_extra_keys(tmp_path: Path):
    todos = {f.name: f for f in WorkspaceTools(tmp_path).functions()}["write_todos"]
    text = await todos.invoke(
        {"todos": [{"content": "A", "status": " DONE ", "x": 1}, {"content": "B"}], "y": 2}
    )
    assert text == (
        "Todo list updated: 2 items (1 completed, 1 pending).\n1. [completed] A\n2. [pending] B"
    )


async def test_todo_item_is_still_importable_and_accepted(tmp_path: Path):
    from agentica.tools.builtin import TodoItem
    from agentica.tools.todos import TodoItem as Same

    assert TodoItem is Same and issubclass(TodoItem, BaseModel)
    assert TodoItem.model_validate({"content": "x", "status": "finished"}).status == "completed"
    text = await WorkspaceTools(tmp_path).write_todos([TodoItem.model_validate({"content": "Go"})])
    assert text.endswith("1. [pending] Go")
    with pytest.raises(AttributeError):
        from agentica.tools import todos

        _ = todos.NotThere  # type: ignore[attr-defined]
