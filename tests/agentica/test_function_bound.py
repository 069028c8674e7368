"""``tool(...)`` applied to an already bound method, and to callables without attributes."""

from __future__ import annotations

import pytest

from agentica import Function, tool
from agentica.exceptions import UserError
from agentica.testing import ScriptedModel
from agentica.tools.base import CallDescription
from agentica.tools.function import as_functions


class Counter:
    def __init__(self) -> None:
        self.total = 0

    def bump(self, by: int) -> int:
        """Add to the counter.

        Args:
            by: How much to add.
        """
        self.total += by
        return self.total

    async def peek(self) -> int:
        """The current total."""
        return self.total

    def title(self, args: dict) -> CallDescription:
        return CallDescription(title=f"bump {self.total} by {args['by']}")


def test_tool_wraps_a_bound_method_without_touching_the_class():
    counter = Counter()
    bumped = tool(name="bump_counter", kind="edit", describe=Counter.title)(counter.bump)
    assert bumped(2) == 2  # Still directly callable, bound to the instance.
    fn = Function.from_callable(bumped)
    assert fn.name == "bump_counter"
    assert fn.kind == "edit"
    assert fn.description == "Add to the counter."
    assert fn.parameters["properties"]["by"]["description"] == "How much to add."
    assert fn.parameters["required"] == ["by"]
    assert fn.describe_call({"by": 3}).title == "bump 2 by 3"  # describe(self, args)
    # Other instances and the class are not marked.
    assert Function.from_callable(Counter().bump).name == "bump"
    assert not hasattr(Counter.bump, "__agentica_tool__")


async def test_a_wrapped_bound_method_runs_as_a_tool():
    counter = Counter()
    bump = tool(name="bump_counter")(counter.bump)
    peek = tool(is_read_only=True)(counter.peek)
    fns = {f.name: f for f in as_functions([bump, peek])}
    assert await fns["bump_counter"].invoke({"by": "5"}) == 5
    assert await fns["peek"].invoke({}) == 5
    assert fns["peek"].requires_approval is False


async def test_an_agent_uses_a_wrapped_bound_method():
    from agentica.agent import Agent
    from agentica.messages import ToolCall
    from agentica.models.base import ModelResponse

    counter = Counter()
    model = ScriptedModel(
        [
            ModelResponse(tool_calls=[ToolCall(id="c1", name="bump", arguments='{"by": 4}')]),
            ModelResponse(content="done"),
        ]
    )
    result = await Agent(model=model, tools=[tool(counter.bump)]).run("bump by 4")
    assert result.text == "done"
    assert counter.total == 4


def test_a_callable_without_attributes_gets_a_clear_user_error():
    with pytest.raises(UserError, match="takes no attributes"):
        tool(name="length")(len)
