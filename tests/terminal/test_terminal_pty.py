"""``agentica chat`` on a pseudo-terminal, as a person uses it: prompt_toolkit input, rich
output, a real SIGINT cancelling a turn, an approval typed at the y/n/always question."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("prompt_toolkit")
pytest.importorskip("rich")
pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="a Linux pty")

ROOT = Path(__file__).resolve().parents[2]
READY = b"\x1b[?2004h"
"""prompt_toolkit turns bracketed paste on when a prompt is ready for input."""


class Terminal:
    """The chat on a pty: ``expect`` output, ``type`` keys."""

    def __init__(self, tmp: Path) -> None:
        master, slave = os.openpty()
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "tests" / "e2e")]),
            "AGENTICA_TEST_MODEL": "e2e_models:model",
            "AGENTICA_HOME": str(tmp / "home"),
            "AGENTICA_CONFIG": str(tmp / "none.toml"),
            "TERM": "xterm",
            "COLUMNS": "100",
            "LINES": "40",
        }
        self.master = master
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "tests" / "cli_hooked.py"), "chat", "--cwd", str(tmp)],
            stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True,
        )
        os.close(slave)
        self.seen = b""

    def expect(self, token: bytes, timeout: float = 30) -> None:
        """Read until ``token`` has been written (after what was expected before)."""
        end = time.monotonic() + timeout
        while token not in self.seen:
            left = end - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{token!r} not shown; last output: {self.seen[-400:]!r}")
            if select.select([self.master], [], [], left)[0]:
                try:
                    chunk = os.read(self.master, 65536)
                except OSError:  # The child closed the terminal.
                    chunk = b""
                if not chunk:
                    raise AssertionError(f"{token!r} not shown before the end: {self.seen!r}")
                self.seen += chunk
                if b"\x1b[6n" in chunk:  # A cursor position request: answer it.
                    os.write(self.master, b"\x1b[1;1R")
        self.seen = self.seen[self.seen.index(token) + len(token) :]

    def type(self, keys: bytes) -> None:
        os.write(self.master, keys)

    def close(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        os.close(self.master)


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Terminal]:
    term = Terminal(tmp_path)
    try:
        yield term
    finally:
        term.close()


def test_ctrl_c_cancels_the_turn_an_approval_is_typed_and_ctrl_d_quits(
    terminal: Terminal, tmp_path: Path
) -> None:
    terminal.expect(READY)
    terminal.type(b"slow\r")
    terminal.expect(b"chunk3")
    os.kill(terminal.proc.pid, signal.SIGINT)  # Ctrl-C during the turn.
    terminal.expect(b"[stopped: cancelled]")
    terminal.expect(READY)  # The chat goes on.
    terminal.type(b"say still here\r")
    terminal.expect(b"still here")
    terminal.expect(READY)
    write = [{"name": "write_file", "args": {"file_path": "pty.txt", "content": "typed"}}]
    terminal.type(f"call {json.dumps(write)}\r".encode())
    terminal.expect(b"Allow? [y]es / [n]o / [a]lways")
    terminal.type(b"y\r")
    terminal.expect(b"done: write_file")
    assert (tmp_path / "pty.txt").read_text() == "typed"
    terminal.expect(READY)
    terminal.type(b"\x04")  # Ctrl-D
    assert terminal.proc.wait(timeout=20) == 0
