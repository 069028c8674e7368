"""The call: one requested call of a tool, run with its hooks, and its result.

``FunctionCall.execute()`` parses the model's arguments, runs the pre-hooks, validates
and invokes the tool, runs the post-hooks and times it all. Ordinary exceptions become
an error result the model can read (``FunctionCallResult.failure()`` is the one way a
failed result is built); ``StopRun`` and cancellation propagate. Async callables are
awaited; sync ones run in a worker thread so they never block the event loop.

This module sits below ``agentica.tools.function``: a call needs only what
``CallTarget`` lists, which ``Function`` provides.
"""

from __future__ import annotations

import functools
import inspect
import json
import logging
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal, Protocol

import anyio.to_thread

from agentica._records import record
from agentica.events import ImageContent, Location, ToolContent, ToolKind
from agentica.exceptions import StopRun, ToolError, format_validation_error
from agentica.messages import ImagePart, Message
from agentica.tools.base import CallDescription, ToolResult

if TYPE_CHECKING:  # pydantic is imported by the first validation, not with the tools.
    from pydantic import ValidationError

logger = logging.getLogger(__name__)


@record(frozen=False)
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
    images: tuple[ImageContent, ...] = ()
    """Images the model receives with ``text``."""
    duration: float = 0.0

    def message(self, call_id: str, name: str) -> Message:
        """This outcome as the history's ``tool`` message for the model's call ``call_id``."""
        images = [ImagePart(data=i.data, mime_type=i.mime_type) for i in self.images]
        return Message.tool(call_id, name, self.text, is_error=self.is_error, images=images)

    @property
    def status(self) -> Literal["completed", "failed"]:
        """``failed`` when the call raised or was refused, else ``completed``."""
        return "failed" if self.is_error else "completed"

    @classmethod
    def failure(cls, call_id: str, tool_name: str, message: str) -> FunctionCallResult:
        """A failed call: ``message`` is both the model's text and the error."""
        return cls(call_id=call_id, tool_name=tool_name, text=message, is_error=True,
                   error=message)

    @classmethod
    def of_value(cls, call_id: str, tool_name: str, value: Any) -> FunctionCallResult:
        """A completed call that returned ``value`` (a ``ToolResult`` keeps its extras)."""
        if isinstance(value, ToolResult):
            return cls(
                call_id=call_id, tool_name=tool_name, text=value.text, value=value,
                content=value.content, locations=value.locations, raw_output=value.raw_output,
                images=value.images,
            )
        return cls(call_id=call_id, tool_name=tool_name, text=result_text(value), value=value)


def result_text(value: Any) -> str:
    """The text a model receives for a tool's return value."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    pydantic = sys.modules.get("pydantic")  # Not imported: ``value`` is no pydantic model.
    if pydantic is not None and isinstance(value, pydantic.BaseModel):
        return value.model_dump_json()
    if isinstance(value, dict | list | tuple | int | float | bool):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def validation_error(error: BaseException) -> ValidationError | None:
    """``error`` if it is pydantic's ``ValidationError`` (without importing pydantic)."""
    pydantic_core = sys.modules.get("pydantic_core")  # Not imported: cannot be its error.
    kind: type[ValidationError] | None = getattr(pydantic_core, "ValidationError", None)
    return error if kind is not None and isinstance(error, kind) else None


def error_text(tool_name: str, error: Exception) -> str:
    """The model's text for a tool that raised ``error``."""
    return f"Error running tool {tool_name!r}: {type(error).__name__}: {error}"


PreHook = Callable[["FunctionCall"], Any]
"""``hook(call)`` before a call (sync or async); may raise ``ToolError`` or ``StopRun``."""
PostHook = Callable[["FunctionCall", FunctionCallResult], Any]
"""``hook(call, result)`` after a call (sync or async)."""


class CallTarget(Protocol):
    """What a call needs of the tool it calls (``agentica.tools.function.Function``)."""

    @property
    def name(self) -> str: ...
    @property
    def description(self) -> str: ...
    @property
    def kind(self) -> ToolKind: ...
    @property
    def concurrency_safe(self) -> bool: ...
    @property
    def requires_approval(self) -> bool: ...
    @property
    def pre_hook(self) -> PreHook | None: ...
    @property
    def post_hook(self) -> PostHook | None: ...

    def describe_call(self, args: dict[str, Any]) -> CallDescription: ...

    async def invoke(self, args: dict[str, Any]) -> Any: ...


def is_async(fn: Callable[..., Any]) -> bool:
    """Whether calling ``fn`` gives an awaitable (async functions and callable objects)."""
    target = fn.func if isinstance(fn, functools.partial) else fn
    return inspect.iscoroutinefunction(target) or inspect.iscoroutinefunction(
        getattr(target, "__call__", None)  # noqa: B004  (async callable objects)
    )


async def call_maybe_async(fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
    """Await ``fn(*args, **kwargs)`` if it is async, else run it in a worker thread."""
    if is_async(fn):
        return await fn(*args, **kwargs)
    result = await anyio.to_thread.run_sync(functools.partial(fn, *args, **kwargs))
    if inspect.isawaitable(result):
        result = await result
    return result


@record(frozen=False)
class Hooks:
    """Lifecycle hooks of an agent's runs (each sync or async): ``Agent(hooks=Hooks(...))``.

    ``ctx`` is the run's ``agentica.context.RunContext``. A hook may raise ``StopRun`` to
    end the run; any other exception fails the run.

    Attributes:
        pre_tool: ``pre_tool(call)`` before every tool call (the tool-start hook); may
            raise ``ToolError`` to refuse the call.
        post_tool: ``post_tool(call, result)`` after every tool call (the tool-end hook).
        on_run_start: ``on_run_start(ctx)`` before the first model call.
        on_run_end: ``on_run_end(ctx, stop_reason[, error])`` exactly once when the run
            ends, however it ends: ``end_turn``, ``max_turns``, ``max_tokens``,
            ``cancelled`` (``error`` is the ``RunTimeoutError`` after a timeout), or
            ``None`` after a failure (``error`` is the exception). The error is passed
            only to a hook that takes a third argument.
        on_model_start: ``on_model_start(ctx, messages)`` before every model call.
        on_model_end: ``on_model_end(ctx, message)`` with every assistant message.
    """

    pre_tool: PreHook | None = None
    post_tool: PostHook | None = None
    on_run_start: Callable[..., Any] | None = None
    on_run_end: Callable[..., Any] | None = None
    on_model_start: Callable[..., Any] | None = None
    on_model_end: Callable[..., Any] | None = None


@record(frozen=False, eq=False)
class FunctionCall:
    """One requested call of a Function, with its raw or parsed arguments."""

    function: CallTarget
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

    def failure(self, message: str) -> FunctionCallResult:
        """A failed result of this call."""
        return FunctionCallResult.failure(self.call_id, self.function.name, message)

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
            result = FunctionCallResult.of_value(self.call_id, fn.name, value)
        except StopRun:
            raise
        except ToolError as e:
            result = self.failure(str(e))
        except Exception as e:
            if (invalid := validation_error(e)) is not None:
                result = self.failure(
                    f"Invalid arguments for tool {fn.name!r}: {format_validation_error(invalid)}"
                )
            else:
                logger.debug("tool %r raised", fn.name, exc_info=True)
                result = self.failure(error_text(fn.name, e))
        result.duration = time.perf_counter() - start
        try:
            for post in (fn.post_hook, self.hooks and self.hooks.post_tool):
                if post is not None:
                    await call_maybe_async(post, self, result)
        except StopRun:
            raise
        except Exception as e:
            logger.warning("post hook of tool %r failed", fn.name, exc_info=True)
            result = self.failure(f"Error in post hook of tool {fn.name!r}: {e}")
        return result


__all__ = [
    "CallTarget",
    "FunctionCall",
    "FunctionCallResult",
    "Hooks",
    "PostHook",
    "PreHook",
    "call_maybe_async",
    "error_text",
    "is_async",
    "result_text",
    "validation_error",
]
