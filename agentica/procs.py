"""Child processes on every platform: the one place that knows POSIX from Windows.

Every place that starts a command in its own group, picks the shell, or stops a whole
process tree goes through here (the workspace's ``execute``, the editor-backed workspace,
the harness's agent and terminals, the MCP stdio servers).

=========================  =====================================  ===========================
what                       POSIX (Linux, macOS)                   Windows
=========================  =====================================  ===========================
a new group                ``start_new_session=True`` (a session  ``CREATE_NEW_PROCESS_GROUP``
                           and process group led by the child)
the shell                  ``/bin/sh -c COMMAND``                 ``%COMSPEC% /d /s /c COMMAND``
                                                                  (``cmd.exe``)
stop the group/tree        ``os.killpg`` (SIGTERM, then SIGKILL)  the tree from ``psutil``:
                                                                  terminate, then kill
all processes (the family  ``/proc`` (Linux; empty on macOS:      ``psutil`` (empty without
of a command)              only the group is stopped there)       it: only the tree is
                                                                  stopped, via ``taskkill``)
=========================  =====================================  ===========================

Why ``cmd.exe`` and not PowerShell on Windows: it is on every Windows, starts in a few
ms (PowerShell takes ~0.3 s), and understands ``&&``/``||`` as models write them.
``/d`` skips AutoRun macros, ``/s`` keeps the command line after ``/c`` as it is.
A local command is started with the command *string* (``subprocess`` hands it to
``%COMSPEC% /c`` unchanged), so the quotes inside it are not re-escaped.

``psutil`` is a dependency on Windows only (``sys_platform == "win32"``); where it is
missing every function here still works, with the fallbacks above.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from typing import Any

__all__ = [
    "KILL",
    "TERM",
    "children",
    "has_env",
    "is_windows",
    "named_signals",
    "new_group_kwargs",
    "send_signal",
    "shell_argv",
    "shell_command",
    "signal_group",
    "snapshot",
]

TERM: int = signal.SIGTERM
"""The polite stop: SIGTERM (on Windows: terminate the process)."""
KILL: int = getattr(signal, "SIGKILL", 9)
"""The forced stop: SIGKILL (Windows has no SIGKILL: kill the process, same number)."""


def is_windows() -> bool:
    """Whether processes follow the Windows model (read at call time, so tests can patch).

    Windows also has no ``SIGHUP``/``SIGKILL`` and asyncio there cannot receive signals
    (``anyio.open_signal_receiver``): callers wait on stdin EOF or Ctrl-C instead.
    """
    return sys.platform == "win32"


def named_signals(*names: str) -> tuple[signal.Signals, ...]:
    """The signals among ``names`` (``"SIGTERM"``, ``"SIGHUP"``, ...) this platform has."""
    return tuple(getattr(signal, n) for n in names if hasattr(signal, n))


# --- starting ---------------------------------------------------------------------------


def new_group_kwargs() -> dict[str, Any]:
    """Keyword arguments for ``subprocess``/``anyio.open_process``: the child leads a new
    process group, so the whole group can be stopped at once (and a Ctrl-C in our console
    does not reach it)."""
    if is_windows():
        return {"creationflags": getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0x200)}
    return {"start_new_session": True}


def shell_argv(command: str) -> list[str]:
    """The argv that runs ``command`` through the platform's shell (for another program
    to start, e.g. an editor's ``terminal/create``)."""
    if is_windows():
        return [os.environ.get("COMSPEC") or "cmd.exe", "/d", "/s", "/c", command]
    return ["/bin/sh", "-c", command]


def shell_command(command: str) -> list[str] | str:
    """What to give ``anyio.open_process`` to run ``command`` through the shell here.

    POSIX: ``shell_argv(command)``. Windows: the string itself, which ``subprocess``
    passes to ``%COMSPEC% /c`` unchanged (an argv list would be re-quoted with
    backslashes, which ``cmd.exe`` does not understand).
    """
    return command if is_windows() else shell_argv(command)


# --- stopping ---------------------------------------------------------------------------


def signal_group(pgid: int, sig: int) -> None:
    """Send ``sig`` to the process group led by ``pgid`` (Windows: to the process tree
    rooted at it). Gone processes are ignored."""
    if is_windows():
        _signal_tree(pgid, sig)
        return
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass  # The group is gone (PermissionError: only zombies left, on some systems).


def send_signal(pid: int, sig: int) -> None:
    """Send ``sig`` to one process (Windows: terminate it). Gone processes are ignored."""
    try:
        os.kill(pid, sig)  # On Windows any signal but CTRL_* events is TerminateProcess.
    except (ProcessLookupError, PermissionError, OSError):
        pass


def _signal_tree(pid: int, sig: int) -> None:
    psutil = _psutil()
    if psutil is None:
        force = ["/F"] if sig == KILL else []
        subprocess.run(
            ["taskkill", "/T", *force, "/PID", str(pid)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
        return
    try:
        root = psutil.Process(pid)
        tree = [*root.children(recursive=True), root]
    except psutil.Error:
        return
    for proc in tree:
        try:
            proc.kill() if sig == KILL else proc.terminate()
        except psutil.Error:
            pass


# --- looking ----------------------------------------------------------------------------


def snapshot() -> dict[int, tuple[int, int]]:
    """``pid -> (parent pid, start time)`` of every live process (zombies left out).

    The start time is only compared with itself (it tells a reused pid from the process
    seen before). Empty where no source is available (macOS without ``psutil``).
    """
    if _proc_available():
        return _proc_snapshot()
    psutil = _psutil()
    if psutil is None:
        return {}
    procs: dict[int, tuple[int, int]] = {}
    for p in psutil.process_iter(["ppid", "create_time", "status"]):
        info = p.info
        if info["status"] != psutil.STATUS_ZOMBIE and info["ppid"] is not None:
            procs[p.pid] = (info["ppid"], int((info["create_time"] or 0) * 1000))
    return procs


def _proc_snapshot() -> dict[int, tuple[int, int]]:
    procs: dict[int, tuple[int, int]] = {}
    try:
        names = os.listdir("/proc")
    except OSError:
        return procs
    for name in names:
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[0] != b"Z":  # A zombie is already dead.
            procs[int(name)] = (int(fields[1]), int(fields[19]))
    return procs


def has_env(pid: int, needle: bytes) -> bool:
    """Whether process ``pid``'s environment has the entry ``needle`` (``b"NAME=value"``)."""
    try:
        with open(f"/proc/{pid}/environ", "rb") as f:
            return needle in f.read().split(b"\0")
    except FileNotFoundError:
        if _proc_available():
            return False  # Gone.
    except OSError:  # Another user's.
        return False
    psutil = _psutil()
    if psutil is None:
        return False
    name, _, value = needle.decode(errors="replace").partition("=")
    try:
        return psutil.Process(pid).environ().get(name) == value
    except psutil.Error:
        return False


def children(pid: int | None = None) -> set[int]:
    """The direct children of ``pid`` (default: this process)."""
    pid = os.getpid() if pid is None else pid
    found: set[int] = set()
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                found.update(int(p) for p in f.read().split())
        return found
    except OSError:
        if _proc_available():
            return found
    psutil = _psutil()
    if psutil is None:
        return found
    try:
        return {c.pid for c in psutil.Process(pid).children()}
    except psutil.Error:
        return found


def _proc_available() -> bool:
    """Whether ``/proc`` lists processes (Linux)."""
    return os.path.isdir("/proc/self")


def _psutil() -> Any:
    """``psutil`` if installed (a dependency on Windows only), else None."""
    import importlib

    try:
        return importlib.import_module("psutil")  # Typed Any: not installed on POSIX.
    except ImportError:
        return None
