"""A silent or stalling endpoint (fault 14): detected early, reported, never retried blindly.

``OpenAIChat`` against ``FaultServer`` on 127.0.0.1 with small timeouts.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import cast

import anyio
from fault_http import Cut, FaultServer, Silent, Stall

from agentica.exceptions import ModelResponseError, ModelTimeoutError
from agentica.messages import Message
from agentica.models.base import ModelStatus, ModelTextDelta
from agentica.models.openai import OpenAIChat
from agentica.testing import MockReply

HI = [Message.user("hi")]


def model(srv: FaultServer, **kw) -> OpenAIChat:
    kw.setdefault("timeout", 1.0)
    kw.setdefault("notice_after", 0.3)
    return OpenAIChat("gpt-fault", api_key="k", base_url=srv.url, **kw)


async def collect(m: OpenAIChat) -> tuple[list, BaseException | None]:
    seen: list = []
    try:
        async for d in m.response_stream(HI):
            seen.append(d)
    except Exception as e:
        return seen, e
    return seen, None


async def test_a_silent_endpoint_is_asked_once_and_given_up_after_the_timeout():
    with FaultServer([Silent(), Silent(), Silent()]) as srv:
        m = model(srv)  # The default max_retries (2) must not re-send a silent request.
        start = anyio.current_time()
        with anyio.fail_after(10):
            seen, error = await collect(m)
        elapsed = anyio.current_time() - start
        await m.aclose()
    assert isinstance(error, ModelTimeoutError)
    assert "no answer within 1s from gpt-fault" in str(error)
    assert "not retried" in str(error)
    assert srv.requests == 1
    assert 0.9 < elapsed < 3.0
    notices = [d.text for d in seen if isinstance(d, ModelStatus)]
    assert notices and notices[0].startswith("Waiting for the model (gpt-fault)")


async def test_a_stream_stalled_mid_answer_ends_with_a_timeout_after_the_gap():
    with FaultServer([Stall(3)]) as srv:
        m = model(srv, timeout=30.0, stall_timeout=0.5, notice_after=10.0)
        start = anyio.current_time()
        with anyio.fail_after(10):
            seen, error = await collect(m)
        elapsed = anyio.current_time() - start
        await m.aclose()
    assert isinstance(error, ModelTimeoutError)
    assert "stalled: no data for 0.5s mid-answer" in str(error)
    assert [d.text for d in seen if isinstance(d, ModelTextDelta)] == ["one ", "two "]
    assert elapsed < 5.0
    assert srv.requests == 1


async def test_a_slow_but_alive_endpoint_gets_notices_and_its_answer():
    with FaultServer([Stall(1), MockReply(text="late but fine")]) as srv:
        # The first request stalls after the role chunk; a notice comes, then the timeout.
        m = model(srv, timeout=5.0, stall_timeout=0.9, notice_after=0.3)
        seen, error = await collect(m)
        assert isinstance(error, ModelTimeoutError)
        assert any(isinstance(d, ModelStatus) and "no new data" in d.text for d in seen)
        # The model (and its pooled client) stays usable.
        seen, error = await collect(m)
        await m.aclose()
    assert error is None
    assert "".join(d.text for d in seen if isinstance(d, ModelTextDelta)) == "late but fine"
    assert not any(isinstance(d, ModelStatus) for d in seen)


async def test_a_cut_stream_is_a_readable_response_error():
    with FaultServer([Cut(3)]) as srv:
        m = model(srv)
        seen, error = await collect(m)
        await m.aclose()
    assert isinstance(error, ModelResponseError)
    assert [d.text for d in seen if isinstance(d, ModelTextDelta)] == ["one ", "two "]


async def test_closing_the_stream_while_waiting_stops_at_once():
    with FaultServer([Silent()]) as srv:
        m = model(srv, timeout=30.0)
        agen = cast(AsyncGenerator, m.response_stream(HI))
        with anyio.fail_after(5):
            first = await agen.__anext__()  # The notice after 0.3 s of silence.
            assert isinstance(first, ModelStatus)
            start = anyio.current_time()
            await agen.aclose()
            assert anyio.current_time() - start < 1.0
        await m.aclose()


def test_the_watchdog_works_on_trio_too():
    import trio  # noqa: F401  (the test extra installs it: a missing trio fails, never skips)

    async def main() -> tuple[list, BaseException | None]:
        with FaultServer([Silent()]) as srv:
            m = model(srv)
            try:
                return await collect(m)
            finally:
                await m.aclose()

    seen, error = anyio.run(main, backend="trio")
    assert isinstance(error, ModelTimeoutError)
    assert any(isinstance(d, ModelStatus) for d in seen)
