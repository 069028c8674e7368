"""The chat's side of the slash commands (``agentica.commands.CommandHost``) and its
approver: the terminal asks y/n/always for what the mode leaves to the user."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from agentica.modes import MODE_IDS, ModePolicy, check_mode_id, mode_name
from agentica.terminal.inputs import InputSource, ask_approval

if TYPE_CHECKING:
    from agentica.deep_agent import DeepAgent
    from agentica.messages import Message
    from agentica.models.base import Model
    from agentica.terminal.settings import Settings
    from agentica.terminal.store import ChatStore
    from agentica.terminal.view import View
    from agentica.tools.base import ApprovalDecision, ApprovalRequest


class TerminalApprover(ModePolicy):
    """Decides by the mode and remembered answers (``agentica.modes``); otherwise shows
    the call and asks the user (on a worker thread, holding the view's lock)."""

    def __init__(self, *, mode: str, roots: Sequence[str], view: View, source: InputSource):
        super().__init__(mode=mode, roots=roots)
        self.view = view
        self.source = source

    async def __call__(self, request: ApprovalRequest) -> ApprovalDecision:
        decided = self.mode_decision(request)  # ModeRefusal in read_only mode.
        if decided is not None:
            return decided
        import anyio.to_thread

        return await anyio.to_thread.run_sync(self.ask, request, abandon_on_cancel=True)

    def ask(self, request: ApprovalRequest) -> ApprovalDecision:
        """Show ``request`` and ask the user (blocking)."""
        with self.view.lock:
            self.view.request(request)
            decision, always = ask_approval(self.source, request)
            if always:
                self.remember(request.tool_name, request.kind, decision)
            if decision == "cancel":
                self.view.note("Cancelling the turn.", "yellow")
            return decision


class ChatHost:
    """``agentica.commands.CommandHost`` for one chat."""

    def __init__(
        self,
        settings: Settings,
        agent: DeepAgent,
        approver: TerminalApprover,
        store: ChatStore,
        model_spec: str,
    ) -> None:
        self.settings = settings
        self.agent = agent
        self.approver = approver
        self.store = store
        self.model_spec = model_spec
        self.context_used = 0

    @property
    def history(self) -> list[Message]:
        return self.agent.messages

    def replace_history(self, messages: Sequence[Message]) -> None:
        self.agent.reset(messages)
        self.store.replace_history(messages)

    @property
    def model(self) -> Model | None:
        return self.agent.model

    def models(self) -> tuple[str, list[str]]:
        from agentica.models.registry import list_presets

        found = [self.model_spec, self.settings.model, *self.settings.models]
        for preset in list_presets():
            key = self.settings.api_key if preset.name == "openai" else None
            if preset.needs_key and preset.resolve_api_key(key):
                found.append(f"{preset.name}/{preset.default_model}")
        found.append("demo")
        return self.model_spec, list(dict.fromkeys(m for m in found if m))

    def set_model(self, name: str) -> str:
        from agentica.exceptions import AgenticaError

        name = name.strip()
        try:
            model = self.settings.make_model(name)
        except AgenticaError as e:
            raise ValueError(str(e)) from None
        self.agent.model = model
        self.model_spec = name
        config = self.store.record.config if self.store.record else {}
        self.store.save(config={**config, "model": name})
        return name

    def modes(self) -> tuple[str, list[str]]:
        return self.approver.mode, list(MODE_IDS)

    def set_mode(self, mode: str) -> None:
        self.approver.mode = check_mode_id(mode)
        self.store.save(mode=mode)

    def status(self) -> list[tuple[str, str]]:
        record = self.store.record
        path = self.store.db.path
        size = self.agent.model.context_window or self.settings.context_window
        return [
            ("Model", f"`{self.model_spec}`"),
            ("Mode", f"{mode_name(self.approver.mode)} (`{self.approver.mode}`)"),
            ("Roots", f"`{self.settings.cwd}`"),
            ("Context tokens used", f"{self.context_used} of {size}"),
            ("Session", f"`{record.id}`" if record else "none"),
            ("Stored", "in memory only (not kept)" if path is None else f"`{path}`"),
        ]


__all__ = ["ChatHost", "TerminalApprover"]
