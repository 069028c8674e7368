"""OpenTelemetry spans (``agentica.tracing``), checked with the SDK's in-memory exporter:
the span tree (run > model calls and tool calls, parallel tools side by side, subagents
under their tool call), GenAI attributes, cost, error status, cancelled runs."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from typing import Any

import anyio
import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import StatusCode

from agentica import Agent, RunConfig, tracing
from agentica.events import ToolCallProgress, Usage
from agentica.exceptions import ModelError, ToolError
from agentica.testing import ScriptedModel, tool_call


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracing.enable(provider)
    try:
        yield exporter
    finally:
        tracing.disable()
        provider.shutdown()


def by_name(exporter: InMemorySpanExporter) -> dict[str, list[ReadableSpan]]:
    out: dict[str, list[ReadableSpan]] = {}
    for span in exporter.get_finished_spans():
        out.setdefault(span.name, []).append(span)
    return out


def parent_of(span: ReadableSpan) -> int | None:
    return span.parent.span_id if span.parent is not None else None


def span_id(span: ReadableSpan) -> int:
    assert span.context is not None
    return span.context.span_id


def used(inp: int, out: int) -> Usage:
    return Usage(input_tokens=inp, output_tokens=out, total_tokens=inp + out, requests=1)


async def lookup(name: str) -> str:
    """Look a name up."""
    await anyio.sleep(0.01)
    return f"found {name}"


def broken() -> str:
    """Always fails."""
    raise ToolError("no luck")


async def test_a_run_is_a_span_over_its_model_calls_and_its_parallel_tool_calls(spans) -> None:
    model = ScriptedModel(
        [
            ScriptedModel.tool_calls(
                tool_call("lookup", {"name": "a"}, id="c1"),
                tool_call("lookup", {"name": "b"}, id="c2"),
                usage=used(1000, 10),
            ),
            ScriptedModel.text("done", usage=used(2000, 20)),
        ],
        name="scripted-x",
    )
    model.prices = (1.0, 2.0, 0.5)
    result = await Agent(model=model, tools=[lookup], name="helper").run("go")
    assert result.content == "done"
    named = by_name(spans)
    (run,) = named["invoke_agent helper"]
    chats, tools = named["chat scripted-x"], named["execute_tool lookup"]
    assert len(chats) == 2 and len(tools) == 2
    assert run.parent is None
    assert {parent_of(s) for s in chats + tools} == {span_id(run)}  # Parallel: siblings.
    assert {s.attributes["gen_ai.tool.call.id"] for s in tools} == {"c1", "c2"}
    first = min(chats, key=lambda s: s.start_time or 0)
    assert dict(first.attributes or {}) == {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "ScriptedModel",
        "gen_ai.system": "ScriptedModel",
        "gen_ai.request.model": "scripted-x",
        "gen_ai.response.model": "scripted-x",
        "gen_ai.agent.name": "helper",
        "gen_ai.usage.input_tokens": 1000,
        "gen_ai.usage.output_tokens": 10,
        "gen_ai.response.finish_reasons": ("tool_calls",),
        "gen_ai.usage.cost": pytest.approx((1000 * 1.0 + 10 * 2.0) / 1e6),
    }
    assert tools[0].attributes["gen_ai.tool.name"] == "lookup"
    assert tools[0].attributes["gen_ai.operation.name"] == "execute_tool"
    assert all(s.status.status_code == StatusCode.UNSET for s in [run, *chats, *tools])
    assert run.attributes["gen_ai.usage.input_tokens"] == 3000
    assert run.attributes["gen_ai.usage.cost"] == pytest.approx(result.usage.cost)
    assert run.attributes["agentica.stop_reason"] == "end_turn"
    # Time order: each tool call between the two model calls.
    second = max(chats, key=lambda s: s.start_time or 0)
    for tool in tools:
        assert (first.end_time or 0) <= (tool.start_time or 0)
        assert (tool.end_time or 0) <= (second.start_time or 0)


async def test_a_model_calls_cache_reads_and_writes_are_span_attributes(spans) -> None:
    usage = Usage(input_tokens=3000, output_tokens=5, total_tokens=3005, cached_tokens=2000,
                  cache_write_tokens=500, requests=1)  # fmt: skip
    model = ScriptedModel([ScriptedModel.text("ok", usage=usage)], name="cached-x")
    await Agent(model=model).run("go")
    (chat,) = by_name(spans)["chat cached-x"]
    assert chat.attributes["gen_ai.usage.cache_read_input_tokens"] == 2000
    assert chat.attributes["gen_ai.usage.cache_creation_input_tokens"] == 500


async def test_a_failed_tool_call_has_error_status(spans) -> None:
    model = ScriptedModel([ScriptedModel.tool_calls(tool_call("broken", {})), "sorry"])
    await Agent(model=model, tools=[broken]).run("go")
    (tool,) = by_name(spans)["execute_tool broken"]
    assert tool.status.status_code == StatusCode.ERROR
    assert "no luck" in (tool.status.description or "")
    assert tool.attributes["error.type"] == "tool_error"
    (run,) = by_name(spans)["invoke_agent"]
    assert run.status.status_code == StatusCode.UNSET  # The run itself went on.
    assert "gen_ai.usage.cost" not in (run.attributes or {})  # Unknown, not zero.


async def test_a_failed_model_call_ends_its_spans_with_error_status(spans) -> None:
    model = ScriptedModel([ModelError("the endpoint is down")])
    with pytest.raises(ModelError):
        await Agent(model=model).run("go")
    named = by_name(spans)
    (chat,) = named["chat scripted"]
    (run,) = named["invoke_agent"]
    for span in (chat, run):
        assert span.status.status_code == StatusCode.ERROR
        assert "the endpoint is down" in (span.status.description or "")
    assert parent_of(chat) == span_id(run)


async def test_a_cancelled_run_ends_every_span(spans) -> None:
    model = ScriptedModel([ScriptedModel.tool_calls(tool_call("hang", {}, id="h1")), "never"])

    async def hang() -> str:
        """Never ends."""
        await anyio.sleep_forever()
        return ""

    with anyio.fail_after(5):
        async with Agent(model=model, tools=[hang]).run_stream("go") as stream:
            async for event in stream:
                if isinstance(event, ToolCallProgress) and event.status == "in_progress":
                    stream.cancel()
    named = by_name(spans)
    (run,) = named["invoke_agent"]
    (tool,) = named["execute_tool hang"]
    assert run.attributes["agentica.stop_reason"] == "cancelled"
    assert tool.attributes["agentica.status"] == "cancelled"
    assert parent_of(tool) == span_id(run)
    assert len(named["chat scripted"]) == 1


async def test_a_subagent_run_nests_under_the_tool_call_that_started_it(spans) -> None:
    inner = Agent(model=ScriptedModel(["inner answer"]), name="inner")

    async def ask_inner(question: str) -> str:
        """Ask the inner agent."""
        return (await inner.run(question)).text

    model = ScriptedModel(
        [ScriptedModel.tool_calls(tool_call("ask_inner", {"question": "q"})), "ok"]
    )
    async with Agent(model=model, tools=[ask_inner], name="outer").run_stream("go") as stream:
        async for _ in stream:
            pass
    named = by_name(spans)
    (outer,) = named["invoke_agent outer"]
    (tool,) = named["execute_tool ask_inner"]
    (sub,) = named["invoke_agent inner"]
    assert parent_of(tool) == span_id(outer)
    assert parent_of(sub) == span_id(tool)
    assert sub.context is not None and outer.context is not None
    assert sub.context.trace_id == outer.context.trace_id
    (inner_chat,) = [s for s in named["chat scripted"] if parent_of(s) == span_id(sub)]
    assert inner_chat.attributes["gen_ai.agent.name"] == "inner"


async def test_after_a_handoff_the_members_calls_stay_in_the_same_run_span(spans) -> None:
    billing_model = ScriptedModel(["Refunded."], name="billing-model")
    billing = Agent(model=billing_model, name="Billing", description="refunds")
    triage_model = ScriptedModel(
        [ScriptedModel.tool_calls(tool_call("transfer_to_billing", {"reason": "refund"}))],
        name="triage-model",
    )
    result = await Agent(model=triage_model, name="triage", team=[billing]).run("refund")
    assert result.text == "Refunded."
    named = by_name(spans)
    (run,) = named["invoke_agent triage"]
    (first,) = named["chat triage-model"]
    (second,) = named["chat billing-model"]
    (handoff,) = named["execute_tool transfer_to_billing"]
    assert {parent_of(first), parent_of(second), parent_of(handoff)} == {span_id(run)}
    assert first.attributes["gen_ai.agent.name"] == "triage"
    assert second.attributes["gen_ai.agent.name"] == "Billing"


async def test_a_run_can_leave_tracing_out_and_spans_stop_when_disabled(spans) -> None:
    await Agent(model=ScriptedModel(["a"])).run("go", config=RunConfig(tracing=False))
    assert spans.get_finished_spans() == ()
    tracing.disable()
    await Agent(model=ScriptedModel(["a"])).run("go")
    assert spans.get_finished_spans() == ()


def run_script(*parts: str, env: dict[str, str] | None = None) -> Any:
    """Run the code ``parts`` in a fresh interpreter; its last stdout line is JSON."""
    import os

    code = "\n".join(textwrap.dedent(part) for part in parts)
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "AGENTICA_T"))}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True,
        timeout=60, env={**environ, **(env or {})},
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


ENV = "AGENTICA_TRACING"
SCRIPT_RUN = """
    import json, sys
    import anyio
    from agentica import Agent, RunConfig
    from agentica.testing import ScriptedModel, tool_call

    async def greet(name: str) -> str:
        \"\"\"Greet (asks a subagent).\"\"\"
        return (await Agent(model=ScriptedModel(["hi"]), name="sub").run(name)).text

    async def main(config=None):
        model = ScriptedModel([ScriptedModel.tool_calls(tool_call("greet", {"name": "x"})), "ok"])
        async with Agent(model=model, tools=[greet]).run_stream("go", config=config) as s:
            async for _ in s:
                pass
"""


def test_tracing_off_imports_nothing_from_opentelemetry() -> None:
    loaded = run_script(
        SCRIPT_RUN,
        """
    anyio.run(main)
    print(json.dumps(sorted(m for m in sys.modules if m.startswith("opentelemetry"))))
    """
    )
    assert loaded == []


def test_the_environment_and_run_config_turn_tracing_on_with_the_global_provider() -> None:
    setup = """
    from opentelemetry import trace
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    """
    names = "print(json.dumps(sorted(s.name for s in exporter.get_finished_spans())))"
    expected = [  # The subagent is traced too, also when only the outer run asked.
        "chat scripted", "chat scripted", "chat scripted", "execute_tool greet",
        "invoke_agent", "invoke_agent sub",
    ]
    by_env = run_script(SCRIPT_RUN, setup, "anyio.run(main)", names, env={ENV: "1"})
    assert by_env == expected
    by_config = run_script(SCRIPT_RUN, setup, "anyio.run(main, RunConfig(tracing=True))", names)
    assert by_config == expected
    neither = run_script(SCRIPT_RUN, setup, "anyio.run(main)", names, env={ENV: "0"})
    assert neither == []


def test_otlp_without_the_exporter_package_fails_clearly(monkeypatch) -> None:
    import importlib.util

    real = importlib.util.find_spec

    def missing(name: str, *args: Any) -> Any:
        return None if name.startswith("opentelemetry.exporter") else real(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", missing)
    with pytest.raises(tracing.TracingUnavailable, match=r"agentica\[otlp\]"):
        tracing.enable_otlp(lazy=True)
    assert not tracing.is_enabled()
