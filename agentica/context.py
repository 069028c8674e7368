"""``RunContext``: what a tool (or hook, guardrail) may know about the run calling it.

A tool asks for it with a parameter annotated ``RunContext[Deps]``; that parameter is
not part of the tool's JSON schema (the model never sees it) and is filled in by the
engine::

    @dataclass
    class Deps:
        db: Database

    async def lookup(ctx: RunContext[Deps], user_id: int) -> str:
        \"\"\"Look a user up.\"\"\"
        return await ctx.deps.db.user(user_id)

    agent = Agent(model=..., tools=[lookup], deps_type=Deps)
    await agent.run("who is 42?", deps=Deps(db))

This module imports nothing but ``agentica.events`` (and ``agentica._records``), so every
layer may use it.
"""

from __future__ import annotations

from dataclasses import field
from typing import TYPE_CHECKING, Any, Generic

from agentica._records import record
from agentica.events import Usage

if TYPE_CHECKING:
    from typing_extensions import TypeVar

    DepsT = TypeVar("DepsT", default=None)
else:
    from typing import TypeVar

    DepsT = TypeVar("DepsT")


@record(frozen=False, slots=False, eq=False)
class RunContext(Generic[DepsT]):
    """The run a tool call belongs to.

    Attributes:
        deps: The ``deps=`` given to ``run()`` (``None`` when none were given).
        run_id: The run's id.
        agent_name: The name of the agent running (changes after a handoff).
        usage: Token usage of the run so far.
        turn: The number of model calls so far.
        approver: The run's approver (``RunConfig.approver`` or the agent's), which
            subagents started by the run's tools use too.
    """

    deps: DepsT
    run_id: str = ""
    agent_name: str | None = None
    usage: Usage = field(default_factory=Usage)
    turn: int = 0
    approver: Any = None
    handoff_to: Any = None
    """Set by a ``transfer_to_<name>`` tool: the team member taking over after this turn."""


def is_run_context(annotation: Any) -> bool:
    """Whether a parameter annotation asks for the ``RunContext``."""
    origin = getattr(annotation, "__origin__", annotation)
    return isinstance(origin, type) and issubclass(origin, RunContext)


def check_deps(deps_type: type[Any] | None, deps: Any) -> None:
    """Raise ``UserError`` when ``deps`` is not an instance of the agent's ``deps_type``."""
    if deps_type is not None and deps is not None and not isinstance(deps, deps_type):
        from agentica.exceptions import UserError

        raise UserError(
            f"deps must be a {deps_type.__name__} (deps_type), got {type(deps).__name__}"
        )


__all__ = ["DepsT", "RunContext", "check_deps", "is_run_context"]
