"""The built distributions, installed as a user installs them.

Builds the wheel and the sdist from a copy of the source tree (offline: no build
isolation, the backend is the test extra's setuptools), installs the wheel alone into a
fresh venv (the dependencies come from this environment through a ``.pth`` file, so
nothing is downloaded; the project itself only from the wheel), then runs the README's
commands against it: the headless demo session, and a conformance check of the
installed server.
"""

from __future__ import annotations

import email.parser
import os
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from wheel_venv import build_wheel, copy_source, venv_with

VERSION_LINE = "2.0.0"  # What `--version` shows starts with the project's version.
SCHEMA_FILES = ("acp-schema-v1.json", "LICENSE-acp-schema", "README.md")


@dataclass
class Installed:
    wheel: Path
    sdist: Path
    venv: Path
    bindir: Path
    python: Path
    env: dict[str, str]

    def run(self, *argv: str, timeout: float = 120, cwd: Path | None = None) -> str:
        """Run an installed command; returns its stdout (fails on a non-zero exit)."""
        done = subprocess.run(
            [str(self.bindir / argv[0]), *argv[1:]],
            capture_output=True, text=True, timeout=timeout, env=self.env, cwd=cwd,
        )  # fmt: skip
        assert done.returncode == 0, f"{argv} exited {done.returncode}:\n{done.stdout}{done.stderr}"
        return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    tmp = tmp_path_factory.mktemp("packaging")
    src, dist = copy_source(tmp / "src"), tmp / "dist"
    wheel = build_wheel(src, dist)
    sdist_code = "import sys; from setuptools import build_meta as b; b.build_sdist(sys.argv[1])"
    subprocess.run(
        [sys.executable, "-c", sdist_code, str(dist)],
        check=True, timeout=300, capture_output=True, cwd=src,
    )  # fmt: skip
    (sdist,) = dist.glob("agentica-*.tar.gz")
    target = tmp / "venv"
    bindir, python = venv_with(wheel, target)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = f"{bindir}{os.pathsep}{env.get('PATH', '')}"
    yield Installed(wheel, sdist, target, bindir, python, env)


def test_the_project_comes_from_the_wheel(installed: Installed, tmp_path: Path) -> None:
    code = "import agentica, acp_server; print(agentica.__file__); print(acp_server.__file__)"
    done = subprocess.run(
        [str(installed.python), "-c", code],
        capture_output=True, text=True, check=True, env=installed.env, cwd=tmp_path,
    )  # fmt: skip
    for line in done.stdout.splitlines():
        assert Path(line).resolve().is_relative_to(installed.venv.resolve()), line


def test_the_three_commands_answer_version_and_help(installed: Installed) -> None:
    for command in ("agentica", "agentica-acp", "acp-harness"):
        assert installed.run(command, "--version").startswith(f"{command} {VERSION_LINE}")
        assert "usage:" in installed.run(command, "--help")
    assert {"acp", "harness"} <= set(installed.run("agentica", "--help").split())


def test_the_readme_demo_runs_against_the_installed_server(
    installed: Installed, tmp_path: Path
) -> None:
    (tmp_path / "notes.txt").write_text("hello\n")
    out = installed.run("acp-harness", "run", "--color", "never", cwd=tmp_path)
    assert f"agentica {VERSION_LINE}" in out  # The header: the agent's name and version.
    assert f"command: {installed.python}" in out or f"command: {installed.bindir}" in out
    assert "▸ Show me what you can do in this directory" in out  # The prompt, echoed.
    assert "offline demo model" in out  # The demo model's answer, streamed.


def test_the_installed_server_passes_a_conformance_check(
    installed: Installed, tmp_path: Path
) -> None:
    out = installed.run(
        "acp-harness", "check", "--demo", "--only", "init", "--color", "never", cwd=tmp_path
    )
    assert "PASS init.agent-info" in out
    assert " 0 failed" in out
    # The bundled official schema is read from the installed package.
    (schema_line,) = [ln for ln in out.splitlines() if "validating with official schema" in ln]
    schema = Path(schema_line.rsplit(" ", 1)[1])
    assert schema.resolve().is_relative_to(installed.venv.resolve())


def test_wheel_metadata_and_contents(installed: Installed) -> None:
    with zipfile.ZipFile(installed.wheel) as whl:
        names = set(whl.namelist())
        info = next(n for n in names if n.endswith(".dist-info/METADATA"))
        meta = email.parser.Parser().parsestr(whl.read(info).decode())
    assert meta["Name"] == "agentica"
    assert meta["Version"].startswith(VERSION_LINE)
    assert meta["License-Expression"] == "Apache-2.0"
    assert "LICENSE" in meta.get_all("License-File", [])
    assert meta["Requires-Python"] == ">=3.11"
    assert meta["Author"]
    assert meta["Keywords"] and "acp" in meta["Keywords"].split(",")
    urls = dict(u.split(", ", 1) for u in meta.get_all("Project-URL", []))
    assert {"Homepage", "Repository", "Issues"} <= set(urls)
    classifiers = meta.get_all("Classifier", [])
    assert "Typing :: Typed" in classifiers
    assert "Programming Language :: Python :: 3.11" in classifiers
    assert meta["Description-Content-Type"] == "text/markdown"
    assert meta.get_payload().lstrip().startswith("# agentica")  # The README.
    requires = meta.get_all("Requires-Dist", [])
    assert any(r.startswith("psutil") and 'sys_platform == "win32"' in r for r in requires)
    # Package data and the license files.
    assert {"agentica/py.typed", "acp_server/py.typed"} <= names
    assert {f"acp_server/harness/schema_data/{f}" for f in SCHEMA_FILES} <= names
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    # Nothing stray: only the two packages and the dist-info.
    assert {n.split("/", 1)[0] for n in names} == {"agentica", "acp_server", info.split("/")[0]}
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]


def test_sdist_holds_the_source_and_the_tests_and_nothing_stray(installed: Installed) -> None:
    with tarfile.open(installed.sdist) as sdist:
        names = {n.split("/", 1)[1] for n in sdist.getnames() if "/" in n}
    for wanted in ("LICENSE", "README.md", "pyproject.toml", "PKG-INFO", "MANIFEST.in"):
        assert wanted in names
    assert "agentica/procs.py" in names and "acp_server/__main__.py" in names
    assert {f"acp_server/harness/schema_data/{f}" for f in SCHEMA_FILES} <= names
    assert "tests/conftest.py" in names and "tests/packaging/test_wheel.py" in names
    assert "examples/quickstart.py" in names  # The tests run the examples.
    stray = [
        n for n in names
        if n.startswith((".ci/", "benchmarks/", "build/", "dist/", ".git"))
        or "__pycache__" in n or n.endswith(".pyc") or ".pytest_cache" in n
    ]  # fmt: skip
    assert stray == []


def test_a_users_pytest_suite_drives_the_installed_server(
    installed: Installed, tmp_path: Path
) -> None:
    """The README's pytest sample, as written, in a fresh project, against the wheel."""
    (tmp_path / "conftest.py").write_text(
        'pytest_plugins = ["acp_server.harness.pytest_plugin"]\n\n'
        "import pytest\n\n\n"
        "@pytest.fixture\n"
        "def acp_agent_command():\n"
        '    return ["agentica-acp", "--model", "demo"]\n'
    )
    (tmp_path / "test_agent.py").write_text(
        "async def test_hello(acp_harness):\n"
        "    sid = await acp_harness.new_session()\n"
        '    outcome = await acp_harness.prompt(sid, "hello")\n'
        '    assert outcome.stop_reason == "end_turn"\n'
    )
    done = subprocess.run(
        [str(installed.python), "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        capture_output=True, text=True, timeout=180, env=installed.env, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout
