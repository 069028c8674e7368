"""The import graphs of agentica and acp_server (its harness included): no circles, no
private names across modules, and agentica imports nothing of acp_server.

Every import counts, including lazy ones inside functions and ``if TYPE_CHECKING:`` ones:
a circle among them is still two modules that cannot be understood one without the other.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ["agentica", "acp_server"]


def _modules(package: str = "agentica") -> dict[str, Path]:
    found: dict[str, Path] = {}
    for path in (ROOT / package).rglob("*.py"):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _imports(name: str, path: Path, modules: dict[str, Path]) -> list[tuple[str, str | None]]:
    """``(imported module, imported name or None)`` for every import statement."""
    out: list[tuple[str, str | None]] = []
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.extend((alias.name, None) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package[: len(package) - (node.level - 1)]
                base = ".".join([*parent, *([base] if base else [])])
            for alias in node.names:
                full = f"{base}.{alias.name}"
                out.append((full, None) if full in modules else (base, alias.name))
    return out


def _graph(package: str) -> dict[str, set[str]]:
    modules = _modules(package)
    return {
        name: {m for m, _ in _imports(name, path, modules) if m in modules and m != name}
        for name, path in modules.items()
    }


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_checker_sees_a_circle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


@pytest.mark.parametrize("package", PACKAGES)
def test_no_import_circles(package: str) -> None:
    assert _cycles(_graph(package)) == []


def _code_strings(path: Path) -> list[str]:
    """The string constants of a module's code (docstrings left out)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
        and id(node) not in docstrings
    ]


def test_agentica_never_imports_acp_server_not_even_by_name() -> None:
    modules = _modules()
    for name, path in modules.items():
        for module, _ in _imports(name, path, modules):
            assert not module.startswith("acp_server"), f"{name} imports {module}"
        # No dynamic import either (``importlib.import_module("acp_server...")``).
        for text in _code_strings(path):
            assert "acp_server" not in text, f"{name} names acp_server in {text!r}"


@pytest.mark.parametrize("package", PACKAGES)
def test_private_names_do_not_cross_modules(package: str) -> None:
    modules = _modules(package)
    crossing = [
        f"{name} imports {imported} from {module}"
        for name, path in modules.items()
        for module, imported in _imports(name, path, modules)
        if module in modules and imported is not None
        and imported.startswith("_") and not imported.startswith("__")
    ]
    assert crossing == []
