"""Function tools: the ``Function`` wrapper, ``Tool`` classes and ``as_functions()``.

A tool is a plain Python function (sync or ``async def``) with type hints and a
docstring. ``Function.from_callable()`` builds its JSON schema from the signature
(``agentica.tools.schema``), applies ``@tool`` options (``agentica.tools.decorator``),
and ``Function.invoke()`` validates and coerces the model's arguments before calling it.
Async functions are awaited; sync functions run in a worker thread so they never block
the event loop. A call of a Function, with its hooks, is a ``FunctionCall``
(``agentica.tools.call``); this module re-exports the names of both for convenience.
"""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Callable, Iterable
from dataclasses import field, replace
from typing import TYPE_CHECKING, Any

from agentica._records import record
from agentica.context import RunContext, is_run_context
from agentica.events import ToolKind
from agentica.exceptions import UserError
from agentica.models.base import ToolSpec
from agentica.tools.base import CallDescription, current_call
from agentica.tools.call import (
    FunctionCall,
    FunctionCallResult,
    Hooks,
    PostHook,
    PreHook,
    call_maybe_async,
    result_text,
)
from agentica.tools.decorator import ToolMeta, tool, tool_meta
from agentica.tools.schema import ArgsModel, parse_docstring, tool_shape, type_hints

if TYPE_CHECKING:
    from pydantic import BaseModel

logger = logging.getLogger(__name__)


@record(frozen=False, slots=False, eq=False)
class Function:
    """A callable tool with its JSON schema and behaviour flags.

    Build one with ``Function.from_callable(fn)``; ``@tool`` metadata and keyword
    overrides are applied.
    """

    name: str
    description: str
    parameters: dict[str, Any]
    """JSON schema of the arguments; shared by every Function of the same tool function
    (``schema.tool_shape``), so replace it rather than mutate it."""
    entrypoint: Callable[..., Any]
    kind: ToolKind = "other"
    is_read_only: bool = False
    is_destructive: bool = False
    concurrency_safe: bool = True
    requires_approval: bool = True
    describe: Callable[[dict[str, Any]], CallDescription] | None = None
    pre_hook: PreHook | None = None
    """Called before each call (sync in a thread, or async); may raise ``ToolError``/``StopRun``."""
    post_hook: PostHook | None = None
    """Called after each call with its result."""
    arg_spec: ArgsModel | None = field(default=None, repr=False)
    """The arguments read from the signature, which ``validate()`` checks (``None``: the
    arguments are passed as they come); shared like ``parameters``."""
    positional_only: tuple[str, ...] = field(default=(), repr=False)
    """Names of the positional-only parameters (passed positionally by ``invoke()``)."""
    arg_fields: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    """``(args_model field, parameter name)`` pairs."""
    context_param: str | None = field(default=None, repr=False)
    """The parameter that receives the ``RunContext`` (hidden from the model)."""

    @property
    def args_model(self) -> type[BaseModel] | None:
        """The pydantic model validating the arguments (built on first use: imports pydantic)."""
        return self.arg_spec.model if self.arg_spec is not None else None

    @classmethod
    def from_callable(cls, fn: Callable[..., Any], **overrides: Any) -> Function:
        """Build a Function from a function, bound method or async function.

        Args:
            fn: The callable; its ``@tool`` metadata (if any) is used.
            **overrides: Any ``tool()`` option (``parameters`` included) or
                ``pre_hook``/``post_hook``.

        Raises:
            UserError: The tool has no name, or a parameter's type hint cannot be resolved.
        """
        if isinstance(fn, Function):
            return replace(fn, **overrides) if overrides else fn
        meta = tool_meta(fn) or ToolMeta()
        opts: dict[str, Any] = {
            "name": meta.name, "description": meta.description, "kind": meta.kind,
            "is_read_only": meta.is_read_only, "is_destructive": meta.is_destructive,
            "concurrency_safe": meta.concurrency_safe,
            "requires_approval": meta.requires_approval, "describe": meta.describe,
            "parameters": meta.parameters,
        }
        opts.update(overrides)
        target = fn.func if isinstance(fn, functools.partial) else fn
        name = opts.pop("name") or getattr(target, "__name__", None)
        if not name or name == "<lambda>":
            raise UserError(f"cannot name the tool {fn!r}; pass name=... to tool() or Function")
        context = _context_param(fn, name)
        parameters = opts.pop("parameters")
        skip = (context,) if context else ()
        shape = tool_shape(fn, name, skip=skip, schema=parameters is None)
        description = opts.pop("description") or shape.summary or name
        args = shape.args
        requires = opts.pop("requires_approval")
        describe = opts.pop("describe")
        if describe is not None and inspect.ismethod(fn):
            describe = functools.partial(describe, fn.__self__)
        return cls(
            name=name,
            description=description,
            parameters=shape.parameters if parameters is None else parameters,
            entrypoint=fn,
            requires_approval=(not opts["is_read_only"]) if requires is None else requires,
            describe=describe,
            arg_spec=args,
            positional_only=args.positional,
            arg_fields=args.fields,
            context_param=context,
            **opts,
        )

    def spec(self) -> ToolSpec:
        """The tool as a model sees it."""
        return ToolSpec(name=self.name, description=self.description, parameters=self.parameters)

    def describe_call(self, args: dict[str, Any]) -> CallDescription:
        """The human title and locations of a call (default: name and an argument summary)."""
        if self.describe is not None:
            try:
                return self.describe(args)
            except Exception:
                logger.warning("describe() of tool %r failed", self.name, exc_info=True)
        parts = [f"{k}={v!r}" for k, v in args.items() if k != "_raw"]
        summary = ", ".join(parts)
        if len(summary) > 60:
            summary = summary[:57] + "..."
        return CallDescription(title=f"{self.name}({summary})")

    def validate(self, args: dict[str, Any]) -> tuple[list[Any], dict[str, Any]]:
        """Validate and coerce arguments; returns positional and keyword arguments.

        Raises:
            pydantic.ValidationError: When the arguments do not match the schema.
        """
        if self.arg_spec is None:
            return [], dict(args)
        values = self.arg_spec.model.model_validate(args)
        kwargs = {alias: getattr(values, attr) for attr, alias in self.arg_fields}
        positional = [kwargs.pop(n) for n in self.positional_only]
        return positional, kwargs

    async def invoke(self, args: dict[str, Any]) -> Any:
        """Validate ``args`` and call the function (sync functions in a worker thread)."""
        positional, kwargs = self.validate(args)
        if self.context_param is not None:
            call = current_call()
            run = call.run if call is not None and call.run is not None else None
            kwargs[self.context_param] = run if run is not None else RunContext(deps=None)
        return await call_maybe_async(self.entrypoint, *positional, **kwargs)


def _context_param(fn: Callable[..., Any], tool: str) -> str | None:
    """The name of ``fn``'s ``RunContext`` parameter, if it has one."""
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return None
    if not any("RunContext" in str(p.annotation) for p in params.values()):
        return None  # The common case: no hint resolution needed.
    hints = type_hints(fn, tool)
    found = [p for p in params.values() if is_run_context(hints.get(p.name))]
    if len(found) > 1:
        raise UserError(f"tool {tool!r} takes more than one RunContext parameter")
    if found and found[0].kind is found[0].POSITIONAL_ONLY:
        raise UserError(f"tool {tool!r}: the RunContext parameter cannot be positional-only")
    return found[0].name if found else None


class Tool:
    """Base class for a group of tools bound to one instance.

    Every ``@tool`` method becomes a tool. agentica 1.5's spelling works too: call
    ``self.register(self.method)`` (in ``__init__``) for an undecorated method.
    Undecorated, unregistered methods are helpers, not tools; a ``Tool`` that offers no
    tool at all is a ``UserError`` when given to an agent.
    """

    def __init__(self, name: str | None = None, **_options: Any) -> None:
        self.name = name or type(self).__name__
        self._registered: list[Function] = []

    def register(
        self, function: Callable[..., Any], sanitize_arguments: bool = True, **options: Any
    ) -> Function:
        """Offer ``function`` (e.g. an undecorated method) as a tool of this group.

        ``options`` are ``tool()``'s (``name=``, ``description=``, ...);
        ``sanitize_arguments`` is accepted for agentica 1.5 (arguments are always validated).
        """
        made = Function.from_callable(function, **options)
        self.__dict__.setdefault("_registered", []).append(made)
        return made

    def functions(self) -> list[Function]:
        """The decorated methods (bound to this instance, in definition order), then the
        registered functions.

        Raises:
            UserError: The class offers no tool at all.
        """
        seen: dict[str, None] = {}
        for klass in reversed(type(self).__mro__):
            for attr, value in vars(klass).items():
                if tool_meta(value) is not None:
                    seen.pop(attr, None)
                    seen[attr] = None
        found = [Function.from_callable(getattr(self, attr)) for attr in seen]
        found += self.__dict__.get("_registered", [])
        if not found:
            raise UserError(
                f"{type(self).__name__} offers no tools: decorate its tool methods with "
                "@tool, or call self.register(self.method) in __init__ (agentica 1.5's "
                "spelling); other methods are not tools"
            )
        return found


def as_functions(tools: Iterable[Any]) -> list[Function]:
    """Turn functions, ``Function`` objects and ``Tool`` instances into a list of Functions.

    An object with an ``as_function()`` method (e.g. an MCP tool source) is asked for its
    Function.

    Raises:
        UserError: When an item is not a tool or two tools share a name.
    """
    out: list[Function] = []
    for item in tools:
        if isinstance(item, Function):
            out.append(item)
        elif isinstance(item, Tool):
            out.extend(item.functions())
        elif isinstance(item, type) and issubclass(item, Tool):
            raise UserError(f"pass an instance of {item.__name__}, not the class")
        elif callable(getattr(item, "as_function", None)):
            made = item.as_function()
            if not isinstance(made, Function):
                raise UserError(f"{item!r}.as_function() returned {made!r}, not a Function")
            out.append(made)
        elif callable(item):
            out.append(Function.from_callable(item))
        else:
            raise UserError(f"{item!r} is not a tool: pass a function, Function or Tool")
    names: set[str] = set()
    for f in out:
        if f.name in names:
            raise UserError(f"two tools are named {f.name!r}; tool names must be unique")
        names.add(f.name)
    return out


__all__ = [
    "Function",
    "FunctionCall",
    "FunctionCallResult",
    "Hooks",
    "Tool",
    "as_functions",
    "call_maybe_async",
    "parse_docstring",
    "result_text",
    "tool",
]
