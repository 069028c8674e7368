"""``agentica run "prompt"`` (and agentica 1.5's ``agentica --query "..."``): for scripts.

The answer's text goes to stdout as it streams, plain; with ``--json`` every ``RunEvent``
goes to stdout as one JSON object a line (``{"type": "text_delta", ...}``, the event's
fields), and a failure adds a last ``{"type": "error", ...}`` line. The prompt is the
argument, or stdin when there is none or it is ``-``. Notes and errors go to stderr; on a
terminal a spinner (on stderr) shows until the first output.

Nobody can answer a question in a script, so ``run`` never asks: a call the mode would
ask about is refused, and the model is told how to allow it (``--mode accept_edits`` or
``full_access``). The default mode is the configured one (``ask``: edits and commands
are refused; reads and searches run).

Exit status:

====  =========================================================================
0     the run finished
1     the model failed (or could not be set up); the message is on stderr
2     a tool call failed and no later call of the same tool succeeded (a call
      refused by the mode is no failure: the model is told and answers)
3     the run stopped early: ``--max-turns`` reached, a token limit, a refusal
64    unusable flags or settings (nothing ran)
130   interrupted (Ctrl-C): the run was cancelled
141   stdout was closed by its reader (e.g. ``| head``): the run was cancelled
====  =========================================================================
"""

from __future__ import annotations

import json
import signal
import sys
import threading
from dataclasses import asdict
from typing import TYPE_CHECKING, Any, TextIO

from agentica import _startup
from agentica.modes import ModePolicy, ModeRefusal, mode_name

if TYPE_CHECKING:
    import argparse

    from agentica.tools.base import ApprovalDecision, ApprovalRequest

EXIT_OK, EXIT_MODEL, EXIT_TOOL, EXIT_STOPPED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 3, 64, 130
EXIT_PIPE = 141
"""stdout was closed by its reader (128 + SIGPIPE, as a shell reports it)."""


def _silence_stdout() -> None:
    """Point fd 1 at /dev/null so the interpreter's final flush cannot fail again."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


class ScriptApprover(ModePolicy):
    """Decides by the mode alone; what the mode would ask about is refused (no one to ask).

    ``refused`` collects the ids of the calls it refused (they are not tool failures).
    """

    def __init__(self, *, mode: str, roots: list[str]) -> None:
        super().__init__(mode=mode, roots=roots)
        self.refused: set[str] = set()

    async def __call__(self, request: ApprovalRequest) -> ApprovalDecision:
        try:
            decided = self.mode_decision(request)
        except ModeRefusal:
            self.refused.add(request.call_id)
            raise
        if decided is not None:
            return decided
        self.refused.add(request.call_id)
        raise ModeRefusal(
            f"Not run: `agentica run` cannot ask the user for approval, and its mode "
            f"({mode_name(self.mode)}) does not allow {request.tool_name} without asking. "
            "Do not retry it; tell the user, who can run again with `--mode accept_edits` "
            "(edits) or `--mode full_access` (edits and commands) to allow it."
        )


def build_parser(prog: str = "agentica run") -> argparse.ArgumentParser:
    """The ``agentica run`` command line."""
    import argparse

    from agentica.terminal.settings import add_common_flags

    class Help(argparse.HelpFormatter):
        # argparse makes a formatter for every flag added, and the default one imports
        # shutil (and with it bz2, lzma: ~3 ms of every start) to learn the terminal width.
        def __init__(self, prog: str, **kwargs: Any) -> None:
            kwargs.setdefault("width", _columns() - 2)
            super().__init__(prog, **kwargs)

    parser = argparse.ArgumentParser(
        prog=prog,
        formatter_class=Help,
        description="Answer one prompt and exit: the answer on stdout, notes on stderr.",
        epilog="Exit status: 0 finished, 1 model failure, 2 a tool call failed, 3 stopped "
        "early (max turns), 64 bad usage, 130 interrupted. Calls needing approval are "
        "refused (nobody can answer): allow them with --mode accept_edits or full_access.",
    )
    parser.add_argument("prompt", nargs="?", help="the prompt ('-' or none: read stdin)")
    parser.add_argument("--query", "-q", dest="query", help=argparse.SUPPRESS)
    parser.add_argument("--print", "-p", dest="print_", action="store_true",
                        help=argparse.SUPPRESS)  # agentica 1.5's flag: printing is the default
    parser.add_argument("--json", action="store_true",
                        help="write every event as one JSON line instead of the text")
    add_common_flags(parser)
    return parser


def _columns() -> int:
    """The terminal's width as ``shutil.get_terminal_size`` finds it (``$COLUMNS`` first)."""
    import os

    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns if columns > 0 else 80


def event_json(event: Any) -> str:
    """One event as a line of JSON (its dataclass fields; tuples become lists)."""
    return json.dumps(asdict(event), ensure_ascii=False, default=str)


class Spinner:
    """A spinner on a terminal's stderr until ``stop()`` (a daemon thread, no colours)."""

    FRAMES = "|/-\\"

    def __init__(self, stream: TextIO, label: str = "waiting for the model") -> None:
        self.stream = stream
        self.label = label
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._spin, daemon=True, name="agentica spinner")

    def start(self) -> Spinner:
        self._thread.start()
        return self

    def _spin(self) -> None:
        i = 0
        while not self._stop.wait(0.1 if i else 0.15):
            self.stream.write(f"\r{self.FRAMES[i % len(self.FRAMES)]} {self.label}…")
            self.stream.flush()
            i += 1
        if i:
            self.stream.write("\r" + " " * (len(self.label) + 3) + "\r")
            self.stream.flush()

    def stop(self) -> None:
        if not self._stop.is_set():
            self._stop.set()
            self._thread.join()


def read_prompt(prompt: str | None, stdin: TextIO) -> str | None:
    """The prompt: the argument, else stdin (not from a terminal: that would wait)."""
    if prompt is not None and prompt != "-":
        return prompt
    if prompt is None and stdin.isatty():
        return None
    return stdin.read()


def main(argv: list[str] | None = None, prog: str = "agentica run") -> int:
    """Run ``agentica run`` with ``argv``; returns the exit status."""
    from agentica.terminal.settings import SettingsError, resolve

    parser = build_parser(prog)
    try:
        args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    except SystemExit as e:
        return EXIT_OK if e.code in (0, None) else EXIT_USAGE
    if args.query is not None and args.prompt is None:
        args.prompt = args.query
    prompt = read_prompt(args.prompt, sys.stdin)
    if prompt is None or not prompt.strip():
        parser.print_usage(sys.stderr)
        sys.stderr.write(f"{prog}: error: give a prompt (an argument, or on stdin)\n")
        return EXIT_USAGE
    try:
        settings = resolve(args)
    except SettingsError as e:
        sys.stderr.write(f"{prog}: error: {e}\n")
        return EXIT_USAGE
    return Runner(settings, json_lines=args.json).run(prompt)


class Runner:
    """One scripted run: streams the events to stdout and decides the exit status."""

    def __init__(
        self,
        settings: Any,
        *,
        json_lines: bool = False,
        out: TextIO | None = None,
        err: TextIO | None = None,
    ) -> None:
        self.settings = settings
        self.json_lines = json_lines
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.failed: dict[str, str] = {}
        """Tool name -> error of its latest call, while no later call of it succeeded."""
        self.refused: list[str] = []
        """Tools whose calls the mode refused (noted on stderr at the end)."""
        self._interrupts = 0

    def run(self, prompt: str) -> int:
        from agentica.terminal.settings import build_agent

        spinner = None
        if not self.json_lines and self.err.isatty():
            spinner = Spinner(self.err).start()
        try:
            model = self.settings.make_model()
        except Exception as e:
            if spinner:
                spinner.stop()
            return self._error(e)
        approver = ScriptApprover(mode=self.settings.mode, roots=[self.settings.cwd])
        agent = build_agent(self.settings, model=model, approver=approver)
        previous = self._on_interrupt(agent)
        ended_line = True
        reason = None
        message_id = None
        try:
            for event in agent.run_stream_sync(prompt):
                _startup.resume()  # Started: what the first output needs is loaded.
                if spinner:
                    spinner.stop()
                    spinner = None
                if self.json_lines:
                    self.out.write(event_json(event) + "\n")
                    self.out.flush()
                elif event.type == "text_delta":
                    if message_id is not None and event.message_id != message_id:
                        self.out.write("\n" if ended_line else "\n\n")  # A new paragraph.
                    message_id = event.message_id
                    self.out.write(event.text)
                    self.out.flush()
                    ended_line = event.text.endswith("\n")
                if event.type == "tool_call_finished":
                    if event.status == "completed":
                        self.failed.pop(event.tool_name, None)
                    elif event.status == "failed" and event.call_id not in approver.refused:
                        self.failed[event.tool_name] = event.error or event.result
                    elif event.call_id in approver.refused:
                        self.refused.append(event.tool_name)
                elif event.type == "run_finished":
                    reason = event.stop_reason
        except KeyboardInterrupt:
            reason = "cancelled"
        except BrokenPipeError:  # The reader left (``| head``): stop quietly, as cat does.
            _silence_stdout()
            return EXIT_PIPE
        except Exception as e:
            if not ended_line:
                self.out.write("\n")
            return self._error(e)
        finally:
            if spinner:
                spinner.stop()
            if previous is not None:
                signal.signal(signal.SIGINT, previous)
        if not ended_line:
            self.out.write("\n")
        self.out.flush()
        return self._status(reason)

    def _status(self, reason: str | None) -> int:
        if self.refused:
            names = ", ".join(dict.fromkeys(self.refused))
            self._note(f"not allowed in mode {self.settings.mode} (refused): {names}")
        if reason == "cancelled":
            self._note("interrupted: the run was cancelled")
            return EXIT_INTERRUPTED
        if reason not in (None, "end_turn"):
            self._note(f"the run stopped early: {reason}")
            return EXIT_STOPPED
        if self.failed:
            for name, error in self.failed.items():
                first = (error or "").strip().splitlines()[:1] or ["failed"]
                self._note(f"tool {name} failed: {first[0]}")
            return EXIT_TOOL
        return EXIT_OK

    def _on_interrupt(self, agent: Any) -> Any:
        """Ctrl-C cancels the run (it ends as cancelled); a second one interrupts at once."""
        if threading.current_thread() is not threading.main_thread():
            return None

        def handler(signum: int, frame: Any) -> None:
            self._interrupts += 1
            if self._interrupts > 1:
                raise KeyboardInterrupt
            agent.cancel()

        return signal.signal(signal.SIGINT, handler)

    def _error(self, error: BaseException) -> int:
        from agentica.exceptions import AgenticaError

        message = str(error) if isinstance(error, AgenticaError) else repr(error)
        if self.json_lines:
            line = {"type": "error", "error": type(error).__name__, "message": str(error)}
            self.out.write(json.dumps(line, ensure_ascii=False) + "\n")
            self.out.flush()
        self._note(f"error: {message}")
        return EXIT_MODEL

    def _note(self, text: str) -> None:
        self.err.write(f"agentica: {text}\n")
        self.err.flush()


__all__ = [
    "EXIT_INTERRUPTED",
    "EXIT_MODEL",
    "EXIT_OK",
    "EXIT_PIPE",
    "EXIT_STOPPED",
    "EXIT_TOOL",
    "EXIT_USAGE",
    "Runner",
    "ScriptApprover",
    "Spinner",
    "build_parser",
    "event_json",
    "main",
    "read_prompt",
]
