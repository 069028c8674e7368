"""A rehearsal of an ``OpenAIChat``'s first request, offline, to warm the client up."""

from __future__ import annotations

import logging
import sys
from typing import Any

from agentica.messages import Message
from agentica.models._openai_parts import httpx_module
from agentica.models.base import ToolSpec
from agentica.models.openai import OpenAIChat

logger = logging.getLogger(__name__)

_REHEARSAL_CHUNKS = (
    {"delta": {"role": "assistant", "content": "ok", "reasoning_content": "."}},
    {"delta": {"tool_calls": [{"index": 0, "id": "c1", "type": "function",
                               "function": {"name": "t", "arguments": "{}"}}]}},
    {"delta": {}, "finish_reason": "tool_calls"},
)  # fmt: skip


def _in_event_loop() -> bool:
    """Whether this thread runs an event loop (asyncio's or trio's)."""
    import asyncio

    try:
        asyncio.get_running_loop()
        return True
    except RuntimeError:
        pass
    trio = sys.modules.get("trio")
    if trio is None:
        return False
    try:
        trio.lowlevel.current_task()
        return True
    except RuntimeError:
        return False


def rehearse_first_request() -> None:
    """Stream one reply from an in-memory endpoint (no network), to warm the client up.

    The ``openai`` client builds much on its first request: the request's type hints,
    the pydantic models of streamed chunks, deltas, tool calls and usage (tens of ms).
    A server calls this in the background before its user's first prompt. Blocking (it
    runs its own event loop: call it from a thread; in a thread running an event loop it
    does nothing); never raises.
    """
    if _in_event_loop():
        return  # It would block the loop.
    try:
        import asyncio
        import json

        import openai

        httpx = httpx_module(openai)
        base = {"id": "r", "object": "chat.completion.chunk", "created": 0, "model": "r"}
        events = [{**base, "choices": [{"index": 0, **c}]} for c in _REHEARSAL_CHUNKS]
        events.append({**base, "choices": [], "usage": {"prompt_tokens": 1,
                       "completion_tokens": 1, "total_tokens": 2}})  # fmt: skip
        body = "".join(f"data: {json.dumps(e)}\n\n" for e in events) + "data: [DONE]\n\n"

        def answer(request: Any) -> Any:
            return httpx.Response(
                200, headers={"content-type": "text/event-stream"}, content=body.encode()
            )

        tool = ToolSpec(name="t", description="t", parameters={"type": "object"})

        async def rehearse() -> None:
            async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as http:
                model = OpenAIChat(
                    "rehearsal", base_url="http://rehearsal.invalid/v1", api_key="-",
                    http_client=http, max_retries=0, stream_usage=True,
                )  # fmt: skip
                async for _ in model.response_stream([Message.user("hi")], [tool]):
                    pass
                await model.aclose()

        asyncio.run(rehearse())
    except Exception as e:  # Only slower: the first real request does the work.
        logger.debug("rehearsal of the first request failed: %s", e)


__all__ = ["rehearse_first_request"]
