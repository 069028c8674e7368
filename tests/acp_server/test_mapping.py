"""The pure event -> session/update mapping and prompt -> user message conversion."""

from __future__ import annotations

import pytest
from schema_util import validate_def, validate_update

from acp_server import wire
from acp_server.errors import RpcError
from acp_server.mapping import (
    event_to_updates,
    failed_update,
    prompt_to_message,
    stop_reason,
    text_chunk,
)
from agentica.events import (
    DiffContent,
    Location,
    PlanEntry,
    PlanUpdated,
    RunFinished,
    TerminalContent,
    TextContent,
    TextDelta,
    ThinkingDelta,
    ToolCallFinished,
    ToolCallProgress,
    ToolCallStarted,
    Usage,
    UsageUpdated,
)
from agentica.messages import ImagePart, TextPart


def one(event, **kw):
    updates = event_to_updates(event, **kw)
    assert len(updates) == 1, updates
    validate_update(updates[0])
    return updates[0]


def test_text_delta_maps_to_agent_message_chunk_with_message_id():
    u = one(TextDelta(message_id="m1", text="Hello"))
    assert u == {
        "sessionUpdate": "agent_message_chunk",
        "content": {"type": "text", "text": "Hello"},
        "messageId": "m1",
    }


def test_thinking_delta_maps_to_agent_thought_chunk():
    u = one(ThinkingDelta(message_id="m1", text="hmm"))
    assert u["sessionUpdate"] == "agent_thought_chunk"
    assert u["content"]["text"] == "hmm"


def test_empty_text_delta_sends_nothing():
    assert event_to_updates(TextDelta(message_id="m", text="")) == []


def test_tool_call_started_maps_to_pending_tool_call():
    u = one(
        ToolCallStarted(
            call_id="c1",
            tool_name="edit_file",
            title="Edit src/a.py",
            kind="edit",
            arguments={"file_path": "src/a.py"},
            locations=(Location(path="/p/src/a.py", line=3),),
        )
    )
    assert u == {
        "sessionUpdate": "tool_call",
        "toolCallId": "c1",
        "title": "Edit src/a.py",
        "kind": "edit",
        "status": "pending",
        "locations": [{"path": "/p/src/a.py", "line": 3}],
        "rawInput": {"file_path": "src/a.py"},
    }


def test_tool_call_started_without_title_uses_tool_name():
    u = one(ToolCallStarted(call_id="c1", tool_name="ls", title=""))
    assert u["title"] == "ls"
    assert "locations" not in u


def test_tool_call_progress_maps_status_and_terminal_content():
    u = one(ToolCallProgress(call_id="c1", status="in_progress"))
    assert u == {"sessionUpdate": "tool_call_update", "toolCallId": "c1", "status": "in_progress"}
    u = one(ToolCallProgress(call_id="c1", content=(TerminalContent(terminal_id="t1"),)))
    assert u["content"] == [{"type": "terminal", "terminalId": "t1"}]
    assert "status" not in u


def test_tool_call_finished_with_diff_maps_to_completed_update():
    u = one(
        ToolCallFinished(
            call_id="c1",
            tool_name="edit_file",
            status="completed",
            result="edited",
            content=(DiffContent(path="/p/a.py", old_text="a\n", new_text="b\n"),),
        )
    )
    assert u["status"] == "completed"
    assert u["content"] == [{"type": "diff", "path": "/p/a.py", "oldText": "a\n", "newText": "b\n"}]
    assert u["rawOutput"] == {"result": "edited"}


def test_tool_call_finished_new_file_diff_has_no_old_text():
    u = one(
        ToolCallFinished(
            call_id="c1",
            tool_name="write_file",
            status="completed",
            result="written",
            content=(DiffContent(path="/p/new.py", old_text=None, new_text="x"),),
        )
    )
    assert u["content"] == [{"type": "diff", "path": "/p/new.py", "newText": "x"}]


def test_tool_call_finished_without_content_shows_result_text():
    u = one(ToolCallFinished(call_id="c1", tool_name="ls", status="completed", result="a.py"))
    assert u["content"] == [{"type": "content", "content": {"type": "text", "text": "a.py"}}]


@pytest.mark.parametrize("status", ["failed", "cancelled"])
def test_tool_call_finished_failed_or_cancelled_maps_to_failed_with_error(status):
    u = one(
        ToolCallFinished(call_id="c1", tool_name="execute", status=status, result="x", error="boom")
    )
    assert u["status"] == "failed"
    assert u["content"][0]["content"]["text"] == "boom"
    assert u["rawOutput"]["error"] == "boom"


def test_tool_call_finished_never_mentions_a_released_terminal():
    # The terminal was embedded while the command ran and is released by now (§18.54).
    u = one(
        ToolCallFinished(
            call_id="c1",
            tool_name="execute",
            status="completed",
            result="ok",
            content=(TextContent(text="out"), TerminalContent(terminal_id="t9")),
            locations=(Location(path="/p/x"),),
        )
    )
    assert u["content"] == [{"type": "content", "content": {"type": "text", "text": "out"}}]
    assert u["locations"] == [{"path": "/p/x"}]


def test_tool_call_finished_with_only_a_terminal_leaves_the_content_unchanged():
    u = one(
        ToolCallFinished(
            call_id="c1",
            tool_name="execute",
            status="completed",
            result="hi\n[exit code 0]",
            content=(TerminalContent(terminal_id="t9"),),
        )
    )
    assert "content" not in u
    assert u["status"] == "completed"
    assert u["rawOutput"]["result"] == "hi\n[exit code 0]"


def test_plan_updated_maps_to_complete_plan():
    u = one(
        PlanUpdated(
            entries=(
                PlanEntry(content="read", status="completed", priority="high"),
                PlanEntry(content="write"),
            )
        )
    )
    assert u == {
        "sessionUpdate": "plan",
        "entries": [
            {"content": "read", "priority": "high", "status": "completed"},
            {"content": "write", "priority": "medium", "status": "pending"},
        ],
    }


def test_usage_update_sent_only_when_context_size_is_known():
    ev = UsageUpdated(usage=Usage(total_tokens=5), context_used=120)
    assert event_to_updates(ev) == []
    assert one(ev, context_size=1000) == {
        "sessionUpdate": "usage_update",
        "used": 120,
        "size": 1000,
    }
    ev2 = UsageUpdated(usage=Usage(), context_used=7, context_size=64)
    assert one(ev2, context_size=1000)["size"] == 64


def test_run_finished_sends_nothing():
    assert event_to_updates(RunFinished(stop_reason="end_turn", content="", usage=Usage())) == []


@pytest.mark.parametrize(
    ("ours", "acp"),
    [
        ("end_turn", "end_turn"),
        ("max_turns", "max_turn_requests"),
        ("max_tokens", "max_tokens"),
        ("refusal", "refusal"),
        ("cancelled", "cancelled"),
    ],
)
def test_stop_reason_maps_to_acp(ours, acp):
    assert stop_reason(ours) == acp
    validate_def("StopReason", acp)


def test_failed_update_and_text_chunk_are_valid():
    validate_update(failed_update("c1"))
    validate_update(text_chunk("hi"))
    assert "messageId" not in text_chunk("hi")


def parse_prompt(blocks):
    return wire.parse(wire.PromptParams, {"sessionId": "s", "prompt": blocks}).prompt


def test_prompt_text_and_resource_link_become_one_text_message():
    msg = prompt_to_message(
        parse_prompt(
            [
                {"type": "text", "text": "Explain"},
                {"type": "resource_link", "uri": "file:///p/a.py", "name": "a.py"},
            ]
        )
    )
    assert msg.role == "user"
    assert msg.content == "Explain @a.py (file:///p/a.py)"


def test_prompt_embedded_text_resource_is_wrapped_with_its_uri():
    msg = prompt_to_message(
        parse_prompt(
            [
                {"type": "text", "text": "Fix this"},
                {
                    "type": "resource",
                    "resource": {
                        "uri": "file:///p/b.py",
                        "text": "x = 1",
                        "mimeType": "text/x-python",
                    },
                },
            ]
        )
    )
    assert '<context uri="file:///p/b.py">\nx = 1\n</context>' in msg.text
    assert msg.text.startswith("Fix this")


def test_prompt_blob_resource_is_mentioned_not_inlined():
    msg = prompt_to_message(
        parse_prompt([{"type": "resource", "resource": {"uri": "file:///p/x.bin", "blob": "AAAA"}}])
    )
    assert "file:///p/x.bin" in msg.text
    assert "AAAA" not in msg.text


def test_prompt_image_becomes_image_part_when_model_supports_images():
    blocks = parse_prompt(
        [
            {"type": "text", "text": "what is this"},
            {"type": "image", "data": "iVBO", "mimeType": "image/png"},
        ]
    )
    msg = prompt_to_message(blocks, supports_images=True)
    assert msg.content == [
        TextPart(text="what is this"),
        ImagePart(data="iVBO", mime_type="image/png"),
    ]
    text_only = prompt_to_message(blocks, supports_images=False)
    assert isinstance(text_only.content, str)
    assert "image" in text_only.content


@pytest.mark.parametrize(
    "prompt",
    [
        "hello",
        [{"type": "text"}],
        [{"type": "video", "data": "x"}],
    ],
    ids=["string-prompt", "text-without-text", "unknown-block"],
)
def test_malformed_prompt_is_invalid_params(prompt):
    with pytest.raises(RpcError) as e:
        wire.parse(wire.PromptParams, {"sessionId": "s", "prompt": prompt})
    assert e.value.code == -32602
    assert "session/prompt" in e.value.message


def test_prompt_params_accept_meta_and_unknown_keys():
    p = wire.parse(
        wire.PromptParams,
        {
            "sessionId": "s",
            "prompt": [{"type": "text", "text": "hi", "annotations": {"priority": 1}}],
            "_meta": {"traceparent": "00-x"},
            "extra": 1,
        },
    )
    assert p.meta == {"traceparent": "00-x"}
    assert wire.dump(p)["_meta"] == {"traceparent": "00-x"}
