"""History serialisation: ``MessageList`` JSON round trips, for hand-built and real runs."""

from __future__ import annotations

import base64
import json

import anyio
import pytest
from pydantic import ValidationError

from agentica.agent import Agent
from agentica.messages import ImagePart, Message, MessageList, TextPart, ToolCall
from agentica.testing import ScriptedModel, tool_call

PIXEL = base64.b64encode(b"\x89PNG\r\n\x1a\n a tiny fake image").decode()


def full_history() -> list[Message]:
    return [
        Message.system("You are terse."),
        Message.user("What is in the picture and in src/?"),
        Message.user(
            [
                TextPart(text="Here it is:"),
                ImagePart(data=PIXEL, mime_type="image/png"),
                ImagePart(url="https://example.invalid/cat.jpg", mime_type="image/jpeg"),
            ]
        ),
        Message.assistant(
            "Let me look.",
            reasoning_content="The user wants a listing; call ls.",
            tool_calls=[
                ToolCall(id="c1", name="ls", arguments='{"path": "src"}'),
                ToolCall(id="c2", name="read_file", arguments='{"file_path": "ünïcode.txt"}'),
            ],
        ),
        Message.tool("c1", "ls", "a.py\nb.py"),
        Message.tool("c2", "read_file", "file not found: ünïcode.txt", is_error=True),
        Message(
            role="assistant",
            content="A pixel; src/ has a.py and b.py.",
            metadata={"message_id": "m-1", "stop_reason": "end_turn"},
        ),
    ]


def test_a_history_round_trips_through_json():
    history = full_history()
    data = MessageList.dump_json(history)
    back = MessageList.validate_json(data)
    assert back == history
    assert MessageList.dump_json(back) == data
    # The document is plain JSON: each part names its type, tool calls keep raw arguments.
    doc = json.loads(data)
    assert [p["type"] for p in doc[2]["content"]] == ["text", "image", "image"]
    assert doc[3]["tool_calls"][0] == {"id": "c1", "name": "ls", "arguments": '{"path": "src"}'}
    assert doc[3]["reasoning_content"] == "The user wants a listing; call ls."
    assert doc[5]["is_error"] is True and doc[5]["tool_call_id"] == "c2"


def test_a_history_round_trips_through_python_json_mode():
    history = full_history()
    plain = MessageList.dump_python(history, mode="json")
    assert MessageList.validate_python(json.loads(json.dumps(plain))) == history


def test_a_history_dumped_without_nones_still_loads():
    history = full_history()
    data = MessageList.dump_json(history, exclude_none=True)
    assert b"null" not in data
    assert MessageList.validate_json(data) == history


def test_an_invalid_document_is_rejected_clearly():
    with pytest.raises(ValidationError, match="role"):
        MessageList.validate_json(b'[{"role": "robot", "content": "hi"}]')
    with pytest.raises(ValidationError):
        MessageList.validate_json(b'[{"role": "user", "content": [{"type": "video"}]}]')


async def test_the_history_of_a_real_run_round_trips_and_continues():
    def ls(path: str = ".") -> str:
        """List a directory."""
        return "a.py\nb.py"

    model = ScriptedModel(
        [
            ScriptedModel.tool_calls(
                tool_call("ls", {"path": "src"}, id="c1"),
                tool_call("missing_tool", {}, id="c2"),
                text="Looking.",
                thinking="I should list src.",
            ),
            ScriptedModel.text("src has a.py and b.py.", thinking="Done."),
            ScriptedModel.text("Still two files."),
        ]
    )
    agent = Agent(model=model, tools=[ls], instructions="Be terse.")
    prompt = Message.user([TextPart(text="What is in src?"), ImagePart(data=PIXEL)])
    with anyio.fail_after(10):
        await agent.run(prompt)
    history = agent.messages
    roles = [m.role for m in history]
    assert roles == ["user", "assistant", "tool", "tool", "assistant"]
    assert history[1].reasoning_content == "I should list src."
    assert [c.name for c in history[1].tool_calls] == ["ls", "missing_tool"]
    assert history[3].is_error

    back = MessageList.validate_json(MessageList.dump_json(history))
    assert back == history

    resumed = Agent(model=model, tools=[ls], instructions="Be terse.", history=back)
    with anyio.fail_after(10):
        result = await resumed.run("And now?")
    assert result.text == "Still two files."
    seen = model.calls[-1].messages
    assert [m for m in seen if m.role != "system"][: len(history)] == history
    model.assert_complete()


def test_message_list_loads_back_a_dump_made_with_exclude_defaults():
    from agentica.messages import ImagePart, Message, MessageList, TextPart

    history = [Message.user([TextPart(text="look"), ImagePart(data="aGk=")])]
    dumped = MessageList.dump_json(history, exclude_defaults=True)
    assert MessageList.validate_json(dumped) == history
