"""The harness section of README.md works as written, in a fresh project."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def _section() -> str:
    text = README.read_text(encoding="utf-8")
    return text[text.index("## The harness\n") : text.index("## Testing your agents\n")]


def _env() -> dict[str, str]:
    # The installed commands (acp-harness, agentica-acp) live next to our interpreter.
    bindir = os.path.dirname(sys.executable)
    return {**os.environ, "PATH": bindir + os.pathsep + os.environ.get("PATH", "")}


def test_the_readme_run_sample_runs_the_demo_with_its_shell_step_allowed(tmp_path: Path) -> None:
    bash = re.search(r"```bash\n(.*?)```", _section(), re.S)
    assert bash is not None
    line = next(ln for ln in bash.group(1).splitlines() if "agentica-acp --model demo" in ln)
    argv = shlex.split(line.split("#")[0])
    assert argv[:2] == ["acp-harness", "run"]
    done = subprocess.run(
        argv, cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "`: allow" in done.stdout  # the demo's shell command was approved
    assert "falls back to reject" not in done.stdout + done.stderr


def test_the_readme_pytest_sample_passes_without_asyncio_configuration(tmp_path: Path) -> None:
    code = re.search(r"```python\n(.*?)```", _section(), re.S)
    assert code is not None
    conftest, test = code.group(1).split("# test_agent.py\n")
    (tmp_path / "conftest.py").write_text(conftest)
    (tmp_path / "test_agent.py").write_text(test)
    (tmp_path / "pytest.ini").write_text("[pytest]\n")  # a fresh project: strict asyncio mode
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_agent.py"],
        cwd=tmp_path,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout
