"""Models for the fault suites, built in the server process (``AGENTICA_TEST_MODEL``).

``model``: a real ``OpenAIChat`` against the ``FaultServer`` at ``$FAULT_BASE_URL``, with
the small timeouts of ``$FAULT_TIMEOUT`` (first chunk), ``$FAULT_STALL`` (gap) and
``$FAULT_NOTICE`` (the "waiting for the model" notice), so a silent model is seen fast.
"""

from __future__ import annotations

import os

from agentica.models.openai import OpenAIChat


def model() -> OpenAIChat:
    env = os.environ
    return OpenAIChat(
        "gpt-fault",
        api_key="sk-fault",
        base_url=env["FAULT_BASE_URL"],
        timeout=float(env.get("FAULT_TIMEOUT", "1.5")),
        stall_timeout=float(env.get("FAULT_STALL", "1.0")),
        notice_after=float(env.get("FAULT_NOTICE", "0.3")),
    )


def printing_model():
    """The e2e scripted model, after writing to the server's stdout three ways."""
    import sys

    from e2e_models import model as scripted

    print("STRAY print() on stdout")
    sys.stdout.flush()
    os.write(1, b"STRAY os.write(1) on stdout\n")
    return scripted()
