"""Pytest fixtures for driving an ACP agent with the harness.

Enable with ``pytest_plugins = ["acp_server.harness.pytest_plugin"]`` in your root
``conftest.py``, then override ``acp_agent_command`` to point at your agent::

    @pytest.fixture
    def acp_agent_command():
        return ["my-agent", "--stdio"]

    async def test_hello(acp_harness):
        sid = await acp_harness.new_session()
        outcome = await acp_harness.prompt(sid, "hello")
        assert outcome.stop_reason == "end_turn"

``acp_harness`` is spawned in ``tmp_path`` (also the default session cwd) and already
initialized; ``acp_harness_factory(argv=None, **kwargs)`` spawns more (not initialized).
Every agent is stopped and its process group killed when the test ends.
"""

from __future__ import annotations

import asyncio
import inspect
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio
import pytest
import pytest_asyncio

from .driver import AcpHarness

HarnessFactory = Callable[..., Awaitable[AcpHarness]]
_OUR_FIXTURES = {"acp_harness", "acp_harness_factory"}


@pytest.hookimpl(tryfirst=True)
def pytest_pycollect_makeitem(collector: Any, name: str, obj: Any) -> None:
    """Run async tests that use our fixtures on asyncio, whatever ``asyncio_mode`` says.

    In pytest-asyncio's default strict mode an ``async def`` test needs
    ``@pytest.mark.asyncio``; a test asking for ``acp_harness`` gets it here, so the
    README sample works in a project with no asyncio configuration.
    """
    if not (inspect.iscoroutinefunction(obj) and collector.funcnamefilter(name)):
        return
    params = set(inspect.signature(obj).parameters)
    marks = getattr(obj, "pytestmark", [])
    if params & _OUR_FIXTURES and not any(m.name == "asyncio" for m in marks):
        pytest.mark.asyncio(obj)


@pytest.fixture
def acp_agent_command() -> list[str]:
    """The agent command line; override it in your conftest.py."""
    return [sys.executable, "-m", "acp_server", "--model", "demo"]


@pytest_asyncio.fixture
async def acp_harness_factory(
    acp_agent_command: list[str], tmp_path: Path
) -> AsyncIterator[HarnessFactory]:
    """``await factory(argv=None, **AcpHarness kwargs)`` spawns a harness (not initialized)."""
    hosts: list[_Host] = []

    async def spawn(argv: list[str] | None = None, **kwargs: Any) -> AcpHarness:
        kwargs.setdefault("cwd", tmp_path)
        kwargs.setdefault("timeout", 30.0)
        host = _Host(AcpHarness.spawn(argv or acp_agent_command, **kwargs))
        hosts.append(host)
        await host.start()
        return host.harness

    try:
        yield spawn
    finally:
        for host in reversed(hosts):
            await host.stop()


@pytest_asyncio.fixture
async def acp_harness(acp_harness_factory: HarnessFactory) -> AcpHarness:
    """An initialized harness on ``acp_agent_command`` with ``tmp_path`` as session cwd."""
    harness = await acp_harness_factory()
    await harness.initialize()
    return harness


class _Host:
    """Keeps a harness entered in a task of its own.

    pytest-asyncio runs a fixture's setup and teardown in different tasks, while the
    harness owns a task group that must be entered and exited in one task.
    """

    def __init__(self, harness: AcpHarness) -> None:
        self.harness = harness
        self._ready = anyio.Event()
        self._stop = anyio.Event()
        self._done = anyio.Event()
        self._error: BaseException | None = None
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        try:
            async with self.harness:
                self._ready.set()
                await self._stop.wait()
        except BaseException as exc:  # handed to the fixture, which re-raises it
            self._error = exc
        finally:
            self._ready.set()
            self._done.set()

    async def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())
        await self._ready.wait()
        if self._error is not None:
            raise self._error

    async def stop(self) -> None:
        self._stop.set()
        with anyio.CancelScope(shield=True):
            await self._done.wait()
        if self._error is not None and not isinstance(self._error, anyio.get_cancelled_exc_class()):
            raise self._error
