"""Function tools: ``@tool``, ``Tool`` classes, JSON schemas and validated calls.

A tool is a plain Python function (sync or ``async def``) with type hints and a
docstring. ``Function.from_callable()`` builds its JSON schema from the signature with
pydantic (Google-style ``Args:`` descriptions go into the schema), and
``Function.invoke()`` validates and coerces the model's arguments before calling it:
``"3"`` becomes ``3`` for an ``int`` and ``"true"`` becomes ``True`` for a ``bool``.
Async functions are awaited; sync functions run in a worker thread so they never block
the event loop. Hooks follow the same rule.

``@tool`` only *attaches* metadata (``__agentica_tool__``) and returns the function
unchanged, so a decorated function or method stays directly callable.
"""

from __future__ import annotations

import functools
import inspect
import json
import logging
import re
import time
import typing
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

import anyio.to_thread
from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from agentica.events import Location, ToolContent, ToolKind
from agentica.exceptions import StopRun, ToolError, UserError
from agentica.models.base import ToolSpec
from agentica.tools.base import CallDescription, ToolResult

logger = logging.getLogger(__name__)

_META = "__agentica_tool__"


@dataclass(frozen=True, slots=True, kw_only=True)
class _ToolMeta:
    name: str | None = None
    description: str | None = None
    kind: ToolKind = "other"
    is_read_only: bool = False
    is_destructive: bool = False
    concurrency_safe: bool = True
    requires_approval: bool | None = None
    describe: Callable[..., CallDescription] | None = None


def tool(
    fn: Callable[..., Any] | None = None,
    *,
    name: str | None = None,
    description: str | None = None,
    kind: ToolKind = "other",
    is_read_only: bool = False,
    is_destructive: bool = False,
    concurrency_safe: bool = True,
    requires_approval: bool | None = None,
    describe: Callable[..., CallDescription] | None = None,
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

    Returns:
        The function itself (with metadata attached), or a decorator.
    """
    meta = _ToolMeta(
        name=name,
        description=description,
        kind=kind,
        is_read_only=is_read_only,
        is_destructive=is_destructive,
        concurrency_safe=concurrency_safe,
        requires_approval=requires_approval,
        describe=describe,
    )

    def decorate(f: Callable[..., Any]) -> Callable[..., Any]:
        if inspect.ismethod(f):
            # A bound method takes no attributes; marking its function would change the
            # method for every instance. Wrap it instead (the wrapper stays callable).
            return _bound_tool(f, meta)
        try:
            setattr(f, _META, meta)
        except (AttributeError, TypeError) as e:
            raise UserError(
                f"tool() cannot mark {f!r}: it takes no attributes. Wrap it in a function "
                "(def my_tool(...): return obj(...)) and decorate that, or pass "
                "Function.from_callable(obj, name=...) as the tool."
            ) from e
        return f

    return decorate(fn) if fn is not None else decorate


def _bound_tool(method: Any, meta: _ToolMeta) -> Callable[..., Any]:
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
    setattr(wrapper, _META, meta)
    return wrapper


# --- Docstrings ----------------------------------------------------------------------------

_SECTION = re.compile(r"^\s*(Args|Arguments|Parameters|Params|Returns|Yields|Raises|Example|"
                      r"Examples|Note|Notes|Attributes)\s*:\s*$")
_ARG_LINE = re.compile(r"^(\*{0,2}\w+)\s*(\([^)]*\))?\s*:\s*(.*)$")


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
            current, indent = m.group(1).lstrip("*"), width
            args[current] = m.group(3).strip()
        elif current is not None:
            args[current] = f"{args[current]} {line.strip()}".strip()
    return "\n".join(summary).strip(), args


# --- Function -------------------------------------------------------------------------------

_CONFIG = ConfigDict(extra="ignore", coerce_numbers_to_str=True, arbitrary_types_allowed=True)


def _strip_titles(schema: dict[str, Any]) -> dict[str, Any]:
    schema.pop("title", None)
    for prop in schema.get("properties", {}).values():
        if isinstance(prop, dict):
            prop.pop("title", None)
    return schema


def _is_async(fn: Callable[..., Any]) -> bool:
    target = fn.func if isinstance(fn, functools.partial) else fn
    return inspect.iscoroutinefunction(target) or inspect.iscoroutinefunction(
        getattr(target, "__call__", None)  # noqa: B004  (async callable objects)
    )


async def call_maybe_async(fn: Callable[..., Any], *args: Any) -> Any:
    """Await ``fn(*args)`` if it is async, else run it in a worker thread."""
    if _is_async(fn):
        return await fn(*args)
    result = await anyio.to_thread.run_sync(functools.partial(fn, *args))
    if inspect.isawaitable(result):
        result = await result
    return result


@dataclass(kw_only=True, eq=False)
class Function:
    """A callable tool with its JSON schema and behaviour flags.

    Build one with ``Function.from_callable(fn)``; ``@tool`` metadata and keyword
    overrides are applied.
    """

    name: str
    description: str
    parameters: dict[str, Any]
    """JSON schema of the arguments."""
    entrypoint: Callable[..., Any]
    kind: ToolKind = "other"
    is_read_only: bool = False
    is_destructive: bool = False
    concurrency_safe: bool = True
    requires_approval: bool = True
    describe: Callable[[dict[str, Any]], CallDescription] | None = None
    pre_hook: Callable[[FunctionCall], Any] | None = None
    """Called before each call (sync in a thread, or async); may raise ``ToolError``/``StopRun``."""
    post_hook: Callable[[FunctionCall, FunctionCallResult], Any] | None = None
    """Called after each call with its result."""
    args_model: type[BaseModel] | None = field(default=None, repr=False)
    _positional: tuple[str, ...] = field(default=(), repr=False)
    _fields: tuple[tuple[str, str], ...] = field(default=(), repr=False)

    @classmethod
    def from_callable(cls, fn: Callable[..., Any], **overrides: Any) -> Function:
        """Build a Function from a function, bound method or async function.

        Args:
            fn: The callable; its ``@tool`` metadata (if any) is used.
            **overrides: Any ``tool()`` option or ``pre_hook``/``post_hook``.
        """
        if isinstance(fn, Function):
            return replace(fn, **overrides) if overrides else fn
        meta: _ToolMeta = getattr(fn, _META, None) or _ToolMeta()
        opts = {
            "name": meta.name, "description": meta.description, "kind": meta.kind,
            "is_read_only": meta.is_read_only, "is_destructive": meta.is_destructive,
            "concurrency_safe": meta.concurrency_safe,
            "requires_approval": meta.requires_approval, "describe": meta.describe,
        }
        opts.update(overrides)
        target = fn.func if isinstance(fn, functools.partial) else fn
        name = opts.pop("name") or getattr(target, "__name__", None)
        if not name or name == "<lambda>":
            raise UserError(f"cannot name the tool {fn!r}; pass name=... to tool() or Function")
        summary, arg_docs = parse_docstring(inspect.getdoc(target))
        description = opts.pop("description") or summary or name
        model, positional, fields = _args_model(fn, name, arg_docs)
        schema = _strip_titles(model.model_json_schema())
        schema.setdefault("properties", {})
        requires = opts.pop("requires_approval")
        describe = opts.pop("describe")
        if describe is not None and inspect.ismethod(fn):
            describe = functools.partial(describe, fn.__self__)
        return cls(
            name=name,
            description=description,
            parameters=schema,
            entrypoint=fn,
            requires_approval=(not opts["is_read_only"]) if requires is None else requires,
            describe=describe,
            args_model=model,
            _positional=positional,
            _fields=fields,
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
        if self.args_model is None:
            return [], dict(args)
        values = self.args_model.model_validate(args)
        kwargs = {alias: getattr(values, attr) for attr, alias in self._fields}
        positional = [kwargs.pop(n) for n in self._positional]
        return positional, kwargs

    async def invoke(self, args: dict[str, Any]) -> Any:
        """Validate ``args`` and call the function (sync functions in a worker thread)."""
        positional, kwargs = self.validate(args)
        fn = self.entrypoint
        if _is_async(fn):
            return await fn(*positional, **kwargs)
        result = await anyio.to_thread.run_sync(functools.partial(fn, *positional, **kwargs))
        if inspect.isawaitable(result):
            result = await result
        return result


def _resolve_each(fn: Callable[..., Any]) -> dict[str, Any]:
    """Resolve string annotations one by one; an unresolvable one becomes ``Any``."""
    namespace = getattr(inspect.unwrap(fn), "__globals__", {})
    hints: dict[str, Any] = {}
    for name, annotation in getattr(fn, "__annotations__", {}).items():
        if isinstance(annotation, str):
            try:
                annotation = eval(annotation, namespace)
            except Exception:
                annotation = Any
        hints[name] = annotation
    return hints


def _args_model(
    fn: Callable[..., Any], name: str, docs: dict[str, str]
) -> tuple[type[BaseModel], tuple[str, ...], tuple[tuple[str, str], ...]]:
    """A pydantic model of the parameters (internal field names, real names as aliases)."""
    target = fn.func if isinstance(fn, functools.partial) else fn
    try:
        hints = typing.get_type_hints(target, include_extras=True)
    except Exception:  # e.g. a locally defined type under `from __future__ import annotations`
        hints = _resolve_each(target)
    sig = inspect.signature(fn)
    definitions: dict[str, Any] = {}
    positional: list[str] = []
    fields: list[tuple[str, str]] = []
    for i, p in enumerate(sig.parameters.values()):
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        annotation = hints.get(p.name, p.annotation)
        if annotation is inspect.Parameter.empty or isinstance(annotation, str):
            annotation = Any
        default = ... if p.default is inspect.Parameter.empty else p.default
        attr = f"f{i}"
        definitions[attr] = (
            annotation,
            Field(default, alias=p.name, description=docs.get(p.name)),
        )
        fields.append((attr, p.name))
        if p.kind is p.POSITIONAL_ONLY:
            positional.append(p.name)
    model = create_model(  # type: ignore[call-overload]
        f"{name}_arguments", __config__=_CONFIG, **definitions
    )
    return model, tuple(positional), tuple(fields)


# --- Tool classes -------------------------------------------------------------------------


class Tool:
    """Base class for a group of tools: every ``@tool`` method becomes a bound tool."""

    def functions(self) -> list[Function]:
        """The decorated methods as Functions bound to this instance, in definition order."""
        seen: dict[str, None] = {}
        for klass in reversed(type(self).__mro__):
            for attr, value in vars(klass).items():
                if hasattr(value, _META) or hasattr(getattr(value, "__func__", None), _META):
                    seen.pop(attr, None)
                    seen[attr] = None
        return [Function.from_callable(getattr(self, attr)) for attr in seen]


def as_functions(tools: Iterable[Any]) -> list[Function]:
    """Turn functions, ``Function`` objects and ``Tool`` instances into a list of Functions.

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
        elif hasattr(item, "as_function") and callable(item.as_function):
            out.append(item.as_function())
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


# --- Calls ---------------------------------------------------------------------------------


@dataclass(slots=True, kw_only=True)
class Hooks:
    """Agent-wide tool hooks (each sync or async): ``Agent(hooks=Hooks(...))``.

    Attributes:
        pre_tool: ``pre_tool(call)`` before every call; may raise ``ToolError`` to refuse
            it or ``StopRun`` to end the run.
        post_tool: ``post_tool(call, result)`` after every call.
    """

    pre_tool: Callable[[FunctionCall], Any] | None = None
    post_tool: Callable[[FunctionCall, FunctionCallResult], Any] | None = None


@dataclass(slots=True, kw_only=True)
class FunctionCallResult:
    """The outcome of one call: what the model gets and what the user sees."""

    call_id: str
    tool_name: str
    text: str
    """The text the model receives (the error message when the call failed)."""
    is_error: bool = False
    error: str | None = None
    value: Any = None
    """The function's raw return value."""
    content: tuple[ToolContent, ...] = ()
    locations: tuple[Location, ...] | None = None
    raw_output: Any = None
    duration: float = 0.0

    @property
    def status(self) -> typing.Literal["completed", "failed"]:
        """``failed`` when the call raised or was refused, else ``completed``."""
        return "failed" if self.is_error else "completed"


def result_text(value: Any) -> str:
    """The text a model receives for a tool's return value."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, BaseModel):
        return value.model_dump_json()
    if isinstance(value, dict | list | tuple | int | float | bool):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def format_validation_error(name: str, exc: ValidationError) -> str:
    """A short, model-readable description of invalid arguments."""
    problems = []
    for err in exc.errors(include_url=False):
        where = ".".join(str(p) for p in err.get("loc", ())) or "arguments"
        problems.append(f"{where}: {err.get('msg', 'invalid')}")
    return f"Invalid arguments for tool {name!r}: " + "; ".join(problems)


@dataclass(slots=True, kw_only=True, eq=False)
class FunctionCall:
    """One requested call of a Function, with its raw or parsed arguments."""

    function: Function
    call_id: str
    arguments: str | dict[str, Any] = "{}"
    hooks: Hooks | None = None

    def parse_arguments(self) -> dict[str, Any]:
        """The arguments as a dict.

        Raises:
            ToolError: When they are not a JSON object.
        """
        if isinstance(self.arguments, dict):
            return self.arguments
        text = self.arguments.strip()
        if not text:
            return {}
        try:
            parsed = json.loads(text)
        except json.JSONDecodeError as e:
            raise ToolError(
                f"Invalid JSON arguments for tool {self.function.name!r}: {e.msg} "
                f"(at position {e.pos}). Send the arguments as one JSON object."
            ) from e
        if not isinstance(parsed, dict):
            raise ToolError(
                f"Arguments for tool {self.function.name!r} must be a JSON object, "
                f"got {type(parsed).__name__}"
            )
        return parsed

    async def execute(self) -> FunctionCallResult:
        """Run the call: parse, pre-hooks, validate, invoke, post-hooks; time it.

        Ordinary exceptions become an error result; ``StopRun`` and cancellation propagate.
        """
        fn = self.function
        start = time.perf_counter()
        try:
            args = self.parse_arguments()
            for hook in (self.hooks and self.hooks.pre_tool, fn.pre_hook):
                if hook is not None:
                    await call_maybe_async(hook, self)
            value = await fn.invoke(args)
            result = _to_result(self.call_id, fn.name, value)
        except StopRun:
            raise
        except ValidationError as e:
            result = self._error(format_validation_error(fn.name, e))
        except ToolError as e:
            result = self._error(str(e))
        except Exception as e:
            logger.debug("tool %r raised", fn.name, exc_info=True)
            result = self._error(f"Error running tool {fn.name!r}: {type(e).__name__}: {e}")
        result.duration = time.perf_counter() - start
        try:
            for post in (fn.post_hook, self.hooks and self.hooks.post_tool):
                if post is not None:
                    await call_maybe_async(post, self, result)
        except StopRun:
            raise
        except Exception as e:
            logger.warning("post hook of tool %r failed", fn.name, exc_info=True)
            result = self._error(f"Error in post hook of tool {fn.name!r}: {e}")
        return result

    def _error(self, message: str) -> FunctionCallResult:
        return FunctionCallResult(
            call_id=self.call_id, tool_name=self.function.name, text=message,
            is_error=True, error=message,
        )


def _to_result(call_id: str, name: str, value: Any) -> FunctionCallResult:
    if isinstance(value, ToolResult):
        return FunctionCallResult(
            call_id=call_id, tool_name=name, text=value.text, value=value,
            content=value.content, locations=value.locations, raw_output=value.raw_output,
        )
    return FunctionCallResult(call_id=call_id, tool_name=name, text=result_text(value), value=value)


__all__ = [
    "Function",
    "FunctionCall",
    "FunctionCallResult",
    "Hooks",
    "Tool",
    "as_functions",
    "parse_docstring",
    "result_text",
    "tool",
]
