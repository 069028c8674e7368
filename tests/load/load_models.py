"""The model of the load suite, loaded by the server (``AGENTICA_TEST_MODEL=load_models:model``).

Prompts:

- ``work``: stream 20 chunks 10 ms apart, ask for ``ls`` and ``read_file``, then stream
  20 more chunks 10 ms apart (about 0.4 s of model time, like a real streamed turn);
- ``quick <n>``: one chunk; first a shell command ``echo hi`` when ``n % 10 == 0``, an
  ``ls`` call when ``n % 10 == 5``;
- ``stats``: a JSON object measured inside the server: ``tasks`` (asyncio), ``threads``,
  ``fds`` and ``rss_kb``.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import threading
from collections.abc import AsyncIterator, Sequence

import anyio

from agentica.events import Usage
from agentica.messages import Message, ToolCall
from agentica.models.base import (
    Model,
    ModelDelta,
    ModelFinish,
    ModelTextDelta,
    ModelToolCall,
    ModelUsage,
    ToolSpec,
)

_ids = itertools.count(1)


def stats() -> dict[str, int]:
    """What the server process holds right now."""
    rss = 0
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
    return {
        "tasks": len(asyncio.all_tasks()),
        "threads": threading.active_count(),
        "fds": len(os.listdir("/proc/self/fd")),
        "rss_kb": rss,
    }


async def _stream(n: int, delay: float) -> AsyncIterator[ModelDelta]:
    for i in range(n):
        await anyio.sleep(delay)
        yield ModelTextDelta(text=f"w{i} ")


def _call(name: str, args: dict) -> ModelToolCall:
    return ModelToolCall(
        call=ToolCall(id=f"load_{next(_ids)}", name=name, arguments=json.dumps(args))
    )


async def _answer(messages: list[Message], tools: list[ToolSpec]) -> AsyncIterator[ModelDelta]:
    start = max(i for i, m in enumerate(messages) if m.role == "user")
    prompt = messages[start].text.strip()
    answered = any(m.role == "tool" for m in messages[start + 1 :])
    yield ModelUsage(usage=Usage(input_tokens=10, output_tokens=5, total_tokens=15, requests=1))
    if prompt == "stats":
        yield ModelTextDelta(text=json.dumps(stats()))
    elif prompt == "work":
        async for d in _stream(20, 0.01):
            yield d
        if not answered:
            yield _call("ls", {"path": "."})
            yield _call("read_file", {"file_path": "notes.txt"})
    elif prompt.startswith("quick "):
        n = int(prompt.split()[1])
        if n % 10 == 0 and not answered:
            yield _call("execute", {"command": "echo hi"})
        elif n % 10 == 5 and not answered:
            yield _call("ls", {"path": "."})
        else:
            yield ModelTextDelta(text="ok")
    else:
        yield ModelTextDelta(text=f"unknown prompt {prompt!r}")


class LoadModel(Model):
    """Answers by ``_answer``; records nothing (a recording double would grow with turns)."""

    name = "load"
    context_window = 100_000

    async def response_stream(
        self, messages: Sequence[Message], tools: Sequence[ToolSpec] = ()
    ) -> AsyncIterator[ModelDelta]:
        calls = False
        async for d in _answer(list(messages), list(tools)):
            calls = calls or isinstance(d, ModelToolCall)
            yield d
        yield ModelFinish(reason="tool_calls" if calls else "stop")


def model() -> LoadModel:
    return LoadModel()
