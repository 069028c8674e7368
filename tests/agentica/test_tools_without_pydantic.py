"""Building an agent's tools needs no pydantic; validating a call builds its model then.

Each check runs in a fresh interpreter, where nothing was imported or cached before:
``agentica run`` builds a ``DeepAgent`` and sends every tool's spec before any call.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

SCRIPT = textwrap.dedent(
    """
    import asyncio, json, sys
    from typing import Any, Literal

    from agentica.terminal.settings import Settings, build_agent
    from agentica.tools.function import Function, Tool, tool

    def add(a: int, b: int = 2, note: str | None = None, tags: list[str] = []) -> int:
        '''Add.

        Args:
            a: First.
            b: Second.
        '''
        return a + b

    class Lookup(Tool):
        @tool(is_read_only=True)
        def find(self, key: str, mode: Literal["exact", "prefix"] = "exact",
                 limit: float | None = None, extra: dict[str, Any] | None = None) -> str:
            '''Find a key.'''
            return f"{key}:{mode}"

    def arguments_models():
        import pydantic
        found, todo = [], [pydantic.BaseModel]
        while todo:
            for sub in todo.pop().__subclasses__():
                found.append(sub.__name__)
                todo.append(sub)
        return sorted(n for n in found if n.endswith("_arguments"))

    settings = Settings(model="demo", cwd=sys.argv[1])
    agent = build_agent(settings, model=settings.make_model(), approver=None)
    agent.functions.append(Function.from_callable(add))
    agent.functions.extend(Lookup().functions())
    specs = {f.name: f.spec().parameters for f in agent.functions}
    out = {
        "tools": sorted(specs),
        "pydantic_modules": sorted(m for m in sys.modules if m.split(".")[0] == "pydantic"),
        "todo_item": "agentica.tools.todo_item" in sys.modules,
        "models_before_a_call": arguments_models(),
    }
    by_name = {f.name: f for f in agent.functions}
    out["add"] = asyncio.run(by_name["add"].invoke({"a": "3", "b": 4}))
    out["models_after_a_call"] = arguments_models()
    print(json.dumps(out))
    """
)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    cwd = tmp_path_factory.mktemp("work")
    script = Path(cwd) / "build.py"
    script.write_text(SCRIPT, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script), str(cwd)], capture_output=True, text=True, timeout=120,
        cwd=cwd,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_building_the_tools_builds_no_argument_model(report: dict[str, Any]) -> None:
    assert {"read_file", "write_todos", "task", "add", "find"} <= set(report["tools"])
    assert report["models_before_a_call"] == []
    assert report["todo_item"] is False


def test_the_first_call_builds_its_model_and_coerces(report: dict[str, Any]) -> None:
    assert report["add"] == 7  # "3" became 3
    assert report["models_after_a_call"] == ["add_arguments"]


def test_building_the_agent_and_its_tool_specs_imports_no_pydantic(
    report: dict[str, Any],
) -> None:
    assert report["pydantic_modules"] == []
