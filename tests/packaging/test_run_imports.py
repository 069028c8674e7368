"""``agentica run`` loads only what a run needs: the MCP client, the blocking-portal
machinery and the session store stay unimported (the speed itself is measured by
benchmarks/bench_cli.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

# Run ``agentica run`` in a fresh interpreter; report its exit status, its stdout and
# which of the modules it should not need it imported.
PROBE = """
import contextlib, io, json, sys
from agentica.cli import main
out = io.StringIO()
with contextlib.redirect_stdout(out):
    code = main(["run", "--model", "demo", "hello"])
unneeded = ("agentica.mcp", "agentica.mcp_servers", "anyio.from_thread", "agentica.sessions",
            "sqlite3", "openai", "agentica.models.openai", "agentica.printer")
print(json.dumps({"code": code, "out": out.getvalue(),
                  "loaded": [m for m in unneeded if m in sys.modules]}))
"""


def run_probe(code: str, tmp_path: Path) -> dict[str, object]:
    """Run ``code`` in a fresh interpreter (empty config and home); its last line, as JSON."""
    env = {
        "PATH": "/usr/bin:/bin",
        "AGENTICA_HOME": str(tmp_path / "home"),
        "AGENTICA_CONFIG": str(tmp_path / "none.toml"),
    }
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True,
        timeout=60, cwd=tmp_path, env=env,
    )  # fmt: skip
    return json.loads(done.stdout.splitlines()[-1])


def test_run_with_the_demo_model_loads_nothing_it_does_not_use(tmp_path: Path) -> None:
    result = run_probe(PROBE, tmp_path)
    assert result["code"] == 0
    assert "demo model" in result["out"]  # The answer reached stdout.
    assert result["loaded"] == []


def test_importing_agent_and_deep_agent_builds_no_pydantic_validator() -> None:
    # pydantic's first validator looks its plugins up in every installed package's
    # metadata (importlib.metadata): with the models built on first use, an import
    # does not pay for that.
    probe = (
        "import sys; from agentica import Agent; import agentica.deep_agent, agentica.guardrails;"
        " print('pydantic.plugin._loader' in sys.modules, 'importlib.metadata' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.split() == ["False", "False"]


# At the first byte of the answer, which of the modules ``agentica run`` has no need of
# before it answers were loaded (pydantic: tool arguments are validated with it, on the
# first call; uuid: ids come from os.urandom).
FIRST_TEXT = """
import io, json, sys
from agentica.cli import main

class Out(io.StringIO):
    seen = None
    def write(self, text):
        if self.seen is None:
            self.seen = sorted({m.split(".")[0] for m in sys.modules} & {"pydantic", "uuid"})
        return super().write(text)

out = Out()
sys.stdout = out
code = main(["run", "--model", "demo", "hello"])
sys.stdout = sys.__stdout__
print(json.dumps({"code": code, "seen": out.seen, "text": out.getvalue()[:40]}))
"""


def test_run_prints_its_first_words_before_loading_pydantic(tmp_path: Path) -> None:
    result = run_probe(FIRST_TEXT, tmp_path)
    assert result["code"] == 0 and str(result["text"]).startswith("Hi!")
    assert result["seen"] == []


# A fresh interpreter runs ``agentica run``: how many collections ran before the first
# byte of the answer, how many objects were frozen then, and the collector at its end.
GC_PROBE = """
import gc, io, json, sys
from agentica.cli import main
count = [0]
gc.callbacks.append(lambda phase, info: count.__setitem__(0, count[0] + (phase == "stop")))

class Out(io.StringIO):
    before = None
    def write(self, text):
        if self.before is None:
            self.before, self.frozen = count[0], gc.get_freeze_count()
        return super().write(text)

out = Out()
sys.stdout = out
code = main(["run", "--model", "demo", "hello"])
sys.stdout = sys.__stdout__
print(json.dumps({"code": code, "before": out.before, "frozen": out.frozen,
                  "enabled": gc.isenabled(), "frozen_after": gc.get_freeze_count(),
                  "text": out.getvalue()[:3]}))
"""


def test_no_collection_runs_before_the_first_words_and_the_collector_is_back(
    tmp_path: Path,
) -> None:
    result = run_probe(GC_PROBE, tmp_path)
    # (About forty when the collector runs through the start; a few after the run started.)
    assert int(str(result["before"])) <= 3
    assert (result["code"], result["enabled"], result["text"]) == (0, True, "Hi!")


def test_what_the_start_loaded_is_frozen_for_the_run_and_unfrozen_after(
    tmp_path: Path,
) -> None:
    # Tens of thousands of objects (modules, classes, functions): the collector, back on
    # at the first event, does not walk them before the first words; after the run they
    # are ordinary objects again.
    result = run_probe(GC_PROBE, tmp_path)
    assert int(str(result["frozen"])) > 10_000
    assert result["frozen_after"] == 0
    assert (result["code"], result["enabled"]) == (0, True)
