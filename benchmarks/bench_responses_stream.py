"""Stream parsing per chunk: the Responses API model against Chat Completions.

Both models stream the same answer of N text chunks from an in-process endpoint (httpx
MockTransport, the SSE bytes prepared beforehand so only the client side is measured):
SSE decoding, the ``openai`` client's event objects, our reader, the watchdog, and the
deltas handed on. The figure is CPU time per chunk (robust on a shared machine), median
of several rounds.

Target: Responses <= Chat Completions + 20 %.
Run: python benchmarks/bench_responses_stream.py [--chunks N] [--rounds R]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from typing import Any

import anyio
import httpx
from report import Figure, record, table

from agentica.messages import Message
from agentica.models.openai import OpenAIChat
from agentica.testing import MockReply

HI = [Message.user("hi")]


def _sse(events: list[dict[str, Any]], *, named: bool) -> list[bytes]:
    if named:
        return [
            f"event: {e['type']}\ndata: {json.dumps({**e, 'sequence_number': i})}\n\n".encode()
            for i, e in enumerate(events)
        ]
    return [f"data: {json.dumps(e)}\n\n".encode() for e in events] + [b"data: [DONE]\n\n"]


def _model(api: str, pieces: list[bytes]) -> OpenAIChat:
    async def handle(request: httpx.Request) -> httpx.Response:
        async def body():
            for piece in pieces:
                yield piece

        return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body())

    client = httpx.AsyncClient(transport=httpx.MockTransport(handle))
    return OpenAIChat(
        "gpt-4o", api=api, api_key="k", base_url="http://bench/v1", http_client=client,
        max_retries=0,
    )  # fmt: skip


async def _per_chunk(model: OpenAIChat, chunks: int, rounds: int) -> float:
    """Median CPU microseconds per text chunk of one streamed answer."""
    times = []
    async for _ in model.response_stream(HI):  # Warm-up: client, imports, pools.
        pass
    for _ in range(rounds):
        start = time.process_time()
        count = 0
        async for delta in model.response_stream(HI):
            count += delta.type == "text"
        assert count == chunks, count
        times.append((time.process_time() - start) / chunks * 1e6)
    return statistics.median(times)


async def main_async(chunks: int, rounds: int) -> list[Figure]:
    reply = MockReply(text=" ".join(["word"] * chunks), usage=(100, chunks))
    chat = _model("chat", _sse(reply.chunks(), named=False))
    responses = _model("responses", _sse(reply.events(), named=True))
    # Interleave the rounds so a noisy neighbour hurts both alike.
    chat_us, resp_us = [], []
    for _ in range(3):
        chat_us.append(await _per_chunk(chat, chunks, rounds))
        resp_us.append(await _per_chunk(responses, chunks, rounds))
    chat_value, resp_value = statistics.median(chat_us), statistics.median(resp_us)
    note = f"{chunks} chunks, CPU time, median of {3 * rounds} streams"
    return [
        Figure("chat completions stream parse", round(chat_value, 1), "us/chunk", note=note),
        Figure(
            "responses api stream parse",
            round(resp_value, 1),
            "us/chunk",
            target=round(chat_value * 1.2, 1),
            note=f"target: chat + 20 %; ratio {resp_value / chat_value:.2f}",
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    figures = anyio.run(main_async, args.chunks, args.rounds)
    print(table(figures))
    record(figures)


if __name__ == "__main__":
    main()
