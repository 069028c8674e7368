"""Tracing overhead: a 200-chunk turn with OpenTelemetry tracing on vs off.

A turn is one run whose model streams 200 text chunks and its usage: ``OpenAIChat``
parsing a Chat Completions stream from ``OpenAIMock`` (in-process HTTP, no network),
the real path of a model reply. "on": ``agentica.tracing.enable()`` with an SDK tracer
provider whose exporter drops the spans (a run span and a model-call span recorded);
"off": tracing disabled. Target: tracing on adds <= 5 % to the turn. Also reported,
without a target: the same turn from an in-process model that costs nothing per chunk,
where the SDK's fixed cost per span is all there is to see. Rounds alternate off/on;
a figure is the median of the per-round ratios of CPU time (robust on a busy machine).
Run: python benchmarks/bench_tracing.py
"""

from __future__ import annotations

import statistics
import time
from collections.abc import AsyncIterator, Callable, Sequence

import anyio
from report import Figure, record

from agentica import Agent, tracing
from agentica.events import Usage
from agentica.messages import Message
from agentica.models.base import (
    Model,
    ModelDelta,
    ModelFinish,
    ModelTextDelta,
    ModelUsage,
    ToolSpec,
)

CHUNKS = 200
ROUNDS = 7


class Chunky(Model):
    """Streams the same 200-chunk reply on every call."""

    name = "chunky"

    def __init__(self) -> None:
        self.deltas: list[ModelDelta] = [ModelTextDelta(text="tok ") for _ in range(CHUNKS)]
        usage = Usage(input_tokens=1000, output_tokens=CHUNKS, total_tokens=1200, requests=1)
        self.deltas += [ModelUsage(usage=usage), ModelFinish(reason="stop")]
        self.prices = (1.0, 2.0, 0.5)

    async def response_stream(
        self, messages: Sequence[Message], tools: Sequence[ToolSpec] = ()
    ) -> AsyncIterator[ModelDelta]:
        for delta in self.deltas:
            yield delta


async def _turns(agent: Agent, turns: int) -> None:
    for _ in range(turns):
        await agent.run("go")


def _cpu_per_turn(agent: Agent, turns: int) -> float:
    start = time.process_time()
    anyio.run(_turns, agent, turns)
    return (time.process_time() - start) / turns


def _overhead(
    agent: Agent, turns: int, provider: object, refill: Callable[[int], None] | None
) -> tuple[float, float, float]:
    """Median (overhead %, off ms, on ms) of CPU time per turn."""
    off, on, ratios = [], [], []
    for i in range(ROUNDS + 1):
        for enabled in (False, True):
            if refill is not None:
                refill(turns)
            if enabled:
                tracing.enable(provider)
            else:
                tracing.disable()
            (on if enabled else off).append(_cpu_per_turn(agent, turns))
        if i == 0:  # Warm-up round.
            off.clear()
            on.clear()
        else:
            ratios.append(on[-1] / off[-1])
    tracing.disable()
    return (
        (statistics.median(ratios) - 1) * 100,
        statistics.median(off) * 1000,
        statistics.median(on) * 1000,
    )


def main() -> None:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import (
        SimpleSpanProcessor,
        SpanExporter,
        SpanExportResult,
    )

    from agentica.models.openai import OpenAIChat
    from agentica.testing import MockReply, OpenAIMock

    class Drop(SpanExporter):
        def export(self, spans: object) -> SpanExportResult:
            return SpanExportResult.SUCCESS

    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(Drop()))
    reply = MockReply(text=" ".join(["tok"] * CHUNKS), usage=(1000, CHUNKS))
    mock = OpenAIMock()
    model = OpenAIChat(
        "gpt-4o", api_key="k", base_url="http://mock/v1", http_client=mock.http_client(),
        max_retries=0,
    )

    def refill(turns: int) -> None:
        mock.add(*[reply] * turns)
        mock.requests.clear()
        mock.bodies.clear()

    figures = []
    for label, agent, turns, fill, target in (
        ("OpenAI-compatible stream", Agent(model=model, add_history_to_context=False), 20,
         refill, 5.0),
        ("in-process model", Agent(model=Chunky(), add_history_to_context=False), 200, None,
         None),
    ):
        overhead, off_ms, on_ms = _overhead(agent, turns, provider, fill)
        verdict = "" if target is None else (
            "  target <= +5 %  " + ("OK" if overhead <= target else "ABOVE TARGET")
        )
        print(
            f"{CHUNKS}-chunk turn, {label}: off {off_ms:.3f} ms, on {on_ms:.3f} ms CPU "
            f"-> tracing adds {overhead:+.1f} %{verdict}"
        )
        note = f"off {off_ms:.2f} ms, on {on_ms:.2f} ms CPU per turn"
        figures.append(
            Figure(f"tracing on: {CHUNKS}-chunk turn, {label}", overhead, "%", target, "<=", note)
        )
    record(figures)


if __name__ == "__main__":
    main()
