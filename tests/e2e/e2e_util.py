"""End-to-end helpers: the real server as a subprocess, driven by the official ACP SDK.

``open_server(...)`` spawns the server (``tests/serve_hooked.py``, i.e. ``main()`` with
test hooks) in its own session (process group) with the scripted ``e2e_models:model``
(its ``AGENTICA_TEST_MODEL`` hook; empty: the configured model),
connects the SDK's ``ClientSideConnection`` to its stdio, and validates every message the
server writes against the official schema (responses against the type of the method
they answer). The process group is killed in ``finally``.
"""

from __future__ import annotations

import asyncio
import json
import os
import select
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(HERE.parent / "acp_server"))

from acp import PROTOCOL_VERSION  # noqa: E402
from acp.client.connection import ClientSideConnection  # noqa: E402
from acp.connection import StreamDirection, StreamEvent  # noqa: E402
from acp.schema import ClientCapabilities, FileSystemCapabilities  # noqa: E402
from fake_client import FakeClient  # noqa: E402
from proc_util import alive  # noqa: E402
from schema_util import validate_agent_message  # noqa: E402

TEST_MODEL = "e2e_models:model"
SERVER = [sys.executable, str(HERE.parent / "serve_hooked.py")]
"""The server command: ``acp_server.__main__.main`` with the test hooks."""


class E2EClient:
    """The editor side: records permission requests, serves fs/* and terminal/*.

    ``answers`` scripts the permission outcomes (option ids, ``"cancelled"``, or
    ``"hold"`` to block until ``unblock`` is set, then answer ``cancelled``).
    """

    __test__ = False

    def __init__(self, answers: list[str] | None = None) -> None:
        self.answers = list(answers or [])
        self.permission_requests: list[dict[str, Any]] = []
        self.permission_asked = anyio.Event()
        self.unblock = anyio.Event()
        self.local = FakeClient()  # Its fs and terminal handlers do the real work.
        self.calls: list[str] = []

    async def request_permission(self, options: Any, session_id: str, tool_call: Any, **kw: Any):
        self.calls.append("session/request_permission")
        self.permission_requests.append(tool_call.model_dump(by_alias=True, exclude_none=True))
        self.permission_asked.set()
        answer = self.answers.pop(0) if self.answers else "allow_once"
        if answer == "hold":
            await self.unblock.wait()
            answer = "cancelled"
        if answer == "cancelled":
            return {"outcome": {"outcome": "cancelled"}}
        return {"outcome": {"outcome": "selected", "optionId": answer}}

    async def session_update(self, session_id: str, update: Any, **kw: Any) -> None:
        return None

    async def _do(self, method: str, **params: Any) -> Any:
        self.calls.append(method)
        clean = {k: v for k, v in params.items() if v is not None}
        return await getattr(self.local, "_" + method.replace("/", "_"))(clean)

    async def read_text_file(self, session_id, path, line=None, limit=None, **kw):
        return await self._do("fs/read_text_file", path=path, line=line, limit=limit)

    async def write_text_file(self, session_id, path, content, **kw):
        return await self._do("fs/write_text_file", path=path, content=content)

    async def create_terminal(
        self, session_id, command, args=None, env=None, cwd=None, output_byte_limit=None, **kw
    ):
        return await self._do(
            "terminal/create",
            command=command,
            args=args,
            cwd=cwd,
            outputByteLimit=output_byte_limit,
        )

    async def terminal_output(self, session_id, terminal_id, **kw):
        return await self._do("terminal/output", terminalId=terminal_id)

    async def wait_for_terminal_exit(self, session_id, terminal_id, **kw):
        return await self._do("terminal/wait_for_exit", terminalId=terminal_id)

    async def kill_terminal(self, session_id, terminal_id, **kw):
        return await self._do("terminal/kill", terminalId=terminal_id)

    async def release_terminal(self, session_id, terminal_id, **kw):
        return await self._do("terminal/release", terminalId=terminal_id)


@dataclass
class Server:
    """A running server and the client connected to it."""

    conn: ClientSideConnection
    client: E2EClient
    process: asyncio.subprocess.Process
    cwd: Path
    received: list[dict[str, Any]] = field(default_factory=list)
    schema_errors: list[str] = field(default_factory=list)
    waiters: list[tuple[Any, anyio.Event]] = field(default_factory=list)

    def on_message(self, msg: dict[str, Any]) -> None:
        self.received.append(msg)
        for pred, event in list(self.waiters):
            if pred():
                event.set()
                self.waiters.remove((pred, event))

    async def wait_until(self, pred: Any) -> None:
        """Wait (event-driven) until ``pred()`` holds after some received message."""
        if pred():
            return
        event = anyio.Event()
        self.waiters.append((pred, event))
        await event.wait()

    async def initialize(self, *, fs: bool = False, terminal: bool = False) -> Any:
        caps = ClientCapabilities(
            fs=FileSystemCapabilities(read_text_file=fs, write_text_file=fs), terminal=terminal
        )
        return await self.conn.initialize(
            protocol_version=PROTOCOL_VERSION, client_capabilities=caps
        )

    async def new_session(self) -> str:
        return (await self.conn.new_session(cwd=str(self.cwd), mcp_servers=[])).session_id

    async def prompt(self, session_id: str, text: str) -> str:
        from acp import text_block

        result = await self.conn.prompt(session_id=session_id, prompt=[text_block(text)])
        return result.stop_reason

    def updates(self, session_id: str | None = None) -> list[dict[str, Any]]:
        return [
            m["params"]["update"]
            for m in self.received
            if m.get("method") == "session/update"
            and (session_id is None or m["params"]["sessionId"] == session_id)
        ]

    def text(self, session_id: str | None = None, kind: str = "agent_message_chunk") -> str:
        return "".join(
            u["content"]["text"] for u in self.updates(session_id) if u["sessionUpdate"] == kind
        )

    def agent_requests(self, prefix: str = "") -> list[dict[str, Any]]:
        return [
            m
            for m in self.received
            if "id" in m and m.get("method", "").startswith(prefix) and "method" in m
        ]


def server_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(HERE), str(REPO), env.get("PYTHONPATH", "")])
    env["AGENTICA_TEST_MODEL"] = TEST_MODEL
    env.pop("AGENTICA_CONFIG", None)
    env.update(extra or {})
    return env


@asynccontextmanager
async def open_server(
    cwd: Path, *, answers: list[str] | None = None, args: tuple[str, ...] = (), env=None
) -> AsyncIterator[Server]:
    """Spawn the server, connect the SDK client, yield; kill the process group after."""
    log = open(cwd.parent / f"server-{os.getpid()}-{id(cwd)}.log", "wb")  # noqa: ASYNC230
    process = await asyncio.create_subprocess_exec(
        *SERVER,
        "--model",
        "demo",
        "--log-level",
        "INFO",
        *args,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=log,
        env=server_env(env),
        cwd=str(cwd),
        start_new_session=True,
        limit=64 * 1024 * 1024,
    )
    client = E2EClient(answers)
    methods: dict[Any, str] = {}
    server: Server | None = None

    def observe(event: StreamEvent) -> None:
        msg = event.message
        if event.direction == StreamDirection.OUTGOING:
            if "method" in msg and "id" in msg:
                methods[msg["id"]] = msg["method"]
            return
        assert server is not None
        server.on_message(msg)
        try:
            validate_agent_message(msg, request_method=methods.get(msg.get("id")))
        except Exception as e:
            server.schema_errors.append(f"{e}\n{msg}")

    try:
        async with client.local:
            conn = ClientSideConnection(client, process.stdin, process.stdout, observers=[observe])
            server = Server(conn=conn, client=client, process=process, cwd=cwd)
            try:
                yield server
            finally:
                await conn.close()
        assert not server.schema_errors, server.schema_errors
    finally:
        kill_group(process.pid)
        with anyio.move_on_after(5):
            await process.wait()
        log.close()


class RawPipe:
    """The server over raw pipes, for input the SDK cannot produce.

    Every message read is validated against the official schema (each element of a
    batch response, too).
    """

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    async def send(self, obj: object) -> None:
        data = obj if isinstance(obj, str) else json.dumps(obj)
        assert self.process.stdin is not None
        self.process.stdin.write(data.encode() + b"\n")
        await self.process.stdin.drain()

    async def receive(self, method: str | None = None) -> Any:
        assert self.process.stdout is not None
        with anyio.fail_after(10):
            line = await self.process.stdout.readline()
        msg = json.loads(line)
        for one in msg if isinstance(msg, list) else [msg]:
            validate_agent_message(one, request_method=method)
        return msg

    async def receive_response(self, id_: Any, method: str | None = None) -> dict[str, Any]:
        """Read (and validate) messages until the response to ``id_``; skip the others."""
        while True:
            msg = await self.receive(method)
            if isinstance(msg, dict) and msg.get("id") == id_ and "method" not in msg:
                return msg

    async def call(self, id_: int, method: str, params: object) -> dict:
        """Send a request and read its response (notifications before it are skipped)."""
        await self.send({"jsonrpc": "2.0", "id": id_, "method": method, "params": params})
        msg = await self.receive(method)
        while isinstance(msg, dict) and "id" not in msg and "method" in msg:
            msg = await self.receive(method)
        assert msg["id"] == id_
        return msg


@asynccontextmanager
async def open_raw(cwd: Path, env: dict[str, str] | None = None) -> AsyncIterator[RawPipe]:
    """Spawn the server on raw pipes; kill its process group after."""
    process = await asyncio.create_subprocess_exec(
        *SERVER,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
        env=server_env(env),
        cwd=str(cwd),
        start_new_session=True,
    )
    try:
        yield RawPipe(process)
    finally:
        kill_group(process.pid)
        await process.wait()


def kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


async def wait_gone(pid: int, timeout: float = 5.0) -> bool:
    """Wait (on a pidfd, no polling) until the process has exited; False on timeout."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    try:
        ready = await anyio.to_thread.run_sync(
            lambda: select.select([fd], [], [], timeout)[0], abandon_on_cancel=True
        )
        return bool(ready) or not alive(pid)
    finally:
        os.close(fd)
