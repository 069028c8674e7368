"""``LLMJudge``: a model grades the answer against a rubric, with a score and a reason.

The judge is an agent of its own (its own model, no tools) with structured output
``Verdict``; its tokens and cost are counted apart from the agent's under evaluation.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from agentica.evaluation.case import Case
from agentica.evaluation.scorers import Score, Scorer

if TYPE_CHECKING:
    from agentica.models.base import Model

__all__ = ["JUDGE_INSTRUCTIONS", "LLMJudge", "Verdict"]

JUDGE_INSTRUCTIONS = """\
You are a strict, impartial evaluator. You are given a rubric, the task the assistant \
was given, possibly a reference answer, and the assistant's answer. Judge ONLY the \
answer, against the rubric. Give a score from 0.0 (fails the rubric) to 1.0 (fully \
meets it) and a one or two sentence reason."""


class Verdict(BaseModel):
    """The judge's structured answer."""

    score: float = Field(ge=0.0, le=1.0, description="0.0 (fails) to 1.0 (fully meets)")
    reason: str = Field(description="Why, in one or two sentences")


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, indent=1)


class LLMJudge(Scorer):
    """Grade answers with a model and a rubric.

    Args:
        rubric: What a good answer does (the judge sees it with the input, the case's
            ``expected`` as a reference, and the answer).
        model: The judge's model: a ``Model`` or a model spec (``"demo"``,
            ``"openai/gpt-4o-mini"``...); ``None``: ``evaluate(judge_model=...)``, else the
            default model.
        threshold: The score an answer needs to pass.
        name: The name in reports.
        instructions: The judge's system instructions.
    """

    is_paid = True

    def __init__(
        self,
        rubric: str,
        *,
        model: Model | str | None = None,
        threshold: float = 0.5,
        name: str = "judge",
        instructions: str = JUDGE_INSTRUCTIONS,
    ) -> None:
        self.rubric = rubric
        self.model = model
        self.threshold = threshold
        self.name = name
        self.instructions = instructions
        self._resolved: Model | None = None

    def using(self, model: Model | str | None) -> LLMJudge:
        """This judge with ``model`` (when it has none of its own)."""
        if self.model is not None or model is None:
            return self
        return LLMJudge(
            self.rubric, model=model, threshold=self.threshold, name=self.name,
            instructions=self.instructions,
        )

    def prompt(self, case: Case, answer: str) -> str:
        """The judge's prompt for one answer."""
        parts = [
            f"## Rubric\n{self.rubric}",
            f"## Task given to the assistant\n{_text(case.input)}",
        ]
        if case.expected is not None:
            parts.append(f"## Reference answer\n{_text(case.expected)}")
        parts.append(f"## The assistant's answer\n{answer}")
        return "\n\n".join(parts)

    def _model(self) -> Model:
        if self._resolved is None:
            from agentica.models.registry import get_default_model, get_model

            model = self.model
            self._resolved = get_default_model("judge") if model is None else get_model(model)
        return self._resolved

    async def score(self, case: Case, answer: str, output: Any = None) -> Score:
        from agentica.agent import Agent

        judge: Agent[Verdict] = Agent(
            model=self._model(),
            name=self.name,
            instructions=self.instructions,
            response_model=Verdict,
            max_turns=4,
            compaction=False,
        )
        response = await judge.run(self.prompt(case, answer))
        verdict = response.content
        if not isinstance(verdict, Verdict):  # the run stopped early (max_turns...)
            raise ValueError(f"the judge gave no verdict ({response.stop_reason})")
        usage = response.usage
        cost = usage.cost
        value = min(1.0, max(0.0, verdict.score))
        return Score(
            value, value >= self.threshold, verdict.reason, tokens=usage.total_tokens, cost=cost
        )
