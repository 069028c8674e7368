"""Schema building: a tool's JSON schema and argument model from its signature.

``args_model()`` turns a function's parameters into a pydantic model (internal field
names, the real parameter names as aliases, Google-style ``Args:`` descriptions from the
docstring), which both gives the JSON schema the model sees and validates the model's
arguments: ``"3"`` becomes ``3`` for an ``int`` and ``"true"`` becomes ``True`` for a
``bool``. A type hint that cannot be resolved is a ``UserError`` naming the tool and the
parameter, not a silent ``Any``.

``tool_shape()`` caches what a function's signature and docstring give (the model, the
schema, the summary) per underlying function: every session binds the same tool methods
to its own instance, and building a pydantic model per method per session cost most of
a session's memory. The cache holds the function weakly, so it never keeps user code alive.
"""

from __future__ import annotations

import functools
import inspect
import re
import types
import typing
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, create_model

from agentica.exceptions import UserError

_SECTION = re.compile(r"^\s*(Args|Arguments|Parameters|Params|Returns|Yields|Raises|Example|"
                      r"Examples|Note|Notes|Attributes)\s*:\s*$")
_ARG_LINE = re.compile(r"^(\*{0,2}\w+)\s*(\([^)]*\))?\s*:\s*(.*)$")
_CONFIG = ConfigDict(extra="ignore", coerce_numbers_to_str=True, arbitrary_types_allowed=True)


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


@dataclass(frozen=True, slots=True)
class ArgsModel:
    """A tool's argument model and how its fields map back onto the call.

    Attributes:
        model: The pydantic model (field ``f<i>`` for parameter ``i``, aliased to its name).
        positional: Names of positional-only parameters, in order.
        fields: ``(field name, parameter name)`` pairs, in parameter order.
    """

    model: type[BaseModel]
    positional: tuple[str, ...]
    fields: tuple[tuple[str, str], ...]

    def schema(self) -> dict[str, Any]:
        """The JSON schema of the arguments (without pydantic's titles)."""
        schema = self.model.model_json_schema()
        schema.pop("title", None)
        for prop in schema.get("properties", {}).values():
            if isinstance(prop, dict):
                prop.pop("title", None)
        schema.setdefault("properties", {})
        return schema


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
    """A pydantic model of ``fn``'s parameters (``*args``/``**kwargs`` and ``skip`` are left out).

    Raises:
        UserError: A parameter's type hint cannot be resolved.
    """
    hints = type_hints(fn, name)
    sig = inspect.signature(fn)
    definitions: dict[str, Any] = {}
    positional: list[str] = []
    fields: list[tuple[str, str]] = []
    for i, p in enumerate(sig.parameters.values()):
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) or p.name in skip:
            continue
        annotation = hints.get(p.name, p.annotation)
        if annotation is inspect.Parameter.empty:
            annotation = Any  # Unannotated: the model may send anything.
        default = ... if p.default is inspect.Parameter.empty else p.default
        attr = f"f{i}"
        definitions[attr] = (
            annotation,
            Field(default, alias=p.name, description=docs.get(p.name)),
        )
        fields.append((attr, p.name))
        if p.kind is p.POSITIONAL_ONLY:
            positional.append(p.name)
    model = create_model(f"{name}_arguments", __config__=_CONFIG, **definitions)
    return ArgsModel(model, tuple(positional), tuple(fields))


@dataclass(frozen=True, slots=True)
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


_ShapeKey = tuple[str, bool, tuple[str, ...]]
_SHAPES: weakref.WeakKeyDictionary[Callable[..., Any], dict[_ShapeKey, ToolShape]] = (
    weakref.WeakKeyDictionary()
)
"""Shapes by underlying function, then by (tool name, bound method or not, skipped params)."""


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
    """The arguments' JSON schema; a parameter type with none is a ``UserError`` naming it."""
    try:
        return args.schema()
    except Exception as e:
        for attr, param in args.fields:
            annotation: Any = args.model.model_fields[attr].annotation
            try:
                from pydantic import TypeAdapter

                TypeAdapter(annotation).json_schema()
            except Exception:
                raise UserError(
                    f"tool {tool!r}: parameter {param!r} has type {annotation!r}, which has "
                    "no JSON schema, so a model cannot send it. Use JSON-friendly types "
                    "(str, int, list, dict, pydantic models, dataclasses, enums); to give "
                    "a tool an object of your own, pass it as deps and take a RunContext."
                ) from e
        raise UserError(f"tool {tool!r}: its arguments have no JSON schema ({e})") from e


def tool_shape(
    fn: Callable[..., Any], name: str, skip: tuple[str, ...] = ()
) -> ToolShape:
    """The summary, argument model and schema of tool ``name`` calling ``fn`` (cached).

    Raises:
        UserError: A parameter's type hint cannot be resolved, or its type has no JSON
            schema. ``skip``: parameters left out (a ``RunContext``).
    """
    key = _cache_key(fn)
    if key is not None:
        shape = _SHAPES.get(key[0], {}).get((name, key[1], skip))
        if shape is not None:
            return shape
    target = fn.func if isinstance(fn, functools.partial) else fn
    summary, arg_docs = parse_docstring(inspect.getdoc(target))
    args = args_model(fn, name, arg_docs, skip=skip)
    shape = ToolShape(summary, args, json_schema(args, name))
    if key is not None:
        _SHAPES.setdefault(key[0], {})[(name, key[1], skip)] = shape
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
