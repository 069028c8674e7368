"""Fixtures for the harness tests: fake agents and the harness pytest plugin.

Plain helpers live in ``harness_util.py``; test modules never import this file.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from harness_util import FakeAgent, fake_agent_argv, sdk_agent_argv

from acp_server.harness.pytest_plugin import (  # noqa: F401  (fixtures)
    acp_agent_command,
    acp_harness,
    acp_harness_factory,
)


@pytest.fixture
def fake_agent() -> FakeAgent:
    """``fake_agent(fault="")``: the command line of the minimal fake agent."""
    return fake_agent_argv


@pytest.fixture
def sdk_agent() -> list[str]:
    """The command line of the agent built on the official ACP Python SDK."""
    return sdk_agent_argv()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A small project directory to use as the session cwd."""
    (tmp_path / "README.md").write_text("# Demo project\n")
    return tmp_path
