"""Model strings to models: ``get_model("deepseek/deepseek-chat")``.

Accepted specs:

* ``None`` or ``"demo"``: the offline demo model (no key, no network).
* ``"provider/model"``: an OpenAI-compatible preset (``deepseek/deepseek-chat``,
  ``ollama/llama3.1``, ``openrouter/anthropic/claude-sonnet-4``); a provider alone
  (``"deepseek"``) picks its default model.
* a bare name (``"gpt-4o-mini"``): ``OpenAIChat`` with ``OPENAI_BASE_URL`` and
  ``OPENAI_API_KEY``; so is a name with a slash whose prefix is no provider
  (``"Qwen/Qwen2.5-7B-Instruct"`` served by vLLM) when ``OPENAI_BASE_URL`` is set.
* ``"anthropic/<model>"`` (``anthropic/claude-sonnet-4-5``): ``AnthropicChat`` on
  Anthropic's own Messages API (``ANTHROPIC_API_KEY``, ``ANTHROPIC_BASE_URL``).
* a ``Model`` instance: returned as is.
* ``"...?api=responses"`` after any OpenAI-compatible spec: the Responses API
  (``openai/gpt-5?api=responses``; same as ``get_model("openai/gpt-5", api="responses")``).
* a list of specs or models, or specs joined by commas (``"openai/gpt-5,deepseek"``): the
  first with the others as fallbacks (``agentica.models.fallback``).

Nothing here imports ``openai`` or ``anthropic``; each is loaded when one of its models
is first called.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from typing import Any

from agentica.exceptions import UserError
from agentica.models.base import Model
from agentica.models.presets import PRESETS, Preset, find_preset, provider_prefixes

logger = logging.getLogger("agentica.agent")

DEMO_NAMES = frozenset({"demo", "offline", "demo/demo"})


def default_model_spec(environ: Mapping[str, str] | None = None) -> str:
    """The model spec used when none is given (by ``Agent()`` and the ACP server).

    ``$AGENTICA_MODEL`` when set; else, with ``$OPENAI_API_KEY`` set, the ``openai``
    preset's default model (on ``$OPENAI_BASE_URL`` when that is set); else ``"demo"``.
    """
    env = os.environ if environ is None else environ
    spec = (env.get("AGENTICA_MODEL") or "").strip()
    if spec:
        return spec
    if env.get("OPENAI_API_KEY"):
        return f"openai/{PRESETS['openai'].default_model}"
    return "demo"


def get_default_model(agent_name: str | None = None) -> Model:
    """The model of an ``Agent()`` given none (``default_model_spec()``), with a logged
    warning when that is the offline demo."""
    spec = default_model_spec()
    if is_demo_spec(spec):
        logger.warning(
            "Agent %r has no model and neither AGENTICA_MODEL nor OPENAI_API_KEY is set: "
            "using the offline demo model (pass model=..., e.g. 'deepseek/deepseek-chat', "
            "or set AGENTICA_MODEL)",
            agent_name or "agent",
        )
    return get_model(spec)


def is_demo_spec(spec: str) -> bool:
    """Whether ``get_model(spec)`` gives the offline demo model."""
    spec = spec.strip()
    return spec.lower() in DEMO_NAMES or spec.startswith("demo/")


def get_model(
    spec: str | Model | Sequence[str | Model] | None = None,
    *,
    env_overrides: Mapping[str, str] | None = None,
    **options: Any,
) -> Model:
    """Resolve a model spec (see the module docstring) to a ``Model``.

    Args:
        spec: ``None``, ``"demo"``, ``"provider/model"``, a bare model name or a ``Model``;
            a list of them (or specs joined by commas) for a model with fallbacks.
        env_overrides: Values of the preset's key and base-URL variables
            (``OPENAI_API_KEY``, ``DEEPSEEK_BASE_URL``, ...) that take precedence over
            ``os.environ``, passed to the model as ``api_key`` / ``base_url``. Unlike
            exporting them, child processes (a tool's commands) never see them.
        **options: Extra keyword arguments for ``OpenAIChat`` (``api_key``, ``base_url``,
            ``api="responses"`` for an ``OpenAIResponses``,
            ``temperature``, ...); ignored for a ``Model`` instance.

    Raises:
        UserError: For an unknown provider prefix or an empty name.
    """
    if isinstance(spec, Model):
        return spec
    if isinstance(spec, str) and "," in spec:
        spec = [s for s in spec.split(",") if s.strip()]
    if isinstance(spec, Sequence) and not isinstance(spec, str):
        from agentica.models.fallback import FallbackModel

        models = [get_model(s, env_overrides=env_overrides, **options) for s in spec]
        return models[0] if len(models) == 1 else FallbackModel(models)
    if spec is not None and not isinstance(spec, str):
        raise UserError(f"a model must be a Model, a string or None, got {spec!r}")
    spec = (spec or "demo").strip()
    if "?" in spec:
        spec, options = _query_options(spec, options)
    if not spec:
        raise UserError("the model name is empty; use e.g. 'demo' or 'deepseek/deepseek-chat'")
    if is_demo_spec(spec):
        from agentica.models.demo import DemoModel

        return DemoModel()
    if spec.split("/", 1)[0] == "anthropic":  # Anthropic's own API, not OpenAI-compatible.
        return _anthropic(spec, options, env_overrides)
    from agentica.models.openai import OpenAIChat

    cls: type[OpenAIChat] = OpenAIChat
    if options.get("api") == "responses":
        from agentica.models.openai_responses import OpenAIResponses

        cls = OpenAIResponses
    if "/" not in spec:
        preset = find_preset(spec)
        if preset is not None:
            options = _with_overrides(preset, options, env_overrides)
            return cls(preset.default_model, provider=preset.name, **options)
        options = _with_overrides(PRESETS["openai"], options, env_overrides)
        return cls(spec, provider="openai", **options)
    prefix, name = spec.split("/", 1)
    preset = find_preset(prefix)
    if preset is None and _custom_endpoint(options, env_overrides):
        # A Hugging Face style id ("Qwen/Qwen2.5-7B-Instruct") on a custom endpoint.
        options = _with_overrides(PRESETS["openai"], options, env_overrides)
        return cls(spec, provider="openai", **options)
    if preset is None:
        raise UserError(
            f"unknown model provider {prefix!r} in {spec!r}; known providers: "
            f"{', '.join(provider_prefixes())} (or 'demo'). For a model on a custom "
            f"OpenAI-compatible endpoint set OPENAI_BASE_URL (or use 'openai/{spec}')."
        )
    if not name:
        raise UserError(
            f"model spec {spec!r} names no model; e.g. '{prefix}/{preset.default_model}'"
        )
    options = _with_overrides(preset, options, env_overrides)
    return cls(name, provider=preset.name, **options)


def _query_options(spec: str, options: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """``"name?api=responses"`` -> ``("name", options + {"api": "responses"})``."""
    spec, _, query = spec.partition("?")
    options = dict(options)
    for pair in filter(None, query.split("&")):
        key, _, value = pair.partition("=")
        if key != "api" or not value:
            raise UserError(f"unknown option {pair!r} in model spec {spec + '?' + query!r}")
        options.setdefault("api", value)
    return spec.strip(), options


def _anthropic(
    spec: str, options: dict[str, Any], env_overrides: Mapping[str, str] | None
) -> Model:
    """``AnthropicChat`` for ``anthropic/<model>`` (``anthropic`` alone: its default)."""
    from agentica.models.anthropic import AnthropicChat

    name = spec.partition("/")[2]
    options = _with_overrides(PRESETS["anthropic"], options, env_overrides)
    return AnthropicChat(name or None, **options)


def _custom_endpoint(options: Mapping[str, Any], env: Mapping[str, str] | None) -> bool:
    """Whether an OpenAI-compatible endpoint other than OpenAI's own is configured."""
    return bool(
        options.get("base_url")
        or (env or {}).get("OPENAI_BASE_URL")
        or os.environ.get("OPENAI_BASE_URL")
    )


def _with_overrides(
    preset: Preset, options: dict[str, Any], env_overrides: Mapping[str, str] | None
) -> dict[str, Any]:
    """``options`` plus ``api_key`` / ``base_url`` from the preset's variables in
    ``env_overrides`` (explicit options win)."""
    if not env_overrides:
        return options
    options = dict(options)
    key = next((env_overrides[e] for e in preset.key_envs if env_overrides.get(e)), None)
    if key and not options.get("api_key"):
        options["api_key"] = key
    url = env_overrides.get(preset.base_url_env) if preset.base_url_env else None
    if url and not options.get("base_url"):
        options["base_url"] = url
    return options


def list_presets() -> list[Preset]:
    """The OpenAI-compatible presets, by provider name."""
    return [PRESETS[name] for name in sorted(PRESETS)]


__all__ = ["default_model_spec", "get_default_model", "get_model", "is_demo_spec", "list_presets"]
