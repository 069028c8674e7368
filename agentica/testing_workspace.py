"""A conformance suite for ``Workspace`` implementations.

Every implementation (``LocalWorkspace``, the editor-backed workspace of
``acp_server``, your own) must behave the same for the built-in tools to work. The
suite creates files on disk under a temporary root, opens the workspace on that root
through a factory, and checks one behaviour per ``check_*`` method. Run it with pytest::

    import pytest
    from agentica.testing_workspace import WorkspaceConformance
    from agentica.workspace.local import LocalWorkspace

    suite = WorkspaceConformance(LocalWorkspace)

    @pytest.mark.parametrize("check", suite.check_names())
    async def test_local_workspace_conformance(check, tmp_path):
        await suite.run(check, tmp_path)

The factory receives the root directory (a ``Path``) and returns a ``Workspace``, an
awaitable of one, or an async context manager yielding one (for a workspace that needs
a connection set up and torn down). It must give a workspace whose ``root`` is that
directory and that sees the real files there: the suite seeds files directly on disk
and checks that writes through the workspace land on disk.
"""

from __future__ import annotations

import inspect
import os
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import anyio

from agentica.exceptions import ToolError
from agentica.workspace.base import PathOutsideWorkspace, Workspace, WorkspaceFileNotFound

WorkspaceFactory = Callable[[Path], Any]
"""``factory(root)`` -> ``Workspace`` | ``Awaitable[Workspace]`` | async context manager."""


def _expect(condition: bool, message: str) -> None:
    if not condition:
        raise AssertionError(message)


async def _expect_raises(exc_type: type[BaseException], awaitable: Any, what: str) -> BaseException:
    try:
        if inspect.isawaitable(awaitable):
            await awaitable
        elif callable(awaitable):
            awaitable()
    except exc_type as e:
        return e
    raise AssertionError(f"{what}: expected {exc_type.__name__}, nothing was raised")


def _real(path: Path) -> Path:
    return path.resolve()


def _names(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


class WorkspaceConformance:
    """The checks every ``Workspace`` must pass. See the module docstring.

    Args:
        factory: Opens a workspace on a root directory.
        symlinks: Whether to check symlink confinement (off where symlinks are unavailable).
        commands: Whether to check ``run_command`` (off for a workspace without a shell).
    """

    __test__ = False

    def __init__(
        self, factory: WorkspaceFactory, *, symlinks: bool = True, commands: bool = True
    ) -> None:
        self.factory = factory
        self.symlinks = symlinks and sys.platform != "win32"
        self.commands = commands

    def check_names(self) -> list[str]:
        """Names of the checks that apply, for ``pytest.mark.parametrize``."""
        names = sorted(n for n in dir(self) if n.startswith("check_") and n != "check_names")
        if not self.symlinks:
            names = [n for n in names if "symlink" not in n]
        if not self.commands:
            names = [n for n in names if not n.startswith("check_command")]
        return names

    async def run(self, name: str, tmp_path: Path) -> None:
        """Run one check with a fresh root under ``tmp_path`` (bounded to 30 seconds)."""
        root = tmp_path / "root"
        outside = tmp_path / "outside"
        root.mkdir()
        outside.mkdir()
        (outside / "secret.txt").write_text("secret\n")
        check = getattr(self, name)
        with anyio.fail_after(30):
            async with self._open(root) as ws:
                await check(ws, root)

    @asynccontextmanager
    async def _open(self, root: Path) -> AsyncIterator[Workspace]:
        made = self.factory(root)
        if isinstance(made, AbstractAsyncContextManager):
            async with made as ws:
                yield ws
            return
        if inspect.isawaitable(made):
            made = await made
        yield made

    # --- Paths ---------------------------------------------------------------------------

    async def check_resolve_relative_paths_against_root(self, ws: Workspace, root: Path) -> None:
        """``a/b.txt`` resolves to ``<root>/a/b.txt``; ``a/../b`` stays inside."""
        real = _real(root)
        _expect(ws.resolve("a/b.txt") == real / "a" / "b.txt", "relative path not under root")
        _expect(ws.resolve("a/../b") == real / "b", "'..' inside the root not normalised")
        _expect(ws.resolve(str(real / "c")) == real / "c", "absolute path inside root refused")
        _expect(ws.resolve(".") == real, "'.' is not the root")

    async def check_resolve_refuses_parent_escape(self, ws: Workspace, root: Path) -> None:
        """``../outside/secret.txt`` raises ``PathOutsideWorkspace`` quoting the path."""
        err = await _expect_raises(
            PathOutsideWorkspace, lambda: ws.resolve("../outside/secret.txt"), "resolve('..')"
        )
        _expect("outside/secret.txt" in str(err), f"message does not quote the path: {err}")

    async def check_resolve_refuses_absolute_outside(self, ws: Workspace, root: Path) -> None:
        """An absolute path outside every root is refused."""
        target = str(root.parent / "outside" / "secret.txt")
        await _expect_raises(PathOutsideWorkspace, lambda: ws.resolve(target), "resolve(abs)")
        await _expect_raises(PathOutsideWorkspace, ws.read_text(target), "read_text(outside)")
        await _expect_raises(PathOutsideWorkspace, ws.write_text(target, "x"), "write outside")
        _expect((root.parent / "outside" / "secret.txt").read_text() == "secret\n", "overwritten")

    async def check_resolve_refuses_symlink_escape(self, ws: Workspace, root: Path) -> None:
        """A symlink inside the root pointing outside is refused like ``..``."""
        (root / "link").symlink_to(root.parent / "outside", target_is_directory=True)
        await _expect_raises(PathOutsideWorkspace, ws.read_text("link/secret.txt"), "via link")
        await _expect_raises(PathOutsideWorkspace, ws.write_text("link/new.txt", "x"), "write")
        _expect(not (root.parent / "outside" / "new.txt").exists(), "wrote through a symlink")

    async def check_glob_and_grep_stay_inside_the_roots(self, ws: Workspace, root: Path) -> None:
        """No pattern (``..``, an absolute path elsewhere, a symlinked directory) lists
        anything outside the roots."""
        if self.symlinks:
            (root / "link").symlink_to(root.parent / "outside", target_is_directory=True)
        elsewhere = str(root.parent / "outside" / "*")
        for pattern in ("../*", "../**/*", "link/*", "link/**/*", "{x,..}/*", elsewhere):
            try:
                found = await ws.glob(pattern)
            except PathOutsideWorkspace:
                continue
            _expect(not any("secret" in p for p in found), f"glob({pattern!r}) gave {found}")
        matches = await ws.grep("secret")
        _expect(matches == [], f"grep listed {[m.path for m in matches]}")

    async def check_non_regular_files_are_refused_and_skipped(
        self, ws: Workspace, root: Path
    ) -> None:
        """A FIFO is refused by reads and writes (without blocking) and skipped by walks."""
        os.mkfifo(root / "pipe.txt")
        (root / "a.txt").write_text("needle\n")
        with anyio.fail_after(5):
            await _expect_raises(ToolError, ws.read_text("pipe.txt"), "read_text(fifo)")
            await _expect_raises(ToolError, ws.write_text("pipe.txt", "x"), "write_text(fifo)")
            got = await ws.glob("*.txt")
            _expect(got == ["a.txt"], f"glob listed {got}")
            paths = [m.path for m in await ws.grep("needle")]
            _expect(paths == ["a.txt"], f"grep gave {paths}")
        _expect((root / "pipe.txt").is_fifo(), "the FIFO was replaced")

    # --- Files ---------------------------------------------------------------------------

    async def check_read_text_returns_whole_file(self, ws: Workspace, root: Path) -> None:
        """Reading without a range returns the exact text, line endings included."""
        (root / "a.txt").write_bytes(b"one\ntwo\r\nthree")
        text = await ws.read_text("a.txt")
        _expect(text == "one\ntwo\r\nthree", f"got {text!r}")

    async def check_read_text_line_range(self, ws: Workspace, root: Path) -> None:
        """``line`` is 1-based and ``limit`` counts lines."""
        (root / "a.txt").write_text("".join(f"line {i}\n" for i in range(1, 11)))
        got = await ws.read_text("a.txt", line=3, limit=2)
        _expect(got == "line 3\nline 4\n", f"line=3, limit=2 gave {got!r}")
        got = await ws.read_text("a.txt", line=10, limit=5)
        _expect(got == "line 10\n", f"range past the end gave {got!r}")
        got = await ws.read_text("a.txt", line=1, limit=1)
        _expect(got == "line 1\n", f"first line gave {got!r}")

    async def check_read_text_missing_file_raises(self, ws: Workspace, root: Path) -> None:
        """A missing file raises ``WorkspaceFileNotFound`` (a ``ToolError``)."""
        err = await _expect_raises(WorkspaceFileNotFound, ws.read_text("nope.txt"), "missing")
        _expect(isinstance(err, ToolError), "WorkspaceFileNotFound is not a ToolError")
        _expect("nope.txt" in str(err), f"message does not name the file: {err}")

    async def check_write_text_creates_parents(self, ws: Workspace, root: Path) -> None:
        """Writing creates missing directories; the text lands on disk unchanged."""
        await ws.write_text("new/dir/file.txt", "héllo\nwörld\r\n")
        on_disk = (root / "new" / "dir" / "file.txt").read_bytes()
        _expect(on_disk == "héllo\nwörld\r\n".encode(), f"disk has {on_disk!r}")
        _expect(await ws.read_text("new/dir/file.txt") == "héllo\nwörld\r\n", "read back")

    async def check_write_text_replaces_existing(self, ws: Workspace, root: Path) -> None:
        """Writing replaces the whole file and leaves no temporary files behind."""
        (root / "a.txt").write_text("old old old\n")
        await ws.write_text("a.txt", "new\n")
        _expect((root / "a.txt").read_text() == "new\n", "content not replaced")
        leftovers = _names(root)
        _expect(leftovers == ["a.txt"], f"unexpected files after write: {leftovers}")

    async def check_exists(self, ws: Workspace, root: Path) -> None:
        """``exists`` is true for files and directories, false for missing paths."""
        (root / "d").mkdir()
        (root / "d" / "f.txt").write_text("x")
        _expect(await ws.exists("d"), "directory not found")
        _expect(await ws.exists("d/f.txt"), "file not found")
        _expect(not await ws.exists("d/missing.txt"), "missing file exists")

    async def check_list_dir_sorted_with_kinds(self, ws: Workspace, root: Path) -> None:
        """Entries are sorted by name, directories flagged, files sized."""
        (root / "b.txt").write_text("12345")
        (root / "a_dir").mkdir()
        (root / "c.py").write_text("")
        entries = await ws.list_dir(".")
        _expect([e.name for e in entries] == ["a_dir", "b.txt", "c.py"], f"got {entries}")
        _expect(entries[0].is_dir and not entries[1].is_dir, "is_dir wrong")
        _expect(entries[1].size in (5, None), f"size of b.txt is {entries[1].size}")
        await _expect_raises(WorkspaceFileNotFound, ws.list_dir("missing"), "list missing")

    # --- Search --------------------------------------------------------------------------

    def _seed_tree(self, root: Path) -> None:
        for rel, text in {
            "README.md": "# Title\nTODO: write docs\n",
            "src/app.py": "import os\n\ndef main():\n    return 1  # TODO\n",
            "src/pkg/util.py": "def helper():\n    pass\n",
            "src/pkg/data.json": '{"todo": false}\n',
            ".git/config": "TODO in git\n",
        }.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(text)

    async def check_glob_recursive_sorted_relative(self, ws: Workspace, root: Path) -> None:
        """``**/*.py`` finds nested files, relative to root, sorted, skipping ``.git``."""
        self._seed_tree(root)
        got = await ws.glob("**/*.py")
        _expect(got == ["src/app.py", "src/pkg/util.py"], f"**/*.py gave {got}")
        got = await ws.glob("*.md")
        _expect(got == ["README.md"], f"*.md gave {got}")
        got = await ws.glob("*.py", "src/pkg")
        _expect(got == ["src/pkg/util.py"], f"*.py under src/pkg gave {got}")
        _expect(await ws.glob("**/*.rs") == [], "no match should give []")

    async def check_grep_finds_lines(self, ws: Workspace, root: Path) -> None:
        """Matches carry root-relative paths, 1-based lines and the line text."""
        self._seed_tree(root)
        got = [(m.path, m.line, m.text) for m in await ws.grep("TODO")]
        _expect(
            sorted(got)
            == [("README.md", 2, "TODO: write docs"), ("src/app.py", 4, "    return 1  # TODO")],
            f"grep TODO gave {got}",
        )

    async def check_grep_glob_filter_and_limit(self, ws: Workspace, root: Path) -> None:
        """``glob`` filters files by name, ``limit`` caps the matches, ``path`` narrows."""
        self._seed_tree(root)
        got = [m.path for m in await ws.grep("def ", glob="*.py")]
        _expect(sorted(got) == ["src/app.py", "src/pkg/util.py"], f"glob=*.py gave {got}")
        _expect(len(await ws.grep(".", limit=3)) == 3, "limit=3 not respected")
        got = [m.path for m in await ws.grep("def", path="src/pkg")]
        _expect(got == ["src/pkg/util.py"], f"path=src/pkg gave {got}")
        got = [m.line for m in await ws.grep("pass", path="src/pkg/util.py")]
        _expect(got == [2], f"grep in one file gave {got}")

    # --- Commands ------------------------------------------------------------------------

    async def check_command_output_and_exit_code(self, ws: Workspace, root: Path) -> None:
        """stdout and stderr are merged; the exit code is reported."""
        result = await ws.run_command("echo out; echo err 1>&2; exit 3")
        _expect(result.exit_code == 3, f"exit code {result.exit_code}")
        _expect("out" in result.output and "err" in result.output, f"output {result.output!r}")
        _expect(not result.timed_out and not result.truncated, f"flags wrong: {result}")
        ok = await ws.run_command("true")
        _expect(ok.exit_code == 0, f"`true` exited {ok.exit_code}")

    async def check_command_runs_in_root_or_cwd(self, ws: Workspace, root: Path) -> None:
        """Commands run in the root by default, or in ``cwd`` inside it."""
        (root / "sub").mkdir()
        (root / "sub" / "marker.txt").write_text("")
        result = await ws.run_command("ls")
        _expect("sub" in result.output.split(), f"ls in root gave {result.output!r}")
        result = await ws.run_command("ls", cwd="sub")
        _expect(result.output.split() == ["marker.txt"], f"ls in sub gave {result.output!r}")

    async def check_command_timeout_kills(self, ws: Workspace, root: Path) -> None:
        """A command running past its timeout is killed and reported as timed out."""
        result = await ws.run_command("echo started; sleep 30", timeout=0.5)
        _expect(result.timed_out, f"not reported as timed out: {result}")
        _expect(result.exit_code is None, f"a timed-out command has exit code {result.exit_code}")
        _expect("started" in result.output, f"output before the timeout lost: {result.output!r}")

    async def check_command_output_limit_keeps_the_end(self, ws: Workspace, root: Path) -> None:
        """Output over ``output_limit`` bytes keeps its end and is flagged truncated."""
        script = "i=0; while [ $i -lt 2000 ]; do echo line$i; i=$((i+1)); done; echo THE-END"
        result = await ws.run_command(script, output_limit=200)
        _expect(result.truncated, "not flagged truncated")
        _expect(result.output.rstrip().endswith("THE-END"), f"end lost: {result.output[-50:]!r}")
        _expect(len(result.output.encode()) <= 200, f"{len(result.output)} chars kept")
        _expect(result.exit_code == 0, f"exit code {result.exit_code}")

    async def check_command_cancellation_returns_promptly(self, ws: Workspace, root: Path) -> None:
        """Cancelling the caller's scope stops the command (no waiting for it to end)."""
        with anyio.fail_after(10):
            with anyio.move_on_after(0.3) as scope:
                await ws.run_command("sleep 30", timeout=60)
        _expect(scope.cancelled_caught, "the command finished instead of being cancelled")
        result = await ws.run_command("echo still-usable")
        _expect("still-usable" in result.output, "workspace unusable after a cancellation")
