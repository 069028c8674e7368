"""The editor's side of ACP: answering the agent's requests.

``ClientSide`` advertises the client capabilities and serves ``session/request_permission``,
``fs/*`` and ``terminal/*``. Every handler can be replaced (``client.on(method, fn)``) so a
test can script the answers.

File access is confined to the session's ``cwd``: a path outside it (after resolving
symlinks) is answered with an error, as is any relative path.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Literal

import anyio
import anyio.abc

from .errors import RpcFault
from .terminals import TerminalManager

logger = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any]], Awaitable[Any]]
PermissionDecider = Callable[[dict[str, Any]], Awaitable[str | None]]
"""Given the request params, returns an ``optionId`` to select, or None to cancel."""
PermissionPolicy = Literal["allow", "reject", "cancel"] | PermissionDecider

_PREFERENCE = {
    "allow": ("allow_once", "allow_always"),
    "reject": ("reject_once", "reject_always"),
}


def choose_option(options: Any, policy: str) -> str | None:
    """Pick the ``optionId`` whose kind matches ``policy`` ("allow"/"reject"), or None."""
    if not isinstance(options, list):
        return None
    for kind in _PREFERENCE.get(policy, ()):
        for opt in options:
            if isinstance(opt, dict) and opt.get("kind") == kind and "optionId" in opt:
                return str(opt["optionId"])
    return None


class ClientSide:
    """Capabilities and request handlers of the harness acting as an editor."""

    def __init__(
        self,
        *,
        fs: bool = True,
        terminal: bool = True,
        permissions: PermissionPolicy = "allow",
    ) -> None:
        self.fs = fs
        self.terminal = terminal
        self.permissions: PermissionPolicy = permissions
        self.session_cwds: dict[str, str] = {}
        """sessionId -> cwd of every session the harness opened."""
        self.cancelled: dict[str, anyio.Event] = {}
        """sessionId -> set once ``session/cancel`` was sent for the running turn."""
        self.terminals: TerminalManager | None = None
        self._custom: dict[str, Handler] = {}

    # -- capabilities -------------------------------------------------------------------

    def capabilities(self) -> dict[str, Any]:
        """The ``clientCapabilities`` object for ``initialize``."""
        return {
            "fs": {"readTextFile": self.fs, "writeTextFile": self.fs},
            "terminal": self.terminal,
        }

    def on(self, method: str, handler: Handler) -> None:
        """Answer the agent's ``method`` requests with ``handler(params)`` (a coroutine).

        The handler returns the result object, or raises :class:`RpcFault` for an error.
        """
        self._custom[method] = handler

    def start(self, task_group: anyio.abc.TaskGroup) -> None:
        """Bind to the harness's task group (terminals run their readers there)."""
        self.terminals = TerminalManager(task_group)

    def begin_turn(self, session_id: str) -> None:
        """A new prompt starts on ``session_id``: permission requests are live again."""
        self.cancelled[session_id] = anyio.Event()

    def mark_cancelled(self, session_id: str) -> None:
        """``session/cancel`` was sent: pending and later permission requests get cancelled."""
        self.cancelled.setdefault(session_id, anyio.Event()).set()

    # -- dispatch -----------------------------------------------------------------------

    async def handle(self, method: str, params: dict[str, Any]) -> Any:
        """Answer one agent->client request; raises RpcFault for an error answer."""
        if method in self._custom:
            return await self._custom[method](params)
        if method == "session/request_permission":
            return await self.request_permission(params)
        if method.startswith("fs/"):
            if not self.fs:
                raise RpcFault.method_not_found(method)
            if method == "fs/read_text_file":
                return await self.read_text_file(params)
            if method == "fs/write_text_file":
                return await self.write_text_file(params)
        if method.startswith("terminal/") and self.terminal and self.terminals is not None:
            session_cwd = self.session_cwds.get(str(params.get("sessionId")))
            match method:
                case "terminal/create":
                    self._session(params)
                    return await self.terminals.create(params, session_cwd)
                case "terminal/output":
                    return await self.terminals.output(params)
                case "terminal/wait_for_exit":
                    return await self.terminals.wait_for_exit(params)
                case "terminal/kill":
                    return await self.terminals.kill(params)
                case "terminal/release":
                    return await self.terminals.release(params)
        raise RpcFault.method_not_found(method)

    def _session(self, params: dict[str, Any]) -> str:
        sid = params.get("sessionId")
        if not isinstance(sid, str) or sid not in self.session_cwds:
            raise RpcFault.invalid_params(f"unknown sessionId {sid!r}")
        return self.session_cwds[sid]

    # -- permissions --------------------------------------------------------------------

    async def request_permission(self, params: dict[str, Any]) -> dict[str, Any]:
        """Decide by policy; answer ``cancelled`` once the turn was cancelled."""
        sid = str(params.get("sessionId"))
        cancelled = self.cancelled.setdefault(sid, anyio.Event())
        if cancelled.is_set():
            return {"outcome": {"outcome": "cancelled"}}
        decision: list[str | None] = []

        async def decide(tg: anyio.abc.TaskGroup) -> None:
            policy = self.permissions
            if callable(policy):
                decision.append(await policy(params))
            elif policy in _PREFERENCE:
                decision.append(choose_option(params.get("options"), policy))
            else:
                decision.append(None)
            tg.cancel_scope.cancel()

        async def watch_cancel(tg: anyio.abc.TaskGroup) -> None:
            await cancelled.wait()
            tg.cancel_scope.cancel()

        async with anyio.create_task_group() as tg:
            tg.start_soon(decide, tg)
            tg.start_soon(watch_cancel, tg)
        if cancelled.is_set() or not decision or decision[0] is None:
            return {"outcome": {"outcome": "cancelled"}}
        return {"outcome": {"outcome": "selected", "optionId": decision[0]}}

    # -- files --------------------------------------------------------------------------

    def _confined(self, params: dict[str, Any]) -> Path:
        root = self._session(params)
        raw = params.get("path")
        if not isinstance(raw, str) or not os.path.isabs(raw):
            raise RpcFault.invalid_params(f"path must be absolute, got {raw!r}")
        real_root = Path(os.path.realpath(root))
        real = Path(os.path.realpath(raw))
        if real != real_root and real_root not in real.parents:
            raise RpcFault.invalid_params(f"path {raw!r} is outside the session directory {root}")
        return real

    async def read_text_file(self, params: dict[str, Any]) -> dict[str, Any]:
        """``fs/read_text_file`` within the session cwd, honouring ``line``/``limit``."""
        path = self._confined(params)
        try:
            text = await anyio.Path(path).read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError as exc:
            raise RpcFault.resource_not_found(path.as_uri()) from exc
        except (IsADirectoryError, PermissionError) as exc:
            raise RpcFault.invalid_params(f"cannot read {path}: {exc.strerror}") from exc
        line, limit = params.get("line"), params.get("limit")
        if line is not None or limit is not None:
            lines = text.splitlines(keepends=True)
            start = max(int(line) - 1, 0) if isinstance(line, int) else 0
            end = start + int(limit) if isinstance(limit, int) else None
            text = "".join(lines[start:end])
        return {"content": text}

    async def write_text_file(self, params: dict[str, Any]) -> dict[str, Any]:
        """``fs/write_text_file`` within the session cwd (creates the file and parents)."""
        path = self._confined(params)
        content = params.get("content")
        if not isinstance(content, str):
            raise RpcFault.invalid_params("'content' must be a string")
        target = anyio.Path(path)
        await target.parent.mkdir(parents=True, exist_ok=True)
        await target.write_text(content, encoding="utf-8")
        return {}

    def terminal_output(self, terminal_id: str) -> str | None:
        """The captured output of one of the agent's terminals."""
        return None if self.terminals is None else self.terminals.output_text(terminal_id)

    def terminal_exit(self, terminal_id: str) -> dict[str, Any] | None:
        """``{exitCode, signal}`` of one of the agent's terminals once it exited."""
        return None if self.terminals is None else self.terminals.exit_status(terminal_id)

    def close(self) -> None:
        """Kill every terminal still running."""
        if self.terminals is not None:
            self.terminals.kill_all()
