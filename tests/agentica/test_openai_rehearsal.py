"""``rehearse_first_request``: the client's first-request set-up, offline, ahead of time."""

from __future__ import annotations

import logging
import socket
import threading

import anyio
import pytest

from agentica.models.openai_rehearsal import rehearse_first_request


def test_it_streams_a_whole_reply_without_the_network(monkeypatch, caplog):
    def no_network(*args, **kwargs):
        raise AssertionError("the rehearsal must not use the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    caplog.set_level(logging.DEBUG)
    rehearse_first_request()
    messages = [r.getMessage() for r in caplog.records]
    assert not [m for m in messages if "rehearsal" in m and "failed" in m], messages
    assert any("model=rehearsal messages=1 tools=1" in m for m in messages)


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_it_does_nothing_inside_a_running_event_loop(backend, caplog):
    caplog.set_level(logging.DEBUG)

    async def inside() -> None:
        rehearse_first_request()

    anyio.run(inside, backend=backend)
    assert not any("rehearsal" in r.getMessage() for r in caplog.records)


def test_it_runs_in_a_thread_beside_a_running_loop(caplog):
    caplog.set_level(logging.DEBUG)

    async def main() -> None:
        thread = threading.Thread(target=rehearse_first_request)
        thread.start()
        await anyio.to_thread.run_sync(thread.join)

    anyio.run(main)
    assert any("model=rehearsal" in r.getMessage() for r in caplog.records)
