"""The ACP server's tracing switch: ``--trace``, ``trace = true`` in the config file or
``AGENTICA_TRACING`` turn on OTLP export; a missing exporter is a clear startup error."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from acp_server.__main__ import main, start_tracing, trace_flag
from acp_server.config import ServerConfig
from agentica import tracing


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("AGENTICA_CONFIG", raising=False)
    monkeypatch.delenv("AGENTICA_TRACING", raising=False)
    yield
    tracing.disable()


def exporter(monkeypatch: pytest.MonkeyPatch, *, installed: bool) -> None:
    real = importlib.util.find_spec

    def find_spec(name: str, *args: Any) -> Any:
        if name.startswith("opentelemetry.exporter"):
            return object() if installed else None
        return real(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)


def test_the_trace_flag_is_taken_out_of_the_arguments() -> None:
    assert trace_flag(["--model", "demo", "--trace"]) == (True, ["--model", "demo"])
    assert trace_flag(["--model", "demo"]) == (False, ["--model", "demo"])


@pytest.mark.parametrize("how", ["flag", "config", "env"])
def test_asking_for_traces_without_the_exporter_stops_with_a_clear_error(
    how: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    exporter(monkeypatch, installed=False)
    argv = ["--model", "demo"]
    if how == "flag":
        argv.append("--trace")
    elif how == "config":
        config = tmp_path / "acp.toml"
        config.write_text("trace = true\n")
        argv += ["--config", str(config)]
    else:
        monkeypatch.setenv("AGENTICA_TRACING", "1")
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "agentica-acp: error: OTLP tracing needs" in err
    assert "pip install 'agentica[otlp]'" in err
    assert not tracing.is_enabled()


def test_tracing_is_set_up_lazily_and_only_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    exporter(monkeypatch, installed=True)
    assert start_tracing(False, ServerConfig(), {}) is False
    assert not tracing.is_enabled()
    config = ServerConfig(extra={"trace": True})
    assert start_tracing(False, config, {}) is True
    assert config.extra == {}  # Known: not reported as an unrecognised setting.
    assert tracing.is_enabled()
