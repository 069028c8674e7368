"""Every editor config in ``editor-configs/`` starts a working agent, as written.

Each config is read the way its editor reads it (``config_readers``), then its command
line runs through the harness as that editor would start it: the environment the config
declares, a user's shell environment for the variables it copies from there, and the
harness's loopback model standing in for OpenAI. A session opens and one prompt runs to
the end, so a renamed flag, a dropped environment variable or a broken command shows up
here before it reaches a user's editor.
"""

from __future__ import annotations

import re
import shutil
import sys
import tomllib
from pathlib import Path

import pytest
from config_readers import READERS, ROOT, Launch

from acp_server.config import _ENV as SERVER_ENV
from acp_server.config import build_parser
from acp_server.harness.driver import AcpHarness
from acp_server.harness.loopback import LoopbackServer
from agentica.models.presets import PRESETS

REPO = ROOT.parent
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
SCRIPTS: dict[str, str] = PYPROJECT["project"]["scripts"]
USER_SHELL = {"AGENTICA_MODEL": "openai/gpt-4.1-mini", "OPENAI_API_KEY": "sk-user-key"}
"""The user's own environment, for configs that copy variables from it."""


def launches() -> list[Launch]:
    return [reader(ROOT / rel) for rel, reader in READERS.items()]


def test_every_file_in_editor_configs_is_read_by_a_test() -> None:
    files = {
        p.relative_to(ROOT).as_posix()
        for p in ROOT.rglob("*")
        if p.is_file() and p.suffix in {".json", ".lua", ".el"}
    }
    assert files == set(READERS)


def test_each_editor_has_a_readme_naming_its_config() -> None:
    for rel in READERS:
        folder = (ROOT / rel).parent
        readme = (folder / "README.md").read_text(encoding="utf-8")
        assert Path(rel).name in readme, f"{folder}/README.md does not mention {rel}"
    index = (ROOT / "README.md").read_text(encoding="utf-8")
    for folder in {Path(rel).parent.as_posix() for rel in READERS}:
        assert f"({folder}/)" in index, f"editor-configs/README.md does not link {folder}/"


@pytest.mark.parametrize("launch", launches(), ids=lambda launch: launch.editor)
def test_the_declared_command_is_one_of_ours_with_valid_flags(launch: Launch) -> None:
    assert launch.command in SCRIPTS, f"{launch.command!r} is not a console script we install"
    args = launch.args
    if SCRIPTS[launch.command] == "agentica.cli:main":
        assert args[:1] == ["acp"], "`agentica` serves ACP only as `agentica acp`"
        args = args[1:]
    else:
        assert SCRIPTS[launch.command] == "acp_server.__main__:run"
    build_parser().parse_args(args)  # Exits (SystemExit) on a flag the server lacks.


@pytest.mark.parametrize("launch", launches(), ids=lambda launch: launch.editor)
def test_every_declared_variable_is_one_the_server_reads(launch: Launch) -> None:
    known = set(SERVER_ENV.values())
    for preset in PRESETS.values():
        known.update(preset.key_envs)
        if preset.base_url_env:
            known.add(preset.base_url_env)
    unknown = set(launch.env) | set(launch.env_from_user)
    assert unknown <= known, f"not read by agentica-acp: {sorted(unknown - known)}"


def test_registry_manifest_follows_the_registry_rules() -> None:
    import json

    manifest = json.loads((ROOT / "registry" / "agent.json").read_text(encoding="utf-8"))
    assert {"id", "name", "version", "description", "distribution"} <= set(manifest)
    assert re.fullmatch(r"[a-z][a-z0-9-]*", manifest["id"])
    assert re.match(r"[0-9]+\.[0-9]+\.[0-9]+", manifest["version"])
    assert PYPROJECT["project"]["version"].startswith(manifest["version"])
    assert set(manifest["distribution"]) <= {"binary", "npx", "uvx"}
    uvx = manifest["distribution"]["uvx"]
    assert set(uvx) <= {"package", "args", "env"}
    assert uvx["package"] == PYPROJECT["project"]["name"]
    svg = (ROOT / "registry" / "icon.svg").read_text(encoding="utf-8")
    assert 'width="16"' in svg and 'height="16"' in svg
    fills = set(re.findall(r'(?:fill|stroke)="([^"]*)"', svg))
    assert fills <= {"currentColor", "none"}, f"the registry wants monochrome icons: {fills}"


def _argv(command: str) -> list[str]:
    """The installed script, as the editor finds it on PATH (beside our interpreter first)."""
    bindir = Path(sys.executable).parent
    for candidate in (bindir / command, bindir / f"{command}.exe"):
        if candidate.exists():
            return [str(candidate)]
    found = shutil.which(command)
    assert found, f"{command} is not installed (pip install -e .)"
    return [found]


def _environment(launch: Launch, model: LoopbackServer, tmp_path: Path) -> dict[str, str]:
    env = {
        # A user's machine with no agentica config file of its own: only the editor config.
        "XDG_CONFIG_HOME": str(tmp_path / "xdg"),
        "AGENTICA_HOME": str(tmp_path / "home"),
        "AGENTICA_LOG_FILE": str(tmp_path / "agentica.log"),
        # What "the internet" is for this test: OpenAI's endpoint is the loopback model.
        "OPENAI_BASE_URL": model.base_url,
    }
    if launch.user_env:
        env.update(USER_SHELL)
    for name, value in launch.env.items():
        # The user replaces the placeholder key with theirs.
        env[name] = "sk-user-key" if name.endswith("_API_KEY") else value
    for name, theirs in launch.env_from_user.items():
        if theirs in USER_SHELL:
            env[name] = USER_SHELL[theirs]
    return env


@pytest.mark.parametrize("launch", launches(), ids=lambda launch: launch.editor)
async def test_the_config_starts_an_agent_that_answers_a_prompt(
    launch: Launch, tmp_path: Path
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "README.md").write_text("# A project\n", encoding="utf-8")
    with LoopbackServer() as model:
        env = _environment(launch, model, tmp_path)
        argv = [*_argv(launch.command), *launch.args]
        async with AcpHarness.spawn(argv, cwd=project, env=env, timeout=30) as harness:
            init = await harness.initialize()
            assert init["protocolVersion"] == 1
            sid = await harness.new_session()
            session = harness.last_session_result
            outcome = await harness.prompt(sid, "What is this project?")
    assert outcome.error is None, outcome.error
    assert outcome.stop_reason == "end_turn"
    assert "Done." in outcome.text  # The loopback model's answer after reading README.md.
    assert any(call.title and "README.md" in call.title for call in outcome.tool_calls.values())
    options = {o["id"]: o for o in session.get("configOptions", [])}
    model_option = next(o for o in options.values() if o.get("category") == "model")
    assert model_option["currentValue"] == "openai/gpt-4.1-mini"
    offered = {o["value"] for o in model_option["options"]}
    declared = launch.env.get("AGENTICA_MODELS", "")
    assert {m for m in declared.split(",") if m} <= offered
    if "--mode" in launch.args:
        mode = launch.args[launch.args.index("--mode") + 1]
        assert session["modes"]["currentModeId"] == mode
    assert (tmp_path / "agentica.log").exists()  # Logs went where AGENTICA_LOG_FILE said.
