"""Serve your own agent over ACP: ``serve(make_agent)``.

The server does everything as for ``agentica-acp`` (settings and flags, sessions and
their store, the editor-backed workspace tools, permissions and modes, slash commands,
MCP servers); ``make_agent`` builds each session's ``Agent`` from what the server
prepared for it (``AgentSetup``), e.g. with other instructions or more tools::

    from acp_server.serve import AgentSetup, serve
    from agentica import Agent

    def make_agent(setup: AgentSetup) -> Agent:
        return setup.agent(instructions="You are a pirate.", tools=[*setup.tools, shout])

    if __name__ == "__main__":
        serve(make_agent)        # e.g. ``python my_agent.py --model deepseek/deepseek-chat``

An editor runs that script as its agent command (stdin/stdout carry the protocol).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    from acp_server.config import ServerConfig
    from acp_server.connection import Connection
    from acp_server.factory import ModelFactory
    from acp_server.jsonrpc import Handlers
    from agentica.agent import Agent
    from agentica.models.base import Model


@dataclass(frozen=True)
class AgentSetup:
    """What the server prepared for one session's agent.

    Attributes:
        options: The keyword arguments the server would build its own ``Agent`` with
            (``model``, ``instructions``, ``tools``, ``approver``, ``history``, ...).
    """

    options: dict[str, Any]

    @property
    def model(self) -> Model:
        """The session's model (``--model`` or the configured one)."""
        return self.options["model"]

    @property
    def tools(self) -> list[Any]:
        """The built-in tools, acting through the editor: files, search, shell, ``task``,
        (and ``skill`` when the project has skills)."""
        return list(self.options["tools"])

    @property
    def cwd(self) -> str:
        """The session's project directory."""
        return self.options["work_dir"]

    def agent(self, **overrides: Any) -> Agent[Any]:
        """The server's own agent with ``overrides`` (any ``Agent`` keyword argument).

        Keep ``approver`` and ``history``: permissions and resumed sessions depend on them.
        """
        from agentica.agent import Agent

        return Agent(**{**self.options, **overrides})


AgentFactory = Callable[[AgentSetup], "Agent[Any]"]
"""Builds the agent of one new (or resumed) session."""


def main(
    make_agent: AgentFactory,
    argv: Sequence[str] | None = None,
    *,
    prog: str = "agentica-acp",
    model_factory: ModelFactory | None = None,
) -> int:
    """Serve ACP on stdin/stdout with ``make_agent``'s agents until EOF or a signal.

    Args:
        make_agent: Builds each session's agent.
        argv: The server's command-line arguments (default: ``sys.argv[1:]``), as for
            ``agentica-acp`` (``--model``, ``--mode``, ...).
        prog: The program name for messages.
        model_factory: Makes each session's model instead of the configured one.

    Returns:
        The exit status (0 after a clean shutdown, 2 for unusable settings).
    """
    from acp_server.__main__ import main as serve_main

    def build(conn: Connection, config: ServerConfig) -> Handlers:
        from acp_server.agent import AcpAgent
        from acp_server.router import AcpRouter

        acp = AcpAgent(conn, config, model_factory=model_factory)
        acp.factory.agent_factory = lambda options: make_agent(AgentSetup(options))
        return AcpRouter(acp)

    return serve_main(argv, prog=prog, build_handlers=build)


def serve(
    make_agent: AgentFactory,
    argv: Sequence[str] | None = None,
    *,
    prog: str = "agentica-acp",
    model_factory: ModelFactory | None = None,
) -> NoReturn:
    """``main()``, then exit the process at once (as ``agentica-acp`` does)."""
    from acp_server.__main__ import end_process

    end_process(main(make_agent, argv, prog=prog, model_factory=model_factory))


__all__ = ["AgentFactory", "AgentSetup", "main", "serve"]
