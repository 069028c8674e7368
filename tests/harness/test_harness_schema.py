"""Locating the official schema and validating payloads (with a built-in fallback)."""

from __future__ import annotations

from pathlib import Path

import pytest

from acp_server.harness import SchemaValidator

BAD_TOOL_CALL = {
    "sessionId": "s",
    "update": {"sessionUpdate": "tool_call", "toolCallId": "t", "title": "x", "kind": "bogus"},
}
GOOD_CHUNK = {
    "sessionId": "s",
    "update": {"sessionUpdate": "agent_message_chunk", "content": {"type": "text", "text": "hi"}},
}


def test_official_schema_is_found_relative_to_the_project() -> None:
    validator = SchemaValidator()
    if not validator.official:
        pytest.skip("shared/acp-schema is not beside this checkout")
    assert validator.path is not None and validator.path.name == "schema.json"
    assert validator.errors("SessionNotification", GOOD_CHUNK) == []
    assert validator.errors("SessionNotification", BAD_TOOL_CALL) != []
    assert validator.errors("PromptResponse", {"stopReason": "done"}) != []


def test_missing_schema_falls_back_to_minimal_shape_checks(tmp_path: Path) -> None:
    validator = SchemaValidator(tmp_path / "nope.json")
    assert not validator.official
    assert "built-in minimal shape checks" in validator.source
    assert validator.errors("SessionNotification", GOOD_CHUNK) == []
    assert "is not a tool kind" in validator.errors("SessionNotification", BAD_TOOL_CALL)[0]
    assert validator.errors("InitializeResponse", {"protocolVersion": "1.0.0"}) != []
