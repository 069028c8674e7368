"""Fixtures for the harness tests: fake agents and the harness pytest plugin."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from acp_server.harness.pytest_plugin import (  # noqa: F401  (fixtures)
    acp_agent_command,
    acp_harness,
    acp_harness_factory,
)

FAKES = Path(__file__).parent / "fakes"


def _fake_agent(fault: str = "") -> list[str]:
    argv = [sys.executable, str(FAKES / "minimal_agent.py")]
    return [*argv, fault] if fault else argv


@pytest.fixture
def fake_agent() -> Callable[..., list[str]]:
    """``fake_agent(fault="")``: the command line of the minimal fake agent."""
    return _fake_agent


@pytest.fixture
def sdk_agent() -> list[str]:
    """The command line of the agent built on the official ACP Python SDK."""
    return [sys.executable, str(FAKES / "sdk_agent.py")]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A small project directory to use as the session cwd."""
    (tmp_path / "README.md").write_text("# Demo project\n")
    return tmp_path
