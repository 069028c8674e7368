"""Structured output: the answer as a typed, validated object (a pydantic model).

``Agent(response_model=Recipe)`` is an ``Agent[Recipe]``: ``result.content`` is a
``Recipe``. A model with native JSON-schema output answers in that format; others get a
``final_result`` tool. An invalid answer is sent back for a retry (here the scripted
model gets it wrong once). ``--model deepseek/deepseek-chat`` (or AGENTICA_MODEL) uses a
real model.

Run: python examples/structured_output.py [--model SPEC]
"""

from __future__ import annotations

import argparse
import json
import os
from typing import Any

import anyio
from pydantic import BaseModel, Field

from agentica import Agent
from agentica.testing import ScriptedModel, tool_call


class Ingredient(BaseModel):
    name: str
    grams: int = Field(gt=0)


class Recipe(BaseModel):
    title: str
    servings: int
    ingredients: list[Ingredient]


def offline_model() -> ScriptedModel:
    pancakes = {
        "title": "Pancakes",
        "servings": 4,
        "ingredients": [{"name": "flour", "grams": 250}, {"name": "milk", "grams": 500}],
    }
    return ScriptedModel([
        '{"title": "Pancakes"}',  # Missing fields: the engine asks again.
        ScriptedModel.tool_calls(tool_call("final_result", pancakes)),
    ])


async def main(model: Any) -> None:
    agent = Agent(model=model, response_model=Recipe, instructions="You write recipes.")
    result = await agent.run("A simple pancake recipe for four.")
    recipe = result.content  # A Recipe, validated.
    print(f"{recipe.title} for {recipe.servings}:")
    for item in recipe.ingredients:
        print(f"  - {item.grams} g {item.name}")
    print(json.dumps(recipe.model_dump())[:60] + "...")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default=os.environ.get("AGENTICA_MODEL"))
    anyio.run(main, parser.parse_args().model or offline_model())
