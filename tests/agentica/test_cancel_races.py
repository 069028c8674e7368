"""Cancellation races found by fuzzing the entry points (each test failed before its fix)."""

from __future__ import annotations

import threading

import anyio
import anyio.to_thread
from proc_util import alive

from agentica import Agent, tool
from agentica.events import ToolCallStarted
from agentica.models.base import ModelTextDelta
from agentica.testing import FunctionModel, ScriptedModel, tool_call


async def test_a_bare_stream_consumer_cancelled_while_waiting_frees_the_agent_at_once():
    # `with move_on_after(t): async for ev in agent.run_stream(p)` and then another run:
    # the agent must be free as soon as the cancelled loop is left, as after a break.
    ended = anyio.Event()

    @tool
    async def wait_forever() -> str:
        """Wait until cancelled."""
        try:
            await anyio.sleep_forever()
        finally:
            ended.set()
        return "unreachable"

    model = ScriptedModel([ScriptedModel.tool_calls(tool_call("wait_forever", {})), "again ok"])
    agent = Agent(model=model, tools=[wait_forever])
    stream = agent.run_stream("go")  # Kept referenced: leaving must not rely on GC.
    with anyio.fail_after(5):
        with anyio.CancelScope() as scope:
            async for event in stream:
                if isinstance(event, ToolCallStarted):
                    scope.cancel()  # Lands in the next wait for an event.
        assert scope.cancelled_caught
        running_after_cancel = agent.is_running
        again = None
        if not running_after_cancel:
            again = await agent.run("again")
        await ended.wait()  # The abandoned run's tool was cancelled in any case.
    assert not running_after_cancel
    assert again is not None and again.text == "again ok"
    calls = [m for m in agent.messages if m.role == "assistant" and m.tool_calls]
    assert calls and all(
        any(m.role == "tool" and m.tool_call_id == c.id for m in agent.messages)
        for a in calls
        for c in a.tool_calls
    )


def test_cancel_from_another_thread_does_not_wait_for_a_busy_run_loop():
    # The run's loop thread is busy in sync code until cancel() has returned; a blocking
    # cancel() can only return once that loop is free again, i.e. never (bounded here).
    hanging = threading.Event()

    async def hang(messages, tools):
        yield ModelTextDelta(text="x")
        hanging.set()
        await anyio.sleep_forever()

    agent = Agent(model=FunctionModel(hang))
    busy = threading.Event()
    cancel_returned = threading.Event()
    outcome: dict[str, object] = {}

    async def run_and_block() -> None:
        async with anyio.create_task_group() as tg:

            async def run() -> None:
                outcome["stop_reason"] = (await agent.run("go")).stop_reason

            tg.start_soon(run)
            await anyio.to_thread.run_sync(hanging.wait, 5)  # The model streams and hangs.
            # Busy the loop thread in sync code, as a blocking call on the loop would
            # (no callback can run on the loop from busy.set() on).
            busy.set()
            outcome["loop_was_freed_by_cancel"] = cancel_returned.wait(2)

    loop_thread = threading.Thread(target=anyio.run, args=(run_and_block,))
    loop_thread.start()
    try:
        assert busy.wait(5)
        canceller = threading.Thread(target=lambda: (agent.cancel(), cancel_returned.set()))
        canceller.start()
        canceller.join(5)
    finally:
        loop_thread.join(10)
    assert not loop_thread.is_alive()
    assert outcome["stop_reason"] == "cancelled"
    assert outcome["loop_was_freed_by_cancel"] is True


_UNCLOSED_SYNC_STREAM = """
import pathlib, sys, time
from agentica import Agent
from agentica.events import ToolCallStarted
from agentica.testing import ScriptedModel, tool_call
from agentica.tools.builtin import WorkspaceTools
from agentica.workspace.local import LocalWorkspace

root = pathlib.Path(sys.argv[1])
command = "sleep 30 & echo $! > sleep.pid; wait"
agent = Agent(
    model=ScriptedModel([ScriptedModel.tool_calls(tool_call("execute", {"command": command}))]),
    tools=[WorkspaceTools(LocalWorkspace(root))],
)
stream = agent.run_stream_sync("go")  # Partly consumed, never closed, still referenced.
for event in stream:
    if isinstance(event, ToolCallStarted):
        break
for _ in range(500):
    if (root / "sleep.pid").exists() and (root / "sleep.pid").read_text().strip():
        break
    time.sleep(0.01)
print("exiting", flush=True)
"""


def test_an_unclosed_run_stream_sync_does_not_block_interpreter_exit(tmp_path):
    # The loop thread of run_stream_sync() used to be a blocking portal's (non-daemon)
    # thread, which the interpreter joins at exit before finalising the generator that
    # would stop it: the program hung forever. It must exit, and end the run's command.
    import os
    import signal
    import subprocess
    import sys

    proc = subprocess.Popen(
        [sys.executable, "-c", _UNCLOSED_SYNC_STREAM, str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    sleep_pid = None
    try:
        try:
            out, err = proc.communicate(timeout=15)
            exited = True
        except subprocess.TimeoutExpired:
            exited = False
        pid_file = tmp_path / "sleep.pid"
        if pid_file.exists() and pid_file.read_text().strip():
            sleep_pid = int(pid_file.read_text())
        assert exited, "the interpreter hung at exit"
        assert proc.returncode == 0, err.decode()
        assert b"exiting" in out
        assert sleep_pid is not None
        assert not alive(sleep_pid), "the run's command outlived the program"
    finally:
        groups = {proc.pid}
        if sleep_pid is not None and alive(sleep_pid):
            groups.add(os.getpgid(sleep_pid))
        for pgid in groups:
            try:
                os.killpg(pgid, signal.SIGKILL)
            except OSError:
                pass
        proc.wait()
