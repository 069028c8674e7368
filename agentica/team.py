"""Teams: handing the conversation over to another agent (``transfer_to_<name>``).

``Agent(team=[billing, support])`` gives the agent one tool per member,
``transfer_to_billing`` and ``transfer_to_support`` (agentica 1.5's
``get_transfer_function``). When the model calls one, the run goes on with the member:
the same conversation (history and this run's messages), but the member's model,
instructions and tools, and the events from then on carry the member's name
(``event.agent``). The run's ``RunResponse`` is the member's final answer; the
conversation stays with the agent that was asked.

For "ask a specialist and come back", use ``member.as_tool()`` instead.
"""

from __future__ import annotations

import re
from typing import Any, Protocol

from agentica._run_state import RunState
from agentica.context import RunContext
from agentica.exceptions import UserError
from agentica.models.base import Model
from agentica.tools.function import Function


class Member(Protocol):
    """What a team member offers (an ``Agent``)."""

    name: str | None
    description: str | None
    functions: list[Function]

    @property
    def model(self) -> Model: ...

    def system_prompt(self) -> str | None: ...


def transfer_name(member: Member) -> str:
    """``transfer_to_<name>`` for a member (its name made a valid tool name)."""
    if not member.name:
        raise UserError("a team member needs a name (Agent(name=...)) to be transferred to")
    slug = re.sub(r"[^a-zA-Z0-9_-]+", "_", member.name.strip()).strip("_").lower()
    return f"transfer_to_{slug or 'agent'}"


def transfer_tool(member: Member) -> Function:
    """The tool that hands the conversation over to ``member``."""
    name = transfer_name(member)
    about = member.description or f"the {member.name} agent"

    async def transfer(ctx: RunContext[Any], reason: str = "") -> str:
        ctx.handoff_to = member
        return f"Transferred to {member.name}; it continues the conversation from here."

    return Function.from_callable(
        transfer,
        name=name,
        description=(
            f"Transfer the conversation to {member.name} ({about}). Use it when that agent "
            "is better suited to answer; it sees the whole conversation. `reason`: why, in "
            "one sentence."
        ),
        requires_approval=False,
        concurrency_safe=False,
    )


def switch_to(state: RunState, member: Member) -> None:
    """Continue ``state``'s run as ``member``: its model, instructions and tools."""
    state.model = member.model
    state.system = member.system_prompt()
    state.use_functions({f.name: f for f in member.functions})
    state.agent_name = member.name
    state.run_context.agent_name = member.name




def agent_tool(agent: Any, *, name: str | None = None, description: str | None = None) -> Function:
    """``agent`` as a tool another agent can call with a ``prompt`` (``Agent.as_tool``)."""

    async def ask(prompt: str) -> str:
        return (await agent.run(prompt)).text

    return Function.from_callable(
        ask,
        name=name or agent.name or "agent",
        description=description or agent.description or f"Ask the {agent.name or 'agent'}.",
        concurrency_safe=False,
        requires_approval=False,
    )


__all__ = ["agent_tool", "switch_to", "transfer_name", "transfer_tool"]
