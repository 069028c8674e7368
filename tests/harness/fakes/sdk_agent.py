"""A small agent built on the official ACP Python SDK (``agent-client-protocol``).

It echoes the prompt, makes one permission-gated tool call that reads a file through
the client's ``fs/read_text_file`` when offered, and treats a prompt containing
"Take your time" as a long task that runs until ``session/cancel``. A cancelled
permission outcome ends the turn ``cancelled`` without running the tool. Sessions have
two modes, offered both as ``modes`` and as a ``mode`` select config option.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

from acp import (
    PROTOCOL_VERSION,
    RequestError,
    run_agent,
    start_tool_call,
    update_agent_message_text,
    update_tool_call,
)
from acp.schema import (
    AgentCapabilities,
    Implementation,
    InitializeResponse,
    NewSessionResponse,
    PermissionOption,
    PromptResponse,
    SessionConfigOptionSelect,
    SessionConfigSelectOption,
    SessionMode,
    SessionModeState,
    SetSessionConfigOptionResponse,
    SetSessionModeResponse,
    ToolCallUpdate,
)

MODES = {"ask": "Ask", "auto": "Auto"}


class EchoAgent:
    def __init__(self) -> None:
        self.sessions: dict[str, str] = {}
        self.cancelled: dict[str, asyncio.Event] = {}
        self.client_caps: Any = None
        self.modes: dict[str, str] = {}

    def on_connect(self, conn: Any) -> None:
        self.conn = conn

    async def initialize(
        self,
        protocol_version: int,
        client_capabilities: Any = None,
        client_info: Any = None,
        **kwargs: Any,
    ) -> InitializeResponse:
        self.client_caps = client_capabilities
        return InitializeResponse(
            protocol_version=PROTOCOL_VERSION,
            agent_capabilities=AgentCapabilities(),
            agent_info=Implementation(name="sdk-echo-agent", version="0.1.0"),
        )

    async def new_session(
        self, cwd: str, mcp_servers: Any = None, **kwargs: Any
    ) -> NewSessionResponse:
        if not os.path.isabs(cwd):
            raise RequestError.invalid_params({"cwd": "must be an absolute path"})
        sid = f"sdk-{len(self.sessions) + 1}"
        self.sessions[sid] = cwd
        self.modes[sid] = "ask"
        return NewSessionResponse(
            session_id=sid,
            modes=SessionModeState(
                current_mode_id="ask",
                available_modes=[SessionMode(id=k, name=v) for k, v in MODES.items()],
            ),
            config_options=self._options(sid),
        )

    def _options(self, sid: str) -> list[Any]:
        choices = [SessionConfigSelectOption(value=k, name=v) for k, v in MODES.items()]
        return [
            SessionConfigOptionSelect(
                id="mode",
                name="Mode",
                category="mode",
                type="select",
                current_value=self.modes[sid],
                options=choices,
            )
        ]

    def _set(self, sid: str, mode: Any) -> None:
        if sid not in self.sessions or mode not in MODES:
            raise RequestError.invalid_params({"mode": f"unknown session or mode {mode!r}"})
        self.modes[sid] = mode

    async def set_session_mode(
        self, session_id: str, mode_id: str, **kwargs: Any
    ) -> SetSessionModeResponse:
        self._set(session_id, mode_id)
        return SetSessionModeResponse()

    async def set_config_option(
        self, config_id: str, session_id: str, value: Any, **kwargs: Any
    ) -> SetSessionConfigOptionResponse:
        if config_id != "mode":
            raise RequestError.invalid_params({"configId": f"unknown option {config_id!r}"})
        self._set(session_id, value)
        return SetSessionConfigOptionResponse(config_options=self._options(session_id))

    async def prompt(self, session_id: str, prompt: list[Any], **kwargs: Any) -> PromptResponse:
        if session_id not in self.sessions:
            raise RequestError.invalid_params({"sessionId": "unknown session"})
        cancelled = self.cancelled[session_id] = asyncio.Event()
        text = " ".join(getattr(block, "text", "") for block in prompt)
        await self.conn.session_update(session_id, update_agent_message_text(f"You said: {text}"))
        if "Take your time" in text:
            try:
                await asyncio.wait_for(cancelled.wait(), 30)
            except TimeoutError:
                return PromptResponse(stop_reason="end_turn")
            return PromptResponse(stop_reason="cancelled")
        path = os.path.join(self.sessions[session_id], "README.md")
        await self.conn.session_update(
            session_id, start_tool_call("t1", "Read README.md", kind="read", status="pending")
        )
        perm = await self.conn.request_permission(
            session_id=session_id,
            tool_call=ToolCallUpdate(tool_call_id="t1"),
            options=[
                PermissionOption(option_id="ok", name="Allow", kind="allow_once"),
                PermissionOption(option_id="no", name="Reject", kind="reject_once"),
            ],
        )
        outcome = perm.outcome
        if getattr(outcome, "outcome", None) == "cancelled":
            await self.conn.session_update(session_id, update_tool_call("t1", status="failed"))
            return PromptResponse(stop_reason="cancelled")
        if getattr(outcome, "option_id", None) == "ok":
            fs = getattr(self.client_caps, "fs", None)
            if fs is not None and fs.read_text_file:
                result = await self.conn.read_text_file(session_id=session_id, path=path)
                size = len(result.content)
            else:
                size = -1
            await self.conn.session_update(
                session_id, update_tool_call("t1", status="completed", raw_output={"size": size})
            )
        else:
            await self.conn.session_update(session_id, update_tool_call("t1", status="failed"))
        return PromptResponse(stop_reason="end_turn")

    async def cancel(self, session_id: str, **kwargs: Any) -> None:
        event = self.cancelled.get(session_id)
        if event is not None:
            event.set()


if __name__ == "__main__":
    asyncio.run(run_agent(EchoAgent()))
