"""Tool schemas written without pydantic are exactly pydantic's (same dict, same key order).

``agentica.tools.fast_schema`` writes the JSON schema of simple parameter types so that
building an agent imports no pydantic; the model must still receive the very bytes it did
when pydantic wrote them. Each case below is compared with what pydantic writes for the
same argument model (``ArgsModel.schema()``).
"""

from __future__ import annotations

import dataclasses
import enum
import inspect
import json
import typing
import warnings
from collections.abc import Sequence
from typing import Annotated, Any, Literal, Optional, Union

import pytest
from pydantic import BaseModel, Field
from typing_extensions import TypedDict  # (pydantic's choice on Python < 3.12)

from agentica.context import RunContext
from agentica.tools.builtin import WRITE_TODOS_PARAMETERS, WorkspaceTools
from agentica.tools.fast_schema import Param, arguments_schema
from agentica.tools.function import Function
from agentica.tools.schema import ArgsModel, args_model, json_schema, parse_docstring
from agentica.tools.task import TaskTool
from agentica.tools.todo_item import TodoItem

TYPES: list[Any] = [
    str, int, float, bool, None, type(None), Any, object,
    list, dict, tuple, set, frozenset, typing.List, typing.Dict,  # noqa: UP006
    list[int], list[str | None], list[Any], typing.List[int],  # noqa: UP006
    list[list[int]], list[dict[str, Any]], list[Literal["a", "b"]],
    dict[str, Any], dict[str, object], dict[str, int], dict[str, list[int]],
    dict[str, int | None], dict[str, Literal["x"]], typing.Dict[str, float],  # noqa: UP006
    tuple[int, ...], tuple[Any, ...], tuple[int, str], tuple[str, int, bool],
    tuple[int | None, Literal["q"]], typing.Tuple[int, ...],  # noqa: UP006
    set[int], frozenset[str], set[str | int], set[Literal[1, 2]],
    Literal["a"], Literal["a", "b"], Literal[1, 2], Literal[True], Literal[True, False],
    Literal[1, "a"], Literal["a", None], Literal[None], Literal[1, True], Literal[0, False],
    int | None, Optional[str], None | int, int | str, int | str | None, str | None | int,  # noqa: UP045
    Union[int, None, str], Optional[Any], int | Any, Any | None, list[int] | None,  # noqa: UP007, UP045
    Literal["a"] | Literal["b"], Literal["a"] | None, Optional[Literal["x", "y"]],  # noqa: UP045
    list[int] | tuple[int, ...], list[int] | list[int | None], bool | int, float | int,
    int | float | None, list[dict[str, Any]] | None, Optional[Union[int, str]],  # noqa: UP007, UP045
    dict[str, Any] | list[Any] | str | None, Literal["x"] | str, tuple[int, int] | None,
]

DEFAULTS: list[Any] = [
    None, 0, -3, 10**20, "", "x", 1.5, -0.0, 2.0, True, False, [], {}, (), [1, "a", None],
    (1, "a"), {"b": {"z": 1, "a": [{"y": 1, "x": 2}]}, "a": 1.0},
    {"default": {"z": 1, "a": 2}, "properties": {"z": 1, "a": 2}},
]


def _params(annotation: Any) -> tuple[Param, ...]:
    """``annotation`` required, then with every default, with and without descriptions."""
    out = [Param("f0", "required", annotation, ..., None)]
    for i, default in enumerate(DEFAULTS, 1):
        description = [None, "", "What it is.", "Multi\nline: `x` \u00e9"][i % 4]
        out.append(Param(f"f{i}", f"p{i}", annotation, default, description))
    return tuple(out)


def _same(fast: dict[str, Any] | None, slow: dict[str, Any]) -> None:
    assert fast is not None, "not written by the fast path"
    # The request bytes: equal dicts, and equal key order at every level.
    assert json.dumps(fast) == json.dumps(slow)


@pytest.mark.parametrize("annotation", TYPES, ids=repr)
def test_simple_types_with_every_default_match_pydantic(annotation: Any) -> None:
    args = ArgsModel("t", _params(annotation), ())
    _same(arguments_schema(args.params), args.schema())


def test_mixed_parameters_and_no_parameters_match_pydantic() -> None:
    mixed = tuple(
        Param(f"f{i}", f"a{i}", t, ... if i % 3 == 0 else None, f"d{i}" if i % 2 else None)
        for i, t in enumerate(TYPES)
    )
    for params in (mixed, (), mixed[1:2]):  # all, none, one optional (no "required")
        args = ArgsModel("t", params, ())
        _same(arguments_schema(params), args.schema())


def _sample(
    path: str,  # Where to look.
    /,
    limit: int = 10,
    *items: str,
    flags: list[Literal["i", "m"]] | None = None,
    ratio: float = 0.5,
    raw=None,
    ctx: RunContext[None],
    verbose: bool = False,
    **extra: Any,
) -> str:
    """Do a sample thing.

    Args:
        path: The path,
            on two lines.
        limit (int): At most this many.
        flags: Regex flags.
        raw: Anything.
        ctx: Hidden.
    """
    return path


def test_a_real_signature_matches_pydantic() -> None:
    _, docs = parse_docstring(inspect.getdoc(_sample))
    args = args_model(_sample, "sample", docs, skip=("ctx",))
    assert [p.name for p in args.params] == [
        "path", "limit", "flags", "ratio", "raw", "verbose"
    ]
    _same(arguments_schema(args.params), args.schema())
    made = Function.from_callable(_sample)
    assert made.parameters == args.schema() and made.context_param == "ctx"
    assert made.parameters["properties"]["path"]["description"] == "The path, on two lines."


@pytest.mark.parametrize(
    "function", [*WorkspaceTools(".").functions(), *TaskTool().functions()],
    ids=lambda f: f.name,
)
def test_every_builtin_tool_schema_is_pydantics(function: Function) -> None:
    assert function.arg_spec is not None
    if function.name == "write_todos":  # Declared: it must be what pydantic wrote.
        async def write_todos(todos: list[TodoItem]) -> None: ...

        _, docs = parse_docstring(inspect.getdoc(WorkspaceTools.write_todos))
        slow = args_model(write_todos, "write_todos", docs).schema()
        assert function.parameters is WRITE_TODOS_PARAMETERS
        assert json.dumps(function.parameters) == json.dumps(slow)
    else:
        _same(function.parameters, function.arg_spec.schema())


class Colour(enum.Enum):
    RED = "red"


@dataclasses.dataclass
class Point:
    x: int


class Pet(BaseModel):
    name: str


class Movie(TypedDict):
    title: str


class Opaque:
    def __repr__(self) -> str:  # (a stable test id: pytest-xdist workers compare them)
        return "Opaque()"


@pytest.mark.parametrize(
    ("annotation", "default"),
    [
        (Colour, ...), (Point, ...), (Pet, ...), (Movie, ...), (list[Pet], ...),
        (Annotated[int, Field(ge=1)], ...), (Annotated[str, "doc"], ...),
        (dict[int, str], ...), (Sequence[int], ...), (tuple[()], ...), (typing.Tuple, ...),  # noqa: UP006
        (int | Colour, ...), (Literal[Colour.RED], ...), (float, float("inf")),
        (Any, Opaque()), (set[int], {1, 2}), (dict[str, Any], {1: "a"}), (int, Colour.RED),
    ],
    ids=repr,
)
def test_other_types_go_to_pydantic(annotation: Any, default: Any) -> None:
    args = ArgsModel("t", (Param("f0", "x", annotation, default, "X."),), ())
    assert arguments_schema(args.params) is None
    with warnings.catch_warnings():  # (pydantic warns of a default it cannot write)
        warnings.simplefilter("ignore")
        assert json_schema(args, "t") == args.schema()  # pydantic's, as before


@pytest.mark.parametrize("name", ["default", "properties"])
def test_a_parameter_named_like_a_schema_key_goes_to_pydantic(name: str) -> None:
    args = ArgsModel("t", (Param("f0", name, int, 1, None),), ())
    assert arguments_schema(args.params) is None
    assert json_schema(args, "t") == args.schema()
