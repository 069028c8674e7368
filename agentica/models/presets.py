"""Named presets for OpenAI-compatible endpoints: base URL, key variable, defaults.

A preset is chosen by the provider prefix of a model string (``deepseek/deepseek-chat``)
or by a factory (``DeepSeekChat()``). This module imports no vendor library, so looking
a preset up costs nothing.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # At run time through ``__getattr__`` (see there).
    from agentica.models.pricing import PRICES, Prices, known_prices


@dataclass(frozen=True, slots=True, kw_only=True)
class Preset:
    """How to reach one provider's OpenAI-compatible endpoint.

    Attributes:
        name: The provider prefix (``deepseek``).
        base_url: Default endpoint (``None``: the openai library's default).
        key_envs: Environment variables holding the API key, in order of preference.
        base_url_env: Environment variable overriding ``base_url``.
        default_model: The model used when only the provider is named.
        needs_key: Whether calls fail without a key (local servers need none).
        stream_usage: Whether to ask for usage in the stream (``stream_options``).
        aliases: Other prefixes naming this provider.
    """

    name: str
    base_url: str | None
    key_envs: tuple[str, ...]
    base_url_env: str | None
    default_model: str
    needs_key: bool = True
    stream_usage: bool = True
    aliases: tuple[str, ...] = ()

    def resolve_base_url(self, base_url: str | None = None) -> str | None:
        """The explicit ``base_url``, else the env override, else the preset's default."""
        if base_url:
            return base_url
        if self.base_url_env and os.environ.get(self.base_url_env):
            return os.environ[self.base_url_env]
        return self.base_url

    def resolve_api_key(self, api_key: str | None = None) -> str | None:
        """The explicit ``api_key``, else the first key variable that is set."""
        if api_key:
            return api_key
        for env in self.key_envs:
            if os.environ.get(env):
                return os.environ[env]
        return None


PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        Preset(
            name="openai",
            base_url=None,
            key_envs=("OPENAI_API_KEY",),
            base_url_env="OPENAI_BASE_URL",
            default_model="gpt-4o-mini",
        ),
        Preset(
            name="deepseek",
            base_url="https://api.deepseek.com",
            key_envs=("DEEPSEEK_API_KEY",),
            base_url_env="DEEPSEEK_BASE_URL",
            default_model="deepseek-chat",
        ),
        Preset(
            name="moonshot",
            base_url="https://api.moonshot.cn/v1",
            key_envs=("MOONSHOT_API_KEY",),
            base_url_env="MOONSHOT_BASE_URL",
            default_model="kimi-k2-0905-preview",
            aliases=("kimi",),
        ),
        Preset(
            name="qwen",
            base_url="https://dashscope.aliyuncs.com/compatible-mode/v1",
            key_envs=("DASHSCOPE_API_KEY",),
            base_url_env="DASHSCOPE_BASE_URL",
            default_model="qwen-plus",
            aliases=("dashscope",),
        ),
        Preset(
            name="zhipu",
            base_url="https://open.bigmodel.cn/api/paas/v4",
            key_envs=("ZAI_API_KEY", "ZHIPUAI_API_KEY"),
            base_url_env="ZAI_BASE_URL",
            default_model="glm-4.6",
            aliases=("zai", "zhipuai"),
        ),
        Preset(
            name="openrouter",
            base_url="https://openrouter.ai/api/v1",
            key_envs=("OPENROUTER_API_KEY",),
            base_url_env="OPENROUTER_BASE_URL",
            default_model="openai/gpt-4o-mini",
        ),
        # Anthropic's own Messages API: ``AnthropicChat`` (agentica.models.anthropic), not
        # an OpenAI-compatible endpoint; ``get_model("anthropic/...")`` routes there.
        Preset(
            name="anthropic",
            base_url=None,
            key_envs=("ANTHROPIC_API_KEY",),
            base_url_env="ANTHROPIC_BASE_URL",
            default_model="claude-sonnet-4-5",
        ),
        Preset(
            name="ollama",
            base_url="http://localhost:11434/v1",
            key_envs=("OLLAMA_API_KEY",),
            base_url_env="OLLAMA_BASE_URL",
            default_model="llama3.1",
            needs_key=False,
        ),
        Preset(
            name="vllm",
            base_url="http://localhost:8000/v1",
            key_envs=("VLLM_API_KEY",),
            base_url_env="VLLM_BASE_URL",
            default_model="default",
            needs_key=False,
        ),
        Preset(
            name="lmstudio",
            base_url="http://localhost:1234/v1",
            key_envs=("LMSTUDIO_API_KEY",),
            base_url_env="LMSTUDIO_BASE_URL",
            default_model="default",
            needs_key=False,
        ),
    )
}

_BY_PREFIX: dict[str, Preset] = {
    prefix: p for p in PRESETS.values() for prefix in (p.name, *p.aliases)
}

CONTEXT_WINDOWS: dict[str, int] = {
    "gpt-4o": 128_000,
    "gpt-4.1": 1_047_576,
    "gpt-5": 400_000,
    "o3": 200_000,
    "o4-mini": 200_000,
    "deepseek-chat": 128_000,
    "deepseek-reasoner": 128_000,
    "kimi-k2": 262_144,
    "moonshot-v1-128k": 131_072,
    "qwen-plus": 131_072,
    "qwen-max": 32_768,
    "qwen3": 131_072,
    "glm-4.6": 200_000,
    "glm-4.5": 131_072,
    "claude": 200_000,
}
"""Known context windows by model-name prefix (the longest matching prefix wins)."""


REASONING_EFFORT_PREFIXES: tuple[str, ...] = ("o1", "o3", "o4-mini", "gpt-5")
"""Model names (prefixes) that take ``reasoning_effort`` (low / medium / high)."""
_NO_REASONING_EFFORT: tuple[str, ...] = ("o1-mini", "o1-preview", "gpt-5-chat")
"""Exceptions among them: OpenAI's older previews and the non-reasoning chat model."""


VISION_HINTS: tuple[str, ...] = (
    "vision", "-vl", "vl-", "omni", "llava", "pixtral", "gpt-4o", "gpt-4.1", "gpt-5", "o3",
    "o4-", "claude", "gemini", "glm-4v", "glm-4.1v", "glm-4.5v", "kimi-latest", "gemma3",
    "minicpm-v", "qvq",
)
"""Name fragments of models known to accept images (DeepSeek chat, GLM-4.6 and others don't)."""


def known_supports_images(model: str) -> bool:
    """Whether a model takes images, judged from its name (text-only when unknown).

    A wrong "yes" makes the editor offer image prompts the endpoint then rejects, so an
    unknown model is treated as text-only; ``OpenAIChat(supports_images=True)`` overrides.
    """
    name = model.rsplit("/", 1)[-1].lower()
    return any(hint in name for hint in VISION_HINTS)


def known_reasoning_effort(model: str) -> bool:
    """Whether a model takes ``reasoning_effort``, judged from its name (OpenAI's reasoning
    models, also through a router: ``openai/o3``); DeepSeek's reasoner and others don't."""
    name = model.rsplit("/", 1)[-1].lower()
    if name.startswith(_NO_REASONING_EFFORT):
        return False
    return any(name == p or name.startswith(p + "-") for p in REASONING_EFFORT_PREFIXES)


def __getattr__(name: str) -> Any:
    """``PRICES``, ``Prices`` and ``known_prices``, which live in ``pricing`` (with the cost
    formula): named here too, as before, but imported on use, since the ACP server loads
    this module alone, with the standard library only, before it answers ``initialize``."""
    if name in ("PRICES", "Prices", "known_prices"):
        from agentica.models import pricing

        return getattr(pricing, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def find_preset(prefix: str) -> Preset | None:
    """The preset named by a provider prefix or alias (``kimi`` -> moonshot)."""
    return _BY_PREFIX.get(prefix)


def provider_prefixes() -> list[str]:
    """Every accepted provider prefix, sorted."""
    return sorted(_BY_PREFIX)


def known_context_window(model: str) -> int | None:
    """The context window of a well-known model, by the longest matching name prefix."""
    name = model.rsplit("/", 1)[-1]
    best = max((k for k in CONTEXT_WINDOWS if name.startswith(k)), key=len, default=None)
    return CONTEXT_WINDOWS[best] if best else None


__all__ = [
    "CONTEXT_WINDOWS",
    "PRESETS",
    "PRICES",
    "REASONING_EFFORT_PREFIXES",
    "VISION_HINTS",
    "Preset",
    "Prices",
    "find_preset",
    "known_context_window",
    "known_prices",
    "known_reasoning_effort",
    "known_supports_images",
    "provider_prefixes",
]
