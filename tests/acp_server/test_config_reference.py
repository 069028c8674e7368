"""The README's configuration reference names every setting the server has."""

from __future__ import annotations

import argparse
import re
from dataclasses import fields
from pathlib import Path

from acp_server.config import _ENV as SERVER_ENV
from acp_server.config import ServerConfig, build_parser

README = Path(__file__).resolve().parents[2] / "README.md"
NOT_SETTINGS = {"config_file", "extra", "sources"}  # Bookkeeping, not settings.


def reference() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("### Configuration reference")
    return text[start : text.index("\n### ", start + 1)]


def test_every_setting_has_a_row_with_its_toml_key() -> None:
    rows = reference()
    for f in fields(ServerConfig):
        if f.name not in NOT_SETTINGS:
            assert re.search(rf"^\| `{f.name}`", rows, re.M), f"no row for {f.name}"


def test_every_flag_and_environment_variable_is_named() -> None:
    rows = reference()
    for action in build_parser()._actions:
        long = [o for o in action.option_strings if o.startswith("--") and "_" not in o]
        hidden = action.help == argparse.SUPPRESS  # agentica 1.5's spellings
        if long and not hidden and long[0] not in {"--help", "--version"}:
            assert f"`{long[0]}`" in rows, f"{long[0]} is not in the reference"
    for env in SERVER_ENV.values():
        assert f"`{env}`" in rows, f"{env} is not in the reference"
