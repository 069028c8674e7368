"""A tool's argument model and schema are built once per function, not once per instance.

Every ACP session binds the same ``WorkspaceTools`` methods to its own instance; building
a pydantic model per method per session held most of a session's memory.
"""

from __future__ import annotations

import gc
import weakref

from agentica import Function, tool
from agentica.agent import Agent
from agentica.testing import FunctionModel
from agentica.tools.builtin import WorkspaceTools
from agentica.tools.function import Tool, as_functions


def _agent(root) -> Agent:
    return Agent(model=FunctionModel(lambda m, t: "ok"), tools=[WorkspaceTools(root)])


def test_two_agents_share_each_tools_model_and_schema(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    one, two = _agent(tmp_path / "a"), _agent(tmp_path / "b")
    assert [f.name for f in one.functions] == [f.name for f in two.functions]
    for f, g in zip(one.functions, two.functions, strict=True):
        assert f.args_model is not None
        assert f.args_model is g.args_model, f.name
        assert f.parameters is g.parameters, f.name
        # Still bound to each agent's own tools.
        assert f.entrypoint.__self__ is not g.entrypoint.__self__  # type: ignore[attr-defined]


async def test_shared_model_still_calls_each_instance(tmp_path):
    class Box(Tool):
        def __init__(self, label: str) -> None:
            self.label = label

        @tool
        def show(self, times: int) -> str:
            """Show the label.

            Args:
                times: How often.
            """
            return self.label * times

    (a,), (b,) = Box("a").functions(), Box("b").functions()
    assert a.args_model is b.args_model
    assert await a.invoke({"times": "2"}) == "aa"
    assert await b.invoke({"times": 3}) == "bbb"


def test_inherited_docs_and_names_are_not_mixed_up():
    class Base(Tool):
        @tool
        def act(self, x: int) -> int:
            """Base action."""
            return x

    class Child(Base):
        @tool
        def act(self, x: int) -> int:  # No docstring: inspect.getdoc finds Base's.
            return -x

    class Other(Tool):
        @tool
        def act(self, x: int) -> int:
            """Other action."""
            return x

    assert Base().functions()[0].description == "Base action."
    assert Other().functions()[0].description == "Other action."
    assert Child().functions()[0].description == "Base action."
    renamed = Function.from_callable(Other().act, name="renamed")
    assert renamed.name == "renamed"
    assert renamed.args_model is not Other().functions()[0].args_model
    assert renamed.args_model.__name__ == "renamed_arguments"  # type: ignore[union-attr]


def test_plain_function_and_bound_method_differ():
    class Thing:
        def run(self, n: int) -> int:
            """Run."""
            return n

    plain = Function.from_callable(Thing.run, name="run")
    bound = Function.from_callable(Thing().run, name="run")
    assert "self" in plain.parameters["properties"]
    assert "self" not in bound.parameters["properties"]


def test_the_cache_does_not_keep_a_function_alive():
    def make():
        def gone(n: int) -> int:
            """Soon gone."""
            return n

        return gone

    fn = make()
    (made,) = as_functions([fn])
    assert made.args_model is Function.from_callable(fn).args_model  # Cached.
    ref = weakref.ref(fn)
    del fn, made
    gc.collect()
    assert ref() is None
