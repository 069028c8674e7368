"""A tool's JSON schema without pydantic, for simple parameter types (the fast path).

Every agent needs its tools' schemas at once, but validates arguments only when a tool
is called; importing pydantic (~40 ms) and building a model per tool was most of
``agentica run``'s start. For the annotations below, ``arguments_schema()`` writes the
very schema pydantic writes for the tool's argument model (same dict, same key order, so
the same request bytes); for anything else it returns ``None`` and the caller asks
pydantic (``agentica.tools.schema``):

- ``str``, ``int``, ``float``, ``bool``, ``None``, ``Any``/``object``/no annotation;
- ``list``/``set``/``frozenset``/``tuple``/``dict`` (``str`` keys) of those, bare or
  parameterised (``typing.List`` etc. too);
- ``Literal`` of ``str``/``int``/``bool``/``None`` values; unions (``X | None``, ``Optional``);
- defaults that are ``None``, ``bool``, ``int``, finite ``float``, ``str``, or lists,
  tuples and ``str``-keyed dicts of those.

Pydantic models, dataclasses, enums, ``TypedDict``, ``Annotated`` and the like go to
pydantic. ``tests/agentica/test_fast_schema.py`` compares both paths over a corpus.
"""

from __future__ import annotations

import math
import types
import typing
from collections.abc import Iterable
from typing import Any, Literal

from agentica._records import record

_NULL = {"type": "null"}
_SCALARS: dict[type, str] = {str: "string", int: "integer", float: "number", bool: "boolean"}
_ARRAYS = (list, set, frozenset)
_LITERAL_TYPES: dict[type, str] = {
    str: "string", int: "integer", bool: "boolean", type(None): "null"
}
_UNSORTED_PARENTS = ("properties", "default")
"""pydantic sorts a schema's keys, except those of a dict under one of these keys."""


@record(kw_only=False)
class Param:
    """One argument the model sends.

    Attributes:
        attr: The argument model's field name (``f<i>``).
        name: The parameter's name (the field's alias, the schema's property).
        annotation: The resolved type hint (``Any`` when there is none).
        default: The default value, ``...`` when the argument is required.
        description: From the docstring's ``Args:`` section.
    """

    attr: str
    name: str
    annotation: Any
    default: Any
    description: str | None


class _Unsupported(Exception):
    """A type or default the fast path does not write (pydantic will)."""


def arguments_schema(params: Iterable[Param]) -> dict[str, Any] | None:
    """The arguments' JSON schema as pydantic writes it, or ``None`` when not simple."""
    properties: dict[str, Any] = {}
    required: list[str] = []
    try:
        for p in params:
            if p.name in _UNSORTED_PARENTS:
                return None  # pydantic leaves such a property's keys in its own order.
            prop = _type_schema(p.annotation)
            if p.default is ...:
                required.append(p.name)
            else:
                prop["default"] = _encode_default(p.default)
            if p.description is not None:
                prop["description"] = p.description
            properties[p.name] = prop
    except Exception:  # _Unsupported, or an odd annotation: pydantic knows best.
        return None
    schema: dict[str, Any] = {"properties": properties}
    if required:
        schema["required"] = required
    schema["type"] = "object"
    return _sorted(schema, None)


def _type_schema(tp: Any) -> dict[str, Any]:
    """The JSON schema of a simple type; ``_Unsupported`` for any other."""
    if tp is None or tp is type(None):
        return dict(_NULL)
    if tp is Any or tp is object:
        return {}
    if isinstance(tp, type) and tp in _SCALARS:
        return {"type": _SCALARS[tp]}
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is Literal:
        return _literal(args)
    if origin is typing.Union or origin is types.UnionType:
        return _union(args)
    if tp in _ARRAYS or origin in _ARRAYS:
        if len(args) > 1:
            raise _Unsupported(tp)
        items = _type_schema(args[0]) if args else {}
        if (origin or tp) is list:
            return {"type": "array", "items": items}
        return {"type": "array", "uniqueItems": True, "items": items}
    if tp is tuple:
        return {"type": "array", "items": {}}
    if origin is tuple and args:  # (``tuple[()]`` and bare ``typing.Tuple`` have no args)
        if len(args) == 2 and args[1] is Ellipsis:
            return {"type": "array", "items": _type_schema(args[0])}
        if Ellipsis in args:
            raise _Unsupported(tp)
        items = [_type_schema(a) for a in args]
        return {"type": "array", "prefixItems": items, "minItems": len(items),
                "maxItems": len(items)}
    if tp is dict or (origin is dict and not args):
        return {"type": "object", "additionalProperties": True}
    if origin is dict and len(args) == 2 and args[0] is str:
        values = _type_schema(args[1])
        return {"type": "object", "additionalProperties": values or True}
    raise _Unsupported(tp)


def _literal(values: tuple[Any, ...]) -> dict[str, Any]:
    kinds = {type(v) for v in values}
    if not values or not kinds <= _LITERAL_TYPES.keys():
        raise _Unsupported(values)
    schema: dict[str, Any] = (
        {"const": values[0]} if len(values) == 1 else {"enum": list(values)}
    )
    if len(kinds) == 1:
        schema["type"] = _LITERAL_TYPES[kinds.pop()]
    return schema


def _union(args: tuple[Any, ...]) -> dict[str, Any]:
    """pydantic's union: the choices but ``None``, then nullable if ``None`` is one."""
    choices = [a for a in args if a is not None and a is not type(None)]
    if not choices:
        raise _Unsupported(args)
    inner = _type_schema(choices[0]) if len(choices) == 1 else _any_of(
        [_type_schema(c) for c in choices]
    )
    if len(choices) == len(args):
        return inner
    return dict(_NULL) if inner == _NULL else _any_of([inner, dict(_NULL)])


def _any_of(schemas: list[dict[str, Any]]) -> dict[str, Any]:
    """Nested ``anyOf``s flattened, duplicates dropped (as pydantic's ``get_flattened_anyof``)."""
    members: list[dict[str, Any]] = []
    for schema in schemas:
        if len(schema) == 1 and "anyOf" in schema:
            members.extend(schema["anyOf"])
        else:
            members.append(schema)
    unique = list({_hashable(m): m for m in members}.values())
    return unique[0] if len(unique) == 1 else {"anyOf": unique}


def _hashable(value: Any) -> Any:
    if isinstance(value, dict):
        return tuple(sorted((k, _hashable(v)) for k, v in value.items()))
    if isinstance(value, list):
        return tuple(_hashable(v) for v in value)
    return value


def _encode_default(value: Any) -> Any:
    """A default as JSON (as pydantic dumps it), for plain JSON-like values only."""
    kind = type(value)
    if value is None or kind in (bool, int, str):
        return value
    if kind is float:
        if not math.isfinite(value):
            raise _Unsupported(value)
        return value
    if kind in (list, tuple):
        return [_encode_default(v) for v in value]
    if kind is dict:
        if not all(type(k) is str for k in value):
            raise _Unsupported(value)
        return {k: _encode_default(v) for k, v in value.items()}
    raise _Unsupported(value)


def _sorted(value: Any, parent: str | None) -> Any:
    """Keys sorted recursively, as pydantic's ``GenerateJsonSchema.sort``."""
    if isinstance(value, dict):
        keys = value.keys() if parent in _UNSORTED_PARENTS else sorted(value)
        return {k: _sorted(value[k], k) for k in keys}
    if isinstance(value, list):
        return [_sorted(v, parent) for v in value]
    return value


__all__ = ["Param", "arguments_schema"]
