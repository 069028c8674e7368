"""The ``initialize`` handshake without pydantic: quick params check, result as dicts.

Answering ``initialize`` must not wait for the wire models, the mapping or agentica's
engine (see ``acp_server.handlers``). This module imports nothing beyond the standard
library; tests check that it agrees with the pydantic models it stands in for.
"""

from __future__ import annotations

import os
import sys
from typing import Any

PROTOCOL_VERSION = 1
"""The only protocol version this server speaks (``acp_server.wire.PROTOCOL_VERSION``)."""


def agent_version() -> str:
    """agentica's installed version, "0.0.0" in a bare checkout.

    The ``agentica-<version>.dist-info`` directory is looked up on ``sys.path`` by hand:
    ``importlib.metadata`` alone takes ~25 ms to import, half the startup budget.
    """
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for name in names:
            low = name.lower()
            if low.startswith("agentica-") and low.endswith(".dist-info"):
                return name[len("agentica-") : -len(".dist-info")]
            if low.startswith(("agentica.", "agentica-")) and low.endswith(".egg-info"):
                try:  # A source checkout's setuptools metadata: PKG-INFO's Version line.
                    with open(os.path.join(entry or ".", name, "PKG-INFO"), encoding="utf-8") as f:
                        for line in f:
                            if line.startswith("Version:"):
                                return line.partition(":")[2].strip()
                except OSError:
                    pass
    try:
        from importlib.metadata import version

        return version("agentica")
    except Exception:  # metadata missing in a bare checkout
        return "0.0.0"


def initialize_result(*, image: bool, version: str) -> dict[str, Any]:
    """The ``initialize`` result, as ``wire.dump(wire.InitializeResult(...))`` gives it."""
    return {
        "protocolVersion": PROTOCOL_VERSION,
        "agentCapabilities": {
            "loadSession": False,
            "promptCapabilities": {"image": image, "audio": False, "embeddedContext": True},
            "mcpCapabilities": {"http": False, "sse": False},
            # Each additional directory becomes a root of the session's file tools.
            "sessionCapabilities": {"additionalDirectories": {}},
        },
        "authMethods": [],
        "agentInfo": {"name": "agentica", "title": "Agentica", "version": version},
    }


def _meta_ok(obj: dict[str, Any]) -> bool:
    """``_meta`` absent, null or an object; no snake_case ``meta`` (pydantic reads it too)."""
    return "meta" not in obj and (obj.get("_meta") is None or isinstance(obj["_meta"], dict))


def quick_initialize_params(params: Any) -> tuple[int, dict[str, Any]] | None:
    """``(protocolVersion, raw clientCapabilities)`` when ``wire.InitializeParams`` surely
    accepts ``params``; None when only the pydantic model can tell (then it must decide).

    Keeps ``initialize`` free of pydantic model building. Deliberately narrow: anything
    unusual (snake_case keys, non-bool flags, a ``clientInfo`` with a non-string title)
    takes the slow path, whose result or -32602 is authoritative.
    """
    if not isinstance(params, dict) or not _meta_ok(params):
        return None
    if {"protocol_version", "client_capabilities", "client_info"} & params.keys():
        return None
    version = params.get("protocolVersion")
    if type(version) is not int or version < 0:
        return None
    caps = params.get("clientCapabilities")
    if caps is None:
        caps = {}
    if not isinstance(caps, dict) or not _meta_ok(caps):
        return None
    fs = caps.get("fs")
    if fs is not None:
        if not isinstance(fs, dict) or not _meta_ok(fs):
            return None
        if {"read_text_file", "write_text_file"} & fs.keys():
            return None
        if any(type(fs.get(k, False)) is not bool for k in ("readTextFile", "writeTextFile")):
            return None
    info = params.get("clientInfo")
    if isinstance(info, dict) and isinstance(info.get("name"), str):  # Else dropped.
        if not _meta_ok(info) or not isinstance(info.get("title") or "", str):
            return None
    return version, caps


def spec_supports_images(spec: str) -> bool:
    """``get_model(spec).supports_images`` without creating the model (False if it fails).

    Mirrors ``agentica.models.registry.get_model``: the demo model is text-only, and an
    OpenAI-compatible model takes images when its name says so
    (``agentica.models.presets.known_supports_images``, a light module). A test keeps the
    two in step.
    """
    spec = spec.strip()
    if not spec or is_demo_spec(spec):
        return False
    from agentica.models.presets import find_preset, known_supports_images

    if "/" not in spec:
        preset = find_preset(spec)
        return known_supports_images(preset.default_model if preset else spec)
    prefix, name = spec.split("/", 1)
    return find_preset(prefix) is not None and bool(name) and known_supports_images(name)


def is_demo_spec(spec: str) -> bool:
    """Whether ``get_model(spec)`` is the demo model (``agentica.models.registry``'s rule)."""
    spec = spec.strip()
    return spec.lower() in ("demo", "offline", "demo/demo") or spec.startswith("demo/")


__all__ = [
    "PROTOCOL_VERSION",
    "agent_version",
    "initialize_result",
    "is_demo_spec",
    "quick_initialize_params",
    "spec_supports_images",
]
