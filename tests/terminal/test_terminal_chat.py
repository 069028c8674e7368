"""``agentica chat`` in-process: scripted lines in, a recording rich console out, a
scripted model (``tests/e2e/e2e_models.py``), the session store in a temporary file."""

from __future__ import annotations

import io
import json
import signal
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from agentica.events import RunEvent, TextDelta
from agentica.sessions import SessionDB
from agentica.terminal.chat import Chat, make_io
from agentica.terminal.inputs import PlainInput, ScriptedInput, join_continued
from agentica.terminal.render import RichView
from agentica.terminal.settings import Settings
from agentica.terminal.store import ChatStore

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def e2e_model(monkeypatch: pytest.MonkeyPatch) -> Callable[[], Any]:
    monkeypatch.syspath_prepend(str(ROOT / "tests" / "e2e"))
    import e2e_models

    return e2e_models.model


class Harness:
    """A chat wired to scripted input and a recording console."""

    def __init__(self, tmp: Path, model: Callable[[], Any]) -> None:
        self.tmp = tmp
        self.project = tmp / "project"
        self.project.mkdir(exist_ok=True)
        self.model = model
        self.console: Any = None
        self.source: ScriptedInput | None = None

    def chat(
        self, lines: list[Any], answers: list[str] | None = None, *, mode: str = "ask",
        view_hook: Callable[[RunEvent], None] | None = None,
    ) -> Chat:
        from rich.console import Console

        self.console = Console(
            record=True, width=100, force_terminal=False, color_system=None, file=io.StringIO()
        )
        view = HookedView(self.console, view_hook)
        self.source = ScriptedInput(lines, answers)
        store = ChatStore(SessionDB(self.tmp / "sessions.db"))
        settings = Settings(model="e2e", mode=mode, cwd=str(self.project))
        return Chat(settings, source=self.source, view=view, store=store, model=self.model())

    def run(self, lines: list[Any], answers: list[str] | None = None, **kw: Any) -> str:
        chat = self.chat(lines, answers, **kw)
        assert chat.loop() == 0
        return self.console.export_text()

    def stored(self) -> list[Any]:
        db = SessionDB(self.tmp / "sessions.db")
        try:
            return db.list_sessions(cwd=str(self.project)).sessions
        finally:
            db.close()


class HookedView(RichView):
    def __init__(self, console: Any, hook: Callable[[RunEvent], None] | None) -> None:
        super().__init__(console)
        self.hook = hook

    def render(self, event: RunEvent) -> None:
        super().render(event)
        if self.hook is not None:
            self.hook(event)


@pytest.fixture
def harness(tmp_path: Path, e2e_model: Callable[[], Any]) -> Iterator[Harness]:
    yield Harness(tmp_path, e2e_model)


def write(path: str, content: str = "hi") -> str:
    return "call " + json.dumps([{"name": "write_file",
                                  "args": {"file_path": path, "content": content}}])


def test_an_answer_is_rendered_as_markdown_with_the_context_used(harness: Harness) -> None:
    out = harness.run(["say some **bold** words"])
    assert "some bold words" in out and "**" not in out
    assert "context 110/100.0k tokens (0%) · 1 request" in out
    assert "cost unknown" in out  # A scripted model has no prices: never shown as $0.


def test_the_context_line_shows_a_known_cost_in_dollars() -> None:
    from agentica.events import Usage, UsageUpdated
    from agentica.terminal.view import context_line

    usage = Usage(input_tokens=900, output_tokens=300, requests=2, cost=0.00123)
    line = context_line(UsageUpdated(usage=usage, context_used=1200, context_size=128_000))
    assert line.endswith("· 2 requests · 900 in / 300 out · $0.0012")


def test_help_lists_the_servers_commands_and_the_chats_own(harness: Harness) -> None:
    out = harness.run(["/help"])
    for name in ("/model", "/mode", "/clear", "/compact", "/init", "/status",
                 "/new", "/sessions", "/resume", "/thinking", "/exit"):
        assert name in out


def test_a_double_slash_sends_the_text_to_the_model(harness: Harness) -> None:
    out = harness.run(["//say hi", "/nonsense"])
    assert "You said: /say hi" in out
    assert "Unknown command /nonsense" in out


def test_exit_stops_reading(harness: Harness) -> None:
    harness.run(["/exit", "say never"])
    assert harness.source is not None and harness.source.lines == ["say never"]


def test_ask_mode_asks_and_no_keeps_the_file_unwritten(harness: Harness) -> None:
    out = harness.run([write("a.txt")], ["n"])
    assert harness.source is not None and len(harness.source.asked) == 1
    assert "Allow Write a.txt?" in out.replace("`", "")
    assert not (harness.project / "a.txt").exists()


def test_always_allows_this_and_later_calls_and_is_stored(harness: Harness) -> None:
    harness.run([write("a.txt"), write("b.txt", "second")], ["a"])
    assert harness.source is not None and len(harness.source.asked) == 1
    assert (harness.project / "b.txt").read_text() == "second"
    assert harness.stored()[0].permissions == [["write_file", "edit", "allow"]]


def test_an_edit_shows_its_diff(harness: Harness) -> None:
    out = harness.run([write("a.txt", "brand new line")], ["y"])
    assert "+brand new line" in out
    assert (harness.project / "a.txt").read_text() == "brand new line"


def test_read_only_refuses_without_asking(harness: Harness) -> None:
    out = harness.run(["/mode read_only", write("a.txt")], [])
    assert harness.source is not None and harness.source.asked == []
    assert "Read only mode" in out and not (harness.project / "a.txt").exists()


def test_accept_edits_writes_without_asking_but_asks_for_commands(harness: Harness) -> None:
    run = "call " + json.dumps([{"name": "execute", "args": {"command": "echo ran"}}])
    harness.run([write("a.txt"), run], ["n"], mode="accept_edits")
    assert harness.source is not None and len(harness.source.asked) == 1
    assert (harness.project / "a.txt").exists()


def test_thinking_is_collapsed_and_shown_in_full_on_request(harness: Harness) -> None:
    out = harness.run(["say think about it", "/thinking"])
    assert "Thought for 3 words (/thinking to show)" in out
    assert out.count("Thinking it over.") == 1  # Only when asked.
    assert "Thinking is shown in full from now on." in out


def test_chats_are_stored_and_resumed_with_their_history(harness: Harness) -> None:
    harness.run(["say first answer", "/mode accept_edits"])
    [record] = harness.stored()
    assert (record.title, record.mode) == ("say first answer", "accept_edits")
    chat = harness.chat(["/status"])
    chat.resume(record)
    assert [m.role for m in chat.agent.messages] == ["user", "assistant"]
    assert chat.approver.mode == "accept_edits"
    chat.loop()
    out = harness.console.export_text()
    assert f"Resumed {record.id} (say first answer): 2 messages" in out
    assert record.id in out  # /status names the session.
    db = SessionDB(harness.tmp / "sessions.db")
    try:
        texts = [u["content"]["text"] for u in db.updates(record.id)]
    finally:
        db.close()
    assert texts == ["say first answer", "first answer"]  # /status is no turn.


def test_clear_forgets_the_conversation_in_the_store_too(harness: Harness) -> None:
    harness.run(["say one", "say two", "/clear"])
    [record] = harness.stored()
    db = SessionDB(harness.tmp / "sessions.db")
    try:
        assert db.messages(record.id) == []
    finally:
        db.close()


def test_model_switches_and_a_bad_one_is_refused(harness: Harness) -> None:
    chat = harness.chat(["/model demo", "/model nosuchprovider/x"])
    chat.loop()
    out = harness.console.export_text()
    assert "Model switched to demo" in out and "Model unchanged" in out
    assert chat.agent.model.name == "demo"


def test_ctrl_c_during_a_turn_cancels_it_and_the_chat_goes_on(harness: Harness) -> None:
    def interrupt_once(event: RunEvent) -> None:
        if isinstance(event, TextDelta) and event.text == "chunk0 ":
            signal.getsignal(signal.SIGINT)(signal.SIGINT, None)  # type: ignore[operator]

    chat = harness.chat(["slow", "say still here"], view_hook=interrupt_once)
    assert chat.loop() == 0
    out = harness.console.export_text()
    assert "[stopped: cancelled]" in out and "still here" in out
    assert [m.role for m in chat.agent.messages][-2:] == ["user", "assistant"]
    assert chat.agent.messages[-2].text == "say still here"
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # Restored.


def test_ctrl_c_twice_quickly_during_a_turn_quits(harness: Harness) -> None:
    def interrupt_twice(event: RunEvent) -> None:
        if isinstance(event, TextDelta) and event.text == "chunk0 ":
            handler: Any = signal.getsignal(signal.SIGINT)
            handler(signal.SIGINT, None)
            handler(signal.SIGINT, None)

    chat = harness.chat(["slow", "say never"], view_hook=interrupt_twice)
    assert chat.loop() == 0
    assert harness.source is not None and harness.source.lines == ["say never"]
    assert not chat.agent.is_running


def test_ctrl_c_at_the_prompt_warns_once_then_quits(harness: Harness) -> None:
    out = harness.run([KeyboardInterrupt(), "say between", KeyboardInterrupt(),
                       KeyboardInterrupt(), "say never"])
    assert "(Ctrl-C again or Ctrl-D to quit)" in out and "between" in out
    assert harness.source is not None and harness.source.lines == ["say never"]


def test_plain_mode_says_once_how_to_get_the_rich_ui(capsys: pytest.CaptureFixture[str]) -> None:
    view, source = make_io(plain=True)
    view.note("hello")
    out = capsys.readouterr().out
    assert out.count("pip install 'agentica[cli]'") == 1 and "hello" in out
    assert isinstance(source, PlainInput)


def test_a_trailing_backslash_continues_the_message(monkeypatch: pytest.MonkeyPatch) -> None:
    lines = iter(["first \\", "second \\", "third"])
    monkeypatch.setattr("builtins.input", lambda prompt="": next(lines))
    assert PlainInput().read("> ") == "first \nsecond \nthird"
    assert join_continued(["a\\", "b"]) == "a\nb"


def test_the_run_spinner_draws_on_a_terminal_and_clears_its_line() -> None:
    from agentica.terminal.run import Spinner

    stream = io.StringIO()
    spinner = Spinner(stream).start()
    import time

    time.sleep(0.4)
    spinner.stop()
    drawn = stream.getvalue()
    assert "\r| waiting for the model…" in drawn
    assert drawn.endswith("\r" + " " * len("waiting for the model") + "   \r")
