"""Process checks shared by the test suites (Linux ``/proc``).

``tests/`` is on ``sys.path`` in every test run (pytest inserts the directory of the root
``conftest.py``), so any test module can ``from proc_util import alive``.
"""

from __future__ import annotations

from pathlib import Path


def _stat_fields(stat: str) -> list[str]:
    """The fields of a ``/proc/<pid>/stat`` line after the command name (state first)."""
    return stat.rsplit(")", 1)[1].split()


def alive(pid: int) -> bool:
    """Whether the process exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:  # Gone (FileNotFoundError), or gone while being read (ESRCH).
        return False
    return _stat_fields(stat)[0] != "Z"


def group_alive(pgid: int) -> bool:
    """Whether a live (non-zombie) process of process group ``pgid`` exists."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = _stat_fields((entry / "stat").read_text())
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False
