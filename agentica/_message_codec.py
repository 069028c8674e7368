"""Checking and dumping the message dataclasses of ``agentica.messages`` (no pydantic).

Each message type carries a ``_spec``: its fields in order, each with a check (which
normalises, e.g. a dict part into a ``TextPart``) and a default. ``check_fields`` runs
the checks for ``__post_init__`` and for loading a dict; ``dump`` writes an object back
as dicts. A failed check raises ``Invalid``, which becomes a ``pydantic.ValidationError``
(pydantic imported then, on the error path only) naming where the bad value is.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

from agentica._records import record

Loc = tuple[str | int, ...]
Check = Callable[[Any, Loc], Any]
REQUIRED: Any = object()
"""The default of a field that must be given."""


class Invalid(Exception):
    """A value that fails a check: pydantic's error ``kind`` at ``loc``, with ``ctx``."""

    def __init__(self, kind: str, loc: Loc, value: Any, ctx: dict[str, Any] | None = None):
        super().__init__(kind)
        self.kind, self.loc, self.value, self.ctx = kind, loc, value, ctx

    def error(self, title: str) -> Exception:
        """The ``pydantic.ValidationError`` a user sees (``title``: the type checked)."""
        from pydantic_core import ValidationError

        detail: dict[str, Any] = {"type": self.kind, "loc": self.loc, "input": self.value}
        if self.ctx is not None:
            detail["ctx"] = self.ctx
        return ValidationError.from_exception_data(title, [detail])  # type: ignore[list-item]


@record(kw_only=False)
class Field:
    """One field of a message type: its check, and its default (or ``REQUIRED``)."""

    name: str
    check: Check
    default: Any = None
    factory: Callable[[], Any] | None = None
    tag: bool = False
    """The type's discriminator: always dumped, even when ``exclude_defaults``."""


def check_fields(spec: tuple[Field, ...], values: Mapping[str, Any], loc: Loc) -> dict[str, Any]:
    """The checked (normalised) values of ``spec``'s fields; missing ones get defaults."""
    out: dict[str, Any] = {}
    for f in spec:
        if f.name in values:
            out[f.name] = f.check(values[f.name], (*loc, f.name))
        elif f.default is REQUIRED:
            raise Invalid("missing", (*loc, f.name), dict(values))
        else:
            out[f.name] = f.factory() if f.factory else f.default
    return out


def post_init(obj: Any) -> None:
    """``__post_init__`` of a message type: check the fields, keep normalised values."""
    spec: tuple[Field, ...] = type(obj)._spec
    given = {f.name: getattr(obj, f.name) for f in spec}
    try:
        fixed = check_fields(spec, given, ())
    except Invalid as e:
        raise e.error(type(obj).__name__) from None
    for name, value in fixed.items():
        if value is not given[name]:
            object.__setattr__(obj, name, value)


def make(cls: type, values: dict[str, Any]) -> Any:
    """An instance of ``cls`` from checked values (its ``__init__`` would check again)."""
    obj = object.__new__(cls)
    for name, value in values.items():
        object.__setattr__(obj, name, value)
    return obj


def build(cls: type, data: Any, loc: Loc) -> Any:
    """An instance of ``cls`` from a dict (unknown keys ignored), or ``data`` if one already."""
    if isinstance(data, cls):
        return data
    if not isinstance(data, Mapping):
        raise Invalid("model_type", loc, data, {"class_name": cls.__name__})
    return make(cls, check_fields(cls._spec, data, loc))  # type: ignore[attr-defined]


# --- checks ------------------------------------------------------------------------------


def string(value: Any, loc: Loc) -> str:
    if isinstance(value, str):
        return value
    raise Invalid("string_type", loc, value)


def optional_string(value: Any, loc: Loc) -> str | None:
    return None if value is None else string(value, loc)


def boolean(value: Any, loc: Loc) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise Invalid("bool_type", loc, value)


def mapping(value: Any, loc: Loc) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    if isinstance(value, Mapping):
        return dict(value)
    raise Invalid("dict_type", loc, value)


def literal(*choices: str) -> Check:
    """A check that the value is one of ``choices``."""
    expected = ", ".join(repr(c) for c in choices[:-1])
    expected = f"{expected} or {choices[-1]!r}" if expected else repr(choices[-1])

    def check(value: Any, loc: Loc) -> str:
        if value in choices and isinstance(value, str):
            return value
        raise Invalid("literal_error", loc, value, {"expected": expected})

    return check


def list_of(item: Check) -> Check:
    """A check for a list (a tuple is accepted) whose items pass ``item``; always a copy."""

    def check(value: Any, loc: Loc) -> list[Any]:
        if not isinstance(value, list | tuple):
            raise Invalid("list_type", loc, value)
        return [item(v, (*loc, i)) for i, v in enumerate(value)]

    return check


def instance_of(cls: type) -> Check:
    """A check that builds a ``cls`` from a dict (or keeps a ``cls``)."""
    return lambda value, loc: build(cls, value, loc)


def tagged(choices: dict[str, type], key: str = "type") -> Check:
    """A check for one of ``choices``, chosen by the dict's ``key`` (the discriminator)."""
    classes = tuple(choices.values())
    expected = ", ".join(repr(t) for t in choices)

    def check(value: Any, loc: Loc) -> Any:
        if isinstance(value, classes):
            return value
        if not isinstance(value, Mapping):
            raise Invalid("model_attributes_type", loc, value)
        if key not in value:
            raise Invalid("union_tag_not_found", loc, value, {"discriminator": repr(key)})
        tag = value[key]
        cls = choices.get(tag) if isinstance(tag, str) else None
        if cls is None:
            raise Invalid("union_tag_invalid", loc, value,
                          {"discriminator": repr(key), "tag": str(tag), "expected_tags": expected})
        return build(cls, value, (*loc, tag))

    return check


def text_or_list(items: Check) -> Check:
    """A check for ``str | list[...] | None``."""

    def check(value: Any, loc: Loc) -> Any:
        if value is None or isinstance(value, str):
            return value
        if isinstance(value, list | tuple):
            return items(value, (*loc, "list"))
        raise Invalid("string_type", loc, value)

    return check


# --- dumping -----------------------------------------------------------------------------


def dump(obj: Any, *, mode: str = "python", exclude_none: bool = False,
         exclude_defaults: bool = False) -> dict[str, Any]:
    """``obj``'s fields as a dict, nested message types too.

    ``mode="json"`` makes free-form values (``metadata``) JSON-ready; ``mode="raw"`` leaves
    them for ``json.dumps(default=json_default)`` to convert, without a second pass.
    """
    out: dict[str, Any] = {}
    for f in type(obj)._spec:
        value = getattr(obj, f.name)
        if exclude_none and value is None:
            continue
        if exclude_defaults and not f.tag and value == (f.factory() if f.factory else f.default):
            continue
        if isinstance(value, list):
            value = [
                dump(v, mode=mode, exclude_none=exclude_none, exclude_defaults=exclude_defaults)
                if hasattr(v, "_spec") else v
                for v in value
            ]
        elif isinstance(value, dict):
            value = _jsonable(value) if mode == "json" else dict(value)
        out[f.name] = value
    return out


def _jsonable(value: dict[str, Any]) -> dict[str, Any]:
    import json

    return json.loads(json.dumps(value, default=json_default))


def json_default(value: Any) -> Any:
    """JSON for what ``json`` cannot write itself (as pydantic would write it)."""
    import datetime
    import enum
    import uuid

    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, uuid.UUID):
        return str(value)
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    raise TypeError(f"cannot write {type(value).__name__} as JSON: {value!r}")
