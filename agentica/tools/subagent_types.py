"""Subagent types for the ``task`` tool: the built-in ones and user-defined Markdown files.

A user-defined type is a Markdown file in ``~/.agentica/agents/`` or
``<project>/.agentica/agents/`` (the project's win on a name clash) with front matter::

    ---
    name: reviewer
    description: reviews a change for bugs; read-only
    tools: read_file, grep, glob        # or [read_file, grep]; omit for every tool
    model: deepseek/deepseek-chat       # optional; default: the parent's model
    ---
    You review code changes. Report bugs with file and line ...

The body is the subagent's instructions. A file that cannot be used is skipped with a
logged warning (it never stops the agent from starting).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from pathlib import Path

from agentica._records import record

logger = logging.getLogger(__name__)

REPORT = (
    "When you are done, reply with a concise report: what you found or changed, with file "
    "paths and line numbers where useful. That report is all the caller sees, so put every "
    "fact it needs in it; do not ask the caller questions."
)


@record(kw_only=False)
class SubagentType:
    """A kind of sub-agent: which of the parent's tools it gets, and its instructions.

    Attributes:
        name: The ``subagent_type`` value.
        description: One line for the model (in the ``task`` tool's description).
        instructions: The sub-agent's system instructions.
        tools: Names of the parent's tools it may use; ``None`` means all but ``task``.
        model: A model spec for this type (``None``: the parent's model).
    """

    name: str
    description: str
    instructions: str
    tools: frozenset[str] | None = None
    model: str | None = None


SUBAGENT_TYPES: dict[str, SubagentType] = {
    t.name: t
    for t in (
        SubagentType(
            name="general-purpose",
            description="can use every tool (read, search, edit, run commands)",
            instructions=(
                "You are a sub-agent doing one self-contained task for another agent, in "
                "the same workspace. Do the task completely with the tools. " + REPORT
            ),
        ),
        SubagentType(
            name="explore",
            description="read-only: ls, read_file, glob, grep; for finding and reading code",
            instructions=(
                "You are a read-only sub-agent exploring a workspace for another agent: "
                "find and read what the task asks about with ls, glob, grep and read_file; "
                "you cannot change anything. " + REPORT
            ),
            tools=frozenset({"ls", "read_file", "glob", "grep"}),
        ),
    )
}


def _list(value: str) -> frozenset[str]:
    items = value.strip().strip("[]").split(",")
    return frozenset(i.strip().strip("'\"") for i in items if i.strip().strip("'\""))


def parse_subagent_file(text: str, fallback_name: str) -> SubagentType:
    """A ``SubagentType`` from a Markdown file's text (front matter, then instructions).

    Raises:
        ValueError: No front matter, or no description.
    """
    lines = text.lstrip("\ufeff").splitlines()
    if not lines or lines[0].strip() != "---":
        raise ValueError("no front matter (the file must start with a '---' line)")
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        raise ValueError("the front matter has no closing '---' line") from None
    meta: dict[str, str] = {}
    for line in lines[1:end]:
        line = line.split(" #", 1)[0].rstrip()
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, sep, value = line.partition(":")
        if not sep:
            raise ValueError(f"front matter line without 'key: value': {line!r}")
        meta[key.strip().lower()] = value.strip().strip("'\"")
    name = meta.get("name") or fallback_name
    description = meta.get("description")
    if not description:
        raise ValueError("the front matter has no description")
    body = "\n".join(lines[end + 1 :]).strip()
    tools = _list(meta["tools"]) if meta.get("tools") else None
    return SubagentType(
        name=name,
        description=description,
        instructions=(body or f"You are the {name} sub-agent.") + "\n\n" + REPORT,
        tools=tools,
        model=meta.get("model") or None,
    )


def agent_dirs(project: str | os.PathLike[str] | None) -> list[Path]:
    """Where user-defined types live: ``~/.agentica/agents``, then the project's."""
    dirs = [Path.home() / ".agentica" / "agents"]
    if project is not None:
        dirs.append(Path(project) / ".agentica" / "agents")
    return dirs


def load_subagent_types(dirs: Iterable[Path]) -> dict[str, SubagentType]:
    """The types defined by ``*.md`` files in ``dirs`` (later directories win)."""
    found: dict[str, SubagentType] = {}
    for folder in dirs:
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.md")):
            try:
                kind = parse_subagent_file(path.read_text(encoding="utf-8"), path.stem)
            except (OSError, UnicodeDecodeError, ValueError) as e:
                logger.warning("skipping subagent type %s: %s", path, e)
                continue
            found[kind.name] = kind
    return found


__all__ = [
    "REPORT",
    "SUBAGENT_TYPES",
    "SubagentType",
    "agent_dirs",
    "load_subagent_types",
    "parse_subagent_file",
]
