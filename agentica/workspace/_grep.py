"""``LocalWorkspace.grep``'s worker process: a search that can always be stopped.

Python's ``re`` cannot be interrupted and holds the GIL while it matches, so a
catastrophic pattern (``(\\w+\\s?)+$`` over one line of code) run in a thread would
freeze every session of the server, and its shutdown. The search therefore runs in a
child process (``_search.py`` run as a script, standard library only, ``-I -S`` so it
starts in about 20 ms), which is SIGKILLed at once when the call is cancelled and
after ``timeout`` seconds otherwise (a readable ``ToolError``).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import AsyncGenerator, Sequence
from contextlib import aclosing
from pathlib import Path
from typing import Any

import anyio

from agentica.exceptions import ToolError
from agentica.workspace import _search

GREP_TIMEOUT = 30.0
"""Default seconds a grep may run before its worker process is killed."""


def compile_regex(pattern: str) -> re.Pattern[str]:
    """Compile a grep pattern, turning a syntax error into a readable ``ToolError``."""
    try:
        return re.compile(pattern)
    except (re.error, OverflowError, RecursionError) as e:
        shown = pattern if len(pattern) <= 100 else pattern[:100] + "…"
        raise ToolError(
            f"invalid regular expression {shown!r}: {e}; "
            "the pattern uses Python `re` syntax (escape literal characters like `(` or `.`)"
        ) from e


async def run(
    pattern: str,
    target: Path,
    *,
    glob: str | None,
    limit: int,
    roots: Sequence[Path],
    allow_outside: bool,
    timeout: float,
) -> list[tuple[Path, int, str]]:
    """``(file, 1-based line, text)`` matches under ``target``, in walk order."""
    request = {
        "pattern": pattern,
        "target": str(target),
        "glob": glob,
        "limit": limit,
        "roots": [str(r) for r in roots],
        "allow_outside": allow_outside,
    }
    found: list[tuple[Path, int, str]] = []
    with anyio.move_on_after(timeout) as scope:
        async with aclosing(_matches(request)) as matches:
            async for match in matches:
                found.append((Path(match["path"]), match["line"], match["text"]))
    if scope.cancelled_caught:
        raise ToolError(
            f"grep stopped after {timeout:g} s without finishing ({len(found)} matches so "
            "far). The regular expression may backtrack catastrophically (like "
            "`(\\w+\\s?)+$`): simplify it, or narrow path or glob."
        )
    return found


async def _matches(request: dict[str, Any]) -> AsyncGenerator[dict[str, Any], None]:
    """Run the worker and yield its matches; it is killed when the caller stops."""
    process = await anyio.open_process(
        [sys.executable or "python3", "-I", "-S", _search.__file__],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert process.stdin is not None and process.stdout is not None
        await process.stdin.send(json.dumps(request).encode())
        await process.stdin.aclose()
        buffer = b""
        async for chunk in process.stdout:
            buffer += chunk
            *lines, buffer = buffer.split(b"\n")
            for line in lines:
                yield json.loads(line)
        await process.wait()
        if process.returncode:
            assert process.stderr is not None
            err = b""
            async for chunk in process.stderr:
                err = (err + chunk)[-4096:]
            last = err.decode(errors="replace").strip().splitlines()
            raise ToolError(f"grep failed: {last[-1] if last else process.returncode}")
    finally:
        with anyio.CancelScope(shield=True):
            if process.returncode is None:
                process.kill()
            await process.aclose()


__all__ = ["GREP_TIMEOUT", "compile_regex", "run"]
