"""A headless ACP client: drive any Agent Client Protocol agent over stdio.

    async with AcpHarness.spawn(["my-agent"], cwd=project) as h:
        await h.initialize()
        sid = await h.new_session()
        outcome = await h.prompt(sid, "hello")

Command line: ``acp-harness run|check [options] -- AGENT_CMD ...``. Pytest fixtures:
list ``"acp_server.harness.pytest_plugin"`` in ``pytest_plugins``.
"""

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
