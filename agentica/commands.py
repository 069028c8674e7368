"""Slash commands, written once for every front end (the ACP server, a future CLI).

A prompt that is a single line starting with ``/`` is a command: ``parse()`` splits it,
``run_command()`` runs it against a ``CommandHost`` (what the front end can do: switch
the model or the mode, describe itself). Commands never call the model themselves except
``/compact`` (``agentica.compaction.compact``, the mechanism that also compacts a run
near its context window) and ``/init``, which hands the model a prompt to run as a
normal turn (``CommandResult.prompt``).

Also here: ``project_instructions()``, the ``AGENTS.md`` / ``AGENTICA.md`` files of a
project, read into the system prompt.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from agentica._records import record
from agentica.compaction import estimate_tokens
from agentica.messages import Message

if TYPE_CHECKING:
    from agentica.models.base import Model

INSTRUCTION_FILES = ("AGENTS.md", "AGENTICA.md")
"""Project instruction files, looked for in the root and its parents up to the repository."""
MAX_INSTRUCTIONS = 32_000
"""Characters read from one instruction file at most."""


@record(kw_only=False)
class Command:
    """One slash command as the editor lists it (``name`` without the slash)."""

    name: str
    description: str
    hint: str | None = None
    """Placeholder for the command's argument, when it takes one."""


COMMANDS: tuple[Command, ...] = (
    Command("help", "List the slash commands"),
    Command("model", "Show or switch the model", "model name"),
    Command("mode", "Show or switch the permission mode", "mode id"),
    Command("clear", "Start over: forget the conversation (the session stays)"),
    Command("compact", "Summarise older turns to free context"),
    Command("init", "Look around the project and write an AGENTS.md for it"),
    Command("status", "Model, mode, roots, tokens used, session id and storage"),
)

INIT_PROMPT = (
    "Look around this project (its layout, build and test commands, conventions, main "
    "modules) with your tools, then write a concise AGENTS.md at the project root with what "
    "a coding agent needs to know to work here: how to build, test and lint, the code "
    "style, the layout, and anything surprising. If an AGENTS.md exists, improve it."
)
KEEP_AFTER_COMPACT = 1
"""Turns kept verbatim by ``/compact`` (the latest exchange)."""


@record(kw_only=False)
class CommandResult:
    """What a command answers: ``text`` to show, or a ``prompt`` to run as a turn."""

    text: str = ""
    prompt: str | None = None


class CommandHost(Protocol):
    """What a front end offers the commands."""

    @property
    def history(self) -> list[Message]:
        """The conversation the model sees."""
        ...

    def replace_history(self, messages: Sequence[Message]) -> None:
        """Make ``messages`` the conversation (``/clear``, ``/compact``)."""
        ...

    @property
    def model(self) -> Model | None:
        """The model that answers (and summarises, for ``/compact``); None: none works."""
        ...

    def models(self) -> tuple[str, list[str]]:
        """The current model and the ones to choose from."""
        ...

    def set_model(self, name: str) -> str:
        """Switch the model (raises ``ValueError`` with a readable message); its name."""
        ...

    def modes(self) -> tuple[str, list[str]]:
        """The current mode and the available ones."""
        ...

    def set_mode(self, mode: str) -> None:
        """Switch the mode (raises ``ValueError`` with a readable message)."""
        ...

    def status(self) -> list[tuple[str, str]]:
        """``(label, value)`` lines for ``/status``."""
        ...


def parse(text: str) -> tuple[str, str] | None:
    """``("model", "gpt-4o")`` for ``"/model gpt-4o"``; None when ``text`` is no command."""
    text = text.strip()
    if not text.startswith("/") or "\n" in text or len(text) < 2 or text[1] in "/ ":
        return None
    name, _, arg = text[1:].partition(" ")
    return name.lower(), arg.strip()


def help_text() -> str:
    """The ``/help`` answer."""
    lines = ["**Slash commands**", ""]
    for c in COMMANDS:
        arg = f" <{c.hint}>" if c.hint else ""
        lines.append(f"- `/{c.name}{arg}`: {c.description}")
    return "\n".join(lines)


async def run_command(host: CommandHost, name: str, arg: str) -> CommandResult:
    """Run one slash command; an unknown one answers how to list them."""
    match name:
        case "help":
            return CommandResult(help_text())
        case "model":
            current, available = host.models()
            if not arg:
                listed = "\n".join(
                    f"- `{m}`" + (" (current)" if m == current else "") for m in available
                )
                return CommandResult(
                    f"Model: `{current}`\n\nAvailable:\n{listed}\n\nSwitch with `/model <name>`."
                )
            try:
                chosen = host.set_model(arg)
            except ValueError as e:
                return CommandResult(f"Model unchanged: {e}")
            return CommandResult(f"Model switched to `{chosen}`; the conversation is kept.")
        case "mode":
            current, available = host.modes()
            if not arg:
                return CommandResult(
                    f"Mode: `{current}`. Available: {', '.join(f'`{m}`' for m in available)}. "
                    "Switch with `/mode <id>`."
                )
            try:
                host.set_mode(arg)
            except ValueError as e:
                return CommandResult(f"Mode unchanged: {e}")
            return CommandResult(f"Mode switched to `{arg}`.")
        case "clear":
            dropped = len(host.history)
            host.replace_history([])
            return CommandResult(f"Conversation cleared ({dropped} messages forgotten).")
        case "compact":
            return await _compact(host)
        case "init":
            return CommandResult(prompt=INIT_PROMPT)
        case "status":
            return CommandResult("\n".join(f"- **{k}**: {v}" for k, v in host.status()))
        case _:
            return CommandResult(
                f"Unknown command `/{name}`. Type `/help` for the list of commands; to send "
                "text starting with a slash to the model, start it with two slashes."
            )


async def _compact(host: CommandHost) -> CommandResult:
    from agentica.compaction import compact

    model = host.model
    if model is None:
        return CommandResult("Nothing to compact: this session has no working model.")
    result = await compact(host.history, model=model, keep_recent=KEEP_AFTER_COMPACT)
    if not result.summarised:
        return CommandResult("Nothing to compact yet.")
    host.replace_history(result.messages)
    return CommandResult(
        f"Compacted {result.summarised} older messages into a summary: about "
        f"{result.tokens_before} tokens before, about {result.tokens_after} after."
    )


def project_instructions(root: str | Path) -> str:
    """The ``AGENTS.md`` / ``AGENTICA.md`` texts of ``root`` and its parents up to the
    repository root (the nearest with ``.git``), outermost first; empty when none."""
    start = Path(root)
    chain = [start]
    if not (start / ".git").exists():
        for parent in start.parents:
            chain.append(parent)
            if (parent / ".git").exists():
                break
        else:
            chain = [start]  # Not in a repository: the root alone.
    parts: list[str] = []
    for folder in reversed(chain):
        for name in INSTRUCTION_FILES:
            path = folder / name
            try:
                text = path.read_text(encoding="utf-8", errors="replace")[:MAX_INSTRUCTIONS]
            except OSError:
                continue
            if text.strip():
                parts.append(f"Project instructions from {path}:\n\n{text.strip()}")
    return "\n\n".join(parts)


__all__ = [
    "COMMANDS",
    "INIT_PROMPT",
    "INSTRUCTION_FILES",
    "Command",
    "CommandHost",
    "CommandResult",
    "estimate_tokens",
    "help_text",
    "parse",
    "project_instructions",
    "run_command",
]
