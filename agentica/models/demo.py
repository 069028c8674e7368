"""``DemoModel``: an offline, key-less model that shows what the engine can do.

It follows a fixed script for every user prompt, through the real engine and the real
built-in tools (whichever of them are on offer):

1. think briefly, say hello, and write a three-step plan (``write_todos``);
2. mark the plan in progress and call ``ls``, ``glob`` and ``execute`` *in parallel*;
3. mark the plan completed;
4. stream a final answer summarising what the tools returned, and how to pick a real model.

The step is found from the conversation (assistant messages since the last user
message), so a second prompt in the same session runs the script again. Steps whose
tools are missing are skipped; with no tools at all it just answers in text.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Sequence
from typing import Any

import anyio

from agentica.events import Usage
from agentica.messages import Message, ToolCall
from agentica.models.base import (
    Model,
    ModelDelta,
    ModelFinish,
    ModelTextDelta,
    ModelThinkingDelta,
    ModelToolCall,
    ModelUsage,
    ToolSpec,
)

_WORDS = re.compile(r"^\s+|\S+\s*")
_CLAUSES = re.compile(r"^\s+|.+?(?:[,.:;!?]\s+|\Z)", re.S)
"""Thinking streams a clause a delta, as providers send reasoning (in bigger chunks than
the answer's text)."""
_MORE = re.compile(r"^\[\D*(\d+) more")
_EXIT = re.compile(r"^\[exit code (\d+)\]$")

PLAN = ("Look around the workspace", "Run a harmless shell command", "Summarise the findings")
SHELL_COMMAND = "echo hello from the demo shell && python3 --version"
EXPLORE_TOOLS = ("ls", "glob", "execute")
HOW_TO_SWITCH = (
    "This is the offline demo model: it follows a fixed script and does not really "
    "read your request. To use a real model, start with `--model deepseek/deepseek-chat` "
    "(or set AGENTICA_MODEL, or OPENAI_BASE_URL + OPENAI_API_KEY for any "
    "OpenAI-compatible endpoint)."
)


DEFAULT_DELAY = 0.002
"""Seconds between streamed deltas of the demo (a few hundred deltas a prompt)."""


def _todos(*statuses: str) -> dict[str, Any]:
    return {"todos": [{"content": c, "status": s} for c, s in zip(PLAN, statuses, strict=True)]}


class DemoModel(Model):
    """The offline demo model (``--model demo``): deterministic, no key, no network.

    It streams at a readable pace, like a real model (about half a second a prompt), so
    the demo shows streaming and there is time to press Stop. The pace is the answer's
    and the tool calls': a reply's thought (a clause a delta, a sentence or two) comes at
    once with its first word, since spread over a few milliseconds no one could see it
    stream, and the first words would wait that long.

    Args:
        delay: Seconds to sleep between streamed deltas (0: as fast as possible).
    """

    def __init__(self, *, delay: float = DEFAULT_DELAY) -> None:
        self.delay = delay
        self.name = "demo"
        self.context_window = 32_768
        self.supports_images = False

    async def response_stream(
        self, messages: Sequence[Message], tools: Sequence[ToolSpec] = ()
    ) -> AsyncIterator[ModelDelta]:
        """Play the script step that fits the conversation so far."""
        deltas = self.plan_reply(messages, tools)
        for i, delta in enumerate(deltas):
            # The first delta comes at once (no network to wait for), and so does what
            # follows a thought delta (the thought's next clause, or the first word).
            if self.delay and i and not isinstance(deltas[i - 1], ModelThinkingDelta):
                await anyio.sleep(self.delay)
            yield delta

    # --- the script --------------------------------------------------------------------

    def plan_reply(
        self, messages: Sequence[Message], tools: Sequence[ToolSpec]
    ) -> list[ModelDelta]:
        """The whole reply for this point of the conversation (pure; no I/O)."""
        names = {t.name for t in tools}
        start = max((i for i, m in enumerate(messages) if m.role == "user"), default=-1)
        turn = messages[start + 1 :]
        done = sum(1 for m in turn if m.role == "assistant")
        prompt = messages[start].text if start >= 0 else ""
        stages = []
        if "write_todos" in names:
            stages.append("plan")
        if names & set(EXPLORE_TOOLS):
            stages.append("explore")
        if "write_todos" in names:
            stages.append("complete")
        stages.append("answer")
        stage = stages[min(done, len(stages) - 1)]
        ids = _CallIds(sum(1 for m in messages if m.role == "assistant"))
        out: list[ModelDelta] = []
        calls: list[ToolCall] = []
        if stage == "plan":
            out += _think(
                f"The user asked: {_quote(prompt)}. I'll make a short plan, look around "
                "the workspace, run a harmless shell command, and report back."
            )
            out += _say("Hi! I'm the offline demo model. Let me plan this out first.")
            calls.append(ids.call("write_todos", _todos("pending", "pending", "pending")))
        elif stage == "explore":
            out += _think(
                "Now I'll explore in parallel: list files, find Python files, run a shell."
            )
            out += _say("Looking around the workspace and running a command, all at once.")
            if "write_todos" in names:
                calls.append(
                    ids.call("write_todos", _todos("in_progress", "in_progress", "pending"))
                )
            if "ls" in names:
                calls.append(ids.call("ls", {"path": "."}))
            if "glob" in names:
                calls.append(ids.call("glob", {"pattern": "**/*.py", "path": "."}))
            if "execute" in names:
                calls.append(ids.call("execute", {"command": SHELL_COMMAND, "timeout": 30}))
        elif stage == "complete":
            out += _say("Everything ran; marking the plan as done.")
            calls.append(ids.call("write_todos", _todos("completed", "completed", "completed")))
        else:
            out += _think("Time to summarise what the tools told me.")
            out += _say(_summary(turn, prompt, has_tools=bool(names)))
        out += [ModelToolCall(call=c) for c in calls]
        out.append(ModelUsage(usage=_usage(messages, out)))
        out.append(ModelFinish(reason="tool_calls" if calls else "stop"))
        return out


class _CallIds:
    def __init__(self, turn: int) -> None:
        self.turn, self.n = turn, 0

    def call(self, name: str, args: dict[str, Any]) -> ToolCall:
        self.n += 1
        return ToolCall(id=f"demo_{self.turn}_{self.n}", name=name, arguments=json.dumps(args))


def _think(text: str) -> list[ModelDelta]:
    return [ModelThinkingDelta(text=t) for t in _CLAUSES.findall(text)]


def _say(text: str) -> list[ModelDelta]:
    return [ModelTextDelta(text=t) for t in _WORDS.findall(text)]


def _quote(prompt: str, limit: int = 80) -> str:
    one_line = " ".join(prompt.split())
    return f'"{one_line[:limit]}{"…" if len(one_line) > limit else ""}"'


def _count(text: str) -> int:
    """Entries in a listing: a JSON list's length, else its lines (with "[… N more]" notes)."""
    try:
        value = json.loads(text)
    except ValueError:
        value = None
    if isinstance(value, list):
        return len(value)
    if text.startswith("No paths match") or text.rstrip().endswith("is empty)"):
        return 0
    count = 0
    for line in filter(str.strip, text.splitlines()):
        more = _MORE.match(line.strip())
        count += int(more.group(1)) if more else 1
    return count


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else many or one + 's'}"


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "(no output)")


def _summary(turn: Sequence[Message], prompt: str, *, has_tools: bool) -> str:
    """The final answer: what each exploring tool returned (or that it failed)."""
    asked = {c.id: c for m in turn if m.role == "assistant" for c in m.tool_calls}
    lines: list[str] = []
    for msg in turn:
        call = asked.get(msg.tool_call_id or "")
        name = msg.name or (call.name if call else "")
        if msg.role != "tool" or name not in EXPLORE_TOOLS:
            continue
        text = msg.text
        if msg.is_error:
            lines.append(f"- `{name}` did not run: {_first_line(text)}")
        elif name == "ls":
            lines.append(f"- `ls .` listed {_plural(_count(text), 'entry', 'entries')}.")
        elif name == "glob":
            lines.append(f"- `glob **/*.py` matched {_plural(_count(text), 'Python file')}.")
        else:
            status = _EXIT.match(text.strip().splitlines()[-1]) if text.strip() else None
            code = f" (exit code {status.group(1)})" if status else ""
            lines.append(f"- The shell said: `{_first_line(text)}`{code}")
    if lines:
        head = "Here is what I found in your workspace:\n\n" + "\n".join(lines)
    elif has_tools:
        head = "I did not get any results back from the tools this time."
    else:
        head = f"You said {_quote(prompt)}. I have no tools in this session, so I can only chat."
    return f"{head}\n\n{HOW_TO_SWITCH}"


def _usage(messages: Sequence[Message], out: Sequence[ModelDelta]) -> Usage:
    """Rough token figures (4 characters a token), so usage displays have numbers."""
    seen = sum(len(m.text) + sum(len(c.arguments) for c in m.tool_calls) for m in messages)
    made = sum(
        len(d.text) if isinstance(d, ModelTextDelta | ModelThinkingDelta) else 0 for d in out
    )
    made += sum(len(d.call.arguments) for d in out if isinstance(d, ModelToolCall))
    input_tokens, output_tokens = seen // 4 + 20, made // 4 + 1
    return Usage(
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        total_tokens=input_tokens + output_tokens,
        requests=1,
    )


__all__ = ["DemoModel"]
