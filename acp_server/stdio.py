"""Reserve stdin/stdout for the protocol and expose them as anyio byte streams.

Why: ACP speaks JSON-RPC over the process's stdout, so a stray ``print`` in a tool,
a chatty library or a child process that inherits fd 1 would corrupt the stream.
``claim_stdio()`` duplicates the real fds 0 and 1 into private descriptors for the
protocol, points fd 1 at stderr and fd 0 at ``/dev/null`` (so children can neither
write protocol bytes nor steal client input) and rebinds ``sys.stdout`` to stderr.

The byte streams over the private fds are in ``acp_server.fdstreams``; this module
imports only the standard library (it runs before ``initialize`` is answered).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import Any

__all__ = ["ProtocolFds", "claim_stdio", "release_stdio"]


@dataclass(frozen=True, slots=True)
class ProtocolFds:
    """The private descriptors holding the original stdin/stdout, plus what to restore."""

    stdin: int
    """A duplicate of the original fd 0, for reading protocol input."""
    stdout: int
    """A duplicate of the original fd 1, for writing protocol output."""
    saved_sys_stdout: Any
    """The ``sys.stdout`` object before it was rebound to stderr."""
    saved_sys_stdin: Any
    """The ``sys.stdin`` object before it was rebound to ``/dev/null``."""


def claim_stdio() -> ProtocolFds:
    """Move the protocol onto private fds and make fds 0/1 harmless.

    After this call, fd 1 is a copy of fd 2 (stderr), fd 0 reads ``/dev/null``,
    ``sys.stdout`` is ``sys.stderr`` and ``sys.stdin`` reads ``/dev/null``. The returned
    descriptors are not inherited by child processes.
    """
    for stream in (sys.stdout, sys.__stdout__):
        if stream is not None:
            stream.flush()
    fds = ProtocolFds(os.dup(0), os.dup(1), sys.stdout, sys.stdin)
    devnull = os.open(os.devnull, os.O_RDWR)
    try:
        os.dup2(devnull, 0)
        try:
            os.dup2(2, 1)
        except OSError:  # No usable stderr: send stray output nowhere.
            os.dup2(devnull, 1)
    finally:
        os.close(devnull)
    sys.stdout = sys.stderr
    sys.stdin = open(os.devnull, encoding="utf-8")  # Lives as long as the process.
    return fds


def release_stdio(fds: ProtocolFds) -> None:
    """Undo ``claim_stdio()``: restore fds 0/1 and ``sys.stdin``/``sys.stdout``."""
    os.dup2(fds.stdin, 0)
    os.dup2(fds.stdout, 1)
    os.close(fds.stdin)
    os.close(fds.stdout)
    devnull_stdin, sys.stdin = sys.stdin, fds.saved_sys_stdin
    if devnull_stdin is not fds.saved_sys_stdin:
        devnull_stdin.close()
    sys.stdout = fds.saved_sys_stdout
