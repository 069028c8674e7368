"""Helpers shared by the harness tests (import as ``from harness_util import ...``).

Kept out of ``conftest.py`` so that no test module imports a conftest by name: with
``tests/e2e`` collected in the same run, ``conftest`` could be the other directory's.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

FAKES = Path(__file__).parent / "fakes"

FakeAgent = Callable[..., list[str]]


def fake_agent_argv(fault: str = "") -> list[str]:
    """The command line of the minimal fake agent, with an optional fault switched on."""
    argv = [sys.executable, str(FAKES / "minimal_agent.py")]
    return [*argv, fault] if fault else argv


def sdk_agent_argv() -> list[str]:
    """The command line of the agent built on the official ACP Python SDK."""
    return [sys.executable, str(FAKES / "sdk_agent.py")]
