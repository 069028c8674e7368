"""Skills (``agentica.skills``): discovery, front matter, the prompt section, the tool."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from agentica import Agent, DeepAgent
from agentica.skills import (
    MAX_BODY,
    MAX_DESCRIPTION,
    SkillTool,
    discover_skills,
    parse_front_matter,
    skill_dirs,
    skills_home,
)
from agentica.testing import ScriptedModel, tool_call


def make_skill(root: Path, folder: str, text: str, **files: str) -> Path:
    d = root / folder
    d.mkdir(parents=True)
    (d / "SKILL.md").write_text(text, encoding="utf-8")
    for name, content in files.items():
        path = d / name.replace("__", "/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    return d


def skill_md(name: str, description: str, body: str = "Do the thing.") -> str:
    return f"---\nname: {name}\ndescription: {description}\n---\n{body}\n"


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    """``$AGENTICA_HOME`` for the test (its ``skills`` folder is the user's skills)."""
    path = tmp_path / "home"
    monkeypatch.setenv("AGENTICA_HOME", str(path))
    return path


@pytest.fixture
def project(tmp_path) -> Path:
    path = tmp_path / "project"
    path.mkdir()
    return path


def test_skills_home_follows_agentica_home(home, monkeypatch):
    assert skills_home() == home / "skills"
    monkeypatch.delenv("AGENTICA_HOME")
    assert skills_home() == Path.home() / ".agentica" / "skills"


def test_discovery_from_both_places_and_the_project_wins(home, project):
    make_skill(home / "skills", "mine", skill_md("mine", "the user's own"))
    make_skill(home / "skills", "shared", skill_md("shared", "user version"))
    make_skill(project / ".agentica" / "skills", "shared", skill_md("shared", "project version"))
    make_skill(project / ".agentica" / "skills", "local", skill_md("local", "project only"))
    (project / ".agentica" / "skills" / "not-a-skill").mkdir()  # No SKILL.md: ignored.

    found = discover_skills(skill_dirs(project))

    assert sorted(found) == ["local", "mine", "shared"]
    assert found["shared"].description == "project version"
    assert found["shared"].path == project / ".agentica" / "skills" / "shared"
    assert found["mine"].path == home / "skills" / "mine"


def test_missing_folders_give_no_skills(home, project):
    assert discover_skills(skill_dirs(project)) == {}


def test_front_matter_edge_cases():
    text = (
        "\ufeff---\r\n"
        "# a comment\r\n"
        "Name: 'quoted-name'\r\n"
        'description: "has: a colon # and a hash"\r\n'
        "license: MIT # trailing comment\r\n"
        "metadata:\r\n"
        "  version: 2\r\n"
        "---\r\n"
        "Body line\r\n"
    )
    meta, body = parse_front_matter(text)
    assert meta["name"] == "quoted-name"
    assert meta["description"] == "has: a colon # and a hash"
    assert meta["license"] == "MIT"
    assert meta["metadata"] == "version: 2"  # Nested structure kept as text.
    assert body.strip() == "Body line"


def test_folded_and_continued_descriptions():
    meta, _ = parse_front_matter(
        "---\nname: x\ndescription: >\n  spans two\n  lines\nother: |\n  kept\n---\n"
    )
    assert meta["description"] == "spans two lines"
    meta, _ = parse_front_matter("---\nname: x\ndescription: starts here\n  and goes on\n---\n")
    assert meta["description"] == "starts here and goes on"


def test_no_front_matter_and_unclosed_front_matter():
    assert parse_front_matter("# Just markdown\n") == ({}, "# Just markdown\n")
    with pytest.raises(ValueError, match="closing"):
        parse_front_matter("---\nname: x\n")


@pytest.mark.parametrize(
    "text, reason",
    [
        ("# No front matter\nJust text.", "no front matter"),
        ("---\ndescription: nameless\n---\nbody", "no name"),
        ("---\nname: x\n---\nbody", "no description"),
        ("---\nname: x\ndescription: never closed\n", "closing"),
        ("---\nname: has spaces\ndescription: d\n---\n", "bad skill name"),
        ("", "no front matter"),
    ],
)
def test_bad_skills_are_skipped_with_a_warning(tmp_path, caplog, text, reason):
    make_skill(tmp_path, "bad", text)
    make_skill(tmp_path, "good", skill_md("good", "fine"))
    with caplog.at_level(logging.WARNING, logger="agentica.skills"):
        found = discover_skills([tmp_path])
    assert list(found) == ["good"]
    assert any("bad" in r.getMessage() and reason in r.getMessage() for r in caplog.records)


def test_undecodable_skill_file_is_skipped_not_fatal(tmp_path):
    d = tmp_path / "binary"
    d.mkdir()
    (d / "SKILL.md").write_bytes(b"\xff\xfe\x00garbage")
    assert discover_skills([tmp_path]) == {}


def test_sizes_are_bounded(tmp_path):
    make_skill(tmp_path, "big", skill_md("big", "word " * 500, body="x" * (MAX_BODY * 3)))
    tool = SkillTool([tmp_path])
    skill = tool.skills["big"]
    assert len(skill.description) == MAX_DESCRIPTION
    assert skill.description.endswith("…")
    loaded = tool.skill("big")
    assert len(loaded) < MAX_BODY + 500
    assert f"only the first {MAX_BODY} characters" in loaded


def test_prompt_section_lists_names_and_descriptions(tmp_path):
    make_skill(tmp_path, "b", skill_md("beta", "second skill"))
    make_skill(tmp_path, "a", skill_md("alpha", "first skill"))
    prompt = SkillTool([tmp_path]).prompt()
    assert prompt.startswith("## Skills")
    assert "`skill` tool" in prompt
    assert prompt.index("- alpha: first skill") < prompt.index("- beta: second skill")
    assert "Do the thing" not in prompt  # Bodies are loaded on demand only.
    assert SkillTool([tmp_path / "none"]).prompt() == ""


def test_prompt_sees_skills_added_later(tmp_path):
    tool = SkillTool([tmp_path])
    assert tool.prompt() == ""
    make_skill(tmp_path, "late", skill_md("late", "added after start"))
    assert "- late: added after start" in tool.prompt()


async def test_skill_tool_through_a_real_agent_run(tmp_path):
    folder = make_skill(
        tmp_path, "release", skill_md("release", "write release notes", body="Step 1: read log."),
        **{"template.md": "## Release {version}", "scripts__bump.py": "print('bump')"},
    )
    tool = SkillTool([tmp_path])
    model = ScriptedModel([
        ScriptedModel.tool_calls(tool_call("skill", {"name": "release"})),
        ScriptedModel.tool_calls(tool_call("skill", {"name": "release", "file": "template.md"})),
        ScriptedModel.tool_calls(
            tool_call("skill", {"name": "release", "file": "../../etc/passwd"}),
            tool_call("skill", {"name": "nope"}),
        ),
        "Done.",
    ])
    agent = Agent(model=model, tools=[tool], instructions=lambda: "Base.\n\n" + tool.prompt())

    result = await agent.run("write the release notes")

    assert result.content == "Done."
    model.assert_complete()
    system = model.calls[0].messages[0]
    assert system.role == "system"
    assert "- release: write release notes" in system.text
    assert "skill" in model.calls[0].tool_names
    loaded = model.calls[1].messages[-1]
    assert loaded.role == "tool"
    assert "Step 1: read log." in loaded.text
    assert "---" not in loaded.text  # The front matter is not repeated.
    assert f"- scripts/bump.py ({folder / 'scripts' / 'bump.py'})" in loaded.text
    assert f"- template.md ({folder / 'template.md'})" in loaded.text
    assert model.calls[2].messages[-1].text == "## Release {version}"
    escaped, unknown = model.calls[3].messages[-2:]
    assert "not inside the skill's folder" in escaped.text
    assert "no skill named 'nope'" in unknown.text and "release" in unknown.text


async def test_deep_agent_offers_the_work_dirs_skills(home, project):
    make_skill(home / "skills", "mine", skill_md("mine", "from the user's home"))
    make_skill(project / ".agentica" / "skills", "proj", skill_md("proj", "from the project"))
    model = ScriptedModel([
        ScriptedModel.tool_calls(tool_call("skill", {"name": "proj"})), "ok",
    ])
    agent = DeepAgent(model=model, work_dir=project, subagents=False)
    await agent.run("hi")
    system = model.calls[0].messages[0].text
    assert system.startswith("You are a capable software engineering agent")
    assert "- mine: from the user's home" in system
    assert "- proj: from the project" in system
    assert "Do the thing." in model.calls[1].messages[-1].text


async def test_deep_agent_skills_false_or_none_found_means_no_tool(home, project):
    make_skill(project / ".agentica" / "skills", "proj", skill_md("proj", "from the project"))
    off = ScriptedModel(["ok"])
    await DeepAgent(model=off, work_dir=project, skills=False).run("hi")
    assert "skill" not in off.calls[0].tool_names
    assert "## Skills" not in off.calls[0].messages[0].text
    empty = ScriptedModel(["ok"])
    await DeepAgent(model=empty, work_dir=project, skills=[project / "none"]).run("hi")
    assert "skill" not in empty.calls[0].tool_names


async def test_deep_agent_skills_from_given_folders_keep_custom_instructions(tmp_path, project):
    make_skill(tmp_path, "x", skill_md("x", "explicit folder"))
    model = ScriptedModel(["ok"])
    agent = DeepAgent(
        model=model, work_dir=project, skills=[tmp_path],
        instructions=lambda agent: f"Custom for {agent.name}.", name="bob",
    )
    await agent.run("hi")
    system = model.calls[0].messages[0].text
    assert system.startswith("Custom for bob.")
    assert "- x: explicit folder" in system
