"""Model specs to models: get_model() and the presets."""

from __future__ import annotations

import subprocess
import sys

import pytest

from agentica.exceptions import UserError
from agentica.models.demo import DemoModel
from agentica.models.openai import (
    DeepSeekChat,
    MoonshotChat,
    OllamaChat,
    OpenAIChat,
    OpenRouterChat,
    QwenChat,
    ZhipuAIChat,
)
from agentica.models.registry import get_model, list_presets
from agentica.testing import ScriptedModel

KEY_VARS = (
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "DEEPSEEK_API_KEY",
    "MOONSHOT_API_KEY",
    "DASHSCOPE_API_KEY",
    "ZAI_API_KEY",
    "ZHIPUAI_API_KEY",
    "OPENROUTER_API_KEY",
    "VLLM_BASE_URL",
    "OLLAMA_BASE_URL",
)


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    for var in KEY_VARS:
        monkeypatch.delenv(var, raising=False)


@pytest.mark.parametrize("spec", [None, "demo", "DEMO", " demo "])
def test_get_model_gives_the_demo_model_for_none_and_demo(spec):
    assert isinstance(get_model(spec), DemoModel)


def test_get_model_returns_a_model_instance_unchanged():
    model = ScriptedModel(["hi"])
    assert get_model(model) is model


@pytest.mark.parametrize(
    ("spec", "provider", "name", "base_url"),
    [
        ("openai/gpt-4o-mini", "openai", "gpt-4o-mini", None),
        ("deepseek/deepseek-chat", "deepseek", "deepseek-chat", "https://api.deepseek.com"),
        ("moonshot/kimi-k2", "moonshot", "kimi-k2", "https://api.moonshot.cn/v1"),
        ("kimi/kimi-k2", "moonshot", "kimi-k2", "https://api.moonshot.cn/v1"),
        (
            "qwen/qwen-plus",
            "qwen",
            "qwen-plus",
            "https://dashscope.aliyuncs.com/compatible-mode/v1",
        ),
        (
            "dashscope/qwen-max",
            "qwen",
            "qwen-max",
            "https://dashscope.aliyuncs.com/compatible-mode/v1",
        ),
        ("zhipu/glm-4.6", "zhipu", "glm-4.6", "https://open.bigmodel.cn/api/paas/v4"),
        ("zai/glm-4.6", "zhipu", "glm-4.6", "https://open.bigmodel.cn/api/paas/v4"),
        (
            "openrouter/anthropic/claude-sonnet-4",
            "openrouter",
            "anthropic/claude-sonnet-4",
            "https://openrouter.ai/api/v1",
        ),
        ("ollama/llama3.1", "ollama", "llama3.1", "http://localhost:11434/v1"),
        ("vllm/meta-llama/Llama-3-8B", "vllm", "meta-llama/Llama-3-8B", "http://localhost:8000/v1"),
        ("lmstudio/qwen3-8b", "lmstudio", "qwen3-8b", "http://localhost:1234/v1"),
    ],
)
def test_provider_prefixes_resolve_to_presets(spec, provider, name, base_url):
    model = get_model(spec)
    assert isinstance(model, OpenAIChat)
    assert (model.preset.name, model.id, model.name, model.base_url) == (
        provider,
        name,
        name,
        base_url,
    )


def test_a_provider_alone_picks_its_default_model():
    model = get_model("deepseek")
    assert isinstance(model, OpenAIChat) and model.id == "deepseek-chat"


def test_a_bare_name_uses_openai_base_url_and_key(monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:8080/v1")
    model = get_model("my-local-model")
    assert isinstance(model, OpenAIChat)
    assert (model.preset.name, model.id, model.base_url) == (
        "openai",
        "my-local-model",
        "http://127.0.0.1:8080/v1",
    )


def test_base_url_variables_override_preset_defaults(monkeypatch):
    monkeypatch.setenv("VLLM_BASE_URL", "http://gpu-box:9000/v1")
    assert get_model("vllm/qwen").base_url == "http://gpu-box:9000/v1"


def test_options_are_passed_to_the_model():
    model = get_model("deepseek/deepseek-chat", api_key="k", temperature=0.1)
    assert (model.api_key, model.temperature) == ("k", 0.1)


def test_an_unknown_provider_is_a_user_error_listing_known_ones():
    with pytest.raises(UserError) as info:
        get_model("nosuch/model-x")
    message = str(info.value)
    assert "'nosuch'" in message
    for provider in ("deepseek", "ollama", "openrouter", "demo"):
        assert provider in message


def test_an_empty_model_after_the_prefix_is_a_user_error():
    with pytest.raises(UserError, match="names no model"):
        get_model("deepseek/")


def test_constructing_preset_models_needs_no_key():
    # Keys are checked at the first call, so `agentica-acp --model deepseek/...` can start.
    for cls in (DeepSeekChat, MoonshotChat, QwenChat, ZhipuAIChat, OpenRouterChat, OllamaChat):
        model = cls()
        assert model.preset.name == cls.provider_name
        assert model.id == model.preset.default_model


def test_zhipu_accepts_either_key_variable(monkeypatch):
    monkeypatch.setenv("ZHIPUAI_API_KEY", "old-style")
    assert ZhipuAIChat().preset.resolve_api_key() == "old-style"
    monkeypatch.setenv("ZAI_API_KEY", "new-style")
    assert ZhipuAIChat().preset.resolve_api_key() == "new-style"


def test_list_presets_names_every_provider_with_its_key_variable():
    presets = {p.name: p for p in list_presets()}
    assert {
        "openai",
        "deepseek",
        "moonshot",
        "qwen",
        "zhipu",
        "openrouter",
        "ollama",
        "vllm",
        "lmstudio",
    } <= set(presets)
    assert presets["deepseek"].key_envs == ("DEEPSEEK_API_KEY",)
    assert presets["qwen"].key_envs == ("DASHSCOPE_API_KEY",)
    assert not presets["ollama"].needs_key


def test_known_models_report_their_context_window():
    assert get_model("deepseek/deepseek-chat").context_window == 128_000
    assert get_model("openai/gpt-4o-mini").context_window == 128_000
    assert get_model("ollama/unknown-model").context_window is None
    assert get_model("ollama/unknown-model", context_window=8192).context_window == 8192


def test_importing_the_registry_and_naming_a_model_does_not_import_openai():
    code = (
        "import sys\n"
        "import agentica.models.registry as r\n"
        "r.get_model('deepseek/deepseek-chat'); r.get_model('demo')\n"
        "assert 'openai' not in sys.modules, 'openai was imported'\n"
        "print('ok')\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok"


def test_text_only_models_do_not_claim_images_and_vision_models_do():
    from agentica.models.registry import get_model

    assert get_model("deepseek/deepseek-chat").supports_images is False
    assert get_model("zhipu/glm-4.6").supports_images is False
    assert get_model("demo").supports_images is False
    assert get_model("openai/gpt-4o-mini").supports_images is True
    assert get_model("qwen/qwen-vl-max").supports_images is True
    assert get_model("ollama/llava").supports_images is True
