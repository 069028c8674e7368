"""Type-checker test of agentica's public API (checked by pyright, never run by pytest).

``pyright agentica tests/typing`` must report 0 errors: every ``assert_type`` holds, and
every ``# type: ignore`` marks a real error (unnecessary ones are errors in this file).
"""
# pyright: reportUnnecessaryTypeIgnoreComment=true

from __future__ import annotations

from typing import assert_type

from pydantic import BaseModel

from agentica import Agent, DeepAgent, RunContext, RunResponse, Tool, Workflow, tool
from agentica.tools.function import Function


@tool
def add(a: int, b: int = 2) -> int:
    """Add two numbers."""
    return a + b


@tool(name="fetch_page", is_read_only=True, kind="fetch")
async def fetch(url: str, *, timeout: float = 10.0) -> str:
    """Fetch a page."""
    return url


class Files(Tool):
    @tool(kind="read", is_read_only=True)
    def look(self, path: str, limit: int = 10) -> list[str]:
        """Look at a file."""
        return [path] * limit


# A decorated function keeps its signature, bare or with options, sync or async.
assert_type(add(1), int)
assert_type(add(1, b=3), int)
add("one")  # type: ignore[arg-type]
add(1, c=2)  # type: ignore[call-arg]
fetch(url=3)  # type: ignore[arg-type]
assert_type(Files().look("README.md"), list[str])
Files().look(path=1)  # type: ignore[arg-type]
tool(name=3)  # type: ignore[call-overload]
assert_type(Function.from_callable(add), Function)


class Answer(BaseModel):
    value: int


async def runs() -> None:
    # Without a response model the content is the text ...
    plain = Agent(model="demo")
    assert_type(plain, Agent[str])
    assert_type((await plain.run("hi")).content, str)
    # ... with one, the parsed object.
    typed = Agent(model="demo", response_model=Answer)
    assert_type(typed, Agent[Answer])
    response = await typed.run("hi")
    assert_type(response, RunResponse[Answer])
    assert_type(response.content, Answer)
    assert_type(response.content.value, int)
    assert_type(typed.run_sync("hi").content, Answer)
    async with typed.run_stream("hi") as stream:
        async for _event in stream:
            pass
    assert_type(stream.response.content, Answer)
    sync_stream = typed.run_stream_sync("hi")
    for _event in sync_stream:
        pass
    assert_type(sync_stream.response.content, Answer)
    assert_type((await typed.print_response("hi")).content, Answer)
    assert_type((await DeepAgent(model="demo").run("hi")).content, str)
    deep = DeepAgent(model="demo", response_model=Answer)
    assert_type((await deep.run("hi")).content, Answer)
    await plain.run(42)  # type: ignore[arg-type]
    assert_type(await fetch("https://example.com", timeout=1.0), str)


class Deps(BaseModel):
    n: int


def context_tool(ctx: RunContext[Deps], x: int) -> int:
    """A tool reading its run's deps."""
    assert_type(ctx.deps, Deps)
    return ctx.deps.n + x


async def workflows() -> None:
    class Twice(Workflow):
        async def run(self, prompt: str) -> str:
            first = await self.step("one", Agent(model="demo"), prompt)
            assert_type(first, RunResponse[str])
            return first.text

    await Twice().run("hi")
    agent = Agent(model="demo", tools=[context_tool], deps_type=Deps)
    assert_type((await agent.run("hi", deps=Deps(n=1))).content, str)
