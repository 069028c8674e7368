"""Locating the official schema and validating payloads (with a built-in fallback)."""

from __future__ import annotations

import hashlib
import re
import tomllib
from pathlib import Path

import pytest

from acp_server.harness import SchemaValidator
from acp_server.harness.schema import PACKAGED_SCHEMA, find_schema

SCHEMA_DATA = PACKAGED_SCHEMA.parent

BAD_TOOL_CALL = {
    "sessionId": "s",
    "update": {"sessionUpdate": "tool_call", "toolCallId": "t", "title": "x", "kind": "bogus"},
}
GOOD_CHUNK = {
    "sessionId": "s",
    "update": {"sessionUpdate": "agent_message_chunk", "content": {"type": "text", "text": "hi"}},
}


def test_the_official_schema_ships_with_the_package_and_is_the_default() -> None:
    assert PACKAGED_SCHEMA == SCHEMA_DATA / "acp-schema-v1.json"
    assert "Apache License" in (SCHEMA_DATA / "LICENSE-acp-schema").read_text()
    validator = SchemaValidator()
    assert validator.official and validator.path == PACKAGED_SCHEMA
    assert validator.source == f"official schema {PACKAGED_SCHEMA}"
    assert validator.errors("SessionNotification", GOOD_CHUNK) == []
    assert validator.errors("SessionNotification", BAD_TOOL_CALL) != []
    assert validator.errors("PromptResponse", {"stopReason": "done"}) != []


def test_an_explicit_schema_path_wins_over_the_packaged_copy(tmp_path: Path) -> None:
    mine = tmp_path / "schema.json"
    mine.write_bytes(PACKAGED_SCHEMA.read_bytes())
    assert find_schema(mine) == mine
    assert SchemaValidator(mine).source == f"official schema {mine}"


def test_a_stray_schema_under_the_current_directory_is_not_picked_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stray = tmp_path / "shared" / "acp-schema" / "v1" / "schema.json"
    stray.parent.mkdir(parents=True)
    stray.write_text('{"$defs": {}}')
    monkeypatch.chdir(tmp_path)
    assert find_schema() == PACKAGED_SCHEMA


def test_the_packaged_files_are_the_ones_recorded_as_taken_from_upstream() -> None:
    # The README beside the files records their SHA-256 as taken from upstream; the tests
    # use only what the repository holds, so this stands in for comparing with upstream.
    readme = (SCHEMA_DATA / "README.md").read_text()
    recorded = {
        name: digest for digest, name in re.findall(r"^\s+([0-9a-f]{64})  (\S+)$", readme, re.M)
    }
    assert set(recorded) == {"acp-schema-v1.json", "LICENSE-acp-schema"}
    for name, digest in recorded.items():
        assert hashlib.sha256((SCHEMA_DATA / name).read_bytes()).hexdigest() == digest, name


def test_pyproject_declares_the_schema_files_as_package_data() -> None:
    pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
    if not pyproject.is_file():
        pytest.skip("not running from a source checkout")
    data = tomllib.loads(pyproject.read_text())["tool"]["setuptools"]["package-data"]
    assert {
        "harness/schema_data/acp-schema-v1.json",
        "harness/schema_data/LICENSE-acp-schema",
    } <= set(data["acp_server"])


def test_missing_schema_falls_back_to_minimal_shape_checks(tmp_path: Path) -> None:
    validator = SchemaValidator(tmp_path / "nope.json")
    assert not validator.official
    assert "built-in minimal shape checks" in validator.source
    assert validator.errors("SessionNotification", GOOD_CHUNK) == []
    assert "is not a tool kind" in validator.errors("SessionNotification", BAD_TOOL_CALL)[0]
    assert validator.errors("InitializeResponse", {"protocolVersion": "1.0.0"}) != []
