"""Deterministic models for the end-to-end tests, loaded by the server subprocess.

The server is started with ``AGENTICA_TEST_MODEL=e2e_models:model`` (and this directory
on ``PYTHONPATH``). The model reads its instructions from the user's prompt:

- ``say <text>``: stream ``<text>`` word by word (thinking first when it starts with
  ``think``);
- ``slow``: stream chunks every 20 ms for a long time (to be cancelled);
- ``fail``: raise a ``ModelResponseError`` after a first chunk;
- ``crash``: raise a ``TypeError`` (a bug, not a model error) after a first chunk;
- ``call <json>``: ask for the tool calls in the JSON list ``[{"name", "args"}]`` at
  once, then answer ``done: <tool results>``;
- ``chain <json>``: ask for the tool calls of the JSON list one per model step, then
  answer ``done: <n> steps``;
- ``loop``: ask for ``ls`` forever (hits ``--max-turns``);
- ``bench <n>``: stream ``n`` small chunks as fast as possible;
- anything else: answer ``You said: <prompt>`` (``[N images] `` first when the prompt
  carries images).

``vision_model`` is the same model with ``supports_images=True``.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator, Sequence

import anyio

from agentica.events import Usage
from agentica.exceptions import ModelResponseError
from agentica.messages import ImagePart, Message, ToolCall
from agentica.models.base import (
    ModelDelta,
    ModelFinish,
    ModelTextDelta,
    ModelThinkingDelta,
    ModelToolCall,
    ModelUsage,
    ToolSpec,
)
from agentica.testing import FunctionModel

_ids = itertools.count(1)


def _words(text: str) -> list[str]:
    parts = text.split(" ")
    return [p + (" " if i < len(parts) - 1 else "") for i, p in enumerate(parts)]


async def _answer(messages: list[Message], tools: list[ToolSpec]) -> AsyncIterator[ModelDelta]:
    start = max(i for i, m in enumerate(messages) if m.role == "user")
    prompt = messages[start].text.strip()
    since = messages[start + 1 :]
    yield ModelUsage(usage=Usage(input_tokens=100, output_tokens=10, total_tokens=110, requests=1))
    if prompt.startswith("say "):
        text = prompt[4:]
        if text.startswith("think"):
            yield ModelThinkingDelta(text="Thinking it over.")
        for word in _words(text):
            yield ModelTextDelta(text=word)
    elif prompt == "slow":
        for i in range(5000):
            await anyio.sleep(0.02)
            yield ModelTextDelta(text=f"chunk{i} ")
    elif prompt == "fail":
        yield ModelTextDelta(text="Starting... ")
        raise ModelResponseError("the upstream API returned 502", status=502, model="e2e")
    elif prompt == "crash":
        yield ModelTextDelta(text="Starting... ")
        raise TypeError("unsupported operand type(s) for +: 'int' and 'str'")
    elif prompt.startswith("call "):
        if since:
            results = [m for m in since if m.role == "tool"]
            summary = "; ".join(f"{m.name}: {m.text[:200]}" for m in results)
            yield ModelTextDelta(text=f"done: {summary}")
        else:
            for call in json.loads(prompt[5:]):
                yield ModelToolCall(
                    call=ToolCall(
                        id=f"call_{next(_ids)}",
                        name=call["name"],
                        arguments=json.dumps(call["args"]),
                    )
                )
            yield ModelFinish(reason="tool_calls")
            return
    elif prompt.startswith("chain "):
        steps = json.loads(prompt[6:])
        done = sum(1 for m in since if m.role == "tool")
        if done >= len(steps):
            yield ModelTextDelta(text=f"done: {done} steps")
        else:
            call = steps[done]
            yield ModelToolCall(
                call=ToolCall(
                    id=f"call_{next(_ids)}", name=call["name"], arguments=json.dumps(call["args"])
                )
            )
            yield ModelFinish(reason="tool_calls")
            return
    elif prompt == "loop":
        yield ModelToolCall(call=ToolCall(id=f"call_{next(_ids)}", name="ls", arguments="{}"))
        yield ModelFinish(reason="tool_calls")
        return
    elif prompt.startswith("bench "):
        for i in range(int(prompt[6:])):
            yield ModelTextDelta(text=f"w{i} ")
    else:
        content = messages[start].content
        images = (
            sum(isinstance(p, ImagePart) for p in content or []) if isinstance(content, list) else 0
        )
        yield ModelTextDelta(text=(f"[{images} images] " if images else "") + f"You said: {prompt}")
    yield ModelFinish(reason="stop")


def _fn(messages: Sequence[Message], tools: Sequence[ToolSpec]) -> AsyncIterator[ModelDelta]:
    return _answer(list(messages), list(tools))


def model() -> FunctionModel:
    """The e2e model (see the module docstring)."""
    return FunctionModel(_fn, name="e2e", context_window=100_000, supports_images=False)


def vision_model() -> FunctionModel:
    """The e2e model, taking images."""
    return FunctionModel(_fn, name="e2e-vision", context_window=100_000, supports_images=True)
