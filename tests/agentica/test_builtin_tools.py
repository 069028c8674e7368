"""The built-in workspace tools, as a model and an editor see them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from agentica.events import (
    DiffContent,
    Location,
    PlanEntry,
    PlanUpdated,
    RunEvent,
    TerminalContent,
    TextContent,
)
from agentica.exceptions import ToolError
from agentica.tools.base import ToolCallContext, ToolResult, call_context
from agentica.tools.builtin import WorkspaceTools, workspace_tools
from agentica.tools.function import Function, FunctionCall
from agentica.workspace.base import CommandResult, PathOutsideWorkspace, WorkspaceFileNotFound
from agentica.workspace.local import LocalWorkspace


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "root").mkdir()
    return (tmp_path / "root").resolve()


@pytest.fixture
def tools(root: Path) -> WorkspaceTools:
    return WorkspaceTools(LocalWorkspace(root))


@pytest.fixture
def functions(tools: WorkspaceTools) -> dict[str, Function]:
    return {f.name: f for f in tools.functions()}


# --- Metadata ----------------------------------------------------------------------------


def test_tool_names_and_arguments_match_agentica_1_5(functions: dict[str, Function]) -> None:
    args = {name: list(f.parameters["properties"]) for name, f in functions.items()}
    assert args == {
        "read_file": ["file_path", "offset", "limit"],
        "write_file": ["file_path", "content"],
        "edit_file": ["file_path", "old_string", "new_string", "replace_all"],
        "ls": ["path"],
        "glob": ["pattern", "path"],
        "grep": ["pattern", "path", "limit", "glob"],
        "execute": ["command", "timeout"],
        "write_todos": ["todos"],
    }


def test_tool_kinds_and_approval(functions: dict[str, Function]) -> None:
    got = {n: (f.kind, f.requires_approval) for n, f in functions.items()}
    assert got == {
        "read_file": ("read", False),
        "write_file": ("edit", True),
        "edit_file": ("edit", True),
        "ls": ("read", False),
        "glob": ("search", False),
        "grep": ("search", False),
        "execute": ("execute", True),
        "write_todos": ("think", False),
    }


def test_tool_descriptions_document_arguments(functions: dict[str, Function]) -> None:
    for f in functions.values():
        assert f.description, f.name
        for name, prop in f.parameters["properties"].items():
            assert prop.get("description"), f"{f.name}.{name} has no description"


def test_todo_item_fields_are_described_to_the_model(functions: dict[str, Function]) -> None:
    item = functions["write_todos"].parameters["$defs"]["TodoItem"]["properties"]
    assert item["content"]["description"] == "What to do, as a short imperative sentence."
    assert "one item at a time" in item["status"]["description"]
    assert item["priority"]["description"] == "How important the item is (optional)."
    assert (item["status"]["default"], item["priority"]["default"]) == ("pending", "medium")


def test_workspace_tools_helper_returns_functions(root: Path) -> None:
    assert [f.name for f in workspace_tools(root)][:2] == ["read_file", "write_file"]


def test_call_titles_and_locations(functions: dict[str, Function], root: Path) -> None:
    def describe(name: str, **args: Any) -> tuple[str, tuple[Location, ...]]:
        d = functions[name].describe_call(args)
        return d.title, d.locations

    assert describe("read_file", file_path="src/app.py") == (
        "Read `src/app.py`",
        (Location(path=str(root / "src/app.py")),),
    )
    assert describe("read_file", file_path="a.py", offset=10)[0] == "Read `a.py` (from line 11)"
    assert describe("edit_file", file_path=str(root / "x.py"))[0] == "Edit `x.py`"
    assert describe("write_file", file_path="new.txt")[0] == "Write `new.txt`"
    assert describe("execute", command="pytest -q")[0] == "Run `pytest -q`"
    assert describe("grep", pattern="foo", path="src")[0] == "Search `foo` in src"
    assert describe("grep", pattern="foo")[0] == "Search `foo`"
    assert describe("glob", pattern="**/*.py")[0] == "Find `**/*.py`"
    assert describe("ls")[0] == "List `.`"
    assert describe("write_todos", todos=[{}, {}])[0] == "Update the plan (2 items)"


def test_call_title_for_outside_path_has_no_location(functions: dict[str, Function]) -> None:
    d = functions["read_file"].describe_call({"file_path": "../../etc/passwd"})
    assert d.title == "Read `../../etc/passwd`"
    assert d.locations == ()


def test_long_command_title_is_one_short_line(functions: dict[str, Function]) -> None:
    title = functions["execute"].describe_call({"command": "echo " + "x" * 200 + "\nls"}).title
    assert "\n" not in title and title.endswith("…` (+126 more characters, +1 more line)")


# --- read_file ---------------------------------------------------------------------------


async def test_read_file_numbers_lines_like_cat_n(tools: WorkspaceTools, root: Path) -> None:
    (root / "a.py").write_text("import os\n\nprint(1)\n")
    assert await tools.read_file("a.py") == "     1\timport os\n     2\t\n     3\tprint(1)"


async def test_read_file_window_says_how_to_continue(tools: WorkspaceTools, root: Path) -> None:
    (root / "a.txt").write_text("".join(f"l{i}\n" for i in range(1, 11)))
    text = await tools.read_file("a.txt", offset=2, limit=3)
    assert text.splitlines()[:3] == ["     3\tl3", "     4\tl4", "     5\tl5"]
    assert "offset=5" in text
    assert "offset=" not in await tools.read_file("a.txt", offset=7, limit=3)


async def test_read_file_past_the_end_says_file_length(tools: WorkspaceTools, root: Path) -> None:
    (root / "a.txt").write_text("one\ntwo\n")
    with pytest.raises(ToolError, match="has 2 lines"):
        await tools.read_file("a.txt", offset=5)


async def test_read_file_empty_and_missing(tools: WorkspaceTools, root: Path) -> None:
    (root / "empty.txt").write_text("")
    assert await tools.read_file("empty.txt") == "(empty.txt is empty)"
    with pytest.raises(WorkspaceFileNotFound, match=r"missing\.txt"):
        await tools.read_file("missing.txt")


async def test_read_file_cuts_very_long_lines(tools: WorkspaceTools, root: Path) -> None:
    (root / "min.js").write_text("x" * 5000 + "\n")
    text = await tools.read_file("min.js")
    assert len(text) < 2200
    assert text.endswith("x… [line 1 truncated at 2 KB]")


async def test_read_file_refuses_binary(tools: WorkspaceTools, root: Path) -> None:
    (root / "a.bin").write_bytes(b"\x7fELF\x00\x00\x01")
    with pytest.raises(ToolError, match="binary"):
        await tools.read_file("a.bin")


async def test_read_file_outside_workspace_fails_for_the_model(
    functions: dict[str, Function],
) -> None:
    call = FunctionCall(
        function=functions["read_file"], call_id="c1", arguments='{"file_path": "/etc/passwd"}'
    )
    result = await call.execute()
    assert result.is_error
    assert "/etc/passwd" in result.text and "outside the workspace" in result.text


async def test_read_file_coerces_string_numbers(functions: dict[str, Function], root: Path) -> None:
    (root / "a.txt").write_text("a\nb\nc\n")
    text = await functions["read_file"].invoke({"file_path": "a.txt", "offset": "1", "limit": "1"})
    assert text.startswith("     2\tb")


# --- write_file / edit_file --------------------------------------------------------------


async def test_write_file_new_file_has_diff_without_old_text(
    tools: WorkspaceTools, root: Path
) -> None:
    result = await tools.write_file("pkg/new.py", "x = 1\n")
    path = str(root / "pkg" / "new.py")
    assert result.content == (DiffContent(path=path, old_text=None, new_text="x = 1\n"),)
    assert result.locations == (Location(path=path),)
    assert result.text == "Created pkg/new.py (1 line)."
    assert (root / "pkg" / "new.py").read_text() == "x = 1\n"


async def test_write_file_overwrite_has_old_text(tools: WorkspaceTools, root: Path) -> None:
    (root / "a.txt").write_text("old\n")
    result = await tools.write_file("a.txt", "new\n")
    [diff] = result.content
    assert isinstance(diff, DiffContent)
    assert (diff.old_text, diff.new_text) == ("old\n", "new\n")
    assert result.text.startswith("Overwrote a.txt")


async def test_write_file_outside_is_refused(tools: WorkspaceTools, root: Path) -> None:
    with pytest.raises(PathOutsideWorkspace):
        await tools.write_file("../escape.txt", "x")
    assert not (root.parent / "escape.txt").exists()


async def test_edit_file_replaces_once_and_returns_diff(tools: WorkspaceTools, root: Path) -> None:
    (root / "app.py").write_text("def f():\n    return 1\n")
    result = await tools.edit_file("app.py", "return 1", "return 2")
    assert isinstance(result, ToolResult)
    assert (root / "app.py").read_text() == "def f():\n    return 2\n"
    path = str(root / "app.py")
    assert result.content == (
        DiffContent(
            path=path, old_text="def f():\n    return 1\n", new_text="def f():\n    return 2\n"
        ),
    )
    assert result.locations == (Location(path=path, line=2),)
    assert "line 2" in result.text and "     2\t    return 2" in result.text


async def test_edit_file_not_found_text(tools: WorkspaceTools, root: Path) -> None:
    (root / "a.py").write_text("x = 1\n")
    with pytest.raises(ToolError, match=r"old_string was not found in a\.py"):
        await tools.edit_file("a.py", "y = 1", "y = 2")


async def test_edit_file_ambiguous_says_how_many(tools: WorkspaceTools, root: Path) -> None:
    (root / "a.py").write_text("x = 1\nx = 1\nx = 1\n")
    with pytest.raises(ToolError, match=r"occurs 3 times.*replace_all=true"):
        await tools.edit_file("a.py", "x = 1", "x = 2")
    assert (root / "a.py").read_text() == "x = 1\nx = 1\nx = 1\n"


async def test_edit_file_replace_all(tools: WorkspaceTools, root: Path) -> None:
    (root / "a.py").write_text("x = 1\nx = 1\n")
    result = await tools.edit_file("a.py", "x = 1", "x = 2", replace_all=True)
    assert (root / "a.py").read_text() == "x = 2\nx = 2\n"
    assert "all 2 occurrences" in result.text


async def test_edit_file_missing_file_points_to_write_file(tools: WorkspaceTools) -> None:
    with pytest.raises(ToolError, match="use write_file"):
        await tools.edit_file("nope.py", "a", "b")


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [("", "x", "old_string is empty"), ("same", "same", "identical")],
    ids=["empty-old-string", "no-change"],
)
async def test_edit_file_rejects_useless_edits(
    tools: WorkspaceTools, root: Path, old: str, new: str, message: str
) -> None:
    (root / "a.py").write_text("same\n")
    with pytest.raises(ToolError, match=message):
        await tools.edit_file("a.py", old, new)


async def test_edit_file_matches_crlf_files(tools: WorkspaceTools, root: Path) -> None:
    (root / "w.txt").write_bytes(b"one\r\ntwo\r\nthree\r\n")
    await tools.edit_file("w.txt", "one\ntwo", "uno\ndos")
    assert (root / "w.txt").read_bytes() == b"uno\r\ndos\r\nthree\r\n"


# --- ls / glob / grep --------------------------------------------------------------------


async def test_ls_marks_directories_and_sizes(tools: WorkspaceTools, root: Path) -> None:
    (root / "src").mkdir()
    (root / "a.txt").write_text("12345")
    assert await tools.ls() == "a.txt  (5 bytes)\nsrc/"
    (root / "empty").mkdir()
    assert await tools.ls("empty") == "(empty is empty)"


async def test_glob_lists_relative_paths(tools: WorkspaceTools, root: Path) -> None:
    (root / "src").mkdir()
    (root / "src" / "b.py").write_text("")
    (root / "a.py").write_text("")
    assert await tools.glob("**/*.py") == "a.py\nsrc/b.py"
    assert await tools.glob("*.rs") == "No paths match '*.rs' under .."


async def test_grep_formats_matches_and_limit_note(tools: WorkspaceTools, root: Path) -> None:
    (root / "a.py").write_text("foo = 1\nbar = 2\nfoo = 3\n")
    assert await tools.grep("foo") == "a.py:1: foo = 1\na.py:3: foo = 3"
    limited = await tools.grep("foo", limit=1)
    assert limited.startswith("a.py:1: foo = 1\n[Showing the first 1 matches")
    assert await tools.grep("nothing") == "No matches for 'nothing' in .."
    assert (
        await tools.grep("foo", glob="*.md") == "No matches for 'foo' in . (files matching '*.md')."
    )


# --- execute -----------------------------------------------------------------------------


async def test_execute_returns_output_and_exit_code(tools: WorkspaceTools) -> None:
    result = await tools.execute("echo hello; exit 2")
    assert result.text == "hello\n[exit code 2]"
    assert result.content == (TextContent(text="hello\n[exit code 2]"),)
    assert result.raw_output["exit_code"] == 2


async def test_execute_timeout_note(tools: WorkspaceTools) -> None:
    result = await tools.execute("sleep 30", timeout=0.3)
    assert "(no output)" in result.text
    assert "timed out after 0.3 seconds" in result.text


async def test_execute_truncation_note(root: Path) -> None:
    tools = WorkspaceTools(LocalWorkspace(root), command_output_limit=10)
    result = await tools.execute("seq 1 1000")
    assert result.text.startswith("[output truncated")
    assert "1000\n[exit code 0]" in result.text


async def test_execute_in_editor_terminal_shows_terminal(root: Path) -> None:
    class TerminalWorkspace(LocalWorkspace):
        async def run_command(self, command: str, **kwargs: Any) -> CommandResult:
            return CommandResult(output="ok\n", exit_code=0, terminal_id="term-1")

    result = await WorkspaceTools(TerminalWorkspace(root)).execute("make")
    assert result.content == (TerminalContent(terminal_id="term-1"),)
    assert result.text == "ok\n[exit code 0]"


async def test_execute_rejects_empty_command(tools: WorkspaceTools) -> None:
    with pytest.raises(ToolError, match="command is empty"):
        await tools.execute("  ")


# --- write_todos -------------------------------------------------------------------------


async def test_write_todos_emits_plan_updated(tools: WorkspaceTools) -> None:
    events: list[RunEvent] = []

    async def emit(event: RunEvent) -> None:
        events.append(event)

    with call_context(ToolCallContext(call_id="c1", tool_name="write_todos", emit=emit)):
        text = await tools.write_todos(
            [
                {"content": "Read the code", "status": "completed"},
                {"content": "Fix the bug", "status": "in_progress"},
                {"content": "Run tests"},
            ]
        )
    assert events == [
        PlanUpdated(
            entries=(
                PlanEntry(content="Read the code", status="completed"),
                PlanEntry(content="Fix the bug", status="in_progress"),
                PlanEntry(content="Run tests", status="pending"),
            )
        )
    ]
    assert text.startswith("Todo list updated: 3 items (1 completed, 1 in progress, 1 pending).")
    assert "2. [in_progress] Fix the bug" in text


async def test_write_todos_without_context_returns_text(tools: WorkspaceTools) -> None:
    text = await tools.write_todos([{"content": "Only step", "status": "done"}])
    assert text == "Todo list updated: 1 item (1 completed).\n1. [completed] Only step"


async def test_write_todos_through_function_validates(functions: dict[str, Function]) -> None:
    text = await functions["write_todos"].invoke(
        {"todos": [{"content": "A", "status": "in-progress"}]}
    )
    assert "[in_progress] A" in text
    call = FunctionCall(
        function=functions["write_todos"],
        call_id="c2",
        arguments={"todos": [{"content": "A", "status": "someday"}]},
    )
    result = await call.execute()
    assert result.is_error and "status" in result.text
