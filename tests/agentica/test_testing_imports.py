"""``agentica.testing`` imports only what the package declares (httpx is a test extra)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

# Runs in a fresh interpreter where importing httpx fails, as after a plain `pip install -e .`.
WITHOUT_HTTPX = textwrap.dedent(
    """
    import sys

    class NoHttpx:
        def find_spec(self, name, path=None, target=None):
            if name == "httpx" or name.startswith("httpx."):
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            return None

    sys.meta_path.insert(0, NoHttpx())
    """
)


def run_without_httpx(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", WITHOUT_HTTPX + textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_scripted_models_work_without_httpx() -> None:
    proc = run_without_httpx(
        """
        from agentica import Agent
        from agentica.testing import FunctionModel, ScriptedModel, split_words, tool_call

        model = ScriptedModel(["Hello from the script"])
        print(Agent(model=model).run_sync("hi").content)
        model.assert_complete()
        print("httpx" in sys.modules)
        """
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["Hello from the script", "False"]


def test_the_openai_mock_names_say_they_need_httpx() -> None:
    proc = run_without_httpx(
        """
        try:
            from agentica.testing import OpenAIMock
        except ModuleNotFoundError as exc:
            print(exc.name)
        """
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "httpx"


def test_the_openai_mock_is_still_public_from_agentica_testing() -> None:
    import agentica.testing as testing
    import agentica.testing_openai as testing_openai

    for name in ("MockReply", "OpenAIMock", "chunk", "openai_error", "sse_response"):
        assert name in testing.__all__
        assert getattr(testing, name) is getattr(testing_openai, name)
    assert testing.split_words is testing_openai.split_words
