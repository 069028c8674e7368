"""Validate ACP payloads against the official v1 JSON schema (the copy the package bundles).

Used by the mapping and handler unit tests and by the end-to-end tests (which validate
every message the server writes)::

    validate_def("SessionUpdate", update)
    validate_agent_message(msg, request_method="session/prompt")  # for a response
"""

from __future__ import annotations

import functools
import json
from typing import Any

import jsonschema

from acp_server.harness.schema import PACKAGED_SCHEMA

# The tests use only what the repository holds: the schema file shipped in the package.
SCHEMA_PATH = PACKAGED_SCHEMA
if not SCHEMA_PATH.is_file():
    raise RuntimeError(f"the official ACP schema is missing: expected it at {SCHEMA_PATH}")

AGENT_REQUESTS = {
    "session/request_permission": "RequestPermissionRequest",
    "fs/read_text_file": "ReadTextFileRequest",
    "fs/write_text_file": "WriteTextFileRequest",
    "terminal/create": "CreateTerminalRequest",
    "terminal/output": "TerminalOutputRequest",
    "terminal/wait_for_exit": "WaitForTerminalExitRequest",
    "terminal/kill": "KillTerminalRequest",
    "terminal/release": "ReleaseTerminalRequest",
}
"""Agent -> client request methods and the schema type of their params."""

AGENT_NOTIFICATIONS = {
    "session/update": "SessionNotification",
    "$/cancel_request": "CancelRequestNotification",
}

RESPONSES = {
    "initialize": "InitializeResponse",
    "session/new": "NewSessionResponse",
    "session/prompt": "PromptResponse",
    "session/load": "LoadSessionResponse",
    "authenticate": "AuthenticateResponse",
    "session/set_mode": "SetSessionModeResponse",
    "session/set_config_option": "SetSessionConfigOptionResponse",
}
"""Client -> agent request methods and the schema type of the agent's result."""


@functools.cache
def _schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text())


@functools.cache
def _validator(ref: str) -> jsonschema.protocols.Validator:
    schema = _schema()
    sub = {"$schema": schema["$schema"], "$defs": schema["$defs"], "$ref": ref}
    cls = jsonschema.validators.validator_for(schema)
    return cls(sub)


@functools.cache
def agent_message_validator() -> jsonschema.protocols.Validator:
    """A validator of any message an agent may write (the schema's agent branch)."""
    schema = _schema()
    cls = jsonschema.validators.validator_for(schema)
    return cls({**schema["anyOf"][0], "$defs": schema["$defs"]})


def validate_def(name: str, instance: Any) -> None:
    """Raise ``jsonschema.ValidationError`` unless ``instance`` is a valid ``$defs[name]``."""
    _validator(f"#/$defs/{name}").validate(instance)


def validate_update(update: dict[str, Any]) -> None:
    """Validate one ``session/update`` ``update`` payload."""
    validate_def("SessionUpdate", update)


def validate_agent_message(msg: dict[str, Any], *, request_method: str | None = None) -> None:
    """Validate one message the agent wrote to stdout.

    Args:
        msg: The decoded JSON object.
        request_method: For a response, the method of the request it answers (then the
            result is checked against that method's response type).
    """
    assert msg.get("jsonrpc") == "2.0", msg
    agent_message_validator().validate(msg)
    method = msg.get("method")
    if method is not None:
        if "id" in msg:
            assert method in AGENT_REQUESTS, f"unexpected agent request {method}"
            validate_def(AGENT_REQUESTS[method], msg.get("params"))
        else:
            assert method in AGENT_NOTIFICATIONS, f"unexpected agent notification {method}"
            validate_def(AGENT_NOTIFICATIONS[method], msg.get("params"))
        return
    assert "id" in msg, msg
    assert ("result" in msg) != ("error" in msg), msg
    if "error" in msg:
        validate_def("Error", msg["error"])
    elif request_method in RESPONSES:
        validate_def(RESPONSES[request_method], msg["result"])
