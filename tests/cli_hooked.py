"""The ``agentica`` command with a scripted model (for tests and benchmarks only).

    AGENTICA_TEST_MODEL=module:factory python tests/cli_hooked.py run "say hi"

With ``AGENTICA_TEST_MODEL`` set, every model ``agentica chat`` / ``agentica run`` would
make is ``factory()`` instead (e.g. ``e2e_models:model``, with ``tests/e2e`` on
``PYTHONPATH``); unset, it is the plain command. Only this wrapper turns the name into an
import: the package has no such hook.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any

from agentica.cli import main

TEST_MODEL_ENV = "AGENTICA_TEST_MODEL"


def install(hook: str) -> None:
    """Make ``Settings.make_model`` return the hook's model."""
    from agentica.terminal.settings import Settings

    module, _, attr = hook.partition(":")

    def make_model(self: Settings, spec: str | None = None) -> Any:
        return getattr(importlib.import_module(module), attr or "model")()

    Settings.make_model = make_model  # type: ignore[method-assign]


if __name__ == "__main__":
    if os.environ.get(TEST_MODEL_ENV):
        install(os.environ[TEST_MODEL_ENV])
    sys.exit(main())
