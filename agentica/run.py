"""What a run takes and gives: ``RunConfig``, ``RunResponse`` and the prompt.

These types sit below ``Agent`` and the drivers of a run (``agentica._stream``, the
printer), so those modules share them without importing ``agentica.agent``.

``RunResponse`` is generic over its output: ``Agent(response_model=Answer).run(...)``
gives a ``RunResponse[Answer]`` whose ``content`` a type checker knows is an ``Answer``;
without a response model it is a ``RunResponse[str]``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import field
from typing import TYPE_CHECKING, Any, Generic, TypeAlias

from agentica._records import record
from agentica.events import RunEvent, StopReason, Usage
from agentica.exceptions import UserError
from agentica.messages import ContentPart, Message
from agentica.tools.base import Approver

if TYPE_CHECKING:
    # PEP 696 default: ``RunResponse`` / ``Agent`` without a response model mean ``str``.
    # Only type checkers read the default (``typing`` has it from Python 3.13 on).
    from typing_extensions import TypeVar

    OutputT = TypeVar("OutputT", default=str)
else:
    from typing import TypeVar

    OutputT = TypeVar("OutputT")

Prompt: TypeAlias = str | list[ContentPart] | Message
"""A prompt: a string, a list of content parts (``TextPart``/``ImagePart``) or a ``Message``."""


@record(frozen=False, slots=False)
class RunConfig:
    """Per-run overrides of the agent's settings (``None`` keeps the agent's value), and
    the run's budgets.

    Budgets: ``timeout`` (seconds of wall-clock time; the run is stopped and raises
    ``RunTimeoutError``), ``token_limit`` and ``cost_limit`` (checked after each model
    call; the run ends with ``stop_reason="max_tokens"``, ACP's ``max_tokens``; the cost
    is ``usage.cost``, see ``prices``) and ``request_limit`` (model calls;
    ``stop_reason="max_turns"``, ACP's ``max_turn_requests``). A run whose cost is
    unknown is not stopped by ``cost_limit`` (a warning is logged).

    ``prices``: ``(input, output[, cached_input])`` US dollars per million tokens for
    this run's calls (default: the model's, ``agentica.models.pricing``).
    ``tracing``: OpenTelemetry spans for this run (``None``: as ``agentica.tracing``
    is set for the process).
    """

    max_turns: int | None = None
    parallel_tool_calls: bool | None = None
    max_concurrency: int | None = None
    approver: Approver | None = None
    timeout: float | None = None
    token_limit: int | None = None
    cost_limit: float | None = None
    prices: tuple[float, ...] | None = None
    tracing: bool | None = None
    request_limit: int | None = None
    call_id_prefix: str = ""
    """Put before the run's tool call ids in its events and approvals (not in the history),
    so a subagent's calls have ids unique in its parent's stream."""


@record(frozen=False, slots=False)
class RunResponse(Generic[OutputT]):
    """The result of a run.

    Attributes:
        content: The final text, or the parsed object when ``response_model`` is set.
            (A run that did not end normally, ``stop_reason`` other than ``end_turn``,
            has no parsed object: ``content`` is then its text so far.)
        reasoning_content: The model's reasoning over the run (empty when not exposed).
        messages: The whole conversation after the run (pass it as ``history=`` to go on).
        new_messages: The messages this run added, starting with the prompt.
        usage: Token usage summed over the run's model calls.
        run_id: Unique id of the run.
        stop_reason: Why the run ended (``end_turn``, ``max_turns``, ``cancelled`` ...).
        events: Every event of the run, when collected (``run()`` collects them).
        text: The final assistant text (also when ``content`` is a parsed object).
    """

    content: OutputT
    reasoning_content: str = ""
    messages: list[Message] = field(default_factory=list)
    new_messages: list[Message] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    run_id: str = ""
    stop_reason: StopReason = "end_turn"
    events: list[RunEvent] = field(default_factory=list)
    text: str = ""

    def __str__(self) -> str:
        return self.text


RunResult = RunResponse
"""Alias of ``RunResponse``."""


def to_message(prompt: Prompt) -> Message:
    """The user message of a prompt.

    Raises:
        UserError: The prompt is neither a str, a list of content parts nor a Message.
    """
    if isinstance(prompt, Message):
        return prompt
    if isinstance(prompt, str | list):
        return Message.user(prompt)
    raise UserError(
        f"the prompt must be a str, a list of content parts or a Message, got "
        f"{type(prompt).__name__}"
    )


FINAL_RESULT_TOOL = "final_result"
"""The tool a model without native JSON-schema output calls with its structured answer."""


class OutputSpec:
    """How a run gets its ``response_model`` answer, and what it has got so far.

    ``native``: the model's own JSON-schema output mode (``Model.supports_json_schema``);
    the final text is parsed. Otherwise the tool fallback: a ``final_result`` tool whose
    arguments are the answer (a plain JSON reply is accepted too). After ``retries``
    failed attempts the run raises ``OutputValidationError`` with the last raw answer.
    """

    @classmethod
    def setup(
        cls, response_model: Any, model: Any, system: str | None, functions: dict[str, Any]
    ) -> tuple[OutputSpec | None, str | None]:
        """The output spec of a run (None without a response model) and its system prompt;
        without native JSON-schema output, its ``final_result`` tool joins ``functions``."""
        if response_model is None:
            return None, system
        native = bool(getattr(model, "supports_json_schema", False))
        output = cls(response_model, native=native)
        system = f"{system}\n\n{output.instruction}" if system else output.instruction
        if not native:
            final = output.tool()
            functions[final.name] = final
        return output, system

    def __init__(self, response_model: Any, *, native: bool, retries: int = 2) -> None:
        from pydantic import TypeAdapter

        self.adapter: TypeAdapter[Any] = TypeAdapter(response_model)
        schema = self.adapter.json_schema()
        # Tool arguments must be an object: other types are wrapped as {"value": ...}.
        self.wrapped = schema.get("type") != "object"
        self.schema = schema
        self.native = native
        self.retries = retries
        self.failures = 0
        self.done = False
        self.exhausted = False
        """The retries are used up: the run raises ``OutputValidationError``."""
        self.output: Any = None
        self.last_raw = ""
        self.last_error = ""

    @property
    def instruction(self) -> str:
        if self.native:
            return "Reply with only the JSON value the response format asks for."
        return (
            f"When you have the answer, call the `{FINAL_RESULT_TOOL}` tool with it (or reply "
            "with only a JSON value, no prose, no code fence, matching this JSON schema):\n"
            + json.dumps(self.schema, ensure_ascii=False)
        )

    def tool_parameters(self) -> dict[str, Any]:
        if self.wrapped:
            return {"type": "object", "properties": {"value": self.schema}, "required": ["value"]}
        return self.schema

    def parse_text(self, text: str) -> Any:
        """Parse a final text answer (a code fence around it is fine); raises on error."""
        body = text.strip()
        if body.startswith("```"):
            body = body.split("\n", 1)[-1].rsplit("```", 1)[0]
        return self.adapter.validate_json(body.strip())

    def accept(self, value: Any) -> None:
        self.output = value
        self.done = True

    def failed(self, raw: str, error: Exception) -> bool:
        """Record a failed attempt; whether the run may retry."""
        from pydantic import ValidationError

        from agentica.exceptions import format_validation_error

        self.failures += 1
        self.last_raw = raw
        self.last_error = (
            format_validation_error(error, root="answer", limit=5)
            if isinstance(error, ValidationError) else str(error)
        )
        return self.failures <= self.retries

    def tool(self) -> Any:
        """The ``final_result`` tool (a ``Function``) for the tool fallback."""
        from agentica.exceptions import ToolError
        from agentica.tools.function import Function

        def final_result(**args: Any) -> str:
            raw = json.dumps(args, ensure_ascii=False)
            try:
                value = self.adapter.validate_python(args.get("value") if self.wrapped else args)
            except Exception as e:
                if not self.failed(raw, e):
                    self.exhausted = True  # The engine raises OutputValidationError.
                raise ToolError(f"The result does not match the schema: {self.last_error}") from e
            self.accept(value)
            self.last_raw = raw
            return "Final result recorded."

        return Function(
            name=FINAL_RESULT_TOOL,
            description="Give the final answer, matching the schema. Call it once, last.",
            parameters=self.tool_parameters(),
            entrypoint=final_result,
            requires_approval=False,
            is_read_only=True,
        )


def structured_output(response_model: Any) -> tuple[str, Callable[[str], Any]]:
    """The output instruction and the parser of the final text for ``response_model``."""
    spec = OutputSpec(response_model, native=False)
    return spec.instruction, spec.parse_text


__all__ = [
    "FINAL_RESULT_TOOL",
    "OutputSpec",
    "OutputT",
    "Prompt",
    "RunConfig",
    "RunResponse",
    "RunResult",
    "structured_output",
    "to_message",
]
