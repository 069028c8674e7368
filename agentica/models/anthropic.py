"""``AnthropicChat``: Claude through Anthropic's own Messages API, streamed.

Needs the optional ``anthropic`` package (``pip install 'agentica[anthropic]'``), imported
on the first call only: ``import agentica`` and the other providers never load it.

It follows ``OpenAIChat`` (``agentica.models.openai``) point by point: one pooled client
per event loop (``_loop_clients``), the stream read under the same watchdog (``_watch``:
a first-chunk ``timeout``, a ``stall_timeout`` between chunks, "waiting for the model"
notices), the same typed errors (``_anthropic_errors``), and the same deltas: text,
thinking (extended thinking), complete tool calls (parallel ones one by one), usage
(cache reads in ``cached_tokens``, writes in ``cache_write_tokens``), finish. Anthropic
specifics:

* The system prompt and the last tool are prompt-cache breakpoints
  (``cache_control: ephemeral``), so a long agent loop pays for them once per 5 minutes.
* Extended thinking (``thinking={"type": "enabled", "budget_tokens": N}``, or just
  ``thinking=N``) streams as thinking deltas; the raw thinking blocks of each reply,
  with their signatures, are remembered by the model and sent back with that reply on
  later turns (``_anthropic_messages.ThinkingMemory``), as the API requires in a tool
  loop. A history whose last tool turn's blocks are unknown (loaded from elsewhere) is
  sent without thinking for that request, which the API accepts.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from typing import Any

from agentica.exceptions import AuthenticationError, ModelError, ModelResponseError, UserError
from agentica.messages import Message
from agentica.models._anthropic_errors import map_error
from agentica.models._anthropic_messages import ThinkingMemory, to_anthropic, tool_params
from agentica.models._anthropic_stream import StreamReader
from agentica.models._loop_clients import LoopClients
from agentica.models._openai_errors import watched
from agentica.models._openai_parts import httpx_module
from agentica.models.base import Model, ModelDelta, ModelFinish, ModelStatus, ModelUsage, ToolSpec
from agentica.models.presets import PRESETS, known_context_window

logger = logging.getLogger(__name__)

DEFAULT_MAX_TOKENS = 8192
"""Output tokens asked for when ``max_tokens`` is not given (plus the thinking budget)."""
HTTP_MARGIN = 5.0
"""Seconds the HTTP client's own read timeout exceeds the watchdog's limits."""


class AnthropicChat(Model):
    """A Claude model on Anthropic's Messages API (``ANTHROPIC_API_KEY``).

    Args:
        id: The model name (``claude-sonnet-4-5``, ...).
        api_key: The key; defaults to ``$ANTHROPIC_API_KEY``.
        base_url: The endpoint; defaults to ``$ANTHROPIC_BASE_URL``, else Anthropic's.
        max_tokens: The reply's output limit (default 8192, plus the thinking budget).
        thinking: Extended thinking: ``{"type": "enabled", "budget_tokens": N}`` (or the
            budget ``N`` alone), or any ``thinking`` value the API takes; None: off.
        temperature, top_p, top_k: Sampling parameters, sent when given.
        timeout, stall_timeout, notice_after, connect_timeout, max_retries,
        max_connections, http_client, context_window, supports_images, extra_body,
        extra_headers: As for ``agentica.models.openai.OpenAIChat`` (an ``http_client``
            must be of the HTTP library the installed ``anthropic`` uses).
    """

    provider_name = "anthropic"

    def __init__(
        self,
        id: str | None = None,  # noqa: A002  (as OpenAIChat)
        *,
        model: str | None = None,
        api_key: str | None = None,
        base_url: str | None = None,
        max_tokens: int | None = None,
        thinking: dict[str, Any] | int | None = None,
        temperature: float | None = None,
        top_p: float | None = None,
        top_k: int | None = None,
        timeout: float = 120.0,
        stall_timeout: float | None = None,
        notice_after: float = 5.0,
        connect_timeout: float = 10.0,
        max_retries: int = 2,
        max_connections: int = 20,
        http_client: Any = None,
        context_window: int | None = None,
        supports_images: bool = True,
        extra_body: dict[str, Any] | None = None,
        extra_headers: dict[str, str] | None = None,
    ) -> None:
        self.preset = PRESETS["anthropic"]
        self.id = id or model or self.preset.default_model
        self.name = self.id
        self.api_key = api_key
        self.base_url = self.preset.resolve_base_url(base_url)
        self.thinking: dict[str, Any] | None = None
        if isinstance(thinking, dict):
            self.thinking = dict(thinking)
        elif thinking:  # A budget alone.
            self.thinking = {"type": "enabled", "budget_tokens": int(thinking)}
        budget = int((self.thinking or {}).get("budget_tokens") or 0)
        self.max_tokens = max_tokens or DEFAULT_MAX_TOKENS + budget
        if budget and self.max_tokens <= budget:
            raise UserError(
                f"max_tokens ({self.max_tokens}) must exceed the thinking budget ({budget})"
            )
        self.temperature = temperature
        self.top_p = top_p
        self.top_k = top_k
        self.timeout = timeout
        self.stall_timeout = min(timeout, 60.0) if stall_timeout is None else stall_timeout
        self.notice_after = notice_after
        self.connect_timeout = connect_timeout
        self.max_retries = max_retries
        self.max_connections = max_connections
        self.context_window = context_window or known_context_window(self.id)
        self.supports_images = supports_images
        self.extra_body = dict(extra_body or {})
        self.extra_headers = dict(extra_headers or {})
        self.cache_creation_tokens = 0
        """Prompt tokens written to the cache so far, over every call of this model
        (Anthropic bills them above plain input; they are counted in ``input_tokens``)."""
        self.memory = ThinkingMemory()
        self._given_http_client = http_client
        self._clients = LoopClients(self._make_client)

    def __repr__(self) -> str:
        return f"AnthropicChat(id={self.id!r})"

    # --- client ------------------------------------------------------------------------

    def _make_client(self) -> tuple[Any, Any]:
        """A new ``AsyncAnthropic`` and the pooled HTTP client we own (None when given)."""
        key = self.preset.resolve_api_key(self.api_key)
        if key is None:
            if not self.base_url:
                raise AuthenticationError(
                    "no API key for Anthropic: set ANTHROPIC_API_KEY (or pass api_key=...)",
                    model=self.id,
                )
            key = "not-needed"  # A proxy of our own; the client requires some key.
        import anthropic

        httpx_mod = httpx_module(anthropic)
        # The watchdog gives up first: a read timeout of the client would be retried.
        http_wait = max(self.timeout, self.stall_timeout) + HTTP_MARGIN
        http_timeout = httpx_mod.Timeout(http_wait, connect=self.connect_timeout)
        http_client = self._given_http_client
        owned = None
        if http_client is None:
            http_client = owned = anthropic.DefaultAsyncHttpxClient(
                timeout=http_timeout,
                limits=httpx_mod.Limits(
                    max_connections=self.max_connections,
                    max_keepalive_connections=self.max_connections,
                ),
            )
        client = anthropic.AsyncAnthropic(
            api_key=key,
            base_url=self.base_url,
            timeout=http_timeout,
            max_retries=self.max_retries,
            http_client=http_client,
        )
        return client, owned

    async def _get_client(self) -> Any:
        try:
            return await self._clients.get()
        except ModelError:
            raise
        except Exception as e:
            raise self._map_error(e) from e

    async def aclose(self) -> None:
        """Close the running loop's pooled HTTP client (a client passed in stays open)."""
        await self._clients.aclose_current()

    # --- request -----------------------------------------------------------------------

    def build_request(
        self, messages: Sequence[Message], tools: Sequence[ToolSpec] = ()
    ) -> dict[str, Any]:
        """The keyword arguments of ``messages.create`` for one streamed call."""
        system, body, complete = to_anthropic(
            messages, images=self.supports_images, memory=self.memory
        )
        kwargs: dict[str, Any] = {
            "model": self.id,
            "max_tokens": self.max_tokens,
            "messages": body,
            "stream": True,
        }
        if system:
            kwargs["system"] = system
        if tools:
            kwargs["tools"] = tool_params(tools)
        if self.thinking is not None:
            if complete:
                kwargs["thinking"] = self.thinking
            else:
                logger.debug("%s: thinking left out (the tool turn's blocks are unknown)", self.id)
        for key in ("temperature", "top_p", "top_k"):
            value = getattr(self, key)
            if value is not None:
                kwargs[key] = value
        if self.extra_body:
            kwargs["extra_body"] = self.extra_body
        if self.extra_headers:
            kwargs["extra_headers"] = self.extra_headers
        return kwargs

    # --- streaming ---------------------------------------------------------------------

    async def response_stream(
        self,
        messages: Sequence[Message],
        tools: Sequence[ToolSpec] = (),
        *,
        output_schema: dict[str, Any] | None = None,
    ) -> AsyncIterator[ModelDelta]:
        """Stream one reply: thinking, text, complete tool calls, usage, finish."""
        if output_schema is not None:
            raise UserError("AnthropicChat has no native JSON-schema output (a tool is used)")
        logger.debug("messages: model=%s messages=%d tools=%d", self.id, len(messages), len(tools))
        client = await self._get_client()
        request = self.build_request(messages, tools)

        async def open_stream() -> Any:
            return await client.messages.create(**request)

        reader = StreamReader()
        feed = reader.feed
        received = False
        chunks = watched(
            open_stream, model=self.id, where=self.base_url or "api.anthropic.com",
            timeout=self.timeout, stall_timeout=self.stall_timeout,
            notice_after=self.notice_after,
        )  # fmt: skip
        try:
            async for event in chunks:
                if isinstance(event, ModelStatus):
                    yield event
                    continue
                received = True
                delta = feed(event)
                if delta is not None:
                    yield delta
        except ModelError:
            raise
        except Exception as e:  # Every transport failure becomes a ModelError.
            raise self._map_error(e, mid_stream=received) from e
        finally:
            await chunks.aclose()  # Stops the reader and closes the HTTP response.
        if not reader.complete:
            raise ModelResponseError(
                "the stream ended before the model finished its answer (no message_stop)",
                model=self.id,
            )
        self.memory.remember(reader.key(), reader.kept)
        self.cache_creation_tokens += reader.cache_creation_tokens
        yield ModelUsage(usage=reader.usage())
        yield ModelFinish(reason=reader.finish_reason())

    # --- errors ------------------------------------------------------------------------

    def _map_error(self, e: BaseException, *, mid_stream: bool = False) -> ModelError:
        """Translate an ``anthropic``/HTTP error into agentica's error tree."""
        return map_error(
            e, model=self.id, where=self.base_url or "api.anthropic.com",
            timeout=self.timeout, key_envs=self.preset.key_envs, mid_stream=mid_stream,
        )  # fmt: skip


__all__ = ["DEFAULT_MAX_TOKENS", "AnthropicChat"]
