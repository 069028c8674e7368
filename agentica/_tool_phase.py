"""The tool phase of a turn: approvals, then the calls (parallel by default), live events.

Each call gets ``ToolCallProgress(in_progress)`` when it starts and ``ToolCallFinished``
when it ends, sent through ``live`` (to the stream's consumer at once) or buffered in
``state.pending``. A call that needs approval asks ``state.approver`` first (one request
at a time): ``deny`` gives the model a rejection, ``cancel`` cancels the run.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import anyio

from agentica._run_state import REJECTED_TEXT, Emit, RunCancelled, RunState
from agentica.events import RunEvent, ToolCallFinished, ToolCallProgress
from agentica.exceptions import ToolError
from agentica.tools.base import ApprovalRequest, ToolCallContext, call_context
from agentica.tools.call import FunctionCall, FunctionCallResult
from agentica.tools.calls import run_function_calls

logger = logging.getLogger(__name__)


def parse_args(text: str) -> dict[str, Any]:
    """A call's arguments for display (``{"_raw": text}`` when they are not a JSON object)."""
    try:
        parsed = json.loads(text) if text.strip() else {}
    except json.JSONDecodeError:
        return {"_raw": text}
    return parsed if isinstance(parsed, dict) else {"_raw": text}


async def run_tool_phase(state: RunState, calls: list[FunctionCall], live: Emit | None) -> None:
    """Run one turn's calls (parallel unless configured otherwise), emitting their events."""

    async def buffer(event: RunEvent) -> None:
        state.pending.append(event)

    # Events go out as the very objects made (the ACP server's ledger tracks them by
    # identity): the ones made here carry the agent's name, and so do a tool's own, made
    # with ``ToolCallContext.agent``.
    emit: Emit = live or buffer
    name = state.agent_name
    approval_lock = anyio.Lock()

    async def finish(call: FunctionCall, result: FunctionCallResult) -> FunctionCallResult:
        state.results[call.call_id] = result
        state.open_calls.pop(call.call_id, None)
        await emit(
            ToolCallFinished(
                call_id=call.call_id,
                tool_name=call.function.name,
                status=result.status,
                result=result.text,
                error=result.error,
                content=result.content,
                locations=result.locations,
                duration=result.duration,
                agent=name,
            )
        )
        return result

    async def run_one(_index: int, call: FunctionCall) -> FunctionCallResult:
        fn = call.function
        args = parse_args(call.arguments) if isinstance(call.arguments, str) else call.arguments
        if state.approver is not None and fn.requires_approval:
            desc = fn.describe_call(args)
            request = ApprovalRequest(
                call_id=call.call_id,
                tool_name=fn.name,
                title=desc.title,
                kind=fn.kind,
                arguments=args,
                locations=desc.locations,
            )
            try:
                async with approval_lock:
                    decision = await state.approver(request)
            except ToolError as e:  # A denial with its own reason, for the model verbatim.
                decision, message = "deny", str(e)
            except Exception as e:
                logger.warning("approver failed for %r", fn.name, exc_info=True)
                decision = "deny"
                message = f"Approval of tool {fn.name!r} failed: {e}"
            else:
                message = REJECTED_TEXT
            if decision == "cancel":
                state.cancel()  # On the run's own loop: takes effect at once.
                await anyio.sleep_forever()
            if decision != "allow":
                return await finish(call, call.failure(message))
        await emit(ToolCallProgress(call_id=call.call_id, status="in_progress", agent=name))
        context = ToolCallContext(
            call_id=call.call_id, tool_name=fn.name, arguments=args, emit=emit,
            run=state.run_context, agent=name,
        )
        with call_context(context):
            result = await call.execute()
        return await finish(call, result)

    with anyio.CancelScope() as scope:
        state.attach(scope)
        try:
            await run_function_calls(
                calls,
                parallel=state.parallel,
                max_concurrency=state.max_concurrency,
                runner=run_one if state.trace is None else state.trace.tool_runner(run_one),
            )
        finally:
            state.detach(scope)
    if scope.cancelled_caught:
        raise RunCancelled


__all__ = ["parse_args", "run_tool_phase"]
