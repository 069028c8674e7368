"""A headless ACP client: drive any Agent Client Protocol agent over stdio.

    async with AcpHarness.spawn(["my-agent"], cwd=project) as h:
        await h.initialize()
        sid = await h.new_session()
        outcome = await h.prompt(sid, "hello")

Command line: ``acp-harness run|check [options] -- AGENT_CMD ...``. Pytest fixtures:
list ``"acp_server.harness.pytest_plugin"`` in ``pytest_plugins``.

Importing the package is cheap (``acp-harness --help`` answers fast): each name below
loads its module on first use.
"""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .accumulator import ToolCallState as ToolCallState
    from .accumulator import TurnAccumulator as TurnAccumulator
    from .checks import CheckConfig as CheckConfig
    from .checks import CheckResult as CheckResult
    from .checks import CheckRun as CheckRun
    from .checks import run_checks as run_checks
    from .client import ClientSide as ClientSide
    from .client import choose_option as choose_option
    from .driver import AcpHarness as AcpHarness
    from .errors import AgentExited as AgentExited
    from .errors import AgentRpcError as AgentRpcError
    from .errors import HarnessError as HarnessError
    from .errors import HarnessTimeout as HarnessTimeout
    from .errors import RpcFault as RpcFault
    from .outcome import PromptOutcome as PromptOutcome
    from .outcome import TranscriptEntry as TranscriptEntry
    from .schema import SchemaValidator as SchemaValidator

__all__ = [
    "AcpHarness",
    "AgentExited",
    "AgentRpcError",
    "CheckConfig",
    "CheckResult",
    "CheckRun",
    "ClientSide",
    "HarnessError",
    "HarnessTimeout",
    "PromptOutcome",
    "RpcFault",
    "SchemaValidator",
    "ToolCallState",
    "TranscriptEntry",
    "TurnAccumulator",
    "choose_option",
    "run_checks",
]

_LAZY = {
    "ToolCallState": "accumulator",
    "TurnAccumulator": "accumulator",
    "CheckConfig": "checks",
    "CheckResult": "checks",
    "CheckRun": "checks",
    "run_checks": "checks",
    "ClientSide": "client",
    "choose_option": "client",
    "AcpHarness": "driver",
    "AgentExited": "errors",
    "AgentRpcError": "errors",
    "HarnessError": "errors",
    "HarnessTimeout": "errors",
    "RpcFault": "errors",
    "PromptOutcome": "outcome",
    "TranscriptEntry": "outcome",
    "SchemaValidator": "schema",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f".{module}", __name__), name)
