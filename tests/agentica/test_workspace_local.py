"""LocalWorkspace: confinement, files, search, and commands that leave no process behind."""

from __future__ import annotations

import os
import signal
import stat
from pathlib import Path

import anyio
import pytest

from agentica.exceptions import ToolError
from agentica.testing_workspace import WorkspaceConformance
from agentica.workspace.base import PathOutsideWorkspace, WorkspaceFileNotFound
from agentica.workspace.local import LocalWorkspace

suite = WorkspaceConformance(LocalWorkspace)


@pytest.mark.parametrize("check", suite.check_names())
async def test_local_workspace_passes_conformance(check: str, tmp_path: Path) -> None:
    await suite.run(check, tmp_path)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "root").mkdir()
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.txt").write_text("secret\n")
    return tmp_path / "root"


@pytest.fixture
def ws(root: Path) -> LocalWorkspace:
    return LocalWorkspace(root)


# --- Paths -------------------------------------------------------------------------------


def test_resolve_error_quotes_path_and_roots(ws: LocalWorkspace, root: Path) -> None:
    with pytest.raises(PathOutsideWorkspace) as info:
        ws.resolve("../outside/secret.txt")
    message = str(info.value)
    assert "../outside/secret.txt" in message
    assert str(root.resolve()) in message
    assert isinstance(info.value, ToolError)


def test_resolve_refuses_dotdot_that_climbs_out_and_back_in_name_only(
    ws: LocalWorkspace, root: Path
) -> None:
    sibling = root.parent / "root-sibling"
    sibling.mkdir()
    with pytest.raises(PathOutsideWorkspace):
        ws.resolve("../root-sibling/x")  # A shared name prefix is not "inside".


def test_resolve_accepts_extra_roots(root: Path) -> None:
    outside = root.parent / "outside"
    ws = LocalWorkspace(root, extra_roots=[outside])
    assert ws.resolve(str(outside / "secret.txt")) == (outside / "secret.txt").resolve()
    assert ws.roots == (root.resolve(), outside.resolve())


def test_resolve_allow_outside_accepts_anything(root: Path) -> None:
    ws = LocalWorkspace(root, allow_outside=True)
    target = root.parent / "outside" / "secret.txt"
    assert ws.resolve("../outside/secret.txt") == target.resolve()


def test_resolve_follows_symlinks_that_stay_inside(ws: LocalWorkspace, root: Path) -> None:
    (root / "real").mkdir()
    (root / "alias").symlink_to(root / "real", target_is_directory=True)
    assert ws.resolve("alias/f.txt") == (root / "real" / "f.txt").resolve()


async def test_dangling_symlink_pointing_outside_is_refused(ws: LocalWorkspace, root: Path) -> None:
    (root / "trap.txt").symlink_to(root.parent / "outside" / "created-by-agent.txt")
    with pytest.raises(PathOutsideWorkspace):
        await ws.write_text("trap.txt", "x")
    assert not (root.parent / "outside" / "created-by-agent.txt").exists()


def test_display_path_is_relative_inside_root(ws: LocalWorkspace, root: Path) -> None:
    assert ws.display_path(ws.resolve("src/a.py")) == "src/a.py"
    assert ws.display_path(ws.resolve(".")) == "."


# --- Files -------------------------------------------------------------------------------


async def test_write_text_preserves_mode_of_replaced_file(ws: LocalWorkspace, root: Path) -> None:
    script = root / "run.sh"
    script.write_text("#!/bin/sh\necho old\n")
    script.chmod(0o751)
    await ws.write_text("run.sh", "#!/bin/sh\necho new\n")
    assert stat.S_IMODE(script.stat().st_mode) == 0o751
    assert script.read_text() == "#!/bin/sh\necho new\n"


async def test_write_text_is_atomic_replacement_not_in_place(
    ws: LocalWorkspace, root: Path
) -> None:
    target = root / "a.txt"
    target.write_text("old\n")
    before = target.stat().st_ino
    with target.open() as reader:  # A reader of the old file keeps seeing it.
        await ws.write_text("a.txt", "new\n")
        assert reader.read() == "old\n"
    assert target.stat().st_ino != before
    assert target.read_text() == "new\n"


async def test_write_text_through_inside_symlink_keeps_the_link(
    ws: LocalWorkspace, root: Path
) -> None:
    (root / "real.txt").write_text("old")
    (root / "link.txt").symlink_to(root / "real.txt")
    await ws.write_text("link.txt", "new")
    assert (root / "link.txt").is_symlink()
    assert (root / "real.txt").read_text() == "new"


async def test_write_text_to_a_directory_fails_clearly(ws: LocalWorkspace, root: Path) -> None:
    (root / "d").mkdir()
    with pytest.raises(ToolError, match="directory"):
        await ws.write_text("d", "x")


async def test_read_text_of_directory_fails_clearly(ws: LocalWorkspace, root: Path) -> None:
    (root / "d").mkdir()
    with pytest.raises(ToolError, match="is a directory"):
        await ws.read_text("d")


async def test_read_text_rejects_line_zero(ws: LocalWorkspace, root: Path) -> None:
    (root / "a.txt").write_text("x\n")
    with pytest.raises(ToolError, match="1-based"):
        await ws.read_text("a.txt", line=0)


async def test_read_text_replaces_undecodable_bytes(ws: LocalWorkspace, root: Path) -> None:
    (root / "latin.txt").write_bytes(b"caf\xe9\n")
    assert await ws.read_text("latin.txt") == "caf\ufffd\n"


async def test_list_dir_of_missing_dir_raises_not_found(ws: LocalWorkspace) -> None:
    with pytest.raises(WorkspaceFileNotFound):
        await ws.list_dir("nope")


# --- Search ------------------------------------------------------------------------------


def _tree(root: Path, files: dict[str, str | bytes]) -> None:
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data)


async def test_glob_skips_heavy_dirs_unless_named(ws: LocalWorkspace, root: Path) -> None:
    _tree(root, {"a.js": "", "node_modules/lib/x.js": "", ".git/hooks/h.js": ""})
    assert await ws.glob("**/*.js") == ["a.js"]
    assert await ws.glob("node_modules/**/*.js") == ["node_modules/lib/x.js"]


async def test_glob_supports_braces_and_absolute_patterns(ws: LocalWorkspace, root: Path) -> None:
    _tree(root, {"a.md": "", "b.txt": "", "c.py": "", "sub/d.md": ""})
    assert await ws.glob("*.{md,txt}") == ["a.md", "b.txt"]
    absolute = str(ws.root / "sub" / "*.md")
    assert await ws.glob(absolute) == ["sub/d.md"]


async def test_glob_star_does_not_cross_directories(ws: LocalWorkspace, root: Path) -> None:
    _tree(root, {"a.py": "", "pkg/b.py": ""})
    assert await ws.glob("*.py") == ["a.py"]
    assert await ws.glob("**/*.py") == ["a.py", "pkg/b.py"]


async def test_glob_hides_symlinks_leading_outside(ws: LocalWorkspace, root: Path) -> None:
    _tree(root, {"inside.txt": ""})
    (root / "escape.txt").symlink_to(root.parent / "outside" / "secret.txt")
    assert await ws.glob("*.txt") == ["inside.txt"]


async def test_glob_refuses_path_outside(ws: LocalWorkspace) -> None:
    with pytest.raises(PathOutsideWorkspace):
        await ws.glob("*.txt", "../outside")


async def test_grep_skips_binary_and_large_files(ws: LocalWorkspace, root: Path) -> None:
    _tree(
        root,
        {
            "text.txt": "needle\n",
            "blob.bin": b"\x00\x01needle\n",
            "huge.txt": "needle\n" + "x" * 2_100_000,
        },
    )
    assert [m.path for m in await ws.grep("needle")] == ["text.txt"]


async def test_grep_invalid_regex_is_a_readable_error(ws: LocalWorkspace) -> None:
    with pytest.raises(ToolError, match=r"invalid regular expression '\('"):
        await ws.grep("(")


async def test_grep_reports_crlf_lines_without_carriage_return(
    ws: LocalWorkspace, root: Path
) -> None:
    _tree(root, {"w.txt": b"first\r\nsecond match\r\n"})
    [match] = await ws.grep("match")
    assert (match.path, match.line, match.text) == ("w.txt", 2, "second match")


async def test_grep_missing_path_raises_not_found(ws: LocalWorkspace) -> None:
    with pytest.raises(WorkspaceFileNotFound):
        await ws.grep("x", "missing")


# --- Commands ----------------------------------------------------------------------------


async def _wait_gone(pid: int) -> None:
    """Wait (event-driven, via a pidfd) until ``pid`` has exited; fail after 5 seconds."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return
    try:
        with anyio.fail_after(5):
            await anyio.wait_readable(fd)
    finally:
        os.close(fd)


def _kill_quietly(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


needs_pidfd = pytest.mark.skipif(not hasattr(os, "pidfd_open"), reason="needs Linux pidfd")


@needs_pidfd
async def test_timeout_kills_background_children(ws: LocalWorkspace) -> None:
    result = await ws.run_command("sleep 30 & echo $!; wait", timeout=0.5)
    child = int(result.output.split()[0])
    try:
        assert result.timed_out
        assert result.exit_code is None
        await _wait_gone(child)
    finally:
        _kill_quietly(child)


@needs_pidfd
async def test_cancellation_kills_the_whole_group(ws: LocalWorkspace, root: Path) -> None:
    fifo = root / "pids"
    os.mkfifo(fifo)
    pids: list[int] = []

    def read_pids() -> None:
        with open(fifo) as f:  # Blocks until the command opens the FIFO for writing.
            pids.extend(int(p) for p in f.read().split())

    try:
        with anyio.fail_after(10):
            async with anyio.create_task_group() as tg:

                async def run() -> None:
                    await ws.run_command("sleep 30 & echo $$ $! > pids; wait", timeout=60)

                tg.start_soon(run)
                await anyio.to_thread.run_sync(read_pids)
                tg.cancel_scope.cancel()
        assert len(pids) == 2  # The shell and its background child.
        for pid in pids:
            await _wait_gone(pid)
    finally:
        for pid in pids:
            _kill_quietly(pid)


async def test_command_killed_by_signal_reports_its_name(ws: LocalWorkspace) -> None:
    result = await ws.run_command("kill -9 $$")
    assert (result.exit_code, result.signal, result.timed_out) == (None, "SIGKILL", False)


async def test_command_stdin_is_empty(ws: LocalWorkspace) -> None:
    result = await ws.run_command("cat; echo done")
    assert result.output == "done\n"


async def test_command_cwd_outside_is_refused(ws: LocalWorkspace) -> None:
    with pytest.raises(PathOutsideWorkspace):
        await ws.run_command("ls", cwd="../outside")


async def test_command_cwd_must_be_a_directory(ws: LocalWorkspace, root: Path) -> None:
    (root / "f.txt").write_text("")
    with pytest.raises(ToolError, match="not a directory"):
        await ws.run_command("ls", cwd="f.txt")


async def test_command_truncation_does_not_split_utf8(ws: LocalWorkspace) -> None:
    result = await ws.run_command("printf 'ééééé'", output_limit=5)
    assert result.truncated
    assert "\ufffd" not in result.output
    assert result.output == "éé"


async def test_command_zero_timeout_is_refused(ws: LocalWorkspace) -> None:
    with pytest.raises(ToolError, match="timeout must be > 0"):
        await ws.run_command("true", timeout=0)
