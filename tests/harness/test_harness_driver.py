"""The Python API: AcpHarness against the minimal fake agent."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import anyio
import pytest

from acp_server.harness import AcpHarness, AgentExited, HarnessTimeout, RpcFault
from acp_server.harness.launch import AgentProcess, OversizeLine


async def test_prompt_collects_text_tool_calls_plan_and_client_requests(
    fake_agent: Any, project: Path
) -> None:
    async with AcpHarness.spawn(fake_agent(), cwd=project, timeout=10) as h:
        init = await h.initialize()
        assert init["agentInfo"]["name"] == "minimal-agent"
        sid = await h.new_session()
        outcome = await h.prompt(sid, "hello")
    assert outcome.stop_reason == "end_turn"
    assert outcome.text == "Hello, world."
    read = outcome.tool_calls["call_1"]
    assert read.title == "Read README.md"
    assert read.statuses == ["pending", "completed"]
    assert read.text() == "# Demo project\n"  # served by the harness from the session cwd
    assert outcome.tool_calls["call_2"].kind == "execute"
    assert outcome.plan == [{"content": "Say hello", "priority": "high", "status": "completed"}]
    assert [r["method"] for r in outcome.requests] == [
        "session/request_permission",
        "fs/read_text_file",
        "terminal/create",
        "terminal/wait_for_exit",
        "terminal/output",
        "terminal/release",
    ]
    assert h.client.terminal_output("term_1") == "hi from terminal\n"
    assert h.returncode == 0
    assert h.transcript[0].direction == "send"
    assert h.transcript[0].message["method"] == "initialize"


async def test_permission_policy_reject_selects_the_reject_option(
    fake_agent: Any, project: Path
) -> None:
    async with AcpHarness.spawn(fake_agent(), cwd=project, permissions="reject") as h:
        await h.initialize()
        outcome = await h.prompt(await h.new_session(), "hello")
    assert outcome.tool_calls["call_1"].status == "failed"
    replies = [e.message for e in h.transcript if e.direction == "send" and "result" in e.message]
    assert {"outcome": {"outcome": "selected", "optionId": "reject"}} in [
        r["result"] for r in replies
    ]


async def test_scripted_fs_handler_replaces_the_default(fake_agent: Any, project: Path) -> None:
    seen: list[dict[str, Any]] = []

    async def read(params: dict[str, Any]) -> dict[str, Any]:
        seen.append(params)
        return {"content": "scripted contents"}

    async with AcpHarness.spawn(fake_agent(), cwd=project) as h:
        h.client.on("fs/read_text_file", read)
        await h.initialize()
        outcome = await h.prompt(await h.new_session(), "hello")
    assert outcome.tool_calls["call_1"].text() == "scripted contents"
    assert seen[0]["path"] == str(project / "README.md")


async def test_cancel_answers_the_pending_permission_request_with_cancelled(
    fake_agent: Any, project: Path
) -> None:
    asked = anyio.Event()

    async def undecided(params: dict[str, Any]) -> str | None:
        asked.set()
        await anyio.sleep_forever()
        return None

    async with AcpHarness.spawn(fake_agent(), cwd=project, permissions=undecided) as h:
        await h.initialize()
        sid = await h.new_session()
        outcomes = []

        async def turn() -> None:
            outcomes.append(await h.prompt(sid, "hello"))

        with anyio.fail_after(10):
            async with anyio.create_task_group() as tg:
                tg.start_soon(turn)
                await asked.wait()
                await h.cancel(sid)
    assert outcomes[0].cancel_sent
    assert outcomes[0].tool_calls["call_1"].status == "failed"
    sent = [e.message for e in h.transcript if e.direction == "send"]
    cancel_at = next(i for i, m in enumerate(sent) if m.get("method") == "session/cancel")
    assert sent[cancel_at + 1]["result"] == {"outcome": {"outcome": "cancelled"}}


async def test_agent_exiting_mid_turn_raises_agent_exited(fake_agent: Any, project: Path) -> None:
    async with AcpHarness.spawn(fake_agent("exit-mid-turn"), cwd=project) as h:
        await h.initialize()
        sid = await h.new_session()
        with pytest.raises(AgentExited, match="exit status 3"):
            await h.prompt(sid, "hello")
        assert h.last_outcome is not None and h.last_outcome.text == "Hello"


async def test_hung_prompt_raises_harness_timeout(fake_agent: Any, project: Path) -> None:
    async with AcpHarness.spawn(fake_agent("never-ends"), cwd=project) as h:
        await h.initialize()
        sid = await h.new_session()
        with pytest.raises(HarnessTimeout, match=r"session/prompt within 0\.3s"):
            await h.prompt(sid, "hello", timeout=0.3)


async def test_cancel_after_ends_a_slow_turn_with_cancelled(fake_agent: Any, project: Path) -> None:
    async with AcpHarness.spawn(fake_agent(), cwd=project) as h:
        await h.initialize()
        outcome = await h.prompt(await h.new_session(), "Take your time", cancel_after=0.05)
    assert outcome.stop_reason == "cancelled"
    assert outcome.text == "Working on it (cancelled)"


async def test_agent_process_group_is_killed_on_exit(tmp_path: Path) -> None:
    fifo = tmp_path / "grandchild.fifo"
    os.mkfifo(fifo)
    script = (
        "import signal, subprocess, sys, time\n"
        "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        f"subprocess.Popen(['sh', '-c', 'exec sleep 60 > {fifo}'])\n"
        "time.sleep(60)\n"
    )
    with anyio.fail_after(10):
        async with AcpHarness.spawn([sys.executable, "-c", script], cwd=tmp_path) as h:
            reader = await anyio.to_thread.run_sync(open, fifo, "rb")
            await h.close(grace=0.1)
        # The read end sees EOF only once the grandchild holding the write end is dead.
        assert await anyio.to_thread.run_sync(reader.read) == b""
        reader.close()


async def test_oversize_line_is_skipped_and_the_next_line_still_read(tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "sys.stdout.write('x' * 300000 + '\\n' + '{\"ok\": 1}\\n')\n"
        "sys.stderr.write('e' * 500000)\n"
    )
    proc = await AgentProcess.start([sys.executable, "-c", script], max_line_bytes=100000)
    try:
        async with anyio.create_task_group() as tg:
            tg.start_soon(proc.drain_stderr)
            with anyio.fail_after(10):
                first = await proc.read_line()
                second = await proc.read_line()
                third = await proc.read_line()
    finally:
        await proc.aclose()
        await proc.aclose_streams()
    assert isinstance(first, OversizeLine) and first.size == 300000
    assert second == b'{"ok": 1}'
    assert third is None
    assert proc.stderr_total == 500000
    assert len(proc.stderr_tail(limit=10**6)) <= 64 * 1024 + 256 * 1024


def test_rpc_fault_serialises_to_a_json_rpc_error() -> None:
    assert RpcFault.resource_not_found("file:///x").to_dict() == {
        "code": -32002,
        "message": "Resource not found",
        "data": {"uri": "file:///x"},
    }
