"""Read the launch command out of every file in ``editor-configs/``.

Each reader returns what the editor would start: the command, its arguments and the
environment it adds. JSON is parsed strictly (no comments, no trailing commas). The Lua
and Elisp snippets are not evaluated: the readers pick out the few forms the snippets use
for the command line and the environment, and fail loudly on anything else, so a snippet
edited into a shape they do not know breaks the test instead of passing unchecked.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "editor-configs"


@dataclass
class Launch:
    """What an editor config starts."""

    editor: str
    path: Path
    command: str
    args: list[str]
    env: dict[str, str] = field(default_factory=dict)
    env_from_user: dict[str, str] = field(default_factory=dict)
    """Variables the editor copies from the user's own environment: ``{ours: theirs}``."""
    user_env: bool = False
    """The config declares no model: it relies on the user's environment (or sign-in)."""


def _strict_json(path: Path) -> dict:
    def no_constants(name: str) -> None:
        raise ValueError(f"{path}: {name} is not JSON")

    data = json.loads(path.read_text(encoding="utf-8"), parse_constant=no_constants)
    assert isinstance(data, dict), f"{path}: the top level must be an object"
    return data


def _server_entry(path: Path, *keys: str) -> dict:
    node = _strict_json(path)
    for key in keys:
        assert isinstance(node, dict) and key in node, f"{path}: no {'.'.join(keys)}"
        node = node[key]
    assert isinstance(node, dict)
    return node


def _from_entry(editor: str, path: Path, entry: dict) -> Launch:
    command, args, env = entry["command"], entry.get("args", []), entry.get("env", {})
    assert isinstance(command, str) and command
    assert isinstance(args, list) and all(isinstance(a, str) for a in args)
    assert isinstance(env, dict) and all(isinstance(v, str) for v in env.values())
    return Launch(editor, path, command, list(args), dict(env))


def read_zed(path: Path) -> Launch:
    entry = _server_entry(path, "agent_servers", "Agentica")
    assert entry.get("type") == "custom", f"{path}: a Zed custom agent needs type: custom"
    return _from_entry("zed", path, entry)


def read_jetbrains(path: Path) -> Launch:
    return _from_entry("jetbrains", path, _server_entry(path, "agent_servers", "Agentica"))


def read_vscode(path: Path) -> Launch:
    return _from_entry("vscode", path, _server_entry(path, "acp.agents", "Agentica"))


def read_registry(path: Path) -> Launch:
    """``uvx <package> [args]`` runs the package's script named like the package."""
    uvx = _strict_json(path)["distribution"]["uvx"]
    return Launch("registry", path, uvx["package"], list(uvx.get("args", [])),
                  dict(uvx.get("env", {})), user_env=True)


_LUA_STRING = r'"((?:[^"\\]|\\.)*)"'


def _lua_strings(body: str) -> list[str]:
    items = [item.strip() for item in body.split(",") if item.strip()]
    out = []
    for item in items:
        m = re.fullmatch(_LUA_STRING, item)
        assert m, f"not a Lua string literal: {item!r}"
        out.append(m.group(1))
    return out


def _lua_table(text: str, key: str) -> str:
    """The body of the first ``key = { ... }`` (nested braces allowed)."""
    m = re.search(rf"(?<![\w.]){re.escape(key)}\s*=\s*\{{", text)
    assert m, f"no `{key} = {{...}}` in the snippet"
    depth, start = 1, m.end()
    for i in range(start, len(text)):
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        if depth == 0:
            return text[start:i]
    raise AssertionError(f"unbalanced braces after `{key} =`")


def _strip_comments(text: str, start: str) -> str:
    """``text`` without comments that open with ``start`` (string literals kept whole)."""
    pattern = rf'"(?:[^"\\]|\\.)*"|{re.escape(start)}[^\n]*'
    return re.sub(pattern, lambda m: m.group(0) if m.group(0)[0] == '"' else "", text)


def _lua_env(body: str) -> tuple[dict[str, str], dict[str, str]]:
    """``NAME = "value"`` / ``NAME = os.getenv("X") [or "default"]`` pairs."""
    env, from_user = {}, {}
    for line in filter(None, (part.strip() for part in body.split("\n"))):
        line = line.rstrip(",")
        m = re.fullmatch(r"(\w+)\s*=\s*(.+)", line)
        assert m, f"not a `NAME = value` entry: {line!r}"
        name, value = m.groups()
        if s := re.fullmatch(_LUA_STRING, value):
            env[name] = s.group(1)
        elif g := re.fullmatch(rf"os\.getenv\({_LUA_STRING}\)(?:\s+or\s+{_LUA_STRING})?", value):
            from_user[name] = g.group(1)
            if g.group(2) is not None:
                env[name] = g.group(2)  # The default, used when the user has none.
        else:
            raise AssertionError(f"unknown value form in {line!r}")
    return env, from_user


def read_codecompanion(path: Path) -> Launch:
    """CodeCompanion's ``env`` values NAME environment variables (or ``cmd:`` commands)."""
    text = _strip_comments(path.read_text(encoding="utf-8"), "--")
    commands = _lua_table(text, "commands")
    argv = _lua_strings(_lua_table(commands, "default"))
    env, _ = _lua_env(_lua_table(text, "env"))
    assert not any(v.startswith("cmd:") for v in env.values())
    return Launch("codecompanion", path, argv[0], argv[1:], {}, env_from_user=env)


def read_avante(path: Path) -> Launch:
    text = _strip_comments(path.read_text(encoding="utf-8"), "--")
    entry = _lua_table(text, '["agentica"]')
    m = re.search(rf"command\s*=\s*{_LUA_STRING}", entry)
    assert m, f"{path}: no command"
    env, from_user = _lua_env(_lua_table(entry, "env"))
    return Launch("avante", path, m.group(1), _lua_strings(_lua_table(entry, "args")),
                  env, env_from_user=from_user)


def _elisp_strings(body: str) -> list[str]:
    items = re.findall(r'"((?:[^"\\]|\\.)*)"|\(getenv\s+"([^"]+)"\)|(\S+)', body)
    out = []
    for literal, getenv, other in items:
        assert not other, f"unknown Elisp form {other!r}"
        out.append(literal if not getenv else f"$ENV:{getenv}")
    return out


def read_agent_shell(path: Path) -> Launch:
    text = _strip_comments(path.read_text(encoding="utf-8"), ";")
    m = re.search(r"\(defcustom agentica-acp-command\s+'\(([^)]*)\)", text)
    assert m, f"{path}: no agentica-acp-command"
    argv = _elisp_strings(m.group(1))
    m = re.search(r"\(agent-shell-make-environment-variables\s+((?:[^()]|\([^()]*\))*)\)", text)
    assert m, f"{path}: no agent-shell-make-environment-variables"
    pairs = _elisp_strings(m.group(1))
    assert len(pairs) % 2 == 0, f"{path}: odd number of environment items"
    env, from_user = {}, {}
    for name, value in zip(pairs[::2], pairs[1::2], strict=True):
        if value.startswith("$ENV:"):
            from_user[name] = value.removeprefix("$ENV:")
        else:
            env[name] = value
    return Launch("agent-shell", path, argv[0], argv[1:], env, env_from_user=from_user)


READERS: Mapping[str, Callable[[Path], Launch]] = {
    "zed/settings.json": read_zed,
    "jetbrains/acp.json": read_jetbrains,
    "vscode/settings.json": read_vscode,
    "registry/agent.json": read_registry,
    "neovim/codecompanion.lua": read_codecompanion,
    "neovim/avante.lua": read_avante,
    "emacs/agentica-agent-shell.el": read_agent_shell,
}
"""Every config file, by its path under ``editor-configs/``, with its reader."""
