"""Suite-wide guards: no test may reach the network (loopback and Unix sockets only), and
no test writes into the user's real agentica home: ``AGENTICA_HOME`` is a temporary
directory for the whole run (servers started by tests inherit it), and the user's model
settings (``AGENTICA_MODEL``, ``OPENAI_API_KEY``, …) are removed from the environment."""

from __future__ import annotations

import ipaddress
import os
import shutil
import socket
import tempfile
from collections.abc import Iterator
from typing import Any

import pytest

TEST_HOME = tempfile.mkdtemp(prefix="agentica-test-home-")
os.environ["AGENTICA_HOME"] = TEST_HOME
# The user's model settings must not reach the servers the tests start (a key would make
# them talk to a real endpoint): each test that wants a model names it.
for _name in (
    "AGENTICA_MODEL", "AGENTICA_CONFIG", "OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_MODEL",
):
    os.environ.pop(_name, None)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    shutil.rmtree(TEST_HOME, ignore_errors=True)


_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _is_local(address: Any) -> bool:
    if isinstance(address, (str, bytes)):  # AF_UNIX path
        return True
    host = address[0]
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _guarded_connect(self: socket.socket, address: Any) -> Any:
    if not _is_local(address):
        raise RuntimeError(f"tests must not use the network (tried to connect to {address!r})")
    return _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: Any) -> Any:
    if not _is_local(address):
        raise RuntimeError(f"tests must not use the network (tried to connect to {address!r})")
    return _real_connect_ex(self, address)


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", _guarded_connect_ex)
    yield


# --- the ``posix`` marker ------------------------------------------------------------------
# Tests that need POSIX processes (signals, process groups, /bin/sh scripts, /proc) carry
# the ``posix`` marker and are skipped on Windows. Whole modules are listed here (one
# place, rather than a line in each of them); a single test may also be marked directly.
POSIX_DIRS = ("e2e", "faults", "fuzz", "load")
"""Suites that drive server processes with the POSIX helpers (process groups, signals)."""
POSIX_MODULES = frozenset(
    {
        "acp_server/test_acp_workspace.py",
        "acp_server/test_connection.py",
        "acp_server/test_connection_background.py",
        "acp_server/test_sessions_cancel_races.py",
        "acp_server/test_stdio.py",
        "agentica/test_agent_examples.py",
        "agentica/test_builtin_parallel.py",
        "agentica/test_builtin_tools.py",
        "agentica/test_cancel_races.py",
        "agentica/test_stream.py",
        "agentica/test_workspace_hardening.py",
        "agentica/test_workspace_local.py",
        "agentica/test_workspace_process.py",
        "agentica/test_workspace_survivors.py",
        "harness/test_harness_certify_cli.py",
        "harness/test_harness_client.py",
        "harness/test_harness_driver.py",
        "harness/test_harness_loopback.py",
        "harness/test_harness_proxy.py",
        "mcp/test_mcp_agent.py",
        "mcp/test_mcp_http.py",
    }
)


def needs_posix(relative: str) -> bool:
    """Whether the test module at ``relative`` (to tests/, with '/') needs POSIX."""
    return relative.split("/", 1)[0] in POSIX_DIRS or relative in POSIX_MODULES


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = os.path.dirname(os.path.abspath(__file__))
    skip = pytest.mark.skip(reason="needs POSIX processes (signals, process groups, /bin/sh)")
    for item in items:
        relative = os.path.relpath(str(item.path), here).replace(os.sep, "/")
        if needs_posix(relative):
            item.add_marker(pytest.mark.posix)
        if os.name == "nt" and item.get_closest_marker("posix") is not None:
            item.add_marker(skip)
