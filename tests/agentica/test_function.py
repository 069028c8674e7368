"""Function tools: @tool, Tool classes, schemas from signatures, validation, hooks."""

from __future__ import annotations

import threading
from typing import Literal

import pytest
from pydantic import BaseModel

from agentica import Function, FunctionCall, Hooks, Tool, tool
from agentica.events import TextContent
from agentica.exceptions import StopRun, ToolError, UserError
from agentica.tools.base import CallDescription, ToolResult
from agentica.tools.function import as_functions, parse_docstring, result_text


def add(a: int, b: int = 2) -> int:
    """Add two numbers.

    A longer explanation.

    Args:
        a: The first number,
            on two lines.
        b (int): The second number.

    Returns:
        The sum.
    """
    return a + b


def test_function_schema_comes_from_signature_and_docstring():
    fn = Function.from_callable(add)
    assert fn.name == "add"
    assert fn.description == "Add two numbers.\n\nA longer explanation."
    assert fn.parameters == {
        "type": "object",
        "properties": {
            "a": {"type": "integer", "description": "The first number, on two lines."},
            "b": {"type": "integer", "default": 2, "description": "The second number."},
        },
        "required": ["a"],
    }
    spec = fn.spec()
    assert (spec.name, spec.parameters) == ("add", fn.parameters)


class Point(BaseModel):
    x: float
    y: float


def test_function_schema_handles_rich_types_and_reserved_names():
    def shapes(
        points: list[Point], mode: Literal["fast", "slow"] = "fast", json: bool = False
    ) -> str:
        """Draw."""
        return ""

    fn = Function.from_callable(shapes)
    props = fn.parameters["properties"]
    assert props["mode"]["enum"] == ["fast", "slow"]
    assert props["json"]["type"] == "boolean"
    assert "$defs" in fn.parameters


def test_an_unresolvable_type_hint_is_a_user_error_naming_tool_and_parameter():
    class Local(BaseModel):  # Under `from __future__ import annotations`: a string hint.
        x: int

    def use(item: Local, count: int = 1) -> str:
        """Use."""
        return ""

    with pytest.raises(UserError) as info:
        Function.from_callable(use)
    message = str(info.value)
    assert "tool 'use'" in message and "parameter 'item'" in message and "'Local'" in message


def test_a_forward_reference_to_a_missing_name_is_a_user_error():
    def lookup(key: str, store: NoSuchStore) -> str:  # type: ignore[name-defined]  # noqa: F821
        """Look up."""
        return key

    with pytest.raises(UserError, match=r"tool 'find'.*parameter 'store'.*NoSuchStore"):
        Function.from_callable(lookup, name="find")


def test_an_unresolvable_return_hint_does_not_matter():
    def answer(question: str) -> NoSuchAnswer:  # type: ignore[name-defined]  # noqa: F821
        """Answer."""
        return question

    fn = Function.from_callable(answer)
    assert fn.parameters["properties"]["question"]["type"] == "string"


def test_parse_docstring_without_args_section():
    assert parse_docstring("Just a line.") == ("Just a line.", {})
    assert parse_docstring(None) == ("", {})


async def test_function_invoke_coerces_strings_from_models():
    fn = Function.from_callable(add)
    assert await fn.invoke({"a": "3", "b": "4"}) == 7

    def flag(on: bool, ratio: float, label: str) -> str:
        """Flag."""
        return f"{on} {ratio} {label}"

    assert (
        await Function.from_callable(flag).invoke({"on": "true", "ratio": "0.5", "label": 3})
        == "True 0.5 3"
    )


async def test_tool_decorator_keeps_function_callable_and_works_on_async_def():
    @tool
    async def fetch(url: str) -> str:
        """Fetch a URL."""
        return f"got {url}"

    assert await fetch("x") == "got x"  # still the original coroutine function
    fn = Function.from_callable(fetch)
    assert await fn.invoke({"url": "u"}) == "got u"
    assert fn.requires_approval  # not read-only


def test_tool_decorator_with_options():
    @tool(
        name="search_code",
        description="Search.",
        kind="search",
        is_read_only=True,
        concurrency_safe=False,
    )
    def grep(pattern: str) -> str:
        return pattern

    fn = Function.from_callable(grep)
    assert (fn.name, fn.description, fn.kind) == ("search_code", "Search.", "search")
    assert fn.is_read_only and not fn.requires_approval and not fn.concurrency_safe
    assert grep("p") == "p"
    assert Function.from_callable(grep, requires_approval=True).requires_approval


async def test_sync_tools_run_in_a_worker_thread():
    loop_thread = threading.get_ident()

    def where() -> bool:
        """Report the thread."""
        return threading.get_ident() != loop_thread

    assert await Function.from_callable(where).invoke({}) is True


class Files(Tool):
    def __init__(self, root: str) -> None:
        self.root = root

    @tool(
        kind="read",
        is_read_only=True,
        describe=lambda self, args: CallDescription(title=f"Read {self.root}/{args['path']}"),
    )
    def read(self, path: str) -> str:
        """Read a file."""
        return f"{self.root}/{path}"

    @tool
    async def remove(self, path: str) -> str:
        """Remove a file."""
        return f"removed {path}"

    def helper(self) -> None:
        """Not a tool."""


async def test_tool_class_methods_become_bound_tools_in_order():
    files = Files("/r")
    fns = files.functions()
    assert [f.name for f in fns] == ["read", "remove"]
    assert "self" not in fns[0].parameters["properties"]
    assert await fns[0].invoke({"path": "a"}) == "/r/a"
    assert fns[0].describe_call({"path": "a"}).title == "Read /r/a"
    assert files.read("b") == "/r/b"


def test_describe_call_default_title_summarises_arguments():
    title = Function.from_callable(add).describe_call({"a": 1, "b": "x" * 100}).title
    assert title.startswith("add(a=1, b=") and len(title) < 80


def test_as_functions_accepts_mixed_and_rejects_duplicates_and_non_tools():
    fns = as_functions([add, Function.from_callable(add, name="plus"), Files("/")])
    assert [f.name for f in fns] == ["add", "plus", "read", "remove"]
    with pytest.raises(UserError, match="two tools are named 'add'"):
        as_functions([add, add])
    with pytest.raises(UserError, match="not a tool"):
        as_functions([42])
    with pytest.raises(UserError, match="instance of Files"):
        as_functions([Files])


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        ("plain", "plain"),
        ({"a": 1}, '{"a": 1}'),
        ([1, "é"], '[1, "é"]'),
        (3, "3"),
    ],
)
def test_result_text_for_the_model(value, text):
    assert result_text(value) == text


async def test_function_call_execute_returns_result_with_duration():
    result = await FunctionCall(
        function=Function.from_callable(add), call_id="c", arguments='{"a": 1}'
    ).execute()
    assert (result.text, result.status, result.value) == ("3", "completed", 3)
    assert result.duration > 0 and result.call_id == "c"  # Measured, not the 0.0 default.


async def test_function_call_tool_result_keeps_user_content():
    def edit() -> ToolResult:
        """Edit."""
        return ToolResult(text="edited", content=(TextContent(text="diff"),), raw_output={"n": 1})

    result = await FunctionCall(function=Function.from_callable(edit), call_id="c").execute()
    assert result.text == "edited" and result.content == (TextContent(text="diff"),)
    assert result.raw_output == {"n": 1}


@pytest.mark.parametrize(
    ("raises", "expected"),
    [
        (ToolError("file not found: a.txt"), "file not found: a.txt"),
        (RuntimeError("kaput"), "RuntimeError: kaput"),
    ],
)
async def test_function_call_errors_become_error_results(raises, expected):
    def bad() -> None:
        """Fail."""
        raise raises

    result = await FunctionCall(function=Function.from_callable(bad), call_id="c").execute()
    assert result.is_error and result.status == "failed" and expected in result.text


async def test_function_call_stop_run_propagates():
    async def stop() -> None:
        """Stop."""
        raise StopRun("halt")

    with pytest.raises(StopRun):
        await FunctionCall(function=Function.from_callable(stop), call_id="c").execute()


async def test_hooks_sync_and_async_per_function_and_agent_wide():
    log: list[str] = []

    def pre(call: FunctionCall) -> None:
        log.append(
            f"agent-pre {call.call_id} {threading.current_thread() is threading.main_thread()}"
        )

    async def post(call: FunctionCall, result) -> None:
        log.append(f"agent-post {result.text}")

    async def fn_pre(call: FunctionCall) -> None:
        log.append("fn-pre")

    def fn_post(call: FunctionCall, result) -> None:
        log.append("fn-post")

    fn = Function.from_callable(add, pre_hook=fn_pre, post_hook=fn_post)
    call = FunctionCall(
        function=fn, call_id="c", arguments={"a": 1}, hooks=Hooks(pre_tool=pre, post_tool=post)
    )
    result = await call.execute()
    assert result.text == "3"
    assert log == ["agent-pre c False", "fn-pre", "fn-post", "agent-post 3"]


async def test_pre_hook_can_refuse_a_call_with_tool_error():
    def guard(call: FunctionCall) -> None:
        raise ToolError("not allowed here")

    call = FunctionCall(
        function=Function.from_callable(add),
        call_id="c",
        arguments={"a": 1},
        hooks=Hooks(pre_tool=guard),
    )
    result = await call.execute()
    assert result.is_error and result.text == "not allowed here"


def test_unnameable_callable_is_rejected():
    with pytest.raises(UserError, match="cannot name the tool"):
        Function.from_callable(lambda x: x)


def test_format_validation_error_gives_one_line_with_field_paths():
    from pydantic import TypeAdapter, ValidationError

    from agentica.exceptions import format_validation_error

    class Point(BaseModel):
        x: int
        tags: list[int]

    with pytest.raises(ValidationError) as info:
        Point.model_validate({"x": "one", "tags": [1, "two"]})
    text = format_validation_error(info.value)
    assert text.startswith("x: Input should be a valid integer")
    assert "; tags.1: Input should be a valid integer" in text
    assert format_validation_error(info.value, limit=1).count(":") == 1
    with pytest.raises(ValidationError) as bare:
        TypeAdapter(int).validate_python("zero")
    assert format_validation_error(bare.value, root="params").startswith("params: ")


async def test_invalid_arguments_are_one_readable_failure_result():
    result = await FunctionCall(
        function=Function.from_callable(add), call_id="c1", arguments='{"a": "x"}'
    ).execute()
    assert (result.is_error, result.status, result.call_id, result.tool_name) == (
        True, "failed", "c1", "add"
    )
    assert result.text == result.error
    assert result.text.startswith("Invalid arguments for tool 'add': a: Input should be")
