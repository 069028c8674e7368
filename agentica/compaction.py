"""Compaction: summarise older turns so a long conversation stays inside the context window.

Before each model call the engine estimates the size of the request (4 UTF-8 bytes a
token, plus a little per message; no tokenizer is downloaded). When it passes
``threshold`` of the model's ``context_window``, the older part of the conversation is
replaced by one summary message, written by the model (or ``Compaction.model``), and the
last ``keep_recent`` turns stay verbatim. ``compact()`` does the same on demand (the
``/compact`` command calls it).

The rule for tool results: in the turns kept verbatim, tool results stay whole; in the
turns being summarised, the summariser reads each tool result cut to
``tool_result_chars`` characters (``[… N more characters elided]``), so a long file
read or command output costs the summary little and is never copied into it whole.

The cut is always at the start of a turn (a user message) or of a model reply, so a
tool call is never separated from its result.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import field

from agentica._records import record
from agentica._run_state import RunState
from agentica.messages import Message
from agentica.models.base import Model

SUMMARY_PREFIX = "[Summary of the earlier conversation]\n"

SUMMARISER_INSTRUCTIONS = (
    "You compact a conversation between a user and an AI agent so the agent can go on "
    "without the full transcript. Write a concise summary that keeps: the user's goals "
    "and constraints, decisions made, facts found (file paths, names, numbers, errors), "
    "what was done with which tools and with what result, and what is still open. Do not "
    "invent anything; do not address the user; no preamble."
)


@record
class Compaction:
    """When and how a run compacts its conversation (``Agent(compaction=...)``).

    Attributes:
        threshold: Compact when the request would pass this fraction of the window.
        keep_recent: Turns (user messages and what followed) kept verbatim.
        tool_result_chars: What the summariser reads of each older tool result.
        model: The summarising model (default: the agent's own).
        context_window: The window to use when the model does not say (``None``: skip).
    """

    threshold: float = 0.8
    keep_recent: int = 2
    tool_result_chars: int = 500
    model: Model | None = None
    context_window: int | None = None


@record(frozen=False, kw_only=False)
class Compacted:
    """The result of ``compact()``."""

    messages: list[Message]
    """The conversation to go on with: the summary message, then the kept messages."""
    summarised: int = 0
    """How many messages the summary replaced (0: nothing to compact)."""
    summary: str = ""
    tokens_before: int = 0
    tokens_after: int = 0
    extra: dict[str, int] = field(default_factory=dict)


def estimate_tokens(messages: Sequence[Message]) -> int:
    """A cheap estimate of the tokens of ``messages``: 4 UTF-8 bytes a token (so about 4
    characters of English or code, and more than one token per 2 CJK characters)."""
    size = 0
    for m in messages:
        size += len(m.text.encode()) + 16
        for call in m.tool_calls:
            size += len(call.name) + len(call.arguments.encode()) + 16
    return size // 4


def _cut(messages: Sequence[Message], keep_recent: int) -> int:
    """Index of the first message kept verbatim: the start of the last ``keep_recent`` turns,
    else (one long turn) the start of the latest model replies that leave room."""
    users = [i for i, m in enumerate(messages) if m.role == "user"]
    if len(users) > keep_recent and keep_recent > 0:
        return users[-keep_recent]
    # Too few turns: cut inside the turn, before an assistant reply (after its results).
    replies = [i for i, m in enumerate(messages) if m.role == "assistant" and i > 0]
    return replies[len(replies) // 2] if len(replies) >= 2 else 0


def transcript(messages: Sequence[Message], tool_result_chars: int) -> str:
    """The messages as text for the summariser, tool results cut by the rule above."""
    lines: list[str] = []
    for m in messages:
        if m.role == "tool":
            text = m.text
            if len(text) > tool_result_chars:
                more = len(text) - tool_result_chars
                text = f"{text[:tool_result_chars]}[… {more} more characters elided]"
            status = "error" if m.is_error else "result"
            lines.append(f"tool {m.name} {status}: {text}")
            continue
        if m.text:
            lines.append(f"{m.role}: {m.text}")
        for call in m.tool_calls:
            lines.append(f"assistant called {call.name}({call.arguments})")
    return "\n".join(lines)


async def compact(
    messages: Sequence[Message],
    *,
    model: Model,
    keep_recent: int = 2,
    tool_result_chars: int = 500,
    instructions: str | None = None,
) -> Compacted:
    """Summarise all but the last ``keep_recent`` turns of ``messages`` with ``model``.

    System messages are left out (the agent's instructions are added at every call).
    Returns the messages unchanged (``summarised=0``) when there is nothing older to
    summarise.

    Raises:
        agentica.exceptions.ModelError: The summarising call failed.
    """
    body = [m for m in messages if m.role != "system"]
    before = estimate_tokens(body)
    cut = _cut(body, keep_recent)
    if cut <= 0:
        return Compacted(messages=list(body), tokens_before=before, tokens_after=before)
    older, kept = body[:cut], body[cut:]
    request = [
        Message.system(instructions or SUMMARISER_INSTRUCTIONS),
        Message.user(
            "Summarise this conversation:\n\n" + transcript(older, tool_result_chars)
        ),
    ]
    reply = await model.response(request)
    summary = reply.content.strip() or "(nothing to keep)"
    out = [Message.user(SUMMARY_PREFIX + summary), *kept]
    return Compacted(
        messages=out,
        summarised=len(older),
        summary=summary,
        tokens_before=before,
        tokens_after=estimate_tokens(out),
    )


async def compact_if_needed(state: RunState, settings: Compaction) -> Compacted | None:
    """Compact ``state``'s conversation when the next request would pass the threshold."""
    window = state.model.context_window or settings.context_window
    if not window:
        return None
    combined = state.history + state.new_messages
    system = estimate_tokens([Message.system(state.system)]) if state.system else 0
    tools = sum(len(json.dumps(s.parameters)) + len(s.description) for s in state.specs()) // 4
    if system + tools + estimate_tokens(combined) < settings.threshold * window:
        return None
    result = await compact(
        combined,
        model=settings.model or state.model,
        keep_recent=settings.keep_recent,
        tool_result_chars=settings.tool_result_chars,
    )
    if not result.summarised:
        return None
    kept = len(result.messages) - 1
    n_new = len(state.new_messages)
    if kept >= n_new:  # The cut is in the earlier history: this run's messages stay new.
        state.history = result.messages[: len(result.messages) - n_new]
    else:
        state.history = result.messages[:1]
        state.new_messages = result.messages[1:]
    return result


__all__ = [
    "Compacted",
    "Compaction",
    "compact",
    "compact_if_needed",
    "estimate_tokens",
    "transcript",
]
