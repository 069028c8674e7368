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
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeAlias

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


@dataclass(kw_only=True)
class RunConfig:
    """Per-run overrides of the agent's settings (``None`` keeps the agent's value)."""

    max_turns: int | None = None
    parallel_tool_calls: bool | None = None
    max_concurrency: int | None = None
    approver: Approver | None = None


@dataclass(kw_only=True)
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


def structured_output(response_model: Any) -> tuple[str, Callable[[str], Any]]:
    """The output instruction and the parser of the final text for ``response_model``."""
    from pydantic import TypeAdapter

    adapter: TypeAdapter[Any] = TypeAdapter(response_model)
    schema = json.dumps(adapter.json_schema(), ensure_ascii=False)

    def parse(text: str) -> Any:
        body = text.strip()
        if body.startswith("```"):
            body = body.split("\n", 1)[-1].rsplit("```", 1)[0]
        return adapter.validate_json(body.strip())

    instruction = (
        "Reply with only a JSON value (no prose, no code fence) matching this JSON schema:\n"
        + schema
    )
    return instruction, parse


__all__ = [
    "OutputT",
    "Prompt",
    "RunConfig",
    "RunResponse",
    "RunResult",
    "structured_output",
    "to_message",
]
