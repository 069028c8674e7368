"""``agentica chat`` (and ``agentica`` alone on a terminal): an interactive session.

A ``DeepAgent`` in ``--cwd`` answers on ``run_stream_sync()``; the view (``render``)
shows the answer as Markdown, the thinking, tool calls, diffs, commands' output, the plan
and the context used. With ``rich`` and ``prompt_toolkit`` (``pip install
'agentica[cli]'``) it is rich; without them (or with ``--plain``) plain text and
``input()``, said once at the start.

Keys: Enter sends; Alt-Enter / Esc-Enter or a trailing backslash starts a new line; Up and
Down walk the history (kept in ``$AGENTICA_HOME/history``). Ctrl-C during a turn cancels
the turn (the chat goes on); Ctrl-C twice within two seconds, or at an empty prompt,
quits, and so does Ctrl-D.

Slash commands are ``agentica.commands``' (the ACP server's): ``/help``, ``/model``,
``/mode``, ``/clear``, ``/compact``, ``/init``, ``/status``, plus the chat's own:
``/new``, ``/sessions``, ``/resume ID``, ``/thinking``, ``/exit``. Each chat is kept in
the session store (``--continue``: the last one of this directory; ``--resume ID``).
"""

from __future__ import annotations

import signal
import sys
import threading
import time
from typing import TYPE_CHECKING, Any

from agentica.terminal.host import ChatHost, TerminalApprover
from agentica.terminal.inputs import InputSource, PlainInput

if TYPE_CHECKING:
    import argparse

    from agentica.models.base import Model
    from agentica.sessions import SessionRecord
    from agentica.terminal.settings import Settings
    from agentica.terminal.store import ChatStore
    from agentica.terminal.view import View

QUIT_WINDOW = 2.0
"""Seconds within which a second Ctrl-C quits."""
EXIT_USAGE = 64
RICH_HINT = (
    "Plain mode. For Markdown, colours and input history: pip install 'agentica[cli]'"
)
CHAT_COMMANDS = (
    ("new", None, "Start a new chat (the current one stays stored)"),
    ("sessions", None, "List the latest chats of this directory"),
    ("resume", "session id", "Continue a stored chat"),
    ("thinking", None, "Show the last thinking in full; toggle full thinking"),
    ("exit", None, "Quit (also Ctrl-D)"),
)


class Quit(Exception):
    """The user asked to leave."""


class Chat:
    """One interactive session: the loop, the turns, the commands.

    Args:
        settings: Model, mode, directory (``agentica.terminal.settings``).
        source: Where lines come from (``agentica.terminal.inputs``).
        view: How runs are shown (``agentica.terminal.render``).
        store: Where chats are kept.
        model: The model to start with (default: ``settings.make_model()``).
    """

    def __init__(
        self,
        settings: Settings,
        *,
        source: InputSource,
        view: View,
        store: ChatStore,
        model: Model | None = None,
    ) -> None:
        from agentica.terminal.settings import build_agent

        self.settings = settings
        self.source = source
        self.view = view
        self.store = store
        self.approver = TerminalApprover(
            mode=settings.mode, roots=[settings.cwd], view=view, source=source
        )
        model = model or settings.make_model()
        self.agent = build_agent(settings, model=model, approver=self.approver)
        self.host = ChatHost(settings, self.agent, self.approver, store, settings.model)
        self._last_interrupt = 0.0
        self.store.start(settings.cwd, mode=settings.mode, model=settings.model)

    # --- sessions ------------------------------------------------------------------------

    def resume(self, record: SessionRecord, *, keep_mode: bool = False) -> None:
        """Continue a stored chat: its history, model (unless ``--model``), mode (unless
        ``keep_mode``) and remembered answers."""
        history = self.store.resume(record)
        self.agent.reset(history)
        stored = record.config.get("model")
        if isinstance(stored, str) and stored and not self.settings.model_from_flag:
            try:
                self.host.set_model(stored)
            except ValueError as e:
                self.view.note(f"Stored model {stored!r} unusable ({e}); "
                               f"keeping {self.host.model_spec}")
        if record.mode and not keep_mode:
            self.approver.mode = record.mode
        self.approver.forget()
        for tool_name, kind, decision in record.permissions:
            if decision in ("allow", "deny"):
                self.approver.remember(tool_name, kind, decision)  # type: ignore[arg-type]
        self.view.note(
            f"Resumed {record.id} ({record.title or 'untitled'}): {len(history)} messages, "
            f"model {self.host.model_spec}, mode {self.approver.mode}."
        )

    def new(self) -> None:
        self.agent.reset()
        self.store.start(self.settings.cwd, mode=self.approver.mode, model=self.host.model_spec)
        self.approver.forget()
        self.view.note("New chat.")

    # --- the loop ------------------------------------------------------------------------

    def greet(self) -> None:
        from agentica.models.registry import is_demo_spec

        self.view.note(
            f"agentica · {self.host.model_spec} · mode {self.approver.mode} · "
            f"{self.settings.cwd}\n/help lists the commands; Ctrl-C cancels a turn, Ctrl-D quits.",
        )
        if is_demo_spec(self.host.model_spec):
            self.view.note(
                "This is the offline demo model; pick a real one with --model or /model.",
                "yellow",
            )

    def loop(self) -> int:
        """Read and answer until the user quits; the exit status."""
        try:
            while True:
                try:
                    text = self.source.read("> ")
                except EOFError:
                    break
                except KeyboardInterrupt:
                    if self._interrupted_twice() or getattr(self.source, "empty_interrupt", False):
                        break
                    self.view.note("(Ctrl-C again or Ctrl-D to quit)")
                    continue
                self._last_interrupt = 0.0  # A line was sent: the next Ctrl-C starts anew.
                try:
                    self.handle(text)
                except Quit:
                    break
        finally:
            self.store.close()
        return 0

    def _interrupted_twice(self) -> bool:
        now = time.monotonic()
        twice = now - self._last_interrupt < QUIT_WINDOW
        self._last_interrupt = now
        return twice

    def handle(self, text: str) -> None:
        """One line of input: a command or a prompt (``//x`` sends ``/x``)."""
        from agentica.commands import parse

        if not text.strip():
            return
        parsed = parse(text)
        if parsed is not None:
            prompt = self.command(*parsed)
            if prompt:
                self.turn(prompt)
            return
        self.turn(text[1:] if text.lstrip().startswith("//") else text)

    def command(self, name: str, arg: str) -> str | None:
        """Run a slash command; a prompt to run as a turn, or None."""
        import anyio

        from agentica.commands import help_text, run_command

        match name:
            case "exit" | "quit":
                raise Quit
            case "help":
                extra = "\n".join(
                    f"- `/{n}{f' <{h}>' if h else ''}`: {d}" for n, h, d in CHAT_COMMANDS
                )
                self.view.markdown(f"{help_text()}\n{extra}")
            case "new":
                self.new()
            case "sessions":
                self.list_sessions()
            case "resume":
                record = self.store.find(arg) if arg else self.store.last(self.settings.cwd)
                if record is None:
                    self.view.note(f"No stored chat {arg!r}; /sessions lists them.", "red")
                else:
                    self.resume(record)
            case "thinking":
                self.view.expanded = not self.view.expanded
                if self.view.last_thinking:
                    self.view.note(self.view.last_thinking.strip(), "dim italic")
                state = "shown in full" if self.view.expanded else "collapsed"
                self.view.note(f"Thinking is {state} from now on.")
            case _:
                result = anyio.run(run_command, self.host, name, arg)
                if result.text:
                    self.view.markdown(result.text)
                return result.prompt
        return None

    def list_sessions(self) -> None:
        from datetime import datetime

        records = self.store.recent(self.settings.cwd)
        if not records:
            self.view.note("No stored chats in this directory yet.")
            return
        current = self.store.record.id if self.store.record else None
        lines = ["**Chats of this directory** (newest first; `/resume ID`)", ""]
        for r in records:
            when = datetime.fromtimestamp(r.updated_at).strftime("%Y-%m-%d %H:%M")
            mark = " (this one)" if r.id == current else ""
            lines.append(f"- `{r.id}` {when} {r.title or 'untitled'}{mark}")
        self.view.markdown("\n".join(lines))

    # --- a turn --------------------------------------------------------------------------

    def turn(self, prompt: str) -> None:
        """Run one prompt, showing its events; Ctrl-C cancels it (twice: quits)."""
        from agentica.exceptions import AgenticaError

        answers: dict[str, list[str]] = {}
        previous = self._trap_interrupts()
        quit_now = False
        try:
            with self.view.lock:
                self.view.waiting()
            for event in self.agent.run_stream_sync(prompt):
                with self.view.lock:
                    self.view.render(event)
                if event.type == "text_delta":
                    answers.setdefault(event.message_id, []).append(event.text)
                elif event.type == "usage_updated":
                    self.host.context_used = event.context_used
        except KeyboardInterrupt:
            quit_now = True
        except AgenticaError as e:
            self.view.note(f"Error: {e}", "red")
        except Exception as e:  # A bug shows, the chat goes on.
            self.view.note(f"Error: {e!r}", "red")
        finally:
            if previous is not None:
                signal.signal(signal.SIGINT, previous)
            with self.view.lock:
                self.view.pause()
            self.store.save(
                mode=self.approver.mode,
                permissions=[[t, k, d] for (t, k), d in self.approver.remembered.items()],
            )
            self.store.end_turn(prompt, ["".join(a) for a in answers.values()],
                                self.agent.messages)
        if quit_now:
            raise Quit

    def _trap_interrupts(self) -> Any:
        """During a turn, Ctrl-C cancels it; a second one within ``QUIT_WINDOW`` quits."""
        if threading.current_thread() is not threading.main_thread():
            return None

        def on_interrupt(signum: int, frame: Any) -> None:
            if self._interrupted_twice():
                raise KeyboardInterrupt
            self.agent.cancel()
            cancelled = getattr(self.source, "cancelled", None)
            if isinstance(cancelled, threading.Event):
                cancelled.set()

        return signal.signal(signal.SIGINT, on_interrupt)


def build_parser(prog: str = "agentica chat") -> argparse.ArgumentParser:
    """The ``agentica chat`` command line."""
    import argparse

    from agentica.terminal.settings import add_common_flags

    parser = argparse.ArgumentParser(
        prog=prog,
        description="Chat with an agent working in your project (Ctrl-D quits; /help).",
    )
    parser.add_argument("--continue", "-c", dest="continue_", action="store_true",
                        help="continue the last chat of this directory")
    parser.add_argument("--resume", "-r", metavar="ID", help="continue the stored chat ID")
    parser.add_argument("--plain", action="store_true",
                        help="plain text and input() even when rich is installed")
    add_common_flags(parser)
    return parser


def make_io(plain: bool) -> tuple[View, InputSource]:
    """The rich view and input when available (and wanted), else plain ones."""
    from agentica.terminal.render import PlainView, RichView

    if not plain:
        try:
            from rich.console import Console
        except ImportError:
            pass
        else:
            view: View = RichView(Console())
            if sys.stdin.isatty() and sys.stdout.isatty():
                try:
                    from agentica.terminal.inputs import ToolkitInput

                    return view, ToolkitInput()
                except ImportError:
                    pass
            return view, PlainInput()
    view = PlainView(sys.stdout)
    view.note(RICH_HINT)
    return view, PlainInput()


def main(argv: list[str] | None = None, prog: str = "agentica chat") -> int:
    """Run ``agentica chat`` with ``argv``; returns the exit status."""
    from agentica.exceptions import AgenticaError
    from agentica.terminal.settings import SettingsError, resolve
    from agentica.terminal.store import ChatStore

    try:
        args = build_parser(prog).parse_args(sys.argv[1:] if argv is None else argv)
    except SystemExit as e:
        return 0 if e.code in (0, None) else EXIT_USAGE
    try:
        settings = resolve(args)
    except SettingsError as e:
        sys.stderr.write(f"{prog}: error: {e}\n")
        return EXIT_USAGE
    view, source = make_io(args.plain)
    store = ChatStore(warn=lambda text: sys.stderr.write(text + "\n"))
    record = None
    if args.resume:
        record = store.find(args.resume)
        if record is None:
            sys.stderr.write(f"{prog}: error: no stored chat {args.resume!r}\n")
            return EXIT_USAGE
    elif args.continue_:
        record = store.last(settings.cwd)
    try:
        chat = Chat(settings, source=source, view=view, store=store)
    except AgenticaError as e:
        sys.stderr.write(f"{prog}: error: {e}\n")
        return 1
    chat.greet()
    if record is not None:
        chat.resume(record, keep_mode=bool(args.mode))
    elif args.continue_:
        view.note("No earlier chat in this directory: starting a new one.")
    return chat.loop()


__all__ = ["CHAT_COMMANDS", "Chat", "Quit", "build_parser", "main", "make_io"]
