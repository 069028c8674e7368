"""Schema building: a tool's JSON schema and argument model from its signature.

``args_model()`` reads a function's parameters (type hints, defaults, Google-style
``Args:`` descriptions from the docstring) into an ``ArgsModel``. Its pydantic model
(internal field names, the real parameter names as aliases) validates the model's
arguments: ``"3"`` becomes ``3`` for an ``int`` and ``"true"`` becomes ``True`` for a
``bool``. It is built on the first validation, not before: the JSON schema of simple
parameter types is written without pydantic (``agentica.tools.fast_schema``), so building
an agent does not import pydantic; other types get theirs from the model. A type hint
that cannot be resolved is a ``UserError`` naming the tool and the parameter, not a
silent ``Any``.

``tool_shape()`` caches what a function's signature and docstring give (the arguments,
the schema, the summary) per underlying function: every session binds the same tool
methods to its own instance, and building a pydantic model per method per session cost
most of a session's memory. The cache holds the function weakly, so it never keeps user
code alive.
"""

from __future__ import annotations

import functools
import inspect
import re
import threading
import types
import typing
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from agentica._records import record
from agentica.exceptions import UserError
from agentica.tools.fast_schema import Param, arguments_schema

if TYPE_CHECKING:
    from pydantic import BaseModel

_SECTION = re.compile(r"^\s*(Args|Arguments|Parameters|Params|Returns|Yields|Raises|Example|"
                      r"Examples|Note|Notes|Attributes)\s*:\s*$")
_ARG_LINE = re.compile(r"^(\*{0,2}\w+)\s*(\([^)]*\))?\s*:\s*(.*)$")
_BUILDING = threading.Lock()


def parse_docstring(doc: str | None) -> tuple[str, dict[str, str]]:
    """Split a Google-style docstring into its description and ``Args:`` descriptions."""
    lines = inspect.cleandoc(doc or "").splitlines()
    summary: list[str] = []
    args: dict[str, str] = {}
    section: str | None = None
    current: str | None = None
    indent = 0
    for line in lines:
        head = _SECTION.match(line)
        if head:
            section, current = head.group(1), None
            continue
        if section is None:
            summary.append(line)
            continue
        if section not in ("Args", "Arguments", "Parameters", "Params") or not line.strip():
            continue
        width = len(line) - len(line.lstrip())
        m = _ARG_LINE.match(line.strip())
        if m and (current is None or width <= indent):
            name = m.group(1).lstrip("*")
            current, indent = name, width
            args[name] = m.group(3).strip()
        elif current is not None:
            args[current] = f"{args[current]} {line.strip()}".strip()
    return "\n".join(summary).strip(), args


class ArgsModel:
    """A tool's arguments, and the pydantic model that validates them (built on first use).

    Attributes:
        name: The tool's name (the model is ``<name>_arguments``).
        params: The arguments the model sends, in parameter order.
        positional: Names of positional-only parameters, in order.
        fields: ``(field name, parameter name)`` pairs, in parameter order.
    """

    __slots__ = ("_model", "fields", "name", "params", "positional")

    def __init__(self, name: str, params: tuple[Param, ...], positional: tuple[str, ...]) -> None:
        self.name = name
        self.params = params
        self.positional = positional
        self.fields = tuple((p.attr, p.name) for p in params)
        self._model: type[BaseModel] | None = None

    @property
    def model(self) -> type[BaseModel]:
        """The pydantic model (field ``f<i>`` for parameter ``i``, aliased to its name)."""
        if self._model is None:
            with _BUILDING:  # One model per ArgsModel, even when two threads ask at once.
                if self._model is None:
                    self._model = _create_model(self.name, self.params)
        return self._model

    def schema(self) -> dict[str, Any]:
        """The JSON schema of the arguments as pydantic writes it (without its titles)."""
        return _pydantic_schema(self.model)


def _pydantic_schema(model: type[BaseModel]) -> dict[str, Any]:
    schema = model.model_json_schema()
    schema.pop("title", None)
    for prop in schema.get("properties", {}).values():
        if isinstance(prop, dict):
            prop.pop("title", None)
    schema.setdefault("properties", {})
    return schema


def _create_model(name: str, params: tuple[Param, ...]) -> type[BaseModel]:
    from pydantic import ConfigDict, Field, create_model

    config = ConfigDict(extra="ignore", coerce_numbers_to_str=True, arbitrary_types_allowed=True)
    definitions: dict[str, Any] = {
        p.attr: (p.annotation, Field(p.default, alias=p.name, description=p.description))
        for p in params
    }
    return create_model(f"{name}_arguments", __config__=config, **definitions)


def _unresolvable(tool: str, param: str, annotation: Any, error: Exception) -> UserError:
    return UserError(
        f"tool {tool!r}: cannot resolve the type hint {annotation!r} of parameter "
        f"{param!r} ({type(error).__name__}: {error}). Define or import the type at module "
        "level (string hints, as under `from __future__ import annotations`, are resolved "
        "in the function's module), or annotate with the type itself."
    )


def type_hints(fn: Callable[..., Any], tool: str) -> dict[str, Any]:
    """The resolved type hints of ``fn``'s parameters.

    Raises:
        UserError: A hint cannot be resolved (names the tool and the parameter).
    """
    target = fn.func if isinstance(fn, functools.partial) else fn
    try:
        return typing.get_type_hints(target, include_extras=True)
    except Exception:  # Find the culprit, one annotation at a time.
        pass
    namespace = getattr(inspect.unwrap(target), "__globals__", {})
    hints: dict[str, Any] = {}
    for param, annotation in getattr(target, "__annotations__", {}).items():
        try:
            hints[param] = typing.get_type_hints(
                _Holder(param, annotation), globalns=namespace, include_extras=True
            )[param]
        except Exception as e:
            if param == "return":
                continue  # The return type is not part of the schema.
            raise _unresolvable(tool, param, annotation, e) from e
    return hints


class _Holder:
    """An object with one annotation, for ``typing.get_type_hints()``."""

    def __init__(self, name: str, annotation: Any) -> None:
        self.__annotations__ = {name: annotation}


def args_model(
    fn: Callable[..., Any], name: str, docs: dict[str, str], skip: tuple[str, ...] = ()
) -> ArgsModel:
    """The arguments of ``fn`` (``*args``/``**kwargs`` and ``skip`` are left out).

    Raises:
        UserError: A parameter's type hint cannot be resolved.
    """
    hints = type_hints(fn, name)
    sig = inspect.signature(fn)
    params: list[Param] = []
    positional: list[str] = []
    for i, p in enumerate(sig.parameters.values()):
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) or p.name in skip:
            continue
        annotation = hints.get(p.name, p.annotation)
        if annotation is inspect.Parameter.empty:
            annotation = Any  # Unannotated: the model may send anything.
        default = ... if p.default is inspect.Parameter.empty else p.default
        params.append(Param(f"f{i}", p.name, annotation, default, docs.get(p.name)))
        if p.kind is p.POSITIONAL_ONLY:
            positional.append(p.name)
    return ArgsModel(name, tuple(params), tuple(positional))


@record(kw_only=False)
class ToolShape:
    """What a tool function's signature and docstring give; shared by every bound copy.

    Attributes:
        summary: The docstring's description (before ``Args:``).
        args: The argument model.
        parameters: The JSON schema of the arguments. Shared: never mutate it.
    """

    summary: str
    args: ArgsModel
    parameters: dict[str, Any]


_ShapeKey = tuple[str, bool, tuple[str, ...], bool]
_SHAPES: weakref.WeakKeyDictionary[Callable[..., Any], dict[_ShapeKey, ToolShape]] = (
    weakref.WeakKeyDictionary()
)
"""Shapes by underlying function, then by (tool name, bound method or not, skipped params,
schema built or not)."""


def _cache_key(fn: Callable[..., Any]) -> tuple[Callable[..., Any], bool] | None:
    """The function a shape can be cached under, and whether ``fn`` is bound to it.

    None when the shape may depend on more than the function: a ``partial`` (its bound
    arguments), a callable object, or a method without a docstring of its own (
    ``inspect.getdoc`` then looks it up in the instance's class, which differs by class).
    """
    if isinstance(fn, types.FunctionType):
        return fn, False
    if isinstance(fn, types.MethodType) and isinstance(fn.__func__, types.FunctionType):
        if fn.__func__.__doc__ is None:
            return None
        return fn.__func__, True
    return None


def json_schema(args: ArgsModel, tool: str) -> dict[str, Any]:
    """The arguments' JSON schema; a parameter type with none is a ``UserError`` naming it.

    Simple types are written without pydantic; for the others pydantic builds the model.
    """
    fast = arguments_schema(args.params)
    if fast is not None:
        return fast
    model = args.model  # Outside the try: an error building it is pydantic's, as always.
    try:
        return _pydantic_schema(model)
    except Exception as e:
        for p in args.params:
            try:
                from pydantic import TypeAdapter

                TypeAdapter(p.annotation).json_schema()
            except Exception:
                raise UserError(
                    f"tool {tool!r}: parameter {p.name!r} has type {p.annotation!r}, which has "
                    "no JSON schema, so a model cannot send it. Use JSON-friendly types "
                    "(str, int, list, dict, pydantic models, dataclasses, enums); to give "
                    "a tool an object of your own, pass it as deps and take a RunContext."
                ) from e
        raise UserError(f"tool {tool!r}: its arguments have no JSON schema ({e})") from e


def tool_shape(
    fn: Callable[..., Any], name: str, skip: tuple[str, ...] = (), *, schema: bool = True
) -> ToolShape:
    """The summary, arguments and schema of tool ``name`` calling ``fn`` (cached).

    ``skip``: parameters left out (a ``RunContext``). ``schema=False``: the tool declares
    its own schema; ``parameters`` is then empty.

    Raises:
        UserError: A parameter's type hint cannot be resolved, or its type has no JSON
            schema.
    """
    key = _cache_key(fn)
    if key is not None:
        shape = _SHAPES.get(key[0], {}).get((name, key[1], skip, schema))
        if shape is not None:
            return shape
    target = fn.func if isinstance(fn, functools.partial) else fn
    summary, arg_docs = parse_docstring(inspect.getdoc(target))
    args = args_model(fn, name, arg_docs, skip=skip)
    shape = ToolShape(summary, args, json_schema(args, name) if schema else {})
    if key is not None:
        _SHAPES.setdefault(key[0], {})[(name, key[1], skip, schema)] = shape
    return shape


__all__ = [
    "ArgsModel",
    "ToolShape",
    "args_model",
    "json_schema",
    "parse_docstring",
    "tool_shape",
    "type_hints",
]
