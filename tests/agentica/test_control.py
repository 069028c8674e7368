"""Control over a run (issue 13): typed deps, structured output, guardrails, lifecycle
hooks and budgets, all with scripted models."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

import anyio
import pytest
from pydantic import BaseModel

from agentica import Agent, RunConfig
from agentica.context import RunContext
from agentica.events import Usage
from agentica.exceptions import (
    InputGuardrailTripped,
    OutputGuardrailTripped,
    OutputValidationError,
    RunTimeoutError,
    UserError,
)
from agentica.guardrails import GuardrailVerdict
from agentica.messages import Message
from agentica.models.base import ModelDelta, ToolSpec
from agentica.testing import ScriptedModel, tool_call
from agentica.tools.call import Hooks
from agentica.tools.function import Function

# --- Typed dependencies ------------------------------------------------------------------


@dataclass
class Deps:
    greeting: str


async def greet(ctx: RunContext[Deps], name: str) -> str:
    """Greet someone."""
    return f"{ctx.deps.greeting}, {name} (run {ctx.run_id[:4]})"


async def test_tools_get_the_runs_deps_through_a_hidden_run_context() -> None:
    model = ScriptedModel([ScriptedModel.tool_calls(tool_call("greet", {"name": "Ada"})), "ok"])
    agent = Agent(model=model, tools=[greet], deps_type=Deps)
    assert agent.functions[0].parameters["properties"].keys() == {"name"}
    result = await agent.run("hi", deps=Deps(greeting="Hello"))
    tool_message = next(m for m in result.messages if m.role == "tool")
    assert tool_message.text.startswith(f"Hello, Ada (run {result.run_id[:4]})")


def test_deps_of_the_wrong_type_are_a_user_error() -> None:
    agent = Agent(model=ScriptedModel(["ok"]), tools=[greet], deps_type=Deps)
    with pytest.raises(UserError, match="deps must be a Deps"):
        agent.run_sync("hi", deps="nope")


class Opaque:
    pass


def test_a_parameter_without_a_json_schema_names_the_tool_and_parameter() -> None:
    def use(thing: Opaque, n: int) -> str:
        """Use a thing."""
        return "x"

    with pytest.raises(UserError, match=r"tool 'use': parameter 'thing' has type .*Opaque"):
        Function.from_callable(use)


# --- Structured output ---------------------------------------------------------------


class City(BaseModel):
    name: str
    population: int


class NativeModel(ScriptedModel):
    """A scripted model that declares native JSON-schema output and records the schema."""

    supports_json_schema = True

    def __init__(self, steps: Sequence[Any]) -> None:
        super().__init__(steps)
        self.schemas: list[Any] = []

    def response_stream(
        self,
        messages: Sequence[Message],
        tools: Sequence[ToolSpec] = (),
        *,
        output_schema: Any = None,
    ) -> AsyncIterator[ModelDelta]:
        self.schemas.append(output_schema)
        return super().response_stream(messages, tools)


async def test_native_json_schema_output_when_the_model_supports_it() -> None:
    model = NativeModel(['{"name": "Oslo", "population": 700000}'])
    result = await Agent(model=model, response_model=City).run("a city")
    assert result.content == City(name="Oslo", population=700000)
    assert model.schemas[0]["properties"].keys() == {"name", "population"}
    assert "final_result" not in model.calls[0].tool_names


async def test_tool_fallback_output_otherwise() -> None:
    call = tool_call("final_result", {"name": "Oslo", "population": "700000"})
    model = ScriptedModel([ScriptedModel.tool_calls(call)])
    result = await Agent(model=model, response_model=City).run("a city")
    assert "final_result" in model.calls[0].tool_names
    assert result.content == City(name="Oslo", population=700000)
    assert result.stop_reason == "end_turn"


async def test_tool_fallback_wraps_non_object_types() -> None:
    model = ScriptedModel([ScriptedModel.tool_calls(tool_call("final_result", {"value": [1, 2]}))])
    result = await Agent(model=model, response_model=list[int]).run("numbers")
    assert result.content == [1, 2]


async def test_failing_validation_raises_output_validation_error_with_the_raw_text() -> None:
    model = ScriptedModel(["nope", "still nope", "never json"])
    with pytest.raises(OutputValidationError) as info:
        await Agent(model=model, response_model=City).run("a city")
    assert info.value.raw_text == "never json"
    assert len(model.calls) == 3


async def test_failing_final_result_calls_end_the_same_way() -> None:
    bad = ScriptedModel.tool_calls(tool_call("final_result", {"name": "Oslo"}))
    model = ScriptedModel([bad, bad, bad])
    with pytest.raises(OutputValidationError, match="population") as info:
        await Agent(model=model, response_model=City).run("a city")
    assert '"Oslo"' in info.value.raw_text


async def test_the_parsed_response_is_reachable_after_streaming() -> None:
    agent = Agent(model=ScriptedModel(['{"name": "Oslo", "population": 1}']), response_model=City)
    async with agent.run_stream("a city") as stream:
        async for _ in stream:
            pass
    assert stream.response.content == City(name="Oslo", population=1)


def test_the_parsed_response_is_reachable_after_sync_streaming() -> None:
    agent = Agent(model=ScriptedModel(['{"name": "Rome", "population": 2}']), response_model=City)
    stream = agent.run_stream_sync("a city")
    for _ in stream:
        pass
    assert stream.response.content == City(name="Rome", population=2)


# --- Guardrails and hooks ------------------------------------------------------------------


def no_secrets(text: str) -> str | None:
    return "the prompt contains an API key" if "sk-" in text else None


async def no_shouting(ctx: RunContext[Any], text: str) -> bool:
    return text.isupper()


async def test_an_input_guardrail_stops_the_run_before_the_model() -> None:
    model = ScriptedModel(["fine"])
    agent = Agent(model=model, input_guardrails=[no_secrets])
    assert (await agent.run("hello")).text == "fine"
    with pytest.raises(InputGuardrailTripped, match="contains an API key") as info:
        await agent.run("my key is sk-123")
    assert info.value.guardrail == "no_secrets"
    assert len(model.calls) == 1


async def test_an_output_guardrail_refuses_the_answer() -> None:
    agent = Agent(model=ScriptedModel(["I AM SHOUTING"]), output_guardrails=[no_shouting])
    with pytest.raises(OutputGuardrailTripped, match="no_shouting"):
        await agent.run("hi")
    assert not agent.is_running


async def test_an_agent_can_be_a_guardrail() -> None:
    judge = Agent(
        model=ScriptedModel(['{"tripped": true, "reason": "off topic"}']),
        name="topic_judge",
        response_model=GuardrailVerdict,
    )
    agent = Agent(model=ScriptedModel(["never"]), input_guardrails=[judge])
    with pytest.raises(InputGuardrailTripped, match=r"topic_judge.*off topic"):
        await agent.run("tell me about cats")


async def test_lifecycle_hooks_run_in_order() -> None:
    seen: list[str] = []
    lock = threading.Lock()

    def record(name: str) -> Any:
        def hook(ctx: RunContext[Any], *args: Any) -> None:
            with lock:
                seen.append(name)

        return hook

    async def pre(call: Any) -> None:
        seen.append("tool_start")

    async def post(call: Any, result: Any) -> None:
        seen.append("tool_end")

    hooks = Hooks(
        pre_tool=pre,
        post_tool=post,
        on_run_start=record("run_start"),
        on_run_end=record("run_end"),
        on_model_start=record("model_start"),
        on_model_end=record("model_end"),
    )
    model = ScriptedModel([ScriptedModel.tool_calls(tool_call("greet", {"name": "x"})), "done"])
    await Agent(model=model, tools=[greet], hooks=hooks).run("hi", deps=Deps("hey"))
    assert seen == [
        "run_start",
        "model_start",
        "model_end",
        "tool_start",
        "tool_end",
        "model_start",
        "model_end",
        "run_end",
    ]


# --- Budgets ----------------------------------------------------------------------------


def busy_model(turns: int) -> ScriptedModel:
    big = Usage(input_tokens=600, output_tokens=100, total_tokens=700, requests=1)
    return ScriptedModel(
        [ScriptedModel.tool_calls(tool_call("greet", {"name": "x"}), usage=big)] * turns + ["end"]
    )


async def test_a_token_limit_ends_the_run_with_max_tokens() -> None:
    agent = Agent(model=busy_model(5), tools=[greet])
    result = await agent.run("go", config=RunConfig(token_limit=1000), deps=Deps("hi"))
    assert result.stop_reason == "max_tokens"
    assert result.usage.total_tokens == 1400
    assert result.messages[-1].role == "tool"  # The last calls are answered, not run.
    tools = [m for m in result.messages if m.role == "tool"]
    assert "token budget" in tools[-1].text


async def test_a_cost_limit_ends_the_run_with_max_tokens() -> None:
    config = RunConfig(cost_limit=0.001, prices=(1.0, 2.0))  # $ per million tokens
    result = await Agent(model=busy_model(5), tools=[greet]).run(
        "go", config=config, deps=Deps("hi")
    )
    assert result.stop_reason == "max_tokens"
    assert result.usage.requests == 2  # 600*1 + 100*2 = 800 micro-dollars a call.


async def test_a_request_limit_ends_the_run_with_max_turns() -> None:
    result = await Agent(model=busy_model(5), tools=[greet]).run(
        "go", config=RunConfig(request_limit=3), deps=Deps("hi")
    )
    assert result.stop_reason == "max_turns"
    assert result.usage.requests == 3


async def slow() -> str:
    """Take long."""
    await anyio.sleep(30)
    return "late"


async def test_a_timeout_stops_the_run_with_a_typed_error() -> None:
    model = ScriptedModel([ScriptedModel.tool_calls(tool_call("slow", {})), "never"])
    agent = Agent(model=model, tools=[slow])
    with anyio.fail_after(5):
        with pytest.raises(RunTimeoutError, match=r"0\.2 s timeout"):
            await agent.run("go", config=RunConfig(timeout=0.2))
    assert not agent.is_running
    assert agent.messages[-1].role == "tool"  # History repaired.


async def test_a_timeout_also_ends_a_stream() -> None:
    model = ScriptedModel([ScriptedModel.tool_calls(tool_call("slow", {})), "never"])
    agent = Agent(model=model, tools=[slow])
    with anyio.fail_after(5):
        with pytest.raises(RunTimeoutError):
            async for _ in agent.run_stream("go", config=RunConfig(timeout=0.2)):
                pass


async def test_openai_chat_sends_the_schema_as_response_format_when_supported() -> None:
    from agentica.models.openai import OpenAIChat
    from agentica.testing import MockReply, OpenAIMock

    def make(mock: OpenAIMock) -> OpenAIChat:
        return OpenAIChat(
            "gpt-test",
            api_key="k",
            base_url="http://mock/v1",
            http_client=mock.http_client(),
            max_retries=0,
        )

    assert OpenAIChat("gpt-4o-mini", api_key="k").supports_json_schema
    mock = OpenAIMock([MockReply(text='{"name": "Oslo", "population": 3}')])
    model = make(mock)
    assert not model.supports_json_schema  # A custom endpoint: the tool fallback.
    model.supports_json_schema = True
    result = await Agent(model=model, response_model=City).run("a city")
    assert result.content == City(name="Oslo", population=3)
    schema = mock.bodies[0]["response_format"]["json_schema"]["schema"]
    assert schema["properties"].keys() == {"name", "population"}
    assert "tools" not in mock.bodies[0]
    fallback = OpenAIMock([MockReply(text='{"name": "Oslo", "population": 3}')])
    await Agent(model=make(fallback), response_model=City).run("a city")
    assert "response_format" not in fallback.bodies[0]
    assert [t["function"]["name"] for t in fallback.bodies[0]["tools"]] == ["final_result"]
