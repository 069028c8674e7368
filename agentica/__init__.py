"""agentica: an async-first Python agent framework.

::

    from agentica import Agent

    agent = Agent(model="demo")
    result = await agent.run("hello")          # or agent.run_sync("hello")
    async for event in agent.run_stream("hi"):  # or agent.run_stream_sync("hi")
        ...

Importing the package has no side effects and is fast: only the event and error types
are imported eagerly; every other name is imported on first use (PEP 562), and the
OpenAI client only when an OpenAI model is used.
"""

from typing import TYPE_CHECKING, Any

from agentica.events import DiffContent as DiffContent
from agentica.events import Location as Location
from agentica.events import ModelFallback as ModelFallback
from agentica.events import PlanEntry as PlanEntry
from agentica.events import PlanUpdated as PlanUpdated
from agentica.events import RunEvent as RunEvent
from agentica.events import RunFinished as RunFinished
from agentica.events import TerminalContent as TerminalContent
from agentica.events import TextContent as TextContent
from agentica.events import TextDelta as TextDelta
from agentica.events import ThinkingDelta as ThinkingDelta
from agentica.events import ToolCallFinished as ToolCallFinished
from agentica.events import ToolCallProgress as ToolCallProgress
from agentica.events import ToolCallStarted as ToolCallStarted
from agentica.events import Usage as Usage
from agentica.events import UsageUpdated as UsageUpdated
from agentica.events import text_stream as text_stream
from agentica.exceptions import AgenticaError as AgenticaError
from agentica.exceptions import AuthenticationError as AuthenticationError
from agentica.exceptions import ContextLengthError as ContextLengthError
from agentica.exceptions import GuardrailTripped as GuardrailTripped
from agentica.exceptions import InputGuardrailTripped as InputGuardrailTripped
from agentica.exceptions import ModelConnectionError as ModelConnectionError
from agentica.exceptions import ModelError as ModelError
from agentica.exceptions import ModelNotFoundError as ModelNotFoundError
from agentica.exceptions import ModelResponseError as ModelResponseError
from agentica.exceptions import ModelTimeoutError as ModelTimeoutError
from agentica.exceptions import OutputGuardrailTripped as OutputGuardrailTripped
from agentica.exceptions import OutputValidationError as OutputValidationError
from agentica.exceptions import RateLimitError as RateLimitError
from agentica.exceptions import RunTimeoutError as RunTimeoutError
from agentica.exceptions import StepError as StepError
from agentica.exceptions import StopRun as StopRun
from agentica.exceptions import ToolError as ToolError
from agentica.exceptions import UserError as UserError

if TYPE_CHECKING:
    from agentica._stream import RunStream as RunStream
    from agentica.agent import Agent as Agent
    from agentica.compaction import compact as compact
    from agentica.context import RunContext as RunContext
    from agentica.deep_agent import DeepAgent as DeepAgent
    from agentica.guardrails import GuardrailVerdict as GuardrailVerdict
    from agentica.messages import ImagePart as ImagePart
    from agentica.messages import Message as Message
    from agentica.messages import TextPart as TextPart
    from agentica.models.base import Model as Model
    from agentica.models.fallback import FallbackModel as FallbackModel
    from agentica.models.openai import DeepSeekChat as DeepSeekChat
    from agentica.models.openai import LMStudioChat as LMStudioChat
    from agentica.models.openai import MoonshotChat as MoonshotChat
    from agentica.models.openai import OllamaChat as OllamaChat
    from agentica.models.openai import OpenAIChat as OpenAIChat
    from agentica.models.openai import OpenRouterChat as OpenRouterChat
    from agentica.models.openai import QwenChat as QwenChat
    from agentica.models.openai import VLLMChat as VLLMChat
    from agentica.models.openai import ZhipuAIChat as ZhipuAIChat
    from agentica.models.openai_responses import OpenAIResponses as OpenAIResponses
    from agentica.models.registry import get_model as get_model
    from agentica.printer import print_response as print_response
    from agentica.printer import print_response_sync as print_response_sync
    from agentica.run import RunConfig as RunConfig
    from agentica.run import RunResponse as RunResponse
    from agentica.run import RunResult as RunResult
    from agentica.tools.base import ApprovalRequest as ApprovalRequest
    from agentica.tools.base import CallDescription as CallDescription
    from agentica.tools.base import ToolResult as ToolResult
    from agentica.tools.base import current_call as current_call
    from agentica.tools.builtin import WorkspaceTools as WorkspaceTools
    from agentica.tools.call import FunctionCall as FunctionCall
    from agentica.tools.call import Hooks as Hooks
    from agentica.tools.calls import run_function_calls as run_function_calls
    from agentica.tools.decorator import tool as tool
    from agentica.tools.function import Function as Function
    from agentica.tools.function import Tool as Tool
    from agentica.workflow import Workflow as Workflow
    from agentica.workspace.base import Workspace as Workspace
    from agentica.workspace.local import LocalWorkspace as LocalWorkspace

_LAZY = {
    "compact": "agentica.compaction",
    "GuardrailVerdict": "agentica.guardrails",
    "RunContext": "agentica.context",
    "Workflow": "agentica.workflow",
    "Agent": "agentica.agent",
    "ApprovalRequest": "agentica.tools.base",
    "CallDescription": "agentica.tools.base",
    "DeepAgent": "agentica.deep_agent",
    "DeepSeekChat": "agentica.models.openai",
    "FallbackModel": "agentica.models.fallback",
    "Function": "agentica.tools.function",
    "FunctionCall": "agentica.tools.call",
    "Hooks": "agentica.tools.call",
    "ImagePart": "agentica.messages",
    "LMStudioChat": "agentica.models.openai",
    "LocalWorkspace": "agentica.workspace.local",
    "Message": "agentica.messages",
    "Model": "agentica.models.base",
    "MoonshotChat": "agentica.models.openai",
    "OllamaChat": "agentica.models.openai",
    "OpenAIChat": "agentica.models.openai",
    "OpenAIResponses": "agentica.models.openai_responses",
    "OpenRouterChat": "agentica.models.openai",
    "QwenChat": "agentica.models.openai",
    "RunConfig": "agentica.run",
    "RunResponse": "agentica.run",
    "RunResult": "agentica.run",
    "RunStream": "agentica._stream",
    "TextPart": "agentica.messages",
    "Tool": "agentica.tools.function",
    "ToolResult": "agentica.tools.base",
    "VLLMChat": "agentica.models.openai",
    "Workspace": "agentica.workspace.base",
    "WorkspaceTools": "agentica.tools.builtin",
    "ZhipuAIChat": "agentica.models.openai",
    "current_call": "agentica.tools.base",
    "get_model": "agentica.models.registry",
    "print_response": "agentica.printer",
    "print_response_sync": "agentica.printer",
    "run_function_calls": "agentica.tools.calls",
    "tool": "agentica.tools.decorator",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'agentica' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "Agent",
    "AgenticaError",
    "ApprovalRequest",
    "AuthenticationError",
    "CallDescription",
    "ContextLengthError",
    "DeepAgent",
    "DeepSeekChat",
    "DiffContent",
    "FallbackModel",
    "Function",
    "FunctionCall",
    "GuardrailTripped",
    "GuardrailVerdict",
    "Hooks",
    "ImagePart",
    "InputGuardrailTripped",
    "LMStudioChat",
    "LocalWorkspace",
    "Location",
    "Message",
    "Model",
    "ModelConnectionError",
    "ModelError",
    "ModelFallback",
    "ModelNotFoundError",
    "ModelResponseError",
    "ModelTimeoutError",
    "MoonshotChat",
    "OllamaChat",
    "OpenAIChat",
    "OpenAIResponses",
    "OpenRouterChat",
    "OutputGuardrailTripped",
    "OutputValidationError",
    "PlanEntry",
    "PlanUpdated",
    "QwenChat",
    "RateLimitError",
    "RunConfig",
    "RunContext",
    "RunEvent",
    "RunFinished",
    "RunResponse",
    "RunResult",
    "RunStream",
    "RunTimeoutError",
    "StepError",
    "StopRun",
    "TerminalContent",
    "TextContent",
    "TextDelta",
    "TextPart",
    "ThinkingDelta",
    "Tool",
    "ToolCallFinished",
    "ToolCallProgress",
    "ToolCallStarted",
    "ToolError",
    "ToolResult",
    "Usage",
    "UsageUpdated",
    "UserError",
    "VLLMChat",
    "Workflow",
    "Workspace",
    "WorkspaceTools",
    "ZhipuAIChat",
    "compact",
    "current_call",
    "get_model",
    "print_response",
    "print_response_sync",
    "run_function_calls",
    "text_stream",
    "tool",
]
