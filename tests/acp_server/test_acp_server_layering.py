"""The layering of ``acp_server`` (the harness aside) holds: no import circles, and each
layer imports only layers below it, lazily imported modules included."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import acp_server

ROOT = Path(acp_server.__file__).resolve().parent

LAYERS = [
    {"protocol", "errors", "modes", "quickflags", "turn_errors", "config", "stdio", "mcp_tools"}
    | {"version"},
    {"jsonrpc", "model_settings", "wire", "wire.base", "wire.methods", "wire.client", "fdstreams"},
    {"endpoint", "login", "auth"},
    {"outgoing", "startup", "mapping", "ledger", "usage", "doctor"},
    {"connection", "permissions", "workspace", "recorder"},
    {"sessions"},
    {"factory"},
    {"slash"},
    {"agent"},
    {"router"},
    {"__init__", "__main__", "serve"},
]
"""Lowest first; a module may import its own layer's and lower layers' modules."""


def _imports() -> dict[str, set[str]]:
    """Each module's imports of other ``acp_server`` modules (any depth, any place)."""
    found: dict[str, set[str]] = defaultdict(set)
    for path in [*ROOT.glob("*.py"), *ROOT.glob("wire/*.py")]:
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                module = node.module
                if module == "acp_server":
                    found[name] |= {a.name for a in node.names}
                elif module.startswith("acp_server.") and not module.startswith(
                    "acp_server.harness"
                ):
                    found[name].add(module.removeprefix("acp_server."))
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.startswith("acp_server."):
                        found[name].add(alias.name.removeprefix("acp_server."))
    return found


def _layer(module: str) -> int:
    return next(i for i, layer in enumerate(LAYERS) if module in layer)


def test_every_module_has_a_layer() -> None:
    modules = {".".join(p.relative_to(ROOT).with_suffix("").parts) for p in ROOT.glob("*.py")}
    modules |= {f"wire.{p.stem}" for p in ROOT.glob("wire/*.py") if p.stem != "__init__"}
    modules |= {"wire"}
    assert modules == set().union(*LAYERS)


def test_modules_import_only_their_own_or_lower_layers() -> None:
    upward = [
        f"{module} -> {target}"
        for module, targets in _imports().items()
        for target in targets
        if module != "__init__" and _layer(target) > _layer(module)
    ]
    assert upward == []


def test_there_are_no_import_circles() -> None:
    graph = _imports()
    state: dict[str, int] = {}
    circles: list[list[str]] = []

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in sorted(graph.get(module, ())):
            if state.get(target) == 1:
                circles.append([*path[path.index(target) :], target])
            elif target not in state:
                visit(target, [*path, target])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert circles == []
