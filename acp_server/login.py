"""``agentica-acp --login``: pick a provider, paste a key, test it, store it.

The login-only flow an editor's ``terminal`` sign-in runs (``acp_server.auth``), and a
person can run by hand. It asks for a provider (the presets that need a key), the model
(its default offered), the endpoint (the preset's offered) and the key, read without
echo and never put on a command line. One tiny request (``acp_server.endpoint``) tests
them; only a key the endpoint accepted is stored, in the ``[login]`` table of the
config file, which is (re)written with owner-only permissions (0600). Exit status 0
when the key was stored, 1 otherwise (2 for unusable flags).

``remove_login`` is ``logout``'s half: the table goes, the rest of the file stays.
"""

from __future__ import annotations

import getpass
import json
import os
import re
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TextIO

from acp_server.config import default_config_path

TABLE = "login"


def config_path(argv: Sequence[str], environ: Mapping[str, str] | None = None) -> Path:
    """The config file ``--config PATH`` names, else the default one."""
    for i, arg in enumerate(argv):
        if arg == "--config" and i + 1 < len(argv):
            return Path(argv[i + 1]).expanduser()
        if arg.startswith("--config="):
            return Path(arg.partition("=")[2]).expanduser()
    return default_config_path(environ)


def _strip_table(text: str, name: str) -> tuple[list[str], list[str]]:
    """``text``'s lines split into the top-level part and the tables, without ``[name]``."""
    top: list[str] = []
    tables: list[str] = []
    current: str | None = None
    for line in text.splitlines():
        header = _HEADER.match(line)
        if header:
            current = header.group(1).strip().strip('"')
        if current is None:
            top.append(line)
        elif current != name and not current.startswith(f"{name}."):
            tables.append(line)
    return top, tables


_HEADER = re.compile(r"\s*\[\[?\s*([^\[\]]+?)\s*\]\]?\s*(#.*)?$")
"""A table header line (``[name]``, ``[[name]]``, a comment after it)."""


def _write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically, readable by its owner only (0600)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        if hasattr(os, "fchmod"):  # Not on Windows before Python 3.13 (mkstemp: 0600).
            os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
    os.chmod(path, 0o600)


def store_login(path: Path, values: Mapping[str, str]) -> None:
    """Replace the ``[login]`` table of the config file at ``path`` with ``values``."""
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    top, tables = _strip_table(text, TABLE)
    while top and not top[-1].strip():
        top.pop()
    lines = [*top, *([""] if top else [])]
    lines.append(f"[{TABLE}]  # written by agentica-acp --login; logout removes it")
    # JSON strings are valid TOML basic strings (same escapes).
    lines += [f"{key} = {json.dumps(value)}" for key, value in values.items()]
    if tables:
        lines += ["", *tables]
    _write_private(path, "\n".join(lines) + "\n")


def remove_login(path: Path) -> bool:
    """Remove the ``[login]`` table from the config file; True when there was one."""
    if not path.is_file():
        return False
    text = path.read_text(encoding="utf-8")
    top, tables = _strip_table(text, TABLE)
    if len(top) + len(tables) == len(text.splitlines()):
        return False
    while top and not top[-1].strip():
        top.pop()
    rest = "\n".join([*top, *([""] if top and tables else []), *tables]).strip("\n")
    _write_private(path, rest + "\n" if rest else "")
    return True


class _Terminal:
    """Questions on ``out``, answers from ``inp``; the key without echo on a terminal."""

    def __init__(self, inp: TextIO, out: TextIO, secret: Callable[[str], str] | None) -> None:
        self.inp, self.out = inp, out
        self._secret = secret

    def say(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def ask(self, prompt: str, default: str = "") -> str:
        self.out.write(f"{prompt} [{default}]: " if default else f"{prompt}: ")
        self.out.flush()
        line = self.inp.readline()
        if not line:
            raise EOFError
        return line.strip() or default

    def secret(self, prompt: str) -> str:
        if self._secret is not None:
            return self._secret(prompt + ": ").strip()
        if self.inp.isatty():
            return getpass.getpass(prompt + " (not shown): ", stream=self.out).strip()
        return self.ask(prompt)  # Piped in (scripts, tests): nothing to echo to.


def main(
    argv: Sequence[str] = (),
    *,
    prog: str = "agentica-acp",
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    secret: Callable[[str], str] | None = None,
) -> int:
    """Run the login flow (see the module doc); the exit status."""
    from acp_server.endpoint import check_endpoint
    from agentica.models.presets import PRESETS

    term = _Terminal(stdin or sys.stdin, stdout or sys.stdout, secret)
    path = config_path(argv)
    presets = [p for p in PRESETS.values() if p.needs_key]
    try:
        term.say(f"{prog} --login: sign in with a model provider's API key.")
        for i, p in enumerate(presets, 1):
            term.say(f"  {i}. {p.name:<12} (default model {p.default_model})")
        answer = term.ask("Provider (number or name)", "1")
        preset = next(
            (p for i, p in enumerate(presets, 1) if answer in (str(i), p.name, *p.aliases)),
            None,
        )
        if preset is None:
            term.say(f"error: no provider {answer!r}")
            return 1
        model = term.ask("Model", preset.default_model)
        default_url = preset.base_url or ("https://api.openai.com/v1")
        base_url = term.ask("Endpoint", default_url)
        key = term.secret(f"{preset.key_envs[0]}")
    except (EOFError, KeyboardInterrupt):
        term.say("\ncancelled: nothing was stored")
        return 1
    if not key:
        term.say("error: no key given: nothing was stored")
        return 1
    term.say(f"Testing {preset.name}/{model} at {base_url} …")
    verdict = check_endpoint(provider=preset.name, model=model, base_url=base_url, api_key=key)
    if not verdict.ok:
        term.say(f"error: {verdict.text}. Nothing was stored.")
        return 1
    values = {"model": f"{preset.name}/{model}", preset.key_envs[0]: key}
    if base_url != default_url and preset.base_url_env:
        values[preset.base_url_env] = base_url
    try:
        store_login(path, values)
    except OSError as e:
        term.say(f"error: cannot write {path}: {e.strerror or e}")
        return 1
    term.say(f"OK: {verdict.text}. Stored in {path} (readable by you only).")
    term.say("Back in the editor, choose “I have set a key” (or restart the agent).")
    return 0


__all__ = ["TABLE", "config_path", "main", "remove_login", "store_login"]
