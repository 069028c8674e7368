"""The public surface of ``agentica``: pinned names, lazy heavy imports, no side effects."""

from __future__ import annotations

import subprocess
import sys

import agentica

EXPECTED = [
    "Agent", "AgenticaError", "ApprovalRequest", "AuthenticationError", "CallDescription",
    "ContextLengthError", "DeepAgent", "DeepSeekChat", "DiffContent", "Function",
    "FunctionCall", "GuardrailTripped", "GuardrailVerdict", "Hooks", "ImagePart",
    "InputGuardrailTripped", "LMStudioChat", "LocalWorkspace", "Location", "Message", "Model",
    "ModelConnectionError", "ModelError", "ModelNotFoundError", "ModelResponseError",
    "ModelTimeoutError", "MoonshotChat", "OllamaChat", "OpenAIChat", "OpenRouterChat",
    "OutputGuardrailTripped", "OutputValidationError", "PlanEntry", "PlanUpdated", "QwenChat",
    "RateLimitError", "RunConfig", "RunContext", "RunEvent", "RunFinished", "RunResponse",
    "RunResult", "RunStream", "RunTimeoutError", "StepError", "StopRun", "TerminalContent",
    "TextContent", "TextDelta", "TextPart", "ThinkingDelta", "Tool", "ToolCallFinished",
    "ToolCallProgress", "ToolCallStarted", "ToolError", "ToolResult", "Usage", "UsageUpdated",
    "UserError", "VLLMChat", "Workflow", "Workspace", "WorkspaceTools", "ZhipuAIChat",
    "compact", "current_call", "get_model", "print_response", "print_response_sync",
    "run_function_calls", "text_stream", "tool",
]
# The Responses API model and model fallbacks.
EXPECTED = sorted([*EXPECTED, "FallbackModel", "ModelFallback", "OpenAIResponses"])


def test_exports_all_is_sorted_and_pinned():
    assert agentica.__all__ == sorted(agentica.__all__)
    assert agentica.__all__ == EXPECTED


def test_exports_every_name_resolves():
    for name in agentica.__all__:
        assert getattr(agentica, name) is not None, name


def test_exports_test_doubles_live_in_agentica_testing_only():
    assert "ScriptedModel" not in agentica.__all__
    assert not hasattr(agentica, "FunctionModel")
    from agentica.testing import FunctionModel, ScriptedModel  # noqa: F401


def test_exports_run_result_is_an_alias():
    assert agentica.RunResult is agentica.RunResponse


def run_python(code: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    return proc.stdout.strip()


def test_import_agentica_does_not_import_openai():
    out = run_python(
        "import sys, agentica; from agentica import Agent, tool, DeepAgent; "
        "print('openai' in sys.modules, 'httpx' in sys.modules)"
    )
    assert out == "False False"


def test_lazy_names_resolve_to_their_modules():
    out = run_python(
        "import sys, agentica; print('agentica.models.openai' in sys.modules); "
        "from agentica import OpenAIChat, DeepSeekChat, VLLMChat, LMStudioChat; "
        "print(OpenAIChat.__module__, 'agentica.models.openai' in sys.modules, "
        "VLLMChat().preset.name, LMStudioChat().preset.name)"
    )
    assert out.split() == ["False", "agentica.models.openai", "True", "vllm", "lmstudio"]


def test_import_agentica_has_no_side_effects_on_stdout_or_files(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-c", "import agentica, agentica.agent"],
        capture_output=True, text=True, timeout=60, check=True, cwd=tmp_path,
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    assert proc.stdout == "" and proc.stderr == ""
    assert list(tmp_path.iterdir()) == []
