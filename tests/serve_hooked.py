"""The ACP server process with test hooks (for tests and benchmarks only).

    python tests/serve_hooked.py [--handlers module:build] [server arguments...]

- ``AGENTICA_TEST_MODEL=module:factory`` (environment): each new session calls
  ``factory()`` for its model instead of ``--model`` (scripted models, e.g.
  ``e2e_models:model``); empty or unset: the configured model.
- ``--handlers module:build``: serve ``build(conn, config)`` instead of the agent.

The production entry point (``acp_server.__main__.main``) takes these as Python
callables; only this wrapper turns names into imports.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable
from typing import Any

from acp_server.__main__ import end_process, main

TEST_MODEL_ENV = "AGENTICA_TEST_MODEL"


def load(spec: str, default: str) -> Callable[..., Any]:
    """The callable named ``module:attr`` (``attr`` defaults to ``default``)."""
    module, _, attr = spec.partition(":")
    return getattr(importlib.import_module(module), attr or default)


def run(argv: list[str]) -> int:
    """Start the server with the hooks named in ``argv`` and the environment."""
    build = None
    if "--handlers" in argv:
        at = argv.index("--handlers")
        spec = argv[at + 1]
        del argv[at : at + 2]

        def build(conn: Any, config: Any) -> Any:  # Imported once stdout is the protocol's.
            return load(spec, "build_handlers")(conn, config)

    hook = os.environ.get(TEST_MODEL_ENV)
    factory = None
    if hook:

        def factory() -> Any:  # Imported on first use, as a session would.
            return load(hook, "model")()

    return main(argv, model_factory=factory, build_handlers=build)


if __name__ == "__main__":
    end_process(run(sys.argv[1:]))  # As the real command ends (``acp_server.__main__.run``).
