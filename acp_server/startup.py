"""Startup: ``initialize`` answered before anything heavy is imported, then the warm-up.

Spawn to ``initialize`` response is what an editor waits for before it shows the agent,
so ``answer_initialize_early()`` reads the first line of stdin itself, before anyio,
jsonrpcserver, jsonschema or pydantic are imported. When it is a plain ``initialize``
request whose params ``quick_initialize_params`` can vouch for, the result is built from
plain dicts (``initialize_result``) and written at once; anything else (another method,
a batch, unusual params, no newline within ``EARLY_LIMIT`` bytes) is handed to the
connection untouched, whose ``initialize`` goes through the pydantic wire models and
gives the exact -32602. Tests check the quick paths agree with the wire models.

Once ``initialize`` is answered, ``WarmUp`` imports the wire models, the mapping,
agentica's agent and tools and the model's module in a background thread, and builds
the shared model. Handlers that need them wait for it (``WarmUp.wait()``) before they
import them: concurrent imports of mutually importing modules can deadlock.

This module imports nothing beyond the standard library and ``acp_server``'s light
modules (``protocol``, ``jsonrpc``, ``errors``).
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Any

from acp_server import mcp_tools
from acp_server.jsonrpc import classify, decode, encode
from acp_server.protocol import PROTOCOL_VERSION

if TYPE_CHECKING:
    from agentica.models.base import Model

logger = logging.getLogger(__name__)

EARLY_LIMIT = 1 << 20
"""Bytes the fast path reads, at most, looking for the end of the first line."""

WARM_UP_MODULES = (
    "acp_server.wire",
    "acp_server.mapping",
    "acp_server.permissions",
    "acp_server.workspace",
    "agentica.agent",
    "agentica.tools.builtin",
    "agentica.models.registry",
)
"""Imported in the background once ``initialize`` is answered."""


def agent_version() -> str:
    """agentica's installed version (``acp_server.version``), "0.0.0" in a bare checkout."""
    from acp_server.version import installed_version

    version = installed_version()
    return "0.0.0" if version == "unknown" else version


def initialize_result(*, image: bool, version: str, mcp: bool | None = None) -> dict[str, Any]:
    """The ``initialize`` result, as ``wire.dump(wire.InitializeResult(...))`` gives it.

    HTTP and SSE MCP servers are advertised when the ``mcp`` package is installed
    (``mcp``: None looks it up); stdio ones are always accepted (without the package a
    session says how to install it).
    """
    if mcp is None:
        mcp = mcp_tools.available()
    return {
        "protocolVersion": PROTOCOL_VERSION,
        "agentCapabilities": {
            "loadSession": True,
            "promptCapabilities": {"image": image, "audio": False, "embeddedContext": True},
            "mcpCapabilities": {"http": mcp, "sse": mcp},
            # Each additional directory becomes a root of the session's file tools; stored
            # sessions (``agentica.sessions``) can be listed, resumed, closed and deleted.
            "sessionCapabilities": {
                "additionalDirectories": {},
                "list": {},
                "resume": {},
                "close": {},
                "delete": {},
            },
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
    two in step. Of a model with fallbacks (``"a,b"``) the primary decides.
    """
    spec = next((s for s in spec.split(",") if s.strip()), "").partition("?")[0].strip()
    if not spec or is_demo_spec(spec):
        return False
    presets = _presets()
    find_preset, known_supports_images = presets.find_preset, presets.known_supports_images
    if "/" not in spec:
        preset = find_preset(spec)
        return known_supports_images(preset.default_model if preset else spec)
    prefix, name = spec.split("/", 1)
    return find_preset(prefix) is not None and bool(name) and known_supports_images(name)


def _presets() -> ModuleType:
    """``agentica.models.presets``, loaded without importing the ``agentica`` package.

    The package imports its event types eagerly (~30 ms, half the startup budget) and
    ``presets`` needs only the standard library, so before ``initialize`` is answered
    its file is run as a private module of its own. Once ``agentica`` is imported, or
    if the file cannot be found, the real module is used.
    """
    loaded = sys.modules.get("agentica.models.presets") or sys.modules.get(_EARLY_PRESETS)
    if loaded is not None:
        return loaded
    import importlib.util

    try:
        package = importlib.util.find_spec("agentica")  # Finds it; does not import it.
        assert package is not None and package.submodule_search_locations
        path = os.path.join(next(iter(package.submodule_search_locations)), "models", "presets.py")
        spec = importlib.util.spec_from_file_location(_EARLY_PRESETS, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[_EARLY_PRESETS] = module  # dataclasses looks its module up.
        spec.loader.exec_module(module)
        return module
    except Exception as e:
        sys.modules.pop(_EARLY_PRESETS, None)
        logger.debug("early load of the model presets failed: %s", e)
    import agentica.models.presets

    return agentica.models.presets


_EARLY_PRESETS = "acp_server._early_presets"
"""The private module name of the presets loaded early (see ``_presets``)."""


def is_demo_spec(spec: str) -> bool:
    """Whether ``get_model(spec)`` is the demo model (``agentica.models.registry``'s rule)."""
    spec = spec.strip()
    return spec.lower() in ("demo", "offline", "demo/demo") or spec.startswith("demo/")


def model_modules(spec: str) -> tuple[str, ...]:
    """The modules a model spec's first call imports, for the warm-up to import early."""
    if is_demo_spec(spec):
        return ("agentica.models.demo",)
    if spec.strip().split("/", 1)[0] == "anthropic":  # Seconds to import.
        return ("agentica.models.anthropic", "anthropic")
    # ``client.chat`` (``.responses``) imports its resources on first use: hundreds of ms.
    api = "responses.responses" if "api=responses" in spec else "chat.chat"
    return ("agentica.models.openai", "openai", f"openai.resources.{api}")


def supports_images(spec: str, model_factory: Callable[[], Model] | None = None) -> bool:
    """Whether prompts may carry images: the factory's model says, else the spec does."""
    if model_factory is not None:
        try:
            return bool(model_factory().supports_images)
        except Exception:
            return False
    return spec_supports_images(spec)


@dataclass(frozen=True, slots=True)
class EarlyStart:
    """What ``answer_initialize_early`` did."""

    unread: bytes
    """Input read but not consumed: the connection must process it first."""
    client_capabilities: dict[str, Any] | None
    """The raw ``clientCapabilities`` when ``initialize`` was answered, else None."""


def answer_initialize_early(
    fd_in: int,
    fd_out: int,
    *,
    image: Callable[[], bool],
    limit: int = EARLY_LIMIT,
    amend: Callable[[dict[str, Any], Any], dict[str, Any]] | None = None,
) -> EarlyStart:
    """Answer a first ``initialize`` line on the raw fds (blocking; see the module doc).

    ``amend(result, clientCapabilities)`` completes the result (the sign-in's
    ``authMethods``, ``acp_server.auth``)."""
    data = b""
    while b"\n" not in data and len(data) < limit:
        try:
            chunk = os.read(fd_in, limit)
        except OSError:
            chunk = b""
        if not chunk:  # EOF (or unreadable): the connection finds out and shuts down.
            return EarlyStart(data, None)
        data += chunk
    line, newline, rest = data.partition(b"\n")
    if not newline:
        return EarlyStart(data, None)
    try:
        message = decode(line)
    except (ValueError, RecursionError):
        return EarlyStart(data, None)
    kind, _ = classify(message)
    if kind != "request" or message["method"] != "initialize":
        return EarlyStart(data, None)
    quick = quick_initialize_params(message.get("params"))
    if quick is None:
        return EarlyStart(data, None)
    version, caps = quick
    if version != PROTOCOL_VERSION:
        logger.info("client asked for protocol %s; answering %s", version, PROTOCOL_VERSION)
    result = initialize_result(image=image(), version=agent_version())
    if amend is not None:
        result = amend(result, caps)
    out = memoryview(encode({"jsonrpc": "2.0", "id": message["id"], "result": result}))
    try:
        while out:
            out = out[os.write(fd_out, out) :]
    except OSError as e:  # The client went away: the connection finds out and shuts down.
        logger.warning("could not answer initialize: %s", e)
    return EarlyStart(rest, caps)


class WarmUp:
    """Imports (and whatever else is slow to do first) in one background thread.

    Not a daemon thread: the interpreter joins it before finalising, since a thread
    still importing while the interpreter shuts down can crash the process.
    """

    def __init__(self) -> None:
        self._thread: threading.Thread | None = None

    @property
    def started(self) -> bool:
        """Whether ``start()`` was called."""
        return self._thread is not None

    def start(self, modules: tuple[str, ...], then: Callable[[], object] | None = None) -> None:
        """Import ``modules`` in order, then call ``then()``, in a thread (only once)."""
        if self._thread is not None:
            return

        def run() -> None:
            for name in modules:
                try:
                    importlib.import_module(name)
                except Exception as e:  # Whoever needs it imports it again, and fails.
                    logger.debug("warm-up import of %s failed: %s", name, e)
            if then is not None:
                try:
                    then()
                except Exception as e:  # Done (and reported) again on first use.
                    logger.debug("warm-up step failed: %s", e)

        self._thread = threading.Thread(target=run, name="acp-warm-up")
        self._thread.start()

    async def wait(self) -> None:
        """Return once the warm-up is over (at once when it never started)."""
        thread = self._thread
        if thread is not None and thread.is_alive():
            import anyio.to_thread

            await anyio.to_thread.run_sync(thread.join, abandon_on_cancel=True)


__all__ = [
    "EARLY_LIMIT",
    "WARM_UP_MODULES",
    "EarlyStart",
    "WarmUp",
    "agent_version",
    "answer_initialize_early",
    "initialize_result",
    "is_demo_spec",
    "quick_initialize_params",
    "spec_supports_images",
    "supports_images",
]
