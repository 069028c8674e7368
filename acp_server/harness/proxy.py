"""``acp-harness proxy``: sit between an editor and an agent, pass every byte, validate live.

The editor launches ``acp-harness proxy --log FILE -- AGENT_CMD`` in place of the agent.
Two pump threads copy bytes with ``os.read``/``os.write`` as they arrive (no parsing, no
buffering on the way), handing a copy to the validator thread's queue; so a slow validator or a
failed check never alters or delays the stream. The agent's exit status is ours; SIGINT,
SIGTERM and SIGHUP are forwarded to it, and an agent killed by a signal kills us with it.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from typing import TextIO

from agentica import procs

from .proxy_check import FROM_AGENT, TO_AGENT, LiveValidator
from .schema import SchemaValidator

CHUNK = 1 << 16
FORWARDED = procs.named_signals("SIGINT", "SIGTERM", "SIGHUP")  # No SIGHUP on Windows.
Item = tuple[str, bytes, float] | None


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def _pump(
    src: int, dst: int, direction: str, items: queue.SimpleQueue[Item], t0: float, close_dst: bool
) -> None:
    """Copy ``src`` to ``dst`` until EOF, handing each chunk to the validator's queue."""
    try:
        while True:
            try:
                data = os.read(src, CHUNK)
            except OSError:
                data = b""
            if not data:
                break
            # Queue the copy first (a non-blocking append), so that the validator sees a
            # request before the other side's answer to it; then forward at once.
            items.put((direction, data, time.monotonic() - t0))
            try:
                _write_all(dst, data)
            except OSError:
                break  # The reader went away: stop copying, keep the agent's exit status.
    finally:
        items.put((direction, b"", time.monotonic() - t0))
        if close_dst:
            try:
                os.close(dst)
            except OSError:
                pass


def _validate(items: queue.SimpleQueue[Item], validator: LiveValidator) -> None:
    while (item := items.get()) is not None:
        direction, data, t = item
        try:
            validator.feed(direction, data, t)
        except Exception as exc:
            if validator.log is not None:
                validator.log.write(f"# validator error: {type(exc).__name__}: {exc}\n")


def run_proxy(
    argv: Sequence[str],
    *,
    log: TextIO | None = None,
    jsonl: bool = False,
    schema: SchemaValidator | None = None,
) -> int:
    """Run the agent behind the proxy; returns its exit status (or dies by its signal)."""
    try:
        child = subprocess.Popen(
            list(argv), stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0
        )
    except OSError as exc:
        sys.stderr.write(f"error: cannot start the agent: {exc}\n")
        return 127
    assert child.stdin is not None and child.stdout is not None
    validator = LiveValidator(log, jsonl=jsonl, schema=schema)
    items: queue.SimpleQueue[Item] = queue.SimpleQueue()
    t0 = time.monotonic()
    previous = {sig: signal.signal(sig, lambda s, _f: _forward(child, s)) for sig in FORWARDED}
    up = threading.Thread(
        target=_pump,
        args=(sys.stdin.fileno(), child.stdin.fileno(), TO_AGENT, items, t0, True),
        daemon=True,
    )
    down = threading.Thread(
        target=_pump,
        args=(child.stdout.fileno(), sys.stdout.fileno(), FROM_AGENT, items, t0, False),
        daemon=True,
    )
    checker = threading.Thread(target=_validate, args=(items, validator), daemon=True)
    for thread in (checker, up, down):
        thread.start()
    try:
        code = child.wait()
        down.join(timeout=2.0)  # the rest of the agent's output, unless a grandchild holds it
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        items.put(None)
        checker.join(timeout=5.0)
        validator.close()
    if code < 0:
        # Die by the same signal, so the editor sees what the agent saw.
        if -code not in (signal.SIGKILL, signal.SIGSTOP):
            signal.signal(-code, signal.SIG_DFL)
        os.kill(os.getpid(), -code)
        return 128 - code
    return code


def _forward(child: subprocess.Popen[bytes], sig: int) -> None:
    if child.poll() is None:
        try:
            child.send_signal(sig)
        except ProcessLookupError:
            pass
