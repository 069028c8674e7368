"""OpenTelemetry spans for runs, model calls and tool calls (GenAI semantic conventions).

Turn tracing on for the process with ``enable()`` (spans go to the given tracer
provider, else the global one), ``enable_otlp()`` (an SDK provider exporting over OTLP,
set by the standard ``OTEL_EXPORTER_OTLP_*`` variables) or the environment variable
``AGENTICA_TRACING`` (``1``: ``enable()``, or ``enable_otlp()`` when an
``OTEL_EXPORTER_OTLP_ENDPOINT`` is set and no provider is; ``otlp``: ``enable_otlp()``);
per run with ``RunConfig(tracing=True)`` (or ``False`` to leave one run out). Needs
``pip install 'agentica[otel]'`` (``'agentica[otlp]'`` for OTLP export).

Each run is a span ``invoke_agent <agent>``; under it, one ``chat <model>`` span per
model call (``gen_ai.request.model``, ``gen_ai.usage.input_tokens`` / ``output_tokens``,
``gen_ai.response.finish_reasons``, ``gen_ai.provider.name``, ``gen_ai.usage.cost`` in
USD when known) and one ``execute_tool <tool>`` span per tool call (``gen_ai.tool.name``,
``gen_ai.tool.call.id``; error status when it failed), parallel calls side by side. A
subagent's or a nested agent's run nests under the tool call that started it; a run
inside a span of yours nests under that span.

When tracing is off, nothing from ``opentelemetry`` is imported: a run pays one check at
its start (``start``), and nothing per event.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from agentica.models.pricing import provider_of

if TYPE_CHECKING:
    from agentica._run_state import RunState
    from agentica.events import Usage
    from agentica.tools.call import FunctionCall, FunctionCallResult

    ToolRunner = Callable[[int, FunctionCall], Awaitable[FunctionCallResult]]

ENV = "AGENTICA_TRACING"
"""``1``/``true``: trace every run; ``otlp``: and export over OTLP; ``0``: off."""
COST = "gen_ai.usage.cost"
"""Span attribute: US dollars of the call or run (set only when the cost is known)."""
INSTALL_HINT = "pip install 'agentica[otel]'"
OTLP_HINT = "pip install 'agentica[otlp]'"

_tracer: Any = None
"""The process-wide tracer while tracing is on."""
_ready = False
"""Whether ``AGENTICA_TRACING`` was read (at the first run) or a setting was made."""
_lazy_otlp = False
"""``enable_otlp(lazy=True)``: set up the exporter at the first run."""
_owned: Any = None
"""The SDK tracer provider ``enable_otlp`` made (``shutdown()`` flushes it)."""
_api: Any = None
"""``opentelemetry.trace`` once imported."""
_nested: ContextVar[bool] = ContextVar("agentica_traced_tool", default=False)
"""Set while a traced tool runs: a run it starts (a subagent) is traced too."""


class TracingUnavailable(ImportError):
    """Tracing was asked for, but the OpenTelemetry packages are not installed."""


def enable(tracer_provider: Any = None) -> None:
    """Trace every run from now on, to ``tracer_provider`` (default: the global one).

    Raises:
        TracingUnavailable: ``opentelemetry-api`` is not installed.
    """
    global _tracer, _ready, _lazy_otlp
    trace = _otel_trace()
    provider = tracer_provider if tracer_provider is not None else trace.get_tracer_provider()
    _tracer = provider.get_tracer("agentica")
    _ready, _lazy_otlp = True, False


def enable_otlp(*, lazy: bool = False) -> None:
    """Trace every run and export the spans over OTLP (an SDK provider with a batching
    exporter; endpoint, headers and protocol from the ``OTEL_EXPORTER_OTLP_*`` variables,
    the service name from ``OTEL_SERVICE_NAME``, default ``agentica``).

    ``lazy``: only check the packages now and import them at the first run (the ACP
    server starts fast).

    Raises:
        TracingUnavailable: The SDK or the OTLP exporter is not installed.
    """
    global _ready, _lazy_otlp, _owned
    module = _exporter_module()
    from importlib.util import find_spec

    for name in ("opentelemetry.sdk.trace", module):
        try:
            found = find_spec(name) is not None
        except ImportError:
            found = False
        if not found:
            raise TracingUnavailable(
                f"OTLP tracing needs the OpenTelemetry SDK and exporter ({name} is "
                f"missing): {OTLP_HINT}"
            )
    if lazy:
        _ready, _lazy_otlp = True, True
        return
    from importlib import import_module  # (pyright cannot resolve the SDK's stub package)

    sdk = import_module("opentelemetry.sdk.trace")
    resources = import_module("opentelemetry.sdk.resources")
    export = import_module("opentelemetry.sdk.trace.export")
    attributes = {} if os.environ.get("OTEL_SERVICE_NAME") else {"service.name": "agentica"}
    provider = sdk.TracerProvider(resource=resources.Resource.create(attributes))
    exporter = import_module(module).OTLPSpanExporter()
    provider.add_span_processor(export.BatchSpanProcessor(exporter))
    _owned = provider
    enable(provider)


def disable() -> None:
    """Stop tracing runs (those running keep their spans)."""
    global _tracer, _ready, _lazy_otlp
    _tracer, _ready, _lazy_otlp = None, True, False


def is_enabled() -> bool:
    """Whether runs are traced by default (reads ``AGENTICA_TRACING`` the first time)."""
    if not _ready:
        _from_env()
    return _tracer is not None or _lazy_otlp


def shutdown() -> None:
    """Flush and close the exporter ``enable_otlp`` set up (a no-op otherwise)."""
    global _owned
    provider, _owned = _owned, None
    if provider is not None:
        provider.shutdown()
        disable()


def start(state: RunState) -> RunTrace | None:
    """The engine's hook at the start of a run: its spans, or None when not traced."""
    if state.tracing is False:
        return None
    tracer = _tracer
    if tracer is None:
        if not _ready or _lazy_otlp:
            _from_env()
            tracer = _tracer
        if tracer is None:
            if not (state.tracing or _nested.get()):
                return None
            tracer = _otel_trace().get_tracer("agentica")
    return RunTrace(tracer, state)


def _from_env() -> None:
    global _ready
    if _lazy_otlp:
        enable_otlp()
        return
    _ready = True
    value = os.environ.get(ENV, "").strip().lower()
    if value in ("", "0", "false", "no", "off"):
        return
    endpoint = os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or os.environ.get(
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
    )
    if value == "otlp" or (endpoint and not _has_global_provider()):
        enable_otlp()
    else:
        enable()


def _has_global_provider() -> bool:
    trace = _otel_trace()
    return not isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider)


def _otel_trace() -> Any:
    """``opentelemetry.trace``, imported on first use."""
    global _api
    if _api is None:
        try:
            from opentelemetry import trace
        except ImportError:
            raise TracingUnavailable(f"tracing needs OpenTelemetry: {INSTALL_HINT}") from None
        _api = trace
    return _api


def _exporter_module() -> str:
    protocol = os.environ.get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL") or os.environ.get(
        "OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"
    )
    kind = "grpc" if protocol.strip().lower() == "grpc" else "http"
    return f"opentelemetry.exporter.otlp.proto.{kind}.trace_exporter"


class RunTrace:
    """The spans of one run. Made by ``start()``; the engine calls it at each model call,
    the tool phase wraps each call with ``tool_runner``, and ``RunState.close`` ends it."""

    __slots__ = ("_model", "_model_span", "_parent", "_span", "_tracer", "error")

    def __init__(self, tracer: Any, state: RunState) -> None:
        name = state.agent_name
        attributes: dict[str, Any] = {
            "gen_ai.operation.name": "invoke_agent",
            "agentica.run_id": state.run_id,
        }
        if name:
            attributes["gen_ai.agent.name"] = name
        self._tracer = tracer
        self._span = tracer.start_span(
            f"invoke_agent {name}" if name else "invoke_agent", attributes=attributes
        )
        self._parent = _otel_trace().set_span_in_context(self._span)
        self._model_span: Any = None
        self._model = ""
        self.error: BaseException | None = None
        """Why the run failed, when it raised (set by the engine's ``Pump``)."""

    def model_start(self, state: RunState, model: Any) -> None:
        """A model call begins."""
        model_id = getattr(model, "id", None) or model.name
        provider = provider_of(model) or type(model).__name__
        attributes: dict[str, Any] = {
            "gen_ai.operation.name": "chat",
            "gen_ai.provider.name": provider,
            "gen_ai.system": provider,
            "gen_ai.request.model": model_id,
        }
        if state.agent_name:
            attributes["gen_ai.agent.name"] = state.agent_name
        self._model = model_id
        self._model_span = self._tracer.start_span(
            f"chat {model_id}", context=self._parent, kind=_otel_trace().SpanKind.CLIENT,
            attributes=attributes,
        )

    def model_end(self, usage: Usage, finish: str) -> None:
        """The model call ended normally with this usage and finish reason."""
        span, self._model_span = self._model_span, None
        if span is None:
            return
        attributes = _usage(usage)
        attributes["gen_ai.response.model"] = self._model
        attributes["gen_ai.response.finish_reasons"] = (finish,)
        span.set_attributes(attributes)
        span.end()

    def tool_runner(self, run_one: ToolRunner) -> ToolRunner:
        """``run_one`` wrapped in an ``execute_tool`` span, current while the tool runs."""
        tracer, parent = self._tracer, self._parent

        async def traced(index: int, call: FunctionCall) -> FunctionCallResult:
            import anyio
            from opentelemetry import context

            name = call.function.name
            span = tracer.start_span(
                f"execute_tool {name}", context=parent, attributes={
                    "gen_ai.operation.name": "execute_tool",
                    "gen_ai.tool.name": name,
                    "gen_ai.tool.call.id": call.call_id,
                    "gen_ai.tool.type": "function",
                },
            )
            token = context.attach(_otel_trace().set_span_in_context(span, parent))
            nested = _nested.set(True)
            try:
                result = await run_one(index, call)
                span.set_attribute("agentica.status", result.status)
                if result.status == "failed":
                    _fail(span, None, result.error or "the tool call failed", "tool_error")
                return result
            except anyio.get_cancelled_exc_class():
                span.set_attribute("agentica.status", "cancelled")
                raise
            except BaseException as e:
                _fail(span, e)
                raise
            finally:
                _nested.reset(nested)
                context.detach(token)
                span.end()

        return traced

    def close(self, state: RunState) -> None:
        """End the run's spans (an open model call ends as cancelled or failed)."""
        failed = state.stop_reason is None
        model_span, self._model_span = self._model_span, None
        if model_span is not None:
            if failed:
                _fail(model_span, self.error, "the run failed", "run_failed")
            else:
                model_span.set_attribute("agentica.status", "cancelled")
            model_span.end()
        span = self._span
        attributes = _usage(state.usage)
        attributes["agentica.requests"] = state.usage.requests
        if failed:
            _fail(span, self.error, "the run failed", "run_failed")
        else:
            attributes["agentica.stop_reason"] = str(state.stop_reason)
        span.set_attributes(attributes)
        span.end()


def _usage(usage: Usage) -> dict[str, Any]:
    """The GenAI usage attributes (and the cost, when known)."""
    out: dict[str, Any] = {
        "gen_ai.usage.input_tokens": usage.input_tokens,
        "gen_ai.usage.output_tokens": usage.output_tokens,
    }
    if usage.cached_tokens:
        out["gen_ai.usage.cache_read_input_tokens"] = usage.cached_tokens
    if usage.cache_write_tokens:
        out["gen_ai.usage.cache_creation_input_tokens"] = usage.cache_write_tokens
    if usage.cost is not None:
        out[COST] = usage.cost
    return out


def _fail(
    span: Any, error: BaseException | None, description: str = "", kind: str = ""
) -> None:
    """Error status: from the exception when there is one, else ``kind`` and the text."""
    from opentelemetry.trace import Status, StatusCode

    if error is not None:
        span.record_exception(error)
        kind, description = type(error).__qualname__, f"{type(error).__name__}: {error}"
    span.set_attribute("error.type", kind)
    span.set_status(Status(StatusCode.ERROR, description))


__all__ = [
    "COST",
    "ENV",
    "RunTrace",
    "TracingUnavailable",
    "disable",
    "enable",
    "enable_otlp",
    "is_enabled",
    "shutdown",
    "start",
]
