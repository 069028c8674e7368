"""``--help`` and ``--version`` of the three commands load only what they print (the speed
itself is measured by benchmarks/bench_cli_start.py), and the fast version lookup agrees
with ``importlib.metadata``."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.metadata import version

import pytest

from acp_server.version import installed_version

# Run a command's main() in a fresh interpreter; report its output and the heavy modules
# it imported.
PROBE = """
import contextlib, io, json, sys
out = io.StringIO()
with contextlib.redirect_stdout(out):
    try:
        code = {call}
    except SystemExit as exc:
        code = exc.code
heavy = ("anyio", "pydantic", "openai", "jsonschema", "importlib.metadata",
         "acp_server.harness.driver", "acp_server.harness.checks", "acp_server.connection")
print(json.dumps({{"code": code, "out": out.getvalue(),
                  "loaded": [m for m in heavy if m in sys.modules]}}))
"""
MAINS = {
    "agentica": "__import__('agentica.cli').cli.main({argv})",
    "agentica-acp": "__import__('acp_server.__main__').__main__.main({argv})",
    "acp-harness": "__import__('acp_server.harness.cli').harness.cli.main({argv})",
}


def _probe(command: str, flag: str) -> dict[str, object]:
    call = MAINS[command].format(argv=repr([flag]))
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(call=call)],
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    return json.loads(done.stdout)


@pytest.mark.parametrize("command", sorted(MAINS))
@pytest.mark.parametrize("flag", ["--help", "--version"])
def test_help_and_version_load_nothing_heavy(command: str, flag: str) -> None:
    result = _probe(command, flag)
    assert result["code"] in (0, None)
    out = str(result["out"])
    expected = "usage:" if flag == "--help" else f"{command} {version('agentica')}\n"
    assert out.startswith(expected)
    assert result["loaded"] == []


def test_fast_version_lookup_agrees_with_importlib_metadata() -> None:
    assert installed_version() == version("agentica")
    assert installed_version("no-such-distribution-here") == "unknown"
