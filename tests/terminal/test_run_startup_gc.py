"""``agentica run`` starts without the garbage collector and runs with it."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from pathlib import Path

import pytest

from agentica import _startup
from agentica.cli import main

# A fresh interpreter runs ``agentica run``: how many collections ran before the first
# byte of the answer, and whether the collector is on at its end.
PROBE = """
import gc, io, json, sys
from agentica.cli import main
count = [0]
gc.callbacks.append(lambda phase, info: count.__setitem__(0, count[0] + (phase == "stop")))

class Out(io.StringIO):
    before = None
    def write(self, text):
        if self.before is None:
            self.before = count[0]
        return super().write(text)

out = Out()
sys.stdout = out
code = main(["run", "--model", "demo", "hello"])
sys.stdout = sys.__stdout__
print(json.dumps({"code": code, "before": out.before, "enabled": gc.isenabled(),
                  "text": out.getvalue()[:3]}))
"""


def test_no_collection_runs_before_the_first_words_and_the_collector_is_back(
    tmp_path: Path,
) -> None:
    env = {"PATH": "/usr/bin:/bin", "AGENTICA_HOME": str(tmp_path / "h"),
           "AGENTICA_CONFIG": str(tmp_path / "none.toml")}  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True,
        timeout=60, cwd=tmp_path, env=env,
    )  # fmt: skip
    result = json.loads(done.stdout.splitlines()[-1])
    # (About forty when the collector runs through the start; a few after the run started.)
    assert result["before"] <= 3
    assert (result["code"], result["enabled"], result["text"]) == (0, True, "Hi!")


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("AGENTICA_HOME", str(tmp_path / "h"))
    monkeypatch.setenv("AGENTICA_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_collector_its_embedder_disabled_stays_disabled(home: Path, capsys) -> None:
    gc.disable()
    try:
        assert main(["run", "--model", "demo", "hello"]) == 0
        assert not gc.isenabled()
    finally:
        gc.enable()
    assert "Hi!" in capsys.readouterr().out


def test_the_collector_is_back_after_a_model_that_cannot_be_made(home: Path, capsys) -> None:
    assert main(["run", "--model", "nosuchvendor/nosuchmodel", "hello"]) != 0
    assert gc.isenabled()
    _startup.resume()  # (No-op: nothing left paused.)
    assert gc.isenabled()
