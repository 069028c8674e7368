"""Fault suites: helpers live in ``fault_http.py`` / ``fault_models.py`` (imported by name)."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "e2e"))

import pytest  # noqa: E402


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """An empty project directory for the session."""
    d = tmp_path / "project"
    d.mkdir()
    return d
