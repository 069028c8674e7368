"""Messages are plain dataclasses: pydantic's surface, pydantic's format, without pydantic."""

from __future__ import annotations

import datetime
import json
import subprocess
import sys

import pytest
from pydantic import ValidationError

from agentica.messages import ImagePart, Message, MessageList, TextPart, ToolCall

# Written by agentica's earlier, pydantic-based messages (``MessageList.dump_json(history,
# exclude_defaults=True)``), as session databases hold them: they must load, and dump again
# to the same bytes.
EARLIER = (
    '[{"role":"system","content":"You are terse."},{"role":"user","content":[{"type":"text",'
    '"text":"Here:"},{"type":"image","data":"iVBORyBmYWtl"},{"type":"image","mime_type":'
    '"image/jpeg","url":"https://x.invalid/c.jpg"}]},{"role":"assistant","content":"Let me '
    'look.","reasoning_content":"r","tool_calls":[{"id":"c1","name":"ls","arguments":'
    '"{\\"path\\": \\"src\\"}"}]},{"role":"tool","content":"a.py ünï","tool_call_id":"c1",'
    '"name":"ls","is_error":true},{"role":"assistant","content":"done","metadata":'
    '{"message_id":"m-1","n":[1,2]}}]'
).encode()


def test_a_history_written_by_the_pydantic_messages_loads_and_dumps_to_the_same_bytes():
    history = MessageList.validate_json(EARLIER)
    assert history[1].content == [
        TextPart(text="Here:"),
        ImagePart(data="iVBORyBmYWtl"),
        ImagePart(url="https://x.invalid/c.jpg", mime_type="image/jpeg"),
    ]
    assert history[2].tool_calls == [ToolCall(id="c1", name="ls", arguments='{"path": "src"}')]
    assert history[3].is_error and history[3].tool_call_id == "c1"
    assert MessageList.dump_json(history, exclude_defaults=True) == EARLIER
    # Each message alone, as the session store writes rows.
    rows = [m.model_dump_json(exclude_defaults=True) for m in history]
    assert ("[" + ",".join(rows) + "]").encode() == EARLIER


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: Message(role="robot"), "role"),  # type: ignore[arg-type]
        (lambda: Message(role="user", content=5), "content"),  # type: ignore[arg-type]
        (lambda: Message(role="assistant", tool_calls=[{"id": 1, "name": "x"}]), "tool_calls.0.id"),
        (lambda: Message(role="user", content=[{"type": "video"}]), "content.list.0"),
        (lambda: Message(role="tool", is_error="maybe"), "is_error"),  # type: ignore[arg-type]
        (lambda: TextPart(text=None), "text"),  # type: ignore[arg-type]
        (lambda: ToolCall(id="c", name="n", arguments={"a": 1}), "arguments"),  # type: ignore[arg-type]
    ],
)
def test_a_bad_message_is_refused_when_built_naming_the_field(build, field):
    with pytest.raises(ValidationError) as caught:
        build()
    assert ".".join(str(p) for p in caught.value.errors()[0]["loc"]) == field


def test_dict_parts_and_calls_become_objects_and_the_callers_lists_are_copied():
    parts: list = [{"type": "text", "text": "look"}, {"type": "image", "data": "aGk="}]
    message = Message(role="user", content=parts)
    assert message.content == [TextPart(text="look"), ImagePart(data="aGk=")]
    parts.append(TextPart(text="later"))
    assert len(message.content) == 2
    call = Message(role="assistant", tool_calls=[{"id": "c", "name": "ls", "extra": 1}])
    assert call.tool_calls == [ToolCall(id="c", name="ls")]
    assert message.text == "look"


def test_the_pydantic_style_methods_work():
    when = datetime.datetime(2026, 12, 2, 1, 2, 3)
    message = Message.user("hi").model_copy(update={"metadata": {"at": when}})
    assert message.model_dump(mode="json")["metadata"] == {"at": "2026-12-02T01:02:03"}
    assert message.model_dump()["metadata"] == {"at": when}
    assert json.loads(message.model_dump_json())["metadata"] == {"at": "2026-12-02T01:02:03"}
    again = Message.model_validate_json(message.model_dump_json())
    assert again.content == "hi" and again.metadata == {"at": "2026-12-02T01:02:03"}
    assert Message.model_validate({"role": "system", "content": "x", "unknown": 1}) == (
        Message.system("x")
    )
    assert ToolCall.model_validate({"id": "c", "name": "ls"}).arguments == "{}"
    with pytest.raises(ValidationError, match="role"):
        Message.model_validate({"content": "no role"})
    with pytest.raises(ValidationError, match="literal_error"):
        message.model_copy(update={"role": "robot"})
    with pytest.raises(AttributeError):
        message.role = "system"  # type: ignore[misc]


def test_broken_json_and_a_missing_role_are_clear_errors():
    with pytest.raises(ValidationError, match="json_invalid"):
        MessageList.validate_json(b"[{")
    with pytest.raises(ValidationError, match=r"1\.role\n  Field required"):
        MessageList.validate_json(b'[{"role": "user"}, {"content": "x"}]')
    with pytest.raises(ValidationError, match="list_type"):
        MessageList.validate_python({"role": "user"})


def test_messages_need_no_pydantic():
    code = (
        "import sys\n"
        "from agentica.messages import Message, MessageList, TextPart\n"
        "h = [Message.user([TextPart(text='x')]), Message.assistant('y')]\n"
        "assert MessageList.validate_json(MessageList.dump_json(h)) == h\n"
        "roots = {m.split('.')[0] for m in sys.modules}\n"
        "print(sorted(roots & {'pydantic', 'pydantic_core'}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
