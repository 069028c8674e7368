"""agentica.procs: the platform choices (Windows simulated where the logic is pure) and,
on POSIX, the real group stop, process listing and environment mark."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from agentica import procs

posix = pytest.mark.posix
needs_proc = pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs /proc (Linux)")


@pytest.fixture
def windows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "win32")


# --- choices per platform -----------------------------------------------------------------


def test_posix_shell_is_bin_sh(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "linux")
    assert procs.shell_argv("echo hi") == ["/bin/sh", "-c", "echo hi"]
    assert procs.shell_command("echo hi") == ["/bin/sh", "-c", "echo hi"]
    assert procs.new_group_kwargs() == {"start_new_session": True}


def test_windows_shell_is_comspec_cmd(windows: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMSPEC", r"C:\Windows\system32\cmd.exe")
    assert procs.shell_argv('echo "a b"') == [
        r"C:\Windows\system32\cmd.exe", "/d", "/s", "/c", 'echo "a b"',
    ]
    # Locally the string itself: subprocess hands it to %COMSPEC% /c without re-quoting.
    assert procs.shell_command('echo "a b"') == 'echo "a b"'
    monkeypatch.delenv("COMSPEC")
    assert procs.shell_argv("dir")[0] == "cmd.exe"


def test_windows_new_group_is_a_new_process_group(windows: None) -> None:
    assert procs.new_group_kwargs() == {"creationflags": 0x200}  # CREATE_NEW_PROCESS_GROUP


def test_named_signals_leaves_out_what_the_platform_lacks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert procs.named_signals("SIGTERM", "SIGINT") == (signal.SIGTERM, signal.SIGINT)
    monkeypatch.delattr(signal, "SIGHUP", raising=False)  # As on Windows.
    assert procs.named_signals("SIGTERM", "SIGHUP") == (signal.SIGTERM,)


class _FakeProcess:
    """A psutil.Process stand-in recording what was done to it."""

    log: list[str] = []
    tree: dict[int, list[int]] = {}

    def __init__(self, pid: int) -> None:
        self.pid = pid

    def children(self, recursive: bool = False) -> list[_FakeProcess]:
        found, stack = [], list(self.tree.get(self.pid, []))
        while stack:
            pid = stack.pop(0)
            found.append(_FakeProcess(pid))
            if recursive:
                stack.extend(self.tree.get(pid, []))
        return found

    def terminate(self) -> None:
        self.log.append(f"terminate {self.pid}")

    def kill(self) -> None:
        self.log.append(f"kill {self.pid}")


class _FakePsutil:
    Process = _FakeProcess
    Error = RuntimeError


def test_windows_group_stop_reaches_the_whole_tree(
    windows: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    _FakeProcess.log = []
    _FakeProcess.tree = {100: [101, 102], 101: [103]}
    monkeypatch.setattr(procs, "_psutil", lambda: _FakePsutil)
    procs.signal_group(100, procs.TERM)
    assert sorted(_FakeProcess.log) == [f"terminate {p}" for p in (100, 101, 102, 103)]
    _FakeProcess.log = []
    procs.signal_group(100, procs.KILL)
    assert sorted(_FakeProcess.log) == [f"kill {p}" for p in (100, 101, 102, 103)]


def test_windows_without_psutil_falls_back_to_taskkill(
    windows: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    ran: list[list[str]] = []
    monkeypatch.setattr(procs, "_psutil", lambda: None)
    monkeypatch.setattr(procs.subprocess, "run", lambda argv, **kw: ran.append(argv))
    procs.signal_group(42, procs.TERM)
    procs.signal_group(42, procs.KILL)
    assert ran == [["taskkill", "/T", "/PID", "42"], ["taskkill", "/T", "/F", "/PID", "42"]]


def test_without_proc_the_listing_comes_from_psutil(monkeypatch: pytest.MonkeyPatch) -> None:
    class Proc:
        def __init__(self, pid: int, ppid: int, status: str) -> None:
            self.pid = pid
            self.info = {"ppid": ppid, "create_time": 12.5, "status": status}

    class Psutil:
        STATUS_ZOMBIE = "zombie"

        @staticmethod
        def process_iter(attrs: Any) -> list[Proc]:
            return [Proc(7, 1, "running"), Proc(8, 7, "zombie")]

    monkeypatch.setattr(procs, "_proc_available", lambda: False)
    monkeypatch.setattr(procs, "_psutil", lambda: Psutil)
    assert procs.snapshot() == {7: (1, 12500)}
    monkeypatch.setattr(procs, "_psutil", lambda: None)
    assert procs.snapshot() == {}  # macOS without psutil: only the group is stopped.
    assert procs.children() == set()


# --- the real thing on POSIX ------------------------------------------------------------------


def _start(script: str, **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        procs.shell_command(script),
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, **env},
        **procs.new_group_kwargs(),
    )


def _gone(pid: int, within: float = 5.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if pid not in procs.snapshot():
            return True
        time.sleep(0.02)
    return False


@posix
@needs_proc
def test_signal_group_stops_the_shell_and_its_background_child() -> None:
    shell = _start("sleep 30 & echo $!; wait")
    try:
        assert shell.stdout is not None
        child = int(shell.stdout.readline())
        assert shell.pid in procs.children()
        live = procs.snapshot()
        assert live[child][0] == shell.pid  # (parent pid, start time)
        procs.signal_group(shell.pid, procs.TERM)
        assert shell.wait(timeout=5) == -signal.SIGTERM
        assert _gone(child)
        procs.signal_group(shell.pid, procs.KILL)  # The group is gone: no error.
    finally:
        procs.signal_group(shell.pid, procs.KILL)
        shell.wait(timeout=5)
        if shell.stdout is not None:
            shell.stdout.close()


@posix
@needs_proc
def test_has_env_finds_the_mark_of_a_process() -> None:
    shell = _start("echo ready; sleep 30", AGENTICA_TEST_MARK="abc")
    try:
        assert shell.stdout is not None
        assert shell.stdout.readline() == "ready\n"
        assert procs.has_env(shell.pid, b"AGENTICA_TEST_MARK=abc")
        assert not procs.has_env(shell.pid, b"AGENTICA_TEST_MARK=abd")
        assert not procs.has_env(2**22 + 12345, b"AGENTICA_TEST_MARK=abc")  # No such pid.
    finally:
        procs.signal_group(shell.pid, procs.KILL)
        shell.wait(timeout=5)
        if shell.stdout is not None:
            shell.stdout.close()
