"""File tools that cannot hang, escape the roots, exhaust memory or answer tracebacks.

Issue 9, faults 2, 3, 4 and 11: FIFOs and other non-regular files, a catastrophic grep
pattern, glob patterns leaving the roots, a 200 MiB one-line file, absurd arguments.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import anyio
import anyio.to_thread
import pytest

from agentica.exceptions import ToolError
from agentica.tools.builtin import WorkspaceTools
from agentica.tools.function import FunctionCall
from agentica.workspace.base import PathOutsideWorkspace
from agentica.workspace.local import LocalWorkspace

CATASTROPHIC = r"(\w+\s?)+$"
"""Exponential backtracking on a line of words that ends in a non-word character."""
LINE_OF_CODE = "result = compute_something_interesting(alpha, beta, gamma, delta, eps)!\n"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "root").mkdir()
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.txt").write_text("secret needle\n")
    return (tmp_path / "root").resolve()


@pytest.fixture
def tools(root: Path) -> WorkspaceTools:
    return WorkspaceTools(LocalWorkspace(root))


# --- Fault 2: nothing blocks for good ----------------------------------------------------


@pytest.fixture
def fifo_tree(root: Path) -> Path:
    (root / "a.txt").write_text("needle\n")
    os.mkfifo(root / "pipe.txt")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(root / "sock.txt"))
    sock.close()
    return root


async def test_read_edit_write_refuse_a_fifo_without_opening_it(
    tools: WorkspaceTools, fifo_tree: Path
) -> None:
    with anyio.fail_after(5):
        with pytest.raises(ToolError, match=r"pipe.txt is a FIFO \(named pipe\), not a regular"):
            await tools.read_file("pipe.txt")
        with pytest.raises(ToolError, match="is a FIFO"):
            await tools.edit_file("pipe.txt", "a", "b")
        with pytest.raises(ToolError, match="is a FIFO"):
            await tools.write_file("pipe.txt", "data")
        with pytest.raises(ToolError, match="is a socket"):
            await tools.read_file("sock.txt")
        with pytest.raises(ToolError, match="is a FIFO"):
            await tools.grep("needle", path="pipe.txt")
    assert (fifo_tree / "pipe.txt").is_fifo()  # Not replaced by a regular file.


async def test_grep_and_glob_skip_fifos_and_sockets(tools: WorkspaceTools, fifo_tree: Path) -> None:
    with anyio.fail_after(10):
        assert await tools.grep("needle") == "a.txt:1: needle"
        assert await tools.glob("*.txt") == "a.txt"
        assert await tools.glob("**/*") == "a.txt"
        assert await tools.ls() == (
            "a.txt  (7 bytes)\n"
            "pipe.txt  (a FIFO (named pipe), not a regular file)\n"
            "sock.txt  (a socket, not a regular file)"
        )


async def test_catastrophic_grep_times_out_with_a_tool_error_and_the_loop_stays_live(
    root: Path,
) -> None:
    (root / "code.py").write_text(LINE_OF_CODE)
    ws = LocalWorkspace(root, grep_timeout=1.0)
    gaps: list[float] = []

    async def ticker() -> None:
        last = time.monotonic()
        while True:
            await anyio.sleep(0.01)
            now = time.monotonic()
            gaps.append(now - last)
            last = now

    with anyio.fail_after(10):
        async with anyio.create_task_group() as tg:
            tg.start_soon(ticker)
            with pytest.raises(ToolError, match=r"grep stopped after 1 s .*backtrack"):
                await ws.grep(CATASTROPHIC)
            tg.cancel_scope.cancel()
    assert len(gaps) > 20 and max(gaps) < 0.5  # Neither the loop nor the GIL was held.


async def test_catastrophic_grep_is_cancelled_at_once(root: Path) -> None:
    (root / "code.py").write_text(LINE_OF_CODE)
    ws = LocalWorkspace(root)
    with anyio.fail_after(10):
        with anyio.move_on_after(0.3):
            await ws.grep(CATASTROPHIC)
        start = time.monotonic()
        with anyio.move_on_after(0.3) as scope:
            async with anyio.create_task_group() as tg:
                tg.start_soon(ws.grep, CATASTROPHIC)
                await anyio.sleep(0.1)
                start = time.monotonic()
                tg.cancel_scope.cancel()
        elapsed = time.monotonic() - start
    assert not scope.cancelled_caught
    assert elapsed < 0.25  # The worker is killed, not waited for (target: 100 ms).


async def test_file_io_does_not_share_the_default_thread_pool(
    root: Path, tools: WorkspaceTools
) -> None:
    (root / "a.txt").write_text("needle\n")
    limiter = anyio.to_thread.current_default_thread_limiter()
    saved = limiter.total_tokens
    limiter.total_tokens = 1
    gate = threading.Event()
    try:
        async with anyio.create_task_group() as tg:
            tg.start_soon(anyio.to_thread.run_sync, gate.wait)  # Another session's stuck I/O.
            await anyio.sleep(0.05)
            with anyio.fail_after(5):
                assert "needle" in await tools.read_file("a.txt")
                assert await tools.glob("*.txt") == "a.txt"
                assert await tools.ls() == "a.txt  (7 bytes)"
                assert (await tools.write_file("b.txt", "x")).text.startswith("Created")
            gate.set()
    finally:
        gate.set()
        limiter.total_tokens = saved


async def test_a_cancelled_glob_returns_at_once_and_its_walk_stops(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(100):
        (root / f"d{i:03}").mkdir()
    real_scandir = os.scandir
    scanned: list[str] = []

    def slow_scandir(path):  # A slow disk: 50 ms per directory under the root.
        if str(path).startswith(str(root)):
            scanned.append(str(path))
            time.sleep(0.05)
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", slow_scandir)
    ws = LocalWorkspace(root)
    with anyio.move_on_after(0.2):
        await ws.glob("**/*.py")
    start = time.monotonic()
    await anyio.sleep(0.2)
    count = len(scanned)
    await anyio.sleep(0.3)
    assert time.monotonic() - start < 1
    assert len(scanned) <= count + 1 < 20  # The walk gave up instead of scanning 101 dirs.


# --- Fault 3: nothing outside the roots --------------------------------------------------


@pytest.mark.parametrize(
    "pattern",
    ["../*", "../**/*", "../outside/*", "sub/../../outside/*", "link/*", "link/**/*", "{a,..}/*"],
)
async def test_glob_never_returns_paths_outside_the_roots(root: Path, pattern: str) -> None:
    (root / "sub").mkdir()
    (root / "in.txt").write_text("x")
    (root / "link").symlink_to(root.parent / "outside")
    ws = LocalWorkspace(root)
    try:
        found = await ws.glob(pattern)
    except PathOutsideWorkspace:
        return
    for path in found:
        assert (root / path).resolve().is_relative_to(root), (pattern, found)
        assert "secret" not in path


async def test_glob_of_an_absolute_pattern_elsewhere_is_refused(root: Path) -> None:
    ws = LocalWorkspace(root)
    with pytest.raises(PathOutsideWorkspace):
        await ws.glob(str(root.parent / "outside" / "*"))
    with pytest.raises(PathOutsideWorkspace):
        await ws.glob("/etc/*")


async def test_grep_and_ls_list_nothing_outside(root: Path, tools: WorkspaceTools) -> None:
    (root / "link").symlink_to(root.parent / "outside")
    (root / "secret.lnk").symlink_to(root.parent / "outside" / "secret.txt")
    assert await tools.grep("needle") == "No matches for 'needle' in .."
    assert "secret" not in await tools.ls()
    with pytest.raises(PathOutsideWorkspace):
        await tools.grep("needle", path="link")


# --- Fault 4: bounded reads --------------------------------------------------------------

_PEAK_RSS = textwrap.dedent(
    """
    import re, sys, anyio
    from agentica.tools.builtin import WorkspaceTools

    async def main():
        tools = WorkspaceTools(sys.argv[1])
        text = await tools.read_file("big.txt", limit=1)
        past = await tools.read_file("big.txt", offset=0, limit=3)
        grep = await tools.grep("x", path="big.txt")
        return text, past, grep

    text, past, grep = anyio.run(main)
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the forking parent (pytest).
    status = open("/proc/self/status").read()
    peak_kb = int(re.search(r"VmHWM:\\s+(\\d+) kB", status).group(1))
    print(__import__("json").dumps({"peak_mb": peak_kb / 1024, "text": text[-200:],
                                   "size": len(text), "past": past[-200:], "grep": grep}))
    """
)


def test_read_file_of_a_200_mib_line_stays_under_150_mb(root: Path) -> None:
    chunk = b"x" * (1 << 20)
    with open(root / "big.txt", "wb") as f:
        for _ in range(200):
            f.write(chunk)
    try:
        out = subprocess.run(
            [sys.executable, "-c", _PEAK_RSS, str(root)],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout
    finally:
        (root / "big.txt").unlink()
    result = json.loads(out)
    print("peak RSS reading a 200 MiB line:", round(result["peak_mb"], 1), "MB")
    assert result["peak_mb"] < 150
    assert result["text"].endswith("x… [line 1 truncated at 2 KB]")
    assert result["size"] < 2200
    assert result["past"].endswith("x… [line 1 truncated at 2 KB]")
    assert result["grep"] == "No matches for 'x' in big.txt."  # Over the size cap: skipped.


async def test_read_file_past_the_end_counts_lines_without_loading(root: Path, tools) -> None:
    (root / "a.txt").write_text("one\ntwo\n")
    with pytest.raises(ToolError, match=r"offset 5 is past the end of a\.txt, which has 2 lines"):
        await tools.read_file("a.txt", offset=5)


async def test_read_file_windows_are_bounded_in_bytes(root: Path, tools) -> None:
    (root / "wide.txt").write_text(("y" * 3000 + "\n") * 400)
    text = await tools.read_file("wide.txt", limit=400)
    assert text.count("truncated at 2 KB") < 400
    assert text.endswith("Call read_file with offset=" + text.rsplit("offset=", 1)[1])
    assert len(text) < 120_000


# --- Fault 11: absurd arguments are tool errors ------------------------------------------


@pytest.mark.parametrize(
    ("name", "arguments", "expected"),
    [
        ("execute", '{"command": "echo hi", "timeout": NaN}', "timeout must be > 0"),
        ("execute", '{"command": "echo hi", "timeout": Infinity}', "timeout must be > 0"),
        ("read_file", '{"file_path": "a.txt", "offset": 1e20}', "offset"),
        ("read_file", '{"file_path": "a.txt", "offset": 1e15}', "at most"),
        ("read_file", json.dumps({"file_path": "a" * 6000}), "path is too long"),
        ("ls", json.dumps({"path": "a" * 6000}), "path is too long"),
        ("write_file", json.dumps({"file_path": "a/" * 3000, "content": "x"}), "too long"),
        (
            "edit_file",
            json.dumps({"file_path": "b" * 300, "old_string": "a", "new_string": "b"}),
            "name longer than 255 bytes",
        ),
        ("read_file", '{"file_path": "~notauser/x"}', "user 'notauser' does not exist"),
        ("grep", '{"pattern": "x", "path": "~notauser"}', "user 'notauser' does not exist"),
        ("glob", '{"pattern": "*", "path": "~notauser"}', "user 'notauser' does not exist"),
    ],
)
async def test_absurd_arguments_give_a_short_tool_error(
    root: Path, tools: WorkspaceTools, name: str, arguments: str, expected: str
) -> None:
    (root / "a.txt").write_text("x\n")
    function = {f.name: f for f in tools.functions()}[name]
    result = await FunctionCall(function=function, call_id="c1", arguments=arguments).execute()
    assert result.is_error
    assert expected in result.text
    assert "Traceback" not in result.text and "Error running tool" not in result.text
    assert len(result.text) < 400


async def test_ls_of_a_file_or_a_missing_directory_says_so(root: Path, tools) -> None:
    (root / "a.txt").write_text("x")
    with pytest.raises(ToolError, match=r"a\.txt is a file, not a directory"):
        await tools.ls("a.txt")
    with pytest.raises(ToolError, match="directory not found: nope"):
        await tools.ls("nope")
