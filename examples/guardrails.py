"""Guardrails: checks that refuse a prompt before the model sees it, or an answer before
the user does.

A guardrail is a function returning ``None`` (pass) or a reason (trip), or an agent whose
``response_model`` is ``GuardrailVerdict`` (an LLM judge). A tripped input guardrail
raises ``InputGuardrailTripped`` before any model call; a tripped output guardrail
raises ``OutputGuardrailTripped`` instead of giving the answer. Offline with scripted
models for the agent and the judge; ``--model deepseek/deepseek-chat`` (or
AGENTICA_MODEL) uses a real one for both.

Run: python examples/guardrails.py [--model SPEC]
"""

from __future__ import annotations

import argparse
import os
import re
from typing import Any

import anyio

from agentica import Agent, GuardrailVerdict, InputGuardrailTripped, OutputGuardrailTripped
from agentica.testing import ScriptedModel


def no_secrets(text: str) -> str | None:
    """Input guardrail: never send an API key to the model."""
    return "the prompt contains an API key" if re.search(r"\bsk-\w{8,}", text) else None


def judge(spec: str | None) -> Agent[GuardrailVerdict]:
    """Output guardrail: a second agent judges the answer (scripted offline)."""
    model: Any = spec or ScriptedModel([
        '{"tripped": false, "reason": ""}',
        '{"tripped": true, "reason": "the answer promises a refund"}',
    ])
    return Agent(
        model=model, name="policy_judge", response_model=GuardrailVerdict,
        instructions="Trip if the text promises a refund.",
    )


async def main(spec: str | None) -> None:
    answers = ScriptedModel(["Happy to help with your order.", "You'll get a full refund!"])
    agent = Agent(
        model=spec or answers, instructions="You are a support agent.",
        input_guardrails=[no_secrets], output_guardrails=[judge(spec)],
    )
    for prompt in ("Where is my order?", "My key is sk-abcdefghijkl, why?", "Refund me!"):
        try:
            result = await agent.run(prompt)
            print(f"{prompt!r} -> answered: {result.content}")
        except InputGuardrailTripped as e:
            print(f"{prompt!r} -> refused before the model: {e}")
        except OutputGuardrailTripped as e:
            print(f"{prompt!r} -> answer withheld: {e}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default=os.environ.get("AGENTICA_MODEL"))
    anyio.run(main, parser.parse_args().model)
