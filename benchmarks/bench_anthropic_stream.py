"""Per-chunk cost of reading an Anthropic Messages stream vs a Chat Completions stream.

Both models read the same number of text chunks from an in-process fake (a mock transport
of their client's HTTP library serving pre-rendered server-sent events, so the fake's own
JSON encoding is not measured): the figure is the CPU time per chunk of the whole path,
the client's SSE and JSON parsing, our adapter and the watchdog, with the fixed cost of a
request taken out (a long stream's time minus a short one's, over the extra chunks).
Target: Anthropic <= Chat Completions + 20 %.

Usage: ``python benchmarks/bench_anthropic_stream.py [--chunks N] [--rounds R]``.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import anyio
from report import Figure, record, table

from agentica.messages import Message
from agentica.models._openai_parts import httpx_module
from agentica.models.anthropic import AnthropicChat
from agentica.models.openai import OpenAIChat
from agentica.testing_anthropic import AnthropicReply, sse
from agentica.testing_openai import MockReply

SHORT = 10
"""Chunks of the short stream whose time is the fixed cost of a request."""


def _transport(http: Any, frames: list[bytes]) -> Any:
    """A mock transport answering every request with ``frames`` as one SSE stream."""

    async def handle(request: Any) -> Any:
        async def body() -> AsyncIterator[bytes]:
            for frame in frames:
                yield frame

        return http.Response(200, headers={"content-type": "text/event-stream"}, content=body())

    return http.MockTransport(handle)


def openai_frames(chunks: int) -> list[bytes]:
    reply = MockReply(text="word " * chunks, usage=(10, chunks))
    out = [f"data: {json.dumps(c)}\n\n".encode() for c in reply.chunks()]
    return [*out, b"data: [DONE]\n\n"]


def anthropic_frames(chunks: int) -> list[bytes]:
    reply = AnthropicReply(text="word " * chunks, usage=(10, chunks))
    return [sse(name, data) for name, data in reply.events()]


def openai_model(frames: list[bytes]) -> OpenAIChat:
    import openai

    http = httpx_module(openai)
    client = http.AsyncClient(transport=_transport(http, frames))
    return OpenAIChat("gpt-bench", api_key="k", base_url="http://mock/v1", http_client=client)


def anthropic_model(frames: list[bytes]) -> AnthropicChat:
    import anthropic

    http = httpx_module(anthropic)
    client = http.AsyncClient(transport=_transport(http, frames))
    return AnthropicChat("claude-bench", api_key="k", http_client=client)


async def _cpu_per_call(model: Any, rounds: int) -> float:
    """The least CPU seconds one streamed call took, over ``rounds`` calls."""
    best = float("inf")
    messages = [Message.user("go")]
    for _ in range(rounds):
        start = time.process_time()
        async for _delta in model.response_stream(messages):
            pass
        best = min(best, time.process_time() - start)
    return best


def per_chunk(make: Callable[[list[bytes]], Any], frames: Callable[[int], list[bytes]],
              chunks: int, rounds: int) -> float:  # fmt: skip
    """Microseconds of CPU per text chunk (fixed request cost taken out)."""

    async def run() -> float:
        long, short = make(frames(chunks)), make(frames(SHORT))
        await _cpu_per_call(long, 2)  # Warm-up: imports, client, first-request set-up.
        await _cpu_per_call(short, 2)
        t_long = await _cpu_per_call(long, rounds)
        t_short = await _cpu_per_call(short, rounds)
        return (t_long - t_short) / (chunks - SHORT) * 1e6

    return anyio.run(run)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    chat = per_chunk(openai_model, openai_frames, args.chunks, args.rounds)
    claude = per_chunk(anthropic_model, anthropic_frames, args.chunks, args.rounds)
    note = f"{args.chunks} chunks, best of {args.rounds}"
    figures = [
        Figure("stream parse: Chat Completions", round(chat, 1), "us/chunk", note=note),
        Figure("stream parse: Anthropic Messages", round(claude, 1), "us/chunk",
               target=round(chat * 1.2, 1), note=f"target: Chat Completions + 20 %; {note}"),
    ]  # fmt: skip
    print(table(figures))
    record(figures)


if __name__ == "__main__":
    main()
