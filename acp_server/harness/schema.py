"""Validating payloads against the official ACP v1 JSON schema.

The schema is the one given explicitly (``--schema PATH``), else the copy shipped with this
package (``schema_data/acp-schema-v1.json``, Apache-2.0, see ``LICENSE-acp-schema`` beside
it). When it cannot be read (or ``jsonschema`` is missing) a built-in minimal shape check is
used instead, and :attr:`SchemaValidator.source` says so.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

PACKAGED_SCHEMA = Path(__file__).resolve().parent / "schema_data" / "acp-schema-v1.json"
"""The official ACP v1 schema shipped with the package."""

CLIENT_METHOD_DEFS = {
    "session/request_permission": "RequestPermissionRequest",
    "fs/read_text_file": "ReadTextFileRequest",
    "fs/write_text_file": "WriteTextFileRequest",
    "terminal/create": "CreateTerminalRequest",
    "terminal/output": "TerminalOutputRequest",
    "terminal/release": "ReleaseTerminalRequest",
    "terminal/wait_for_exit": "WaitForTerminalExitRequest",
    "terminal/kill": "KillTerminalRequest",
    "elicitation/create": "CreateElicitationRequest",
}
"""Agent->client request methods and the schema definition of their params."""

STOP_REASONS = {"end_turn", "max_tokens", "max_turn_requests", "refusal", "cancelled"}
UPDATE_KINDS = {
    "user_message_chunk",
    "agent_message_chunk",
    "agent_thought_chunk",
    "tool_call",
    "tool_call_update",
    "plan",
    "available_commands_update",
    "current_mode_update",
    "config_option_update",
    "session_info_update",
    "usage_update",
}
TOOL_KINDS = {
    "read",
    "edit",
    "delete",
    "move",
    "search",
    "execute",
    "think",
    "fetch",
    "switch_mode",
    "other",
}
TOOL_STATUSES = {"pending", "in_progress", "completed", "failed"}


def find_schema(explicit: str | os.PathLike[str] | None = None) -> Path | None:
    """The schema file: ``explicit`` if given (None if it does not exist), else the packaged one."""
    if explicit is not None:
        path = Path(explicit)
        return path if path.is_file() else None
    return PACKAGED_SCHEMA if PACKAGED_SCHEMA.is_file() else None


class SchemaValidator:
    """Validates a payload against one ``$defs`` entry of the ACP schema."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = find_schema(path)
        self._defs: dict[str, Any] | None = None
        self._validators: dict[str, Any] = {}
        self.source = "built-in minimal shape checks (official schema not found)"
        if self.path is not None:
            try:
                import jsonschema  # noqa: F401

                with open(self.path, encoding="utf-8") as fh:
                    self._defs = json.load(fh)["$defs"]
                self.source = f"official schema {self.path}"
            except ImportError:
                self.source = "built-in minimal shape checks (jsonschema is not installed)"
            except (OSError, ValueError, KeyError) as exc:
                self.source = f"built-in minimal shape checks (cannot read {self.path}: {exc})"

    @property
    def official(self) -> bool:
        """True when the official schema is in use."""
        return self._defs is not None

    def errors(self, definition: str, value: Any) -> list[str]:
        """Problems with ``value`` as an instance of ``definition`` (empty when valid)."""
        if self._defs is None:
            return _minimal(definition, value)
        validator = self._validators.get(definition)
        if validator is None:
            from jsonschema import Draft202012Validator

            if definition not in self._defs:
                return [f"the schema has no definition {definition!r}"]
            root = {"$defs": self._defs, "$ref": f"#/$defs/{definition}"}
            validator = self._validators[definition] = Draft202012Validator(root)
        out = []
        for err in validator.iter_errors(value):
            where = "/".join(str(p) for p in err.absolute_path) or "(root)"
            out.append(f"{where}: {_short(err.message)}")
            if len(out) >= 3:
                break
        return out


def _short(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _minimal(definition: str, value: Any) -> list[str]:
    """A few shape checks used when the official schema is unavailable."""
    if not isinstance(value, dict):
        return [f"(root): expected an object, got {type(value).__name__}"]
    match definition:
        case "InitializeResponse":
            v = value.get("protocolVersion")
            if not isinstance(v, int) or isinstance(v, bool):
                return [f"protocolVersion: expected an integer, got {v!r}"]
        case "NewSessionResponse":
            if not isinstance(value.get("sessionId"), str):
                return ["sessionId: expected a string"]
        case "PromptResponse":
            if value.get("stopReason") not in STOP_REASONS:
                return [f"stopReason: {value.get('stopReason')!r} is not a v1 stop reason"]
        case "SessionNotification":
            return _minimal_update(value)
        case "Error":
            code, msg = value.get("code"), value.get("message")
            if not isinstance(code, int) or isinstance(code, bool) or not isinstance(msg, str):
                return ["expected {code: int, message: str}"]
    return []


def _minimal_update(value: dict[str, Any]) -> list[str]:
    if not isinstance(value.get("sessionId"), str):
        return ["sessionId: expected a string"]
    update = value.get("update")
    if not isinstance(update, dict):
        return ["update: expected an object"]
    kind = update.get("sessionUpdate")
    if kind not in UPDATE_KINDS:
        return [f"update/sessionUpdate: {kind!r} is not a v1 update"]
    if kind.endswith("_chunk") and not isinstance(update.get("content"), dict):
        return [f"update/content: {kind} needs a content block"]
    if kind in ("tool_call", "tool_call_update"):
        if not isinstance(update.get("toolCallId"), str):
            return ["update/toolCallId: expected a string"]
        if kind == "tool_call" and not isinstance(update.get("title"), str):
            return ["update/title: a tool_call needs a title"]
        if update.get("kind") not in (None, *TOOL_KINDS):
            return [f"update/kind: {update.get('kind')!r} is not a tool kind"]
        if update.get("status") not in (None, *TOOL_STATUSES):
            return [f"update/status: {update.get('status')!r} is not a tool status"]
    if kind == "plan" and not isinstance(update.get("entries"), list):
        return ["update/entries: expected an array"]
    return []
