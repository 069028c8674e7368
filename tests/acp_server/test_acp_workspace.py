"""ClientWorkspace: fs/* and terminal/* routing with a fake client, local fallback."""

from __future__ import annotations

import os
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import pytest
from fake_client import FakeClient
from proc_util import alive

from acp_server import wire
from acp_server.workspace import EDITOR_READ_MAX_BYTES, ClientWorkspace
from agentica.events import TerminalContent, ToolCallProgress
from agentica.exceptions import ToolError
from agentica.testing_workspace import WorkspaceConformance
from agentica.tools.base import ToolCallContext, call_context
from agentica.workspace.base import PathOutsideWorkspace, WorkspaceFileNotFound

ALL = wire.ClientCapabilities.model_validate(
    {"fs": {"readTextFile": True, "writeTextFile": True}, "terminal": True}
)
NONE = wire.ClientCapabilities()


def make(tmp_path: Path, client: FakeClient, caps=ALL) -> ClientWorkspace:
    return ClientWorkspace(tmp_path, conn=client, session_id="s1", capabilities=caps)


async def test_reads_and_writes_go_through_the_client_when_advertised(tmp_path):
    client = FakeClient()
    ws = make(tmp_path, client)
    await ws.write_text("sub/a.txt", "one\ntwo\nthree\n")
    assert (tmp_path / "sub/a.txt").read_text() == "one\ntwo\nthree\n"
    assert await ws.read_text("sub/a.txt", line=2, limit=1) == "two\n"
    assert client.requests == [
        (
            "fs/write_text_file",
            {
                "sessionId": "s1",
                "path": str(tmp_path / "sub/a.txt"),
                "content": "one\ntwo\nthree\n",
            },
        ),
        (
            "fs/read_text_file",
            {"sessionId": "s1", "path": str(tmp_path / "sub/a.txt"), "line": 2, "limit": 1},
        ),
    ]


async def test_file_io_stays_local_without_the_capability(tmp_path):
    client = FakeClient()
    ws = make(tmp_path, client, NONE)
    await ws.write_text("a.txt", "x")
    assert await ws.read_text("a.txt") == "x"
    result = await ws.run_command("echo hi")
    assert result.output == "hi\n"
    assert result.terminal_id is None
    assert client.requests == []


async def test_missing_file_from_the_client_is_file_not_found(tmp_path):
    ws = make(tmp_path, FakeClient())
    with pytest.raises(WorkspaceFileNotFound):
        await ws.read_text("nope.txt")


async def test_paths_outside_the_roots_are_refused_before_asking_the_client(tmp_path):
    client = FakeClient()
    ws = make(tmp_path / "root", client)
    (tmp_path / "root").mkdir()
    with pytest.raises(PathOutsideWorkspace):
        await ws.write_text("../escape.txt", "x")
    with pytest.raises(PathOutsideWorkspace):
        await ws.read_text("/etc/passwd")
    assert client.requests == []


async def run_in_call(ws: ClientWorkspace, events: list, command: str, **kw):
    async def emit(event):
        events.append(event)

    with call_context(ToolCallContext(call_id="c1", tool_name="execute", emit=emit)):
        return await ws.run_command(command, **kw)


async def test_command_runs_in_an_embedded_client_terminal_and_is_released(tmp_path):
    events: list = []
    async with FakeClient() as client:
        ws = make(tmp_path, client)
        result = await run_in_call(ws, events, "echo out; echo err >&2; exit 3")
    assert result.output == "out\nerr\n"
    assert result.exit_code == 3
    assert result.terminal_id == "term_1"
    assert events == [
        ToolCallProgress(call_id="c1", content=(TerminalContent(terminal_id="term_1"),))
    ]
    assert client.methods() == [
        "terminal/create",
        "terminal/wait_for_exit",
        "terminal/output",
        "terminal/release",
    ]
    create = client.requests[0][1]
    assert create["command"] == "/bin/sh"
    assert create["args"] == ["-c", "echo out; echo err >&2; exit 3"]
    assert create["cwd"] == str(tmp_path)


async def test_command_timeout_kills_the_terminal_then_reads_output_and_releases(tmp_path):
    async with FakeClient() as client:
        ws = make(tmp_path, client)
        result = await run_in_call(ws, [], "echo started; sleep 30", timeout=0.3)
    assert result.timed_out
    assert result.exit_code is None
    assert "started" in result.output
    assert client.methods()[-3:] == ["terminal/kill", "terminal/output", "terminal/release"]


async def test_cancelled_command_releases_the_terminal_and_leaves_no_process(tmp_path):
    async with FakeClient() as client:
        ws = make(tmp_path, client)
        with anyio.fail_after(5):
            async with anyio.create_task_group() as tg:
                tg.start_soon(run_in_call, ws, [], "sleep 30 & echo $!; wait")
                await client.terminal_created.wait()
                term = client.terminals["term_1"]
                await term.has_output.wait()
                tg.cancel_scope.cancel()
            await term.done.wait()
        child = int(term.output.decode().split()[0])
        assert "terminal/wait_for_exit" in client.cancelled_requests
        assert client.methods()[-1] == "terminal/release"
    assert not alive(term.process.pid)
    # The release's SIGKILL is asynchronous (acp-spec: release "kills the command"; after a
    # cancel the agent does not wait for its answer): the child closes the pipe (the
    # shell's EOF) a moment before it is gone from /proc, so wait a bounded time.
    with anyio.move_on_after(5):
        while alive(child):  # noqa: ASYNC110 (not our child: no event to wait on)
            await anyio.sleep(0.01)
    assert not alive(child)


async def test_command_cwd_outside_roots_is_refused(tmp_path):
    async with FakeClient() as client:
        ws = make(tmp_path, client)
        with pytest.raises(PathOutsideWorkspace):
            await ws.run_command("true", cwd="/")
    assert client.requests == []


class RecordingLedger:
    """A ledger double: logs the waits and writes the workspace asks for."""

    def __init__(self, client: FakeClient) -> None:
        self.client = client
        self.log: list[str] = []

    async def announced(self, call_id: str) -> None:
        self.log.append(f"announced? {call_id} (after {len(self.client.requests)} requests)")

    async def emit_written(self, emit, event) -> None:
        await emit(event)
        self.log.append(f"written {event.content[0].terminal_id}")


async def test_requests_wait_for_the_announced_call_and_the_embed_precedes_release(tmp_path):
    events: list = []
    async with FakeClient() as client:
        ledger = RecordingLedger(client)
        ws = ClientWorkspace(
            tmp_path, conn=client, session_id="s1", capabilities=ALL, ledger=ledger
        )
        await run_in_call(ws, events, "echo hi")
    # Each request of the call waited for the call's tool_call first, and the terminal
    # embed was written (not just emitted) before terminal/release was sent.
    assert ledger.log[0] == "announced? c1 (after 0 requests)"
    assert "written term_1" in ledger.log
    written = ledger.log.index("written term_1")
    assert ledger.log[written - 1] == "announced? c1 (after 0 requests)"
    assert client.methods()[-1] == "terminal/release"
    assert ledger.log[-1] == "announced? c1 (after 3 requests)"  # before the release


async def test_creating_a_file_never_asks_the_editor_to_read_it(tmp_path):
    from agentica.tools.builtin import WorkspaceTools

    client = FakeClient()
    tools = WorkspaceTools(make(tmp_path, client))
    result = await tools.write_file("new.py", "x = 1\n")
    assert result.text == "Created new.py (1 line)."
    assert (tmp_path / "new.py").read_text() == "x = 1\n"
    assert client.methods() == ["fs/write_text_file"]
    with pytest.raises(ToolError, match=r"file not found: missing\.py"):
        await tools.edit_file("missing.py", "a", "b")
    with pytest.raises(WorkspaceFileNotFound):
        await tools.workspace.read_text("missing.py")
    assert client.methods() == ["fs/write_text_file"]


async def test_edit_sees_the_editor_buffer_of_a_file_on_disk(tmp_path):
    from agentica.tools.builtin import WorkspaceTools

    client = FakeClient()
    (tmp_path / "draft.py").write_text("x = 0\n")
    client.buffers[str(tmp_path / "draft.py")] = "x = 1\n"  # Unsaved change.
    tools = WorkspaceTools(make(tmp_path, client))
    result = await tools.edit_file("draft.py", "x = 1", "x = 2")
    assert (tmp_path / "draft.py").read_text() == "x = 2\n"
    (diff,) = result.content
    assert (diff.old_text, diff.new_text) == ("x = 1\n", "x = 2\n")


async def test_fifo_is_refused_without_asking_the_editor(tmp_path):
    from agentica.tools.builtin import WorkspaceTools

    client = FakeClient()
    os.mkfifo(tmp_path / "pipe")
    tools = WorkspaceTools(make(tmp_path, client))
    with anyio.fail_after(5):
        for call in (tools.read_file("pipe"), tools.write_file("pipe", "x")):
            with pytest.raises(ToolError, match="is a FIFO"):
                await call
    assert client.requests == []


async def test_a_big_file_is_read_from_disk_in_a_bounded_window(tmp_path):
    from agentica.tools.builtin import WorkspaceTools

    client = FakeClient()
    (tmp_path / "big.log").write_bytes(b"z" * (EDITOR_READ_MAX_BYTES + 10))
    tools = WorkspaceTools(make(tmp_path, client))
    text = await tools.read_file("big.log", limit=1)
    assert text.endswith("z… [line 1 truncated at 2 KB]")
    assert client.requests == []


class SilentTerminalClient(FakeClient):
    """A client that never answers ``terminal/create``."""

    async def _terminal_create(self, params):
        self.terminal_created.set()
        await anyio.sleep_forever()


async def test_cancel_never_waits_for_an_unanswered_terminal_create(tmp_path):
    client = SilentTerminalClient()
    ws = make(tmp_path, client)
    start = 0.0
    with anyio.fail_after(5):
        async with anyio.create_task_group() as tg:
            tg.start_soon(run_in_call, ws, [], "echo hi")
            await client.terminal_created.wait()
            start = anyio.current_time()
            tg.cancel_scope.cancel()
        elapsed = anyio.current_time() - start
    assert elapsed < 0.1
    assert client.cancelled_requests == ["terminal/create"]


class LateTerminalClient(FakeClient):
    """A client that creates the terminal only when the test says so (after a cancel)."""

    def __init__(self) -> None:
        super().__init__()
        self.answer_create = anyio.Event()
        self.released = anyio.Event()

    async def _terminal_create(self, params):
        self.terminal_created.set()
        await self.answer_create.wait()
        return await super()._terminal_create(params)

    async def _terminal_release(self, params):
        try:
            return await super()._terminal_release(params)
        finally:
            self.released.set()


async def _cancel_while_creating(client: FakeClient, ws: ClientWorkspace) -> float:
    """Start a command, cancel it while ``terminal/create`` is pending; seconds the cancel took."""
    start = 0.0
    with anyio.fail_after(5):
        async with anyio.create_task_group() as tg:
            tg.start_soon(run_in_call, ws, [], "sleep 30")
            await client.terminal_created.wait()
            start = anyio.current_time()
            tg.cancel_scope.cancel()
    return anyio.current_time() - start


async def test_a_terminal_created_after_the_cancel_is_killed_and_released(tmp_path):
    client = LateTerminalClient()
    async with client:
        ws = make(tmp_path, client)
        assert await _cancel_while_creating(client, ws) < 0.1
        assert client.methods() == ["terminal/create"]  # Nothing else yet; still listening.
        client.answer_create.set()  # The editor answers late, with a running terminal.
        with anyio.fail_after(2):
            await client.released.wait()
        ids = [p.get("terminalId") for _, p in client.requests]
        assert client.methods() == ["terminal/create", "terminal/kill", "terminal/release"]
        assert ids == [None, "term_1", "term_1"]
        term = client.terminals["term_1"]
        assert term.released
        assert not alive(term.process.pid)


async def test_an_unanswered_create_is_given_up_when_the_client_closes(tmp_path):
    async with SilentTerminalClient() as client:
        ws = make(tmp_path, client)
        assert await _cancel_while_creating(client, ws) < 0.1
        assert client.cancelled_requests == []  # Still waiting, in the background.
    assert client.cancelled_requests == ["terminal/create"]
    assert client.methods() == ["terminal/create"]


async def test_cancel_does_not_wait_long_for_terminal_release(tmp_path):
    class SlowRelease(FakeClient):
        async def _terminal_release(self, params):
            await anyio.sleep_forever()

    async with SlowRelease() as client:
        ws = make(tmp_path, client)
        start = 0.0
        with anyio.fail_after(5):
            async with anyio.create_task_group() as tg:
                tg.start_soon(run_in_call, ws, [], "sleep 30")
                await client.terminal_created.wait()
                start = anyio.current_time()
                tg.cancel_scope.cancel()
            elapsed = anyio.current_time() - start
        assert elapsed < 0.5
        assert client.methods()[-1] == "terminal/release"
        for term in client.terminals.values():
            term.process.kill()


async def test_editor_only_files_do_not_exist_without_the_fs_capability(tmp_path):
    client = FakeClient()
    client.buffers[str(tmp_path / "draft.py")] = "x = 1\n"
    ws = make(tmp_path, client, NONE)
    assert not await ws.exists("draft.py")
    assert client.requests == []


# --- H4's Workspace conformance suite, against the client-backed workspace ---------------


@asynccontextmanager
async def client_backed(root: Path):
    async with FakeClient() as client:
        yield make(root, client)


@asynccontextmanager
async def local_fallback(root: Path):
    yield make(root, FakeClient(), NONE)


routed = WorkspaceConformance(client_backed)
fallback = WorkspaceConformance(local_fallback)


@pytest.mark.parametrize("check", routed.check_names())
async def test_client_workspace_conformance_with_fs_and_terminal(check, tmp_path):
    await routed.run(check, tmp_path)


@pytest.mark.parametrize("check", fallback.check_names())
async def test_client_workspace_conformance_without_client_capabilities(check, tmp_path):
    await fallback.run(check, tmp_path)
