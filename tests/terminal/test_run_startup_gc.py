"""``agentica run`` starts without the garbage collector and runs with it (in a fresh
interpreter: ``tests/packaging/test_run_imports.py``)."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from agentica import _startup
from agentica.cli import main


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
        assert gc.get_freeze_count() == 0  # Nothing frozen either.
    finally:
        gc.enable()
    assert "Hi!" in capsys.readouterr().out


class FreezeWatch:
    """A stdout that notes how many objects are frozen at each write."""

    def __init__(self) -> None:
        self.frozen: list[int] = []

    def write(self, text: str) -> int:
        self.frozen.append(gc.get_freeze_count())
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


def test_an_in_process_run_freezes_the_start_and_leaves_nothing_frozen(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The run froze what was loaded (this test process included) at its first event;
    # gc.get_referrers and the collector see all of it again afterwards.
    watch = FreezeWatch()
    monkeypatch.setattr("sys.stdout", watch)
    assert main(["run", "--model", "demo", "hello"]) == 0
    assert watch.frozen and watch.frozen[0] > 0
    assert gc.get_freeze_count() == 0
    assert gc.isenabled()


def test_the_collector_is_back_after_a_model_that_cannot_be_made(home: Path, capsys) -> None:
    assert main(["run", "--model", "nosuchvendor/nosuchmodel", "hello"]) != 0
    assert gc.isenabled() and gc.get_freeze_count() == 0
    _startup.resume()  # (No-ops: nothing left paused or frozen.)
    _startup.release()
    assert gc.isenabled() and gc.get_freeze_count() == 0


@pytest.mark.parametrize("argv", [["run", "--help"], ["run", "--no-such-flag"], ["run"]])
def test_the_collector_is_back_after_run_ends_without_running(
    home: Path, argv: list[str], capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    with open(home / "empty.txt", "w+") as empty:  # (``run`` alone reads the prompt there.)
        monkeypatch.setattr("sys.stdin", empty)
        main(argv)
    assert gc.isenabled() and gc.get_freeze_count() == 0
