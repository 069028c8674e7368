r"""Skills: folders of instructions (and files) an agent loads only when it needs them.

A skill is a folder with a ``SKILL.md``: front matter with its ``name`` and
``description``, then the instructions; other files (scripts, templates, references)
may sit beside it::

    ~/.agentica/skills/release-notes/SKILL.md
    ---
    name: release-notes
    description: Write release notes from the git log in the project's house style.
    ---
    1. Run `git log --oneline <last tag>..HEAD` ...
    2. Fill in template.md (beside this file) ...

Skills are found in ``$AGENTICA_HOME/skills`` (default ``~/.agentica/skills``) and in
``<project>/.agentica/skills`` (the project's win on a name clash). Their names and
descriptions go into the system prompt (``SkillTool.prompt()``); the agent reads a
skill's full text with the ``skill`` tool when a task calls for it, and the skill's
other files with the same tool. ``DeepAgent`` does this by default; for an ``Agent``::

    skills = SkillTool.for_project(work_dir)
    agent = Agent(model=..., tools=[skills],
                  instructions=lambda: MY_INSTRUCTIONS + "\n\n" + skills.prompt())

A folder that is not a usable skill (no front matter, no name) is skipped with a logged
warning; it never stops an agent from starting. Sizes are bounded: descriptions are
trimmed, bodies and files read through the tool are capped.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from agentica._records import record
from agentica.exceptions import ToolError
from agentica.tools.base import CallDescription
from agentica.tools.decorator import tool
from agentica.tools.function import Tool

logger = logging.getLogger(__name__)

SKILL_FILE = "SKILL.md"
MAX_DESCRIPTION = 300
"""Characters of a description put into the system prompt (the rest is cut)."""
MAX_BODY = 30_000
"""Characters of a skill's text (or of one of its files) the ``skill`` tool returns."""
MAX_FILES = 50
"""Other files of a skill listed by the ``skill`` tool."""
MAX_SKILLS = 100
"""Skills listed in the system prompt (the first ones by name)."""
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


@record(kw_only=False)
class Skill:
    """One skill.

    Attributes:
        name: Its name (what the ``skill`` tool is called with).
        description: What it is for and when to use it (trimmed).
        path: Its folder.
    """

    name: str
    description: str
    path: Path

    @property
    def file(self) -> Path:
        """The skill's ``SKILL.md``."""
        return self.path / SKILL_FILE

    def body(self) -> str:
        """The instructions (``SKILL.md`` after the front matter), capped at ``MAX_BODY``."""
        _, body = parse_front_matter(_read(self.file, MAX_BODY * 2))
        return _cap(body.strip(), MAX_BODY)

    def files(self) -> list[str]:
        """The other files of the folder, relative paths, sorted (at most ``MAX_FILES``)."""
        found: list[str] = []
        for root, dirs, names in os.walk(self.path):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(names):
                rel = Path(root, name).relative_to(self.path).as_posix()
                if rel != SKILL_FILE and not name.startswith("."):
                    found.append(rel)
                    if len(found) >= MAX_FILES:
                        return found
        return found


def _read(path: Path, limit: int) -> str:
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read(limit)


def _cap(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[:limit] + f"\n[... cut: only the first {limit} characters are shown]"


def _unquote(value: str) -> str:
    """A front matter value without its quotes, or without a trailing ``# comment``."""
    value = value.strip()
    if value[:1] in ("'", '"'):
        end = value.find(value[0], 1)
        if end > 0:
            return value[1:end]
    return re.split(r"\s#", value, maxsplit=1)[0].strip()


def parse_front_matter(text: str) -> tuple[dict[str, str], str]:
    """The ``key: value`` pairs of a ``---`` front matter block, and the text after it.

    A simple subset of YAML: keys are lower-cased; values may be quoted; indented lines
    continue the previous value (folded with spaces, as are ``>`` and ``|`` blocks);
    nested structures are kept as text. Without front matter: ``({}, text)``.

    Raises:
        ValueError: The block has no closing ``---`` line.
    """
    lines = text.lstrip("\ufeff").splitlines()
    if not lines or lines[0].strip() != "---":
        return {}, text
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() in ("---", "..."))
    except StopIteration:
        raise ValueError("the front matter has no closing '---' line") from None
    meta: dict[str, str] = {}
    key: str | None = None
    for line in lines[1:end]:
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if line[0] in " \t" and key is not None:  # A continuation of the previous value.
            meta[key] = f"{meta[key]} {line.strip()}".strip()
            continue
        name, sep, value = line.partition(":")
        if not sep or not name.strip():
            key = None  # Not ``key: value``: ignored, with whatever is indented below it.
            continue
        key = name.strip().lower()
        value = value.strip()
        meta[key] = "" if value in (">", "|", ">-", "|-") else _unquote(value)
    return meta, "\n".join(lines[end + 1 :])


def load_skill(folder: Path) -> Skill:
    """The skill in ``folder``.

    Raises:
        ValueError: It has no front matter, no usable ``name``, or no ``description``.
        OSError: Its ``SKILL.md`` cannot be read.
    """
    meta, _ = parse_front_matter(_read(folder / SKILL_FILE, 16_384))
    if not meta:
        raise ValueError(f"{SKILL_FILE} has no front matter (a '---' block with name, description)")
    name = meta.get("name", "").strip()
    if not name:
        raise ValueError(f"{SKILL_FILE} has no name in its front matter")
    if not _NAME.fullmatch(name):
        raise ValueError(f"bad skill name {name!r}: letters, digits, '.', '_', '-' (up to 64)")
    description = " ".join(meta.get("description", "").split())
    if not description:
        raise ValueError(f"{SKILL_FILE} has no description in its front matter")
    if len(description) > MAX_DESCRIPTION:
        description = description[: MAX_DESCRIPTION - 1] + "…"
    return Skill(name=name, description=description, path=folder)


def skills_home() -> Path:
    """The user's skills: ``$AGENTICA_HOME/skills``, else ``~/.agentica/skills``."""
    home = os.environ.get("AGENTICA_HOME")
    return (Path(home).expanduser() if home else Path.home() / ".agentica") / "skills"


def skill_dirs(project: str | os.PathLike[str] | None) -> list[Path]:
    """Where skills live, lowest precedence first: the user's, then the project's."""
    dirs = [skills_home()]
    if project is not None:
        dirs.append(Path(project) / ".agentica" / "skills")
    return dirs


def discover_skills(dirs: Iterable[str | os.PathLike[str]]) -> dict[str, Skill]:
    """The skills in the sub-folders of ``dirs``, by name (a later directory wins)."""
    found: dict[str, Skill] = {}
    for folder in map(Path, dirs):
        try:
            children = sorted(p for p in folder.iterdir() if (p / SKILL_FILE).is_file())
        except OSError:  # Missing or unreadable: no skills there.
            continue
        for child in children:
            try:
                skill = load_skill(child)
            except (OSError, ValueError) as e:
                logger.warning("skipping skill %s: %s", child, e)
                continue
            found[skill.name] = skill
    return found


def skills_prompt(skills: Sequence[Skill]) -> str:
    """The system prompt's "Skills" section listing ``skills`` (empty without skills)."""
    if not skills:
        return ""
    shown = sorted(skills, key=lambda s: s.name)[:MAX_SKILLS]
    lines = [
        "## Skills",
        "These skills hold instructions for particular tasks. When a task matches a skill's "
        "description, first call the `skill` tool with its name to read its instructions "
        "(and, with `file`, the files it mentions), then follow them.",
        "",
        *(f"- {s.name}: {s.description}" for s in shown),
    ]
    if len(skills) > len(shown):
        lines.append(f"- ... and {len(skills) - len(shown)} more")
    return "\n".join(lines)


def _describe_skill(self: SkillTool, args: dict[str, object]) -> CallDescription:
    name, file = args.get("name") or "", args.get("file")
    return CallDescription(title=f"Skill: {name}" + (f" ({file})" if file else ""))


class SkillTool(Tool):
    """The ``skill`` tool, and the system prompt section that lists the skills.

    The skills are looked up again by ``prompt()`` (so at every run when it is part of
    the instructions) and read from disk by the tool itself: they work when the files
    are outside the workspace's roots or the editor provides the file system.

    Args:
        dirs: The folders holding skills, lowest precedence first (see ``skill_dirs``).
    """

    def __init__(self, dirs: Iterable[str | os.PathLike[str]]) -> None:
        super().__init__()
        self.dirs = [Path(d) for d in dirs]
        self.skills = discover_skills(self.dirs)

    @classmethod
    def for_project(cls, project: str | os.PathLike[str] | None) -> SkillTool:
        """The user's and ``project``'s skills (``skill_dirs(project)``)."""
        return cls(skill_dirs(project))

    def refresh(self) -> dict[str, Skill]:
        """Look the skills up again (folders added or removed since)."""
        self.skills = discover_skills(self.dirs)
        return self.skills

    def prompt(self) -> str:
        """The "Skills" section for the system prompt (refreshed; empty without skills)."""
        return skills_prompt(list(self.refresh().values()))

    @tool(kind="read", is_read_only=True, describe=_describe_skill)
    def skill(self, name: str, file: str | None = None) -> str:
        """Load a skill: its instructions, and the list of its other files.

        Call it when a task matches a skill listed in the system prompt, before doing
        the task. With `file` (a path from that list), it returns that file instead.

        Args:
            name: The skill's name.
            file: One of the skill's other files, relative to its folder.
        """
        found = self.skills.get(name) or self.refresh().get(name)
        if found is None:
            known = ", ".join(sorted(self.skills)) or "none"
            raise ToolError(f"no skill named {name!r}; available skills: {known}")
        try:
            return self._file(found, file) if file else self._load(found)
        except OSError as e:
            raise ToolError(f"cannot read skill {name!r}: {e.strerror or e}") from None

    @staticmethod
    def _load(found: Skill) -> str:
        text = f"# Skill: {found.name}\n(folder: {found.path})\n\n{found.body()}"
        files = found.files()
        if files:
            listed = "\n".join(f"- {f} ({found.path / f})" for f in files)
            text += (
                "\n\nFiles of this skill (read one with skill(name, file=...), or read_file "
                f"on the full path):\n{listed}"
            )
        return text

    @staticmethod
    def _file(found: Skill, file: str) -> str:
        root = found.path.resolve()
        target = (root / file).resolve()
        if not target.is_relative_to(root):
            raise ToolError(f"{file!r} is not inside the skill's folder")
        if not target.is_file():
            raise ToolError(f"skill {found.name!r} has no file {file!r}")
        return _cap(_read(target, MAX_BODY * 2), MAX_BODY)


__all__ = [
    "MAX_BODY",
    "MAX_DESCRIPTION",
    "SKILL_FILE",
    "Skill",
    "SkillTool",
    "discover_skills",
    "load_skill",
    "parse_front_matter",
    "skill_dirs",
    "skills_home",
    "skills_prompt",
]
