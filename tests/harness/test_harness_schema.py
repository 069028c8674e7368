"""Locating the official schema and validating payloads (with a built-in fallback)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from harness_util import SHARED_SCHEMA_DIR

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


@pytest.mark.parametrize(
    ("packaged", "upstream"),
    [("acp-schema-v1.json", "v1/schema.json"), ("LICENSE-acp-schema", "LICENSE")],
)
def test_the_packaged_copy_is_identical_to_the_shared_upstream_files(
    packaged: str, upstream: str
) -> None:
    source = SHARED_SCHEMA_DIR / upstream
    if not source.is_file():
        pytest.skip(f"{source} is not beside this checkout")
    assert (SCHEMA_DATA / packaged).read_bytes() == source.read_bytes()


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
