"""End-to-end fixtures. Helpers live in ``e2e_util.py`` (test modules import that,
never this file: ``conftest`` is not a unique module name across test directories)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from e2e_util import open_raw


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """An empty project directory for the session."""
    d = tmp_path / "project"
    d.mkdir()
    return d


@pytest.fixture
async def raw(workdir):
    """The server over raw pipes (``e2e_util.RawPipe``)."""
    async with open_raw(workdir) as pipe:
        yield pipe
