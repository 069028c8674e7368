"""Your own agent in an editor: a custom ``Agent`` served over ACP (Agent Client Protocol).

``acp_server.serve.serve(make_agent)`` runs the agentica ACP server (sessions, the
editor's files and terminals, permissions, modes, slash commands) with the agent
``make_agent`` builds for each session: here other instructions and one more tool.
Point your editor at it, e.g. in Zed's settings::

    "agent_servers": {"My agent": {"command": "python", "args": ["/path/to/acp_agent.py"]}}

stdin/stdout carry the protocol. Offline, the model is scripted (it calls the custom
tool, then answers); ``--model deepseek/deepseek-chat`` (or AGENTICA_MODEL) uses a real
one; the other ``agentica-acp`` flags work too. Try it without an editor through the
headless ACP client: ``python examples/acp_agent.py --try "hello"``.

Run: python examples/acp_agent.py [--model SPEC] [--try PROMPT]
"""

from __future__ import annotations

import os
import sys
from typing import Any

from acp_server.serve import AgentSetup, serve
from agentica import Agent
from agentica.messages import Message
from agentica.models.base import ModelResponse, ToolSpec
from agentica.testing import FunctionModel, tool_call

SELF = os.path.abspath(__file__)
INSTRUCTIONS = "You are Pirate, a coding agent that talks like a pirate. Project: {cwd}."


def shout(text: str) -> str:
    """Say something loudly, the pirate way."""
    return f"{text.upper()}, ARR!"


def make_agent(setup: AgentSetup) -> Agent[Any]:
    """Each session's agent: the server's, with our instructions and one more tool."""
    return setup.agent(
        name="pirate",
        instructions=INSTRUCTIONS.format(cwd=setup.cwd),
        tools=[*setup.tools, shout],  # Keep the editor-backed file and shell tools.
    )


def scripted(messages: list[Message], tools: list[ToolSpec]) -> str | ModelResponse:
    """Offline stand-in: shout the prompt, then answer with the result."""
    if messages[-1].role == "user":
        return ModelResponse(tool_calls=[tool_call("shout", {"text": messages[-1].text}).call])
    return f"Pirate here! {messages[-1].text}"


async def try_it(prompt: str, argv: list[str]) -> None:
    """Drive this agent through the headless ACP client, as an editor would."""
    from acp_server.harness import AcpHarness

    async with AcpHarness.spawn([sys.executable, SELF, *argv]) as client:
        await client.initialize()
        session = await client.new_session()
        outcome = await client.prompt(session, prompt)
        for call in outcome.tool_calls.values():
            print(f"> {call.title} [{call.status}]")
        print(outcome.text)
        print(f"[{outcome.stop_reason}]")


if __name__ == "__main__":
    argv = sys.argv[1:]
    if "--try" in argv:
        import anyio

        at = argv.index("--try")
        prompt = argv[at + 1] if at + 1 < len(argv) else "hello"
        anyio.run(try_it, prompt, argv[:at] + argv[at + 2 :])
    else:
        real = "--model" in argv or os.environ.get("AGENTICA_MODEL")
        offline = None if real else lambda: FunctionModel(scripted, name="scripted")
        serve(make_agent, argv, prog="acp_agent.py", model_factory=offline)
