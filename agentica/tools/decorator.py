"""``@tool``: mark a function or method as a tool.

``@tool`` only *attaches* metadata (a ``ToolMeta``) and returns the function unchanged,
so a decorated function or method stays directly callable, with its signature intact for
type checkers. ``Function.from_callable()`` (``agentica.tools.function``) reads it.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import replace
from typing import Any, TypeVar, overload

from agentica._records import record
from agentica.events import ToolKind
from agentica.exceptions import UserError
from agentica.tools.base import CallDescription

F = TypeVar("F", bound=Callable[..., Any])

TOOL_META = "__agentica_tool__"
"""The attribute ``@tool`` stores its ``ToolMeta`` in."""


@record
class ToolMeta:
    """The options given to ``@tool`` (``None``: derive from the function)."""

    name: str | None = None
    description: str | None = None
    kind: ToolKind = "other"
    is_read_only: bool = False
    is_destructive: bool = False
    concurrency_safe: bool = True
    requires_approval: bool | None = None
    describe: Callable[..., CallDescription] | None = None
    parameters: dict[str, Any] | None = None


def tool_meta(obj: object) -> ToolMeta | None:
    """The ``@tool`` options of a function or method (``None`` if it is not marked)."""
    meta = getattr(obj, TOOL_META, None)
    if meta is None:
        meta = getattr(getattr(obj, "__func__", None), TOOL_META, None)
    return meta if isinstance(meta, ToolMeta) else None


@overload
def tool(fn: F, /) -> F: ...


@overload
def tool(
    fn: None = None,
    /,
    *,
    name: str | None = None,
    description: str | None = None,
    kind: ToolKind = "other",
    is_read_only: bool = False,
    is_destructive: bool = False,
    concurrency_safe: bool = True,
    requires_approval: bool | None = None,
    describe: Callable[..., CallDescription] | None = None,
    parameters: dict[str, Any] | None = None,
) -> Callable[[F], F]: ...


def tool(
    fn: Callable[..., Any] | None = None,
    /,
    *,
    name: str | None = None,
    description: str | None = None,
    kind: ToolKind = "other",
    is_read_only: bool = False,
    is_destructive: bool = False,
    concurrency_safe: bool = True,
    requires_approval: bool | None = None,
    describe: Callable[..., CallDescription] | None = None,
    parameters: dict[str, Any] | None = None,
) -> Any:
    """Mark a function (sync or async) or a method as a tool; works bare and with arguments.

    Args:
        fn: The function, when used bare (``@tool``).
        name: Tool name (default: the function's name).
        description: Description for the model (default: the docstring's summary).
        kind: What the tool does (ACP ``ToolKind``), e.g. ``"read"`` or ``"edit"``.
        is_read_only: The tool changes nothing (no approval needed by default).
        is_destructive: The tool may destroy data.
        concurrency_safe: Whether it may run in parallel with other calls of a turn.
        requires_approval: ``None`` means "needed unless ``is_read_only``".
        describe: ``describe(args) -> CallDescription`` (``describe(self, args)`` for a
            method): the human title and locations of a call.
        parameters: The JSON schema of the arguments, given as is to the model instead
            of the one built from the signature (arguments are still validated against
            the signature's type hints). Shared: never mutate it.

    Returns:
        The function itself (with metadata attached), or a decorator.
    """
    meta = ToolMeta(
        name=name,
        description=description,
        kind=kind,
        is_read_only=is_read_only,
        is_destructive=is_destructive,
        concurrency_safe=concurrency_safe,
        requires_approval=requires_approval,
        describe=describe,
        parameters=parameters,
    )

    def decorate(f: Callable[..., Any]) -> Callable[..., Any]:
        if inspect.ismethod(f):
            # A bound method takes no attributes; marking its function would change the
            # method for every instance. Wrap it instead (the wrapper stays callable).
            return _bound_tool(f, meta)
        try:
            setattr(f, TOOL_META, meta)
        except (AttributeError, TypeError) as e:
            raise UserError(
                f"tool() cannot mark {f!r}: it takes no attributes. Wrap it in a function "
                "(def my_tool(...): return obj(...)) and decorate that, or pass "
                "Function.from_callable(obj, name=...) as the tool."
            ) from e
        return f

    return decorate(fn) if fn is not None else decorate


def _bound_tool(method: Any, meta: ToolMeta) -> Callable[..., Any]:
    """A plain function calling ``method``, with its signature, docs and the metadata."""
    if inspect.iscoroutinefunction(method):

        async def call_async(*args: Any, **kwargs: Any) -> Any:
            return await method(*args, **kwargs)

        wrapper: Callable[..., Any] = call_async
    else:

        def call(*args: Any, **kwargs: Any) -> Any:
            return method(*args, **kwargs)

        wrapper = call
    functools.update_wrapper(wrapper, method)
    if meta.describe is not None:  # ``describe(self, args)``, as for a decorated method
        meta = replace(meta, describe=functools.partial(meta.describe, method.__self__))
    setattr(wrapper, TOOL_META, meta)
    return wrapper


__all__ = ["TOOL_META", "ToolMeta", "tool", "tool_meta"]
