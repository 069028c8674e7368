"""``@record``: a dataclass that costs almost nothing to define.

``@dataclass(frozen=True, slots=True)`` compiles up to six methods from source text
(``exec``) for every class, about half a millisecond a class; agentica defines some
seventy (events, model deltas, tool calls, messages, run state), which was a fifth of
the time ``agentica run`` takes to print its first words. A ``record`` is the same
dataclass (``dataclasses.fields``, ``asdict``, ``replace``, ``is_dataclass``, pickling and
copying all work, and type checkers see a dataclass), but its ``__repr__``, ``__eq__``,
``__hash__`` and frozen ``__setattr__`` are shared functions, and its ``__init__`` is
compiled on the first construction (the same code ``dataclass`` would write), so classes
a process never builds cost nothing.

Defaults: frozen, slotted, keyword-only, compared by field; ``frozen=``, ``slots=``,
``kw_only=`` and ``eq=`` mean what they mean to ``dataclass``. Supported: fields with
defaults or ``field(default_factory=...)``, ``field(init=False, repr=False,
compare=False)``, ``__post_init__``, ``Generic`` classes and records built on dataclasses.
Not supported (use ``dataclass``): ``InitVar``, ``order=True``, ``unsafe_hash=True``.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable
from operator import attrgetter
from typing import Any, TypeVar, dataclass_transform, overload

T = TypeVar("T")

_HAS_FACTORY = object()
"""Default of a parameter whose field has a ``default_factory`` (called in ``__init__``)."""


@overload
def record(cls: type[T], /) -> type[T]: ...


@overload
def record(
    *, kw_only: bool = True, frozen: bool = True, slots: bool = True, eq: bool = True
) -> Callable[[type[T]], type[T]]: ...


@dataclass_transform(
    frozen_default=True, kw_only_default=True, field_specifiers=(dataclasses.field,)
)
def record(
    cls: type[T] | None = None,
    /,
    *,
    kw_only: bool = True,
    frozen: bool = True,
    slots: bool = True,
    eq: bool = True,
) -> Any:
    """Make ``cls`` a dataclass: frozen, slotted, keyword-only, compared by its fields,
    unless told otherwise (the options mean what they mean to ``dataclass``)."""

    def wrap(cls: type[T]) -> type[T]:
        return _make(cls, kw_only=kw_only, frozen=frozen, slots=slots, eq=eq)

    return wrap if cls is None else wrap(cls)


def _make(cls: type[T], *, kw_only: bool, frozen: bool, slots: bool, eq: bool) -> type[T]:
    # ``init``, ``repr`` and ``eq`` off: dataclass then compiles nothing, it only collects
    # the fields (and rebuilds the class with ``__slots__``). On a frozen base it must say
    # frozen, as the base does, and then compiles a ``__setattr__``, replaced below.
    on_frozen = any(
        dataclasses.is_dataclass(base) and base.__dataclass_params__.frozen  # type: ignore[attr-defined]
        for base in cls.__mro__[1:]
    )
    undocumented = not cls.__doc__
    if undocumented:  # dataclass would write one from inspect.signature (tokenize: ~3 ms)
        cls.__doc__ = cls.__name__
    new: Any = dataclasses.dataclass(cls, init=False, repr=False, eq=False, kw_only=kw_only,
                                     slots=slots, frozen=frozen and on_frozen)
    fields = dataclasses.fields(new)
    _check_order(new, fields)
    if undocumented:
        new.__doc__ = _signature_doc(new.__name__, fields)
    new.__init__ = _lazy_init(new, frozen)
    new.__repr__ = _repr(tuple(f.name for f in fields if f.repr))
    if eq:
        new.__eq__ = _eq(_getter(tuple(f.name for f in fields if f.compare)))
        hashed = tuple(f.name for f in fields if (f.compare if f.hash is None else f.hash))
        new.__hash__ = _hash(_getter(hashed)) if frozen else None
    if frozen:
        new.__setattr__ = _frozen_setattr
        new.__delattr__ = _frozen_delattr
        if slots:  # (What dataclass adds to frozen slotted classes, for pickle and copy.)
            new.__getstate__ = _getstate
            new.__setstate__ = _setstate
    params = new.__dataclass_params__  # Say what it is: init, repr, eq and frozen as asked.
    values = {n: getattr(params, n) for n in type(params).__slots__}
    values.update(init=True, repr=True, eq=eq, frozen=frozen)
    new.__dataclass_params__ = type(params)(**values)
    return new


def _check_order(cls: type, fields: tuple[dataclasses.Field[Any], ...]) -> None:
    """What ``dataclass`` checks when it writes ``__init__``: no InitVar, defaults last."""
    initvar = dataclasses._FIELD_INITVAR  # type: ignore[attr-defined]
    if any(f._field_type is initvar for f in cls.__dataclass_fields__.values()):  # type: ignore[attr-defined]
        raise TypeError(f"{cls.__name__}: a record cannot have InitVar fields")
    seen_default = False
    for f in fields:
        if not f.init or f.kw_only:
            continue
        if _has_default(f):
            seen_default = True
        elif seen_default:
            raise TypeError(f"non-default argument {f.name!r} follows default argument")


def _signature_doc(name: str, fields: tuple[dataclasses.Field[Any], ...]) -> str:
    """``Name(a: int, *, b: str = 'x')``: what dataclass writes for an undocumented class."""
    params: list[str] = []
    star = False
    for f in fields:
        if not f.init:
            continue
        if f.kw_only and not star:
            params.append("*")
            star = True
        text = f"{f.name}: {inspect.formatannotation(f.type)}"  # (as inspect shows it)
        if f.default is not dataclasses.MISSING:
            text += f" = {f.default!r}"
        elif f.default_factory is not dataclasses.MISSING:
            text += " = <factory>"
        params.append(text)
    return f"{name}({', '.join(params)})"


def _has_default(f: dataclasses.Field[Any]) -> bool:
    return f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING


def _lazy_init(cls: Any, frozen: bool) -> Callable[..., None]:
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        init = _compile_init(cls, frozen)
        cls.__init__ = init
        init(self, *args, **kwargs)

    __init__.__qualname__ = f"{cls.__qualname__}.__init__"
    return __init__


def _compile_init(cls: Any, frozen: bool) -> Callable[..., None]:
    """The ``__init__`` that ``dataclass`` would write for ``cls`` (frozen: through
    ``object.__setattr__``; else plain assignments), compiled now."""
    env: dict[str, Any] = {"__set": object.__setattr__, "__FACTORY": _HAS_FACTORY}
    positional: list[str] = []
    keyword: list[str] = []
    body: list[str] = []
    for f in dataclasses.fields(cls):
        value = f.name
        if f.default is not dataclasses.MISSING:
            env[f"__d_{f.name}"] = f.default
            param = f"{f.name}=__d_{f.name}"
            if not f.init:
                value = f"__d_{f.name}"
        elif f.default_factory is not dataclasses.MISSING:
            env[f"__f_{f.name}"] = f.default_factory
            param = f"{f.name}=__FACTORY"
            value = (f"__f_{f.name}() if {f.name} is __FACTORY else {f.name}"
                     if f.init else f"__f_{f.name}()")
        else:
            param = f.name
        if f.init:
            (keyword if f.kw_only else positional).append(param)
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            continue  # No value: left unset, as dataclass does.
        body.append(f"    __set(self, {f.name!r}, {value})" if frozen
                    else f"    self.{f.name} = {value}")
    if hasattr(cls, "__post_init__"):
        body.append("    self.__post_init__()")
    params = ", ".join(["self", *positional, *(["*", *keyword] if keyword else [])])
    source = f"def __init__({params}):\n" + ("\n".join(body) or "    pass") + "\n"
    exec(source, env)  # Our own generated source, as dataclasses does.
    init = env["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    return init


def _getter(names: tuple[str, ...]) -> Callable[[Any], Any]:
    if not names:
        return lambda obj: ()
    return attrgetter(*names)


def _repr(names: tuple[str, ...]) -> Callable[[Any], str]:
    def __repr__(self: Any) -> str:
        shown = ", ".join(f"{n}={getattr(self, n)!r}" for n in names)
        return f"{type(self).__qualname__}({shown})"

    return __repr__


def _eq(values: Callable[[Any], Any]) -> Callable[[Any, Any], Any]:
    def __eq__(self: Any, other: Any) -> Any:
        if other.__class__ is self.__class__:
            return values(self) == values(other)
        return NotImplemented

    return __eq__


def _hash(values: Callable[[Any], Any]) -> Callable[[Any], int]:
    def __hash__(self: Any) -> int:
        return hash(values(self))

    return __hash__


def _frozen_setattr(self: Any, name: str, value: Any) -> None:
    raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")


def _frozen_delattr(self: Any, name: str) -> None:
    raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")


def _getstate(self: Any) -> list[Any]:
    return [getattr(self, f.name) for f in dataclasses.fields(self)]


def _setstate(self: Any, state: list[Any]) -> None:
    for f, value in zip(dataclasses.fields(self), state, strict=True):
        object.__setattr__(self, f.name, value)


__all__ = ["record"]
