"""Test doubles that take the real engine path: scripted models and a fake OpenAI endpoint.

``ScriptedModel`` replays queued steps, one per model call, and records every call::

    model = ScriptedModel([
        ScriptedModel.tool_calls(tool_call("ls", {"path": "."})),
        "All done.",                                   # a str step streams word by word
    ])
    result = await Agent(model=model, tools=[ls]).run("look around")
    model.assert_complete()
    assert model.calls[1].messages[-1].role == "tool"

``FunctionModel`` answers through a function ``fn(messages, tools)``. ``OpenAIMock`` is an
``httpx.MockTransport`` speaking the Chat Completions API (JSON and SSE) for tests of
``OpenAIChat`` and anything built on it; no network is touched. It and its helpers need
``httpx`` (the ``test`` extra) and are imported on first use, so the scripted models work
with the package's own dependencies alone.

Both models are ordinary ``Model`` subclasses: the engine cannot tell them from a real one.
"""

from __future__ import annotations

import inspect
import itertools
import json
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, cast

import anyio

from agentica._chunks import split_words
from agentica._records import record
from agentica.events import Usage
from agentica.messages import Message, ToolCall
from agentica.models.base import (
    Model,
    ModelDelta,
    ModelFinish,
    ModelResponse,
    ModelTextDelta,
    ModelThinkingDelta,
    ModelToolCall,
    ModelUsage,
    ToolSpec,
)

if TYPE_CHECKING:
    from agentica.testing_openai import (
        MockReply,
        OpenAIMock,
        chunk,
        openai_error,
        sse_response,
        tool_call_chunks,
    )

_OPENAI_MOCK_NAMES = frozenset(
    {"MockReply", "OpenAIMock", "chunk", "openai_error", "sse_response", "tool_call_chunks"}
)


def __getattr__(name: str) -> Any:
    # The OpenAI mock lives in agentica.testing_openai and needs httpx, a test-only
    # dependency: it is public from here but only imported when one of its names is used.
    if name in _OPENAI_MOCK_NAMES:
        from agentica import testing_openai

        return getattr(testing_openai, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_ids = itertools.count(1)


def tool_call(
    name: str,
    args: dict[str, Any] | str | None = None,
    id: str | None = None,  # noqa: A002  (the brief's name; mirrors ToolCall.id)
) -> ModelToolCall:
    """A complete model tool call delta; ``id`` defaults to a fresh ``call_<n>``."""
    arguments = args if isinstance(args, str) else json.dumps(args or {})
    call = ToolCall(id=id or f"call_{next(_ids)}", name=name, arguments=arguments)
    return ModelToolCall(call=call)


def usage(input_tokens: int = 10, output_tokens: int = 5, **extra: int) -> ModelUsage:
    """A usage delta for one request (``total_tokens`` is the sum unless given)."""
    extra.setdefault("total_tokens", input_tokens + output_tokens)
    extra.setdefault("requests", 1)
    return ModelUsage(usage=Usage(input_tokens=input_tokens, output_tokens=output_tokens, **extra))


def response_deltas(response: ModelResponse, *, chunked: bool = True) -> list[ModelDelta]:
    """The deltas a streaming model would yield for a whole ``ModelResponse``."""
    split = split_words if chunked else (lambda s: [s] if s else [])
    out: list[ModelDelta] = [ModelThinkingDelta(text=t) for t in split(response.reasoning_content)]
    out += [ModelTextDelta(text=t) for t in split(response.content)]
    out += [ModelToolCall(call=c) for c in response.tool_calls]
    if response.usage != Usage():
        out.append(ModelUsage(usage=response.usage))
    reason = response.finish_reason
    if response.tool_calls and reason == "stop":
        reason = "tool_calls"
    out.append(ModelFinish(reason=reason))
    return out


@record(frozen=False)
class Step:
    """One scripted model call: deltas streamed in order, then optionally an error or a hang.

    Attributes:
        deltas: Streamed exactly as given (add a ``ModelFinish`` yourself if you want one).
        error: Raised after the deltas (e.g. ``ModelResponseError("stream cut")``).
        hang: After the deltas, wait forever (until cancelled): for cancellation tests.
        delay: Seconds to sleep before each delta (overrides the model's ``delay``).
    """

    deltas: Sequence[ModelDelta] = ()
    error: BaseException | None = None
    hang: bool = False
    delay: float | None = None


def to_step(item: Any) -> Step:
    """Normalise a script item (str, ModelResponse, list of deltas, exception, Step)."""
    match item:
        case Step():
            return item
        case str():
            return Step(deltas=response_deltas(ModelResponse(content=item)))
        case ModelResponse():
            return Step(deltas=response_deltas(item))
        case BaseException():
            return Step(error=item)
        case (
            ModelToolCall() | ModelTextDelta() | ModelThinkingDelta() | ModelUsage() | ModelFinish()
        ):
            return Step(deltas=[item])
        case list() | tuple():
            return Step(deltas=list(item))
    raise TypeError(f"cannot turn {item!r} into a scripted model step")


@record(kw_only=False)
class RecordedCall:
    """One call a test model received."""

    messages: list[Message]
    tools: list[ToolSpec]

    @property
    def tool_names(self) -> list[str]:
        """Names of the tools on offer."""
        return [t.name for t in self.tools]


class ScriptExhaustedError(AssertionError):
    """A ``ScriptedModel`` was called more often than it has steps."""


async def _play(step: Step, delay: float) -> AsyncIterator[ModelDelta]:
    wait = step.delay if step.delay is not None else delay
    for delta in step.deltas:
        if wait:
            await anyio.sleep(wait)
        yield delta
    if step.error is not None:
        raise step.error
    if step.hang:
        await anyio.sleep_forever()


class ScriptedModel(Model):
    """A model whose successive calls replay scripted steps.

    Each step is one of: a ``str`` (streamed word by word, finish "stop"), a
    ``ModelResponse`` (thinking, text, tool calls, usage, finish), a list of model deltas
    (streamed exactly as given), an exception instance (raised), a ``Step`` (deltas then an
    error or a hang), or a callable ``(messages, tools) -> any of those``.

    Args:
        steps: The script, one item per model call.
        delay: Seconds to sleep before each delta (useful for cancellation tests).
        name: The model name.
        context_window: Reported context window size.
    """

    __test__ = False

    def __init__(
        self,
        steps: Iterable[Any] = (),
        *,
        delay: float = 0.0,
        name: str = "scripted",
        context_window: int | None = None,
        supports_images: bool = True,
    ) -> None:
        self._steps: list[Any] = list(steps)
        self.delay = delay
        self.name = name
        self.context_window = context_window
        self.supports_images = supports_images
        self.calls: list[RecordedCall] = []

    # Builders (each returns a Step) ----------------------------------------------------

    @staticmethod
    def text(
        text: str, *, thinking: str = "", usage: Usage | None = None, chunks: Sequence[str] = ()
    ) -> Step:
        """A text answer, streamed word by word (or in the given ``chunks``)."""
        if chunks:
            deltas: list[ModelDelta] = [ModelThinkingDelta(text=t) for t in split_words(thinking)]
            deltas += [ModelTextDelta(text=c) for c in chunks]
            if usage is not None:
                deltas.append(ModelUsage(usage=usage))
            return Step(deltas=[*deltas, ModelFinish(reason="stop")])
        return to_step(
            ModelResponse(content=text, reasoning_content=thinking, usage=usage or Usage())
        )

    @staticmethod
    def tool_calls(
        *calls: ModelToolCall, text: str = "", thinking: str = "", usage: Usage | None = None
    ) -> Step:
        """A turn asking for tool calls (made with ``tool_call()``), finish "tool_calls"."""
        return to_step(
            ModelResponse(
                content=text,
                reasoning_content=thinking,
                tool_calls=[c.call for c in calls],
                usage=usage or Usage(),
                finish_reason="tool_calls",
            )
        )

    # Script management ----------------------------------------------------------------

    def add(self, *steps: Any) -> None:
        """Append steps to the script."""
        self._steps.extend(steps)

    @property
    def remaining(self) -> int:
        """Steps not played yet."""
        return len(self._steps)

    @property
    def last_call(self) -> RecordedCall:
        """The most recent call (fails when there was none)."""
        assert self.calls, "the model was never called"
        return self.calls[-1]

    def assert_complete(self) -> None:
        """Fail if scripted steps were not played."""
        if self._steps:
            raise AssertionError(
                f"ScriptedModel has {len(self._steps)} unplayed step(s) after "
                f"{len(self.calls)} call(s); next: {self._steps[0]!r}"
            )

    async def response_stream(
        self, messages: Sequence[Message], tools: Sequence[ToolSpec] = ()
    ) -> AsyncIterator[ModelDelta]:
        """Play the next step."""
        call = RecordedCall(list(messages), list(tools))
        self.calls.append(call)
        if not self._steps:
            last = messages[-1] if messages else None
            raise ScriptExhaustedError(
                f"ScriptedModel ran out of steps: call {len(self.calls)} was not scripted "
                f"(last message: {last!r}). Add a step or check the engine's turn loop."
            )
        item = self._steps.pop(0)
        if callable(item) and not isinstance(item, BaseException | Step):
            item = item(call.messages, call.tools)
            if inspect.isawaitable(item):
                item = await item
        async for delta in _play(to_step(item), self.delay):
            yield delta


class FunctionModel(Model):
    """A model that answers through a function.

    ``fn(messages, tools)`` may be sync or async and return a ``str``, a ``ModelResponse``
    or a list of deltas; or it may be an async generator yielding model deltas (streamed
    as yielded; a ``ModelFinish`` is added if it yields none).

    Args:
        fn: The answering function.
        name: The model name.
        delay: Seconds to sleep before each delta of a returned (non-generator) answer.
    """

    __test__ = False

    def __init__(
        self,
        fn: Callable[[list[Message], list[ToolSpec]], Any],
        *,
        name: str = "function",
        delay: float = 0.0,
        context_window: int | None = None,
        supports_images: bool = True,
    ) -> None:
        self.fn = fn
        self.name = name
        self.delay = delay
        self.context_window = context_window
        self.supports_images = supports_images
        self.calls: list[RecordedCall] = []

    async def response_stream(
        self, messages: Sequence[Message], tools: Sequence[ToolSpec] = ()
    ) -> AsyncIterator[ModelDelta]:
        """Call the function and stream its answer."""
        call = RecordedCall(list(messages), list(tools))
        self.calls.append(call)
        result = self.fn(call.messages, call.tools)
        if inspect.isasyncgen(result):
            stream = cast("AsyncGenerator[ModelDelta, None]", result)  # fn's own deltas
            finished = False
            try:
                async for delta in stream:
                    finished = finished or isinstance(delta, ModelFinish)
                    yield delta
            finally:
                await result.aclose()
            if not finished:
                yield ModelFinish(reason="stop")
            return
        if isinstance(result, Awaitable):
            result = await result
        async for delta in _play(to_step(result), self.delay):
            yield delta


__all__ = [
    "FunctionModel",
    "MockReply",
    "OpenAIMock",
    "RecordedCall",
    "ScriptExhaustedError",
    "ScriptedModel",
    "Step",
    "chunk",
    "openai_error",
    "response_deltas",
    "split_words",
    "sse_response",
    "tool_call",
    "tool_call_chunks",
    "usage",
]
