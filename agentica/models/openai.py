"""``OpenAIChat``: any OpenAI-compatible Chat Completions endpoint, streamed.

Design notes:

* One ``openai.AsyncOpenAI`` per model instance *and event loop*, created lazily on the
  first call, over one pooled HTTP client with explicit limits and timeouts. A pool is
  bound to its loop, and each ``run_sync()`` runs on a fresh loop, so pools are kept per
  loop and closed with it (``_loop_clients``); ``aclose()`` releases the current one.
  The ``openai`` package itself is imported on first use, so merely naming a model (or
  importing the registry) stays cheap.
* Replies are always streamed. Tool-call arguments arrive in pieces keyed by ``index``;
  they are assembled here and each call is yielded complete when the next one starts or
  the stream ends. ``reasoning_content`` (DeepSeek, Qwen, vLLM) or ``reasoning``
  (OpenRouter, Ollama) deltas become thinking.
* Vendor errors are translated in one place, ``_openai_errors.map_error``; the client's
  own retries (``max_retries``) handle 429 and 5xx before we see them.
* A silent endpoint is caught by a watchdog (``_watch``), not by the HTTP client's read
  timeout, which the client would retry (three silent waits in a row). The first chunk
  must come within ``timeout`` of the request (retries included), then no gap between
  chunks may exceed ``stall_timeout``; either ends the call with ``ModelTimeoutError``,
  never retried. After ``notice_after`` seconds of silence the stream yields a
  ``ModelStatus`` ("waiting for the model"), which the user sees as thinking.
* ``api="responses"``: the Responses API (``_responses_call``), same client and errors.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from typing import Any

from agentica.events import Usage
from agentica.exceptions import ModelError, ModelResponseError, UserError
from agentica.messages import Message
from agentica.models._loop_clients import LoopClients
from agentica.models._openai_client import make_client
from agentica.models._openai_errors import map_error, watched
from agentica.models._openai_parts import ToolCallAssembler, reasoning_text, usage_from
from agentica.models._openai_request import create_arguments, request_body
from agentica.models._responses_call import check_api, responses_request, stream_responses
from agentica.models._responses_parts import ReasoningMemo
from agentica.models.base import (
    FinishReason,
    Model,
    ModelDelta,
    ModelFinish,
    ModelStatus,
    ModelTextDelta,
    ModelThinkingDelta,
    ModelToolCall,
    ModelUsage,
    ToolSpec,
)
from agentica.models.presets import (
    PRESETS,
    Preset,
    find_preset,
    known_context_window,
    known_reasoning_effort,
    known_supports_images,
)
from agentica.models.pricing import as_prices

logger = logging.getLogger(__name__)

_FINISH: dict[str, FinishReason] = {
    "stop": "stop",
    "tool_calls": "tool_calls",
    "function_call": "tool_calls",
    "length": "length",
    "content_filter": "content_filter",
}


class OpenAIChat(Model):
    """A model behind an OpenAI-compatible Chat Completions endpoint.

    Args:
        id: The model name (``gpt-4o-mini``, ``deepseek-chat``, ...).
        provider: A preset name (``deepseek``, ``ollama``, ...) supplying base URL and key
            variable; defaults to ``openai`` (``OPENAI_API_KEY``, ``OPENAI_BASE_URL``).
        api_key: The key; defaults to the preset's environment variable.
        base_url: The endpoint; defaults to the preset's (or its ``*_BASE_URL`` variable).
        timeout: Seconds to wait for the first chunk of a reply (default 120): the whole
            wait of a call that gets no answer, the client's retries included. A silent
            endpoint fails with ``ModelTimeoutError`` then; it is not asked again.
        stall_timeout: Seconds a reply may pause between two chunks once it streams
            (default: ``timeout``, at most 60); a longer pause is a ``ModelTimeoutError``.
        notice_after: Seconds of silence after which the stream yields a ``ModelStatus``
            saying it waits for the model (default 5; repeated every three times that).
        connect_timeout: Seconds to wait for a connection.
        max_retries: Retries of the client for connection errors, 429 and 5xx (never for
            a silent endpoint: see ``timeout``).
        max_connections: Size of the connection pool.
        http_client: Use this HTTP client instead of a pooled one we own (tests pass an
            ``httpx.AsyncClient`` over ``agentica.testing.OpenAIMock``).
        temperature, top_p, max_tokens: Sampling parameters, sent when given.
        context_window: The model's context size in tokens (known models are looked up).
        supports_images: Whether user images are sent (else replaced by a note).
        send_reasoning: Send earlier assistant reasoning back as ``reasoning_content``
            (off by default: deepseek-reasoner rejects it in the input).
        stream_usage: Ask for usage in the stream (``stream_options.include_usage``).
        extra_body: Extra JSON fields for every request (provider options).
        extra_headers: Extra HTTP headers for every request.
        reasoning_effort: ``low``/``medium``/``high`` for reasoning models (``o3``,
            ``gpt-5``), sent as ``reasoning_effort`` when set.
        supports_reasoning_effort: Whether the model takes it (default: judged from the
            name, ``agentica.models.presets.known_reasoning_effort``).
        prices: ``(input, output[, cached_input])`` US dollars per million tokens, to
            price each call (default: known list prices, ``agentica.models.pricing``).
        api: ``"chat"`` (Chat Completions) or ``"responses"`` (the Responses API,
            ``responses.create``; see ``agentica.models.openai_responses``).
    """

    provider_name: str = "openai"
    """The preset a subclass (``DeepSeekChat``) uses when ``provider`` is not given."""

    def __init__(
        self,
        id: str | None = None,  # noqa: A002  (agentica 1.5 spelling)
        *,
        model: str | None = None,
        provider: str | None = None,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: float = 120.0,
        stall_timeout: float | None = None,
        notice_after: float = 5.0,
        connect_timeout: float = 10.0,
        max_retries: int = 2,
        max_connections: int = 20,
        http_client: Any = None,
        temperature: float | None = None,
        top_p: float | None = None,
        max_tokens: int | None = None,
        context_window: int | None = None,
        supports_images: bool | None = None,
        send_reasoning: bool = False,
        stream_usage: bool | None = None,
        extra_body: dict[str, Any] | None = None,
        extra_headers: dict[str, str] | None = None,
        reasoning_effort: str | None = None,
        supports_reasoning_effort: bool | None = None,
        prices: tuple[float, ...] | None = None,
        api: str = "chat",
    ) -> None:
        preset = find_preset(provider or self.provider_name)
        if preset is None or preset.name == "anthropic":
            raise UserError(
                "Anthropic's API is not OpenAI-compatible here: use AnthropicChat" if preset
                else f"unknown provider {provider!r}; known providers: {', '.join(sorted(PRESETS))}"
            )  # fmt: skip
        self.preset: Preset = preset
        self.name = self.id = id or model or preset.default_model
        self.api_key, self.base_url = api_key, preset.resolve_base_url(base_url)
        self.timeout, self.notice_after = timeout, notice_after
        self.stall_timeout = min(timeout, 60.0) if stall_timeout is None else stall_timeout
        self.connect_timeout, self.max_retries = connect_timeout, max_retries
        self.max_connections = max_connections
        self.temperature, self.top_p, self.max_tokens = temperature, top_p, max_tokens
        self.context_window = context_window or known_context_window(self.id)
        self.supports_images = (
            known_supports_images(self.id) if supports_images is None else supports_images
        )
        self.send_reasoning, self.reasoning_effort = send_reasoning, reasoning_effort
        self.supports_reasoning_effort = (
            known_reasoning_effort(self.id) if supports_reasoning_effort is None
            else supports_reasoning_effort
        )  # fmt: skip
        self.stream_usage = preset.stream_usage if stream_usage is None else stream_usage
        self.extra_body, self.extra_headers = dict(extra_body or {}), dict(extra_headers or {})
        # JSON-schema output (``response_format``): OpenAI's own API and vLLM take it.
        url = self.base_url or "api.openai.com"
        official = preset.name == "openai" and "api.openai.com" in url
        self.supports_json_schema = official or preset.name == "vllm"
        self.prices, self.api = None if prices is None else as_prices(prices), check_api(api)
        self.reasoning_summary: str | None = "auto"  # Responses API: thoughts to show.
        self.reasoning_memo = ReasoningMemo()  # Responses API: reasoning to send back.
        self._given_http_client = http_client
        self._clients = LoopClients(self._make_client)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(id={self.id!r}, provider={self.preset.name!r})"

    # --- client ------------------------------------------------------------------------

    def _make_client(self) -> tuple[Any, Any]:
        """A new ``AsyncOpenAI`` and the pooled HTTP client we own (None when given one)."""
        return make_client(
            self.preset, model=self.id, api_key=self.api_key, base_url=self.base_url,
            timeout=self.timeout, stall_timeout=self.stall_timeout,
            connect_timeout=self.connect_timeout, max_retries=self.max_retries,
            max_connections=self.max_connections, http_client=self._given_http_client,
        )  # fmt: skip

    async def _get_client(self) -> Any:
        """The ``AsyncOpenAI`` of the running event loop (pooled; one per loop)."""
        return await self._clients.get()

    async def _get_client_mapped(self) -> Any:
        """``_get_client()`` with its failures as ``ModelError``s."""
        try:
            return await self._get_client()
        except ModelError:
            raise
        except Exception as e:
            raise self._map_error(e) from e

    async def aclose(self) -> None:
        """Close the running loop's pooled HTTP client (a client passed in stays open).

        Pools opened on other event loops are closed by those loops as they shut down.
        """
        await self._clients.aclose_current()

    # --- request -----------------------------------------------------------------------

    def build_request(
        self, messages: Sequence[Message], tools: Sequence[ToolSpec] = ()
    ) -> dict[str, Any]:
        """The keyword arguments of ``chat.completions.create`` (or ``responses.create``)."""
        if self.api == "responses":
            return responses_request(self, messages, tools)
        return request_body(
            self.id, messages, tools, images=self.supports_images,
            reasoning=self.send_reasoning, stream_usage=bool(self.stream_usage),
            sampling={"temperature": self.temperature, "top_p": self.top_p,
                      "max_tokens": self.max_tokens},
            extra_body=({"reasoning_effort": self.reasoning_effort, **self.extra_body}
                        if self.reasoning_effort else self.extra_body),
            extra_headers=self.extra_headers,
        )  # fmt: skip

    # --- streaming ---------------------------------------------------------------------

    async def response_stream(
        self,
        messages: Sequence[Message],
        tools: Sequence[ToolSpec] = (),
        *,
        output_schema: dict[str, Any] | None = None,
    ) -> AsyncIterator[ModelDelta]:
        """Stream one reply: thinking, text, complete tool calls, usage, finish.

        ``output_schema`` asks for a final answer matching it (``response_format``).
        """

        logger.debug(
            "%s: model=%s messages=%d tools=%d", self.api, self.id, len(messages), len(tools)
        )
        client = await self._get_client_mapped()
        if self.api == "responses":
            async for item in stream_responses(self, client, messages, tools, output_schema):
                yield item
            return
        request = self.build_request(messages, tools)
        if output_schema is not None:
            request["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "answer", "schema": output_schema},
            }
        request = create_arguments(request)

        async def open_stream() -> Any:
            return await client.chat.completions.create(**request)

        calls = ToolCallAssembler()
        finish: str | None = None
        usage: Usage | None = None
        received = refused = False
        chunks = watched(
            open_stream, model=self.id, where=self.base_url or "api.openai.com",
            timeout=self.timeout, stall_timeout=self.stall_timeout,
            notice_after=self.notice_after,
        )  # fmt: skip
        try:
            async for chunk in chunks:
                if isinstance(chunk, ModelStatus):
                    yield chunk
                    continue
                received = True
                if getattr(chunk, "usage", None):
                    usage = usage_from(chunk.usage)
                if not chunk.choices:
                    continue
                choice = chunk.choices[0]
                delta = choice.delta
                if delta is not None:
                    thinking = reasoning_text(delta)
                    if thinking:
                        yield ModelThinkingDelta(text=thinking)
                    if delta.content:
                        yield ModelTextDelta(text=delta.content)
                    refusal = getattr(delta, "refusal", None)
                    if refusal:
                        # The model declined: its explanation is what the user sees.
                        refused = True
                        yield ModelTextDelta(text=refusal)
                    for piece in delta.tool_calls or ():
                        for call in calls.add(piece):
                            yield ModelToolCall(call=call)
                if choice.finish_reason:
                    finish = choice.finish_reason
        except ModelError:
            raise
        except Exception as e:  # Every transport failure becomes a ModelError.
            raise self._map_error(e, mid_stream=received) from e
        finally:
            await chunks.aclose()  # Stops the reader and closes the HTTP response.
        if finish is None:
            raise ModelResponseError(
                "the stream ended before the model finished its answer (no finish_reason)",
                model=self.id,
            )
        completed = calls.flush()
        for call in completed:
            yield ModelToolCall(call=call)
        yield ModelUsage(usage=usage or Usage(requests=1))
        reason = _FINISH.get(finish, "stop")
        if calls.count and reason == "stop":
            reason = "tool_calls"
        elif refused and reason == "stop":
            reason = "content_filter"
        yield ModelFinish(reason=reason)

    # --- errors ------------------------------------------------------------------------

    def _map_error(self, e: BaseException, *, mid_stream: bool = False) -> ModelError:
        """Translate an ``openai``/HTTP error into agentica's error tree."""
        where = self.base_url or "api.openai.com"
        return map_error(
            e, model=self.id, where=where, timeout=self.timeout,
            key_envs=self.preset.key_envs, mid_stream=mid_stream,
        )  # fmt: skip


class DeepSeekChat(OpenAIChat):
    """DeepSeek (``DEEPSEEK_API_KEY``, https://api.deepseek.com); default ``deepseek-chat``."""

    provider_name = "deepseek"


class MoonshotChat(OpenAIChat):
    """Moonshot / Kimi (``MOONSHOT_API_KEY``)."""

    provider_name = "moonshot"


class QwenChat(OpenAIChat):
    """Qwen on DashScope's compatible mode (``DASHSCOPE_API_KEY``)."""

    provider_name = "qwen"


class ZhipuAIChat(OpenAIChat):
    """Zhipu GLM (``ZAI_API_KEY`` or ``ZHIPUAI_API_KEY``)."""

    provider_name = "zhipu"


class OpenRouterChat(OpenAIChat):
    """OpenRouter (``OPENROUTER_API_KEY``); model names like ``anthropic/claude-sonnet-4``."""

    provider_name = "openrouter"


class OllamaChat(OpenAIChat):
    """A local Ollama server (no key, ``OLLAMA_BASE_URL`` or http://localhost:11434/v1)."""

    provider_name = "ollama"


class VLLMChat(OpenAIChat):
    """A vLLM server (``VLLM_BASE_URL`` or http://localhost:8000/v1)."""

    provider_name = "vllm"


class LMStudioChat(OpenAIChat):
    """LM Studio's local server (http://localhost:1234/v1)."""

    provider_name = "lmstudio"


__all__ = [
    "DeepSeekChat", "LMStudioChat", "MoonshotChat", "OllamaChat", "OpenAIChat", "OpenRouterChat",
    "QwenChat", "VLLMChat", "ZhipuAIChat",
]  # fmt: skip
