"""Input and output guardrails: checks that can refuse a run's prompt or its answer.

A guardrail is a function (sync or async) taking ``(ctx, text)`` or ``(text)``, or an
``Agent`` whose ``response_model`` is ``GuardrailVerdict``. It passes by returning
``None``/``False`` (or a verdict with ``tripped=False``) and trips by returning ``True``,
a reason string or a tripped verdict; then the run stops with
``InputGuardrailTripped`` (before any model call) or ``OutputGuardrailTripped`` (instead
of the final answer)::

    def no_secrets(text: str) -> str | None:
        return "the prompt contains a key" if "sk-" in text else None

    agent = Agent(model=..., input_guardrails=[no_secrets])
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from agentica.exceptions import InputGuardrailTripped, OutputGuardrailTripped, UserError
from agentica.tools.call import call_maybe_async

if TYPE_CHECKING:
    from agentica.guardrail_verdict import GuardrailVerdict


def __getattr__(name: str) -> Any:
    if name == "GuardrailVerdict":  # A pydantic model: imported when first asked for.
        from agentica.guardrail_verdict import GuardrailVerdict

        return GuardrailVerdict
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def guardrail_name(guard: Any) -> str:
    return str(getattr(guard, "name", None) or getattr(guard, "__name__", None) or "guardrail")


def _is_agent(guard: Any) -> bool:
    return callable(getattr(guard, "run", None)) and callable(getattr(guard, "run_stream", None))


def _verdict(guard: Any, value: Any) -> tuple[bool, str]:
    if value is None or value is False:
        return False, ""
    if value is True:
        return True, "refused"
    if isinstance(value, str):
        return bool(value.strip()), value.strip()
    if hasattr(value, "tripped"):
        return bool(value.tripped), str(getattr(value, "reason", "") or "refused")
    raise UserError(
        f"guardrail {guardrail_name(guard)!r} returned {value!r}; return None/False to pass, "
        "True or a reason string to trip, or a GuardrailVerdict"
    )


async def _ask(guard: Any, ctx: Any, text: str) -> Any:
    if _is_agent(guard):
        response = await guard.run(text, history=[])
        if not hasattr(response.content, "tripped"):
            raise UserError(
                f"agent guardrail {guardrail_name(guard)!r} needs "
                "response_model=GuardrailVerdict"
            )
        return response.content
    try:
        takes_ctx = len(inspect.signature(guard).parameters) >= 2
    except (TypeError, ValueError):
        takes_ctx = True
    args = (ctx, text) if takes_ctx else (text,)
    return await call_maybe_async(guard, *args)


async def check_guardrails(guards: Sequence[Any], ctx: Any, text: str, *, output: bool) -> None:
    """Run ``guards`` in order on ``text``.

    Raises:
        InputGuardrailTripped: An input guardrail tripped (``output=False``).
        OutputGuardrailTripped: An output guardrail tripped (``output=True``).
    """
    for guard in guards:
        tripped, reason = _verdict(guard, await _ask(guard, ctx, text))
        if tripped:
            error = OutputGuardrailTripped if output else InputGuardrailTripped
            raise error(reason, guardrail=guardrail_name(guard))


__all__ = ["GuardrailVerdict", "check_guardrails", "guardrail_name"]
