"""Text split into streaming chunks, shared by the test doubles (no imports of theirs)."""

from __future__ import annotations

import re

_WORDS = re.compile(r"^\s+|\S+\s*")


def split_words(text: str) -> list[str]:
    """Split text into word chunks (each word keeps its trailing space); they join back."""
    return _WORDS.findall(text)
