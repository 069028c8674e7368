"""Titles that show what will run: nothing hidden, nothing invisible.

A title is one line a user reads before approving a call. ``escape`` makes every
character that could hide or disguise text visible as an escape (``\\x1b``, ``\\u202e``):
control characters (newlines included), so ANSI escape sequences show as text; bidi
overrides and isolates (U+202A-202E, U+2066-2069) and the other invisible format
characters; line and paragraph separators. ``command_title`` shows a command's first
line and says what it leaves out ("+1 more line"); the whole command belongs in the
call's content (``command_block``).
"""

from __future__ import annotations

import re
import unicodedata

_ESCAPED_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co"})
"""Controls, format characters (bidi, zero-width), separators, surrogates, private use."""

TITLE_WIDTH = 80
"""Characters of a command's first line shown in its title."""


def _visible(ch: str) -> str:
    code = ord(ch)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def _hidden(ch: str, keep: str) -> bool:
    return ch not in keep and unicodedata.category(ch) in _ESCAPED_CATEGORIES


def escape(text: str, *, keep: str = "") -> str:
    """``text`` with every hiding character as a visible escape (``keep``: left as is)."""
    if text.isascii() and text.isprintable():
        return text
    return "".join(_visible(c) if _hidden(c, keep) else c for c in text)


def code_span(text: str) -> str:
    """``text`` as a Markdown code span that no backtick inside it can end early."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def command_title(command: str, *, verb: str = "Run", width: int = TITLE_WIDTH) -> str:
    """``Run `ls` (+1 more line)``: the first line, escaped, and what it leaves out."""
    lines = command.strip().split("\n")
    first = lines[0].rstrip("\r")
    more: list[str] = []
    if len(first) > width:
        more.append(f"+{len(first) - (width - 1)} more characters")
        first = first[: width - 1] + "…"
    hidden_lines = len(lines) - 1
    if hidden_lines:
        more.append(f"+{hidden_lines} more line{'s' if hidden_lines > 1 else ''}")
    title = f"{verb} {code_span(escape(first))}"
    return f"{title} ({', '.join(more)})" if more else title


def command_block(command: str) -> str:
    """The whole command as a fenced ``sh`` block (escaped, newlines and tabs kept)."""
    text = escape(command.strip("\n"), keep="\n\t")
    longest = max((len(run) for run in re.findall(r"`{3,}", text)), default=2)
    fence = "`" * (longest + 1)
    return f"{fence}sh\n{text}\n{fence}"


__all__ = ["TITLE_WIDTH", "code_span", "command_block", "command_title", "escape"]
