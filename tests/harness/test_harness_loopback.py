"""The loopback model: both OpenAI APIs as the official client reads them, and a check run
that drives our own server's tools through it."""

from __future__ import annotations

import json
import sys
from typing import Any

import openai
import pytest

from acp_server.harness.cli import main
from acp_server.harness.loopback import LoopbackServer

SHELL_TOOL = {
    "type": "function",
    "function": {
        "name": "execute",
        "parameters": {"type": "object", "properties": {"command": {"type": "string"}}},
    },
}


def test_chat_completions_stream_a_shell_call_then_text() -> None:
    with LoopbackServer() as model:
        client = openai.OpenAI(base_url=model.base_url, api_key="k")
        messages: list[Any] = [{"role": "user", "content": "Run `sleep 30` please"}]
        stream = client.chat.completions.create(
            model="m", messages=messages, tools=[SHELL_TOOL], stream=True
        )
        calls = [c for chunk in stream for c in chunk.choices[0].delta.tool_calls or []]
        assert calls[0].function is not None
        assert calls[0].function.name == "execute"
        assert json.loads(calls[0].function.arguments or "") == {"command": "sleep 30"}
        messages += [
            {"role": "assistant", "tool_calls": [calls[0].model_dump()]},
            {"role": "tool", "tool_call_id": calls[0].id, "content": "ok"},
        ]
        done = client.chat.completions.create(model="m", messages=messages, tools=[SHELL_TOOL])
        assert done.choices[0].message.content == "Done."


def test_the_responses_api_calls_a_codex_style_shell_tool() -> None:
    tool = {
        "type": "function",
        "name": "shell",
        "parameters": {"type": "object", "properties": {"command": {"type": "array"}}},
    }
    with LoopbackServer() as model:
        client = openai.OpenAI(base_url=model.base_url, api_key="k")
        events = list(
            client.responses.create(
                model="m", input="please sleep 30 seconds", tools=[tool], stream=True
            )
        )  # type: ignore[call-overload]
        completed = [e for e in events if e.type == "response.completed"]
        assert len(completed) == 1
        item = completed[0].response.output[0]
        assert item.type == "function_call" and item.name == "shell"
        assert json.loads(item.arguments) == {"command": ["bash", "-lc", "sleep 30"]}
        text = client.responses.create(model="m", input="Say hello", stream=False)
        assert "Hello" in text.output_text


def test_check_with_the_loopback_model_runs_our_servers_tools(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = [sys.executable, "-m", "acp_server", "--model", "loopback-model"]
    only = [
        "--only",
        "prompt",
        "--only",
        "cancel.terminal",
        "--only",
        "client",
        "--only",
        "updates",
    ]
    assert main(["check", "--loopback", "--timeout", "15", *only, "--", *argv]) == 0
    out = capsys.readouterr().out
    assert "# loopback model at http://127.0.0.1:" in out
    assert "PASS prompt.basic" in out and "1 tool calls" in out
    assert "PASS cancel.terminal" in out and "all released; the turn ended cancelled" in out
    assert "FAIL" not in out and "WARN" not in out
