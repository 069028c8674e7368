"""An in-process fake ACP client: stands in for ``Connection`` in unit tests.

It answers the agent's requests like an editor would (``fs/*`` on the local disk,
``terminal/*`` with real local processes, ``session/request_permission`` from a script),
records every request and notification, and validates each against the official schema.
Like the real connection, a request whose awaiting task is cancelled is recorded as a
``$/cancel_request``.
"""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import anyio
import anyio.abc
from schema_util import AGENT_REQUESTS, validate_def

from acp_server.errors import RpcError


@dataclass
class FakeTerminal:
    process: anyio.abc.Process
    output: bytearray = field(default_factory=bytearray)
    limit: int | None = None
    truncated: bool = False
    done: anyio.Event = field(default_factory=anyio.Event)
    has_output: anyio.Event = field(default_factory=anyio.Event)
    released: bool = False


class FakeClient:
    """Answers agent -> client requests; ``answers`` scripts permission outcomes.

    Args:
        answers: Option ids (or ``"cancelled"``) returned to successive permission
            requests, or a callable ``(params) -> outcome dict``; ``"hold"`` blocks the
            request until the test sets ``release_permission``.
    """

    __test__ = False

    def __init__(self, answers: list[str] | Callable[[dict], Any] | None = None) -> None:
        self.answers = answers if answers is not None else []
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self.notifications: list[tuple[str, dict[str, Any]]] = []
        self.cancelled_requests: list[str] = []
        self.terminals: dict[str, FakeTerminal] = {}
        self.permission_asked = anyio.Event()
        self.release_permission = anyio.Event()
        self.terminal_created = anyio.Event()
        self.update_seen: Callable[[dict[str, Any]], None] | None = None
        self.buffers: dict[str, str] = {}
        """Unsaved editor buffers by absolute path: read before the disk, dropped on write."""
        self._next_terminal = 0
        self.after_write: list[Callable[[], object]] = []

    # -- The Connection API ------------------------------------------------------------

    def call_after_next_write(self, callback: Callable[[], object]) -> None:
        """Recorded, not run: there is no writer (the agent's warm-up stays off)."""
        self.after_write.append(callback)

    def start_background(self, fn: Callable[..., Any], *args: Any) -> bool:
        """Like the real connection: in the client's task group (False outside ``async with``)."""
        if self.task_group is None:
            return False
        self.task_group.start_soon(fn, *args)
        return True

    async def notify(self, method: str, params: dict[str, Any]) -> None:
        if method == "session/update":
            validate_def("SessionNotification", params)
            if self.update_seen is not None:
                self.update_seen(params["update"])
        self.notifications.append((method, params))

    async def request(self, method: str, params: dict[str, Any]) -> Any:
        assert method in AGENT_REQUESTS, method
        validate_def(AGENT_REQUESTS[method], params)
        self.requests.append((method, params))
        try:
            return await getattr(self, "_" + method.replace("/", "_"))(params)
        except anyio.get_cancelled_exc_class():
            self.cancelled_requests.append(method)
            raise

    # -- Views ---------------------------------------------------------------------------

    @property
    def updates(self) -> list[dict[str, Any]]:
        return [p["update"] for m, p in self.notifications if m == "session/update"]

    def methods(self) -> list[str]:
        return [m for m, _ in self.requests]

    def text(self) -> str:
        return "".join(
            u["content"]["text"]
            for u in self.updates
            if u["sessionUpdate"] == "agent_message_chunk"
        )

    # -- Handlers ------------------------------------------------------------------------

    async def _session_request_permission(self, params: dict[str, Any]) -> Any:
        self.permission_asked.set()
        if callable(self.answers):
            return {"outcome": self.answers(params)}
        answer = self.answers.pop(0) if self.answers else "allow_once"
        if answer == "hold":
            await self.release_permission.wait()
            answer = "cancelled"
        if answer == "cancelled":
            return {"outcome": {"outcome": "cancelled"}}
        return {"outcome": {"outcome": "selected", "optionId": answer}}

    async def _fs_read_text_file(self, params: dict[str, Any]) -> Any:
        path = anyio.Path(params["path"])
        if params["path"] in self.buffers:
            text = self.buffers[params["path"]]
        elif not await path.is_file():
            raise RpcError.resource_not_found(path.as_uri())
        else:
            text = (await path.read_bytes()).decode(errors="replace")
        if "line" in params or "limit" in params:
            lines = text.splitlines(keepends=True)
            start = params.get("line", 1) - 1
            stop = None if params.get("limit") is None else start + params["limit"]
            text = "".join(lines[start:stop])
        return {"content": text}

    async def _fs_write_text_file(self, params: dict[str, Any]) -> Any:
        self.buffers.pop(params["path"], None)  # Written and saved.
        path = anyio.Path(params["path"])
        await path.parent.mkdir(parents=True, exist_ok=True)
        await path.write_bytes(params["content"].encode())
        return {}

    async def _terminal_create(self, params: dict[str, Any]) -> Any:
        process = await anyio.open_process(
            [params["command"], *params.get("args", [])],
            cwd=params.get("cwd"),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._next_terminal += 1
        tid = f"term_{self._next_terminal}"
        term = FakeTerminal(process=process, limit=params.get("outputByteLimit"))
        self.terminals[tid] = term
        self._tg_start(term)
        self.terminal_created.set()
        return {"terminalId": tid}

    def _tg_start(self, term: FakeTerminal) -> None:
        assert self.task_group is not None, "use `async with FakeClient() as client`"
        self.task_group.start_soon(self._pump, term)

    async def _pump(self, term: FakeTerminal) -> None:
        assert term.process.stdout is not None
        try:
            async for chunk in term.process.stdout:
                term.output += chunk
                term.has_output.set()
                if term.limit is not None and len(term.output) > term.limit:
                    del term.output[: len(term.output) - term.limit]
                    term.truncated = True
        except (anyio.ClosedResourceError, anyio.BrokenResourceError):
            pass
        await term.process.wait()
        term.done.set()

    def _term(self, params: dict[str, Any]) -> FakeTerminal:
        term = self.terminals.get(params["terminalId"])
        if term is None or term.released:
            raise RpcError.invalid_params(f"unknown terminal {params['terminalId']}")
        return term

    @staticmethod
    def _status(term: FakeTerminal) -> dict[str, Any]:
        code = term.process.returncode
        if code is None:
            return {}
        if code < 0:
            return {"exitCode": None, "signal": signal.Signals(-code).name}
        return {"exitCode": code, "signal": None}

    async def _terminal_wait_for_exit(self, params: dict[str, Any]) -> Any:
        term = self._term(params)
        await term.done.wait()
        return self._status(term)

    async def _terminal_output(self, params: dict[str, Any]) -> Any:
        term = self._term(params)
        out: dict[str, Any] = {
            "output": term.output.decode(errors="replace"),
            "truncated": term.truncated,
        }
        if term.done.is_set():
            out["exitStatus"] = self._status(term)
        return out

    async def _terminal_kill(self, params: dict[str, Any]) -> Any:
        term = self._term(params)
        _killpg(term.process.pid)
        await term.done.wait()
        return {}

    async def _terminal_release(self, params: dict[str, Any]) -> Any:
        term = self._term(params)
        _killpg(term.process.pid)
        term.released = True
        return {}

    # -- Lifecycle -----------------------------------------------------------------------

    task_group: anyio.abc.TaskGroup | None = None

    async def __aenter__(self) -> FakeClient:
        self._tg_cm = anyio.create_task_group()
        self.task_group = await self._tg_cm.__aenter__()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        for term in self.terminals.values():
            _killpg(term.process.pid)
        with anyio.fail_after(5):
            for term in self.terminals.values():
                await term.done.wait()
                await term.process.aclose()
        self.task_group.cancel_scope.cancel()
        await self._tg_cm.__aexit__(*exc)


def _killpg(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
