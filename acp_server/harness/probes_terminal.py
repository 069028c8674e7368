"""Cancel during a running terminal command (spec §18 item 54, under cancellation).

The harness asks for a long command (``cfg.terminal_prompt``), waits until the agent has
created a client terminal for it, sends ``session/cancel`` and then requires every
terminal created during that turn to be released soon after the turn ended.
"""

from __future__ import annotations

import anyio

from .checkbase import RACED, CheckConfig, CheckRun, Probe, error_text, open_session
from .driver import AcpHarness
from .errors import HarnessError
from .outcome import PromptOutcome

# The terminal manager keeps plain lists (no events), so the waits below poll them.
RELEASE_GRACE = 2.0
"""How long after the turn's end a terminal may still be released ("soon after")."""


async def cancel_terminal(run: CheckRun, cfg: CheckConfig, h: AcpHarness, cwd: str) -> None:
    """Cancel while the agent's terminal command runs: every terminal created is released."""
    pid, name = "cancel.terminal", "cancel during a terminal command releases every terminal"
    if h.client.terminals is None:
        run.add("SKIP", pid, name, "the client did not offer terminals on this connection")
        return
    sid = await open_session(run, h, pid, name, cwd)
    if sid is None:
        return
    terminals = h.client.terminals
    before = len(terminals.created)
    ended: list[PromptOutcome | HarnessError] = []
    done = anyio.Event()

    async def turn() -> None:
        try:
            ended.append(await h.prompt(sid, cfg.terminal_prompt, timeout=cfg.timeout * 3))
        except HarnessError as exc:
            ended.append(exc)
        finally:
            done.set()

    started = raced = False
    made: list[str] = []
    async with anyio.create_task_group() as tg:
        tg.start_soon(turn)
        with anyio.move_on_after(cfg.timeout):
            while len(terminals.created) == before and not done.is_set():  # noqa: ASYNC110
                await anyio.sleep(0.02)
        started = len(terminals.created) > before
        if started:
            # Let the command start (the harness answers terminal/create at once).
            await anyio.sleep(0.2)
        made = terminals.created[before:]
        # Inconclusive when nothing was running any more when the cancel went out.
        raced = done.is_set() or all(terminals.exit_status(t) is not None for t in made)
        await h.cancel(sid)
        with anyio.move_on_after(cfg.timeout * 3 + 1):
            await done.wait()
        tg.cancel_scope.cancel()
    if not started:
        run.add(
            "SKIP",
            pid,
            name,
            "the agent created no terminal during the turn (needs a model that runs "
            f"the command in {cfg.terminal_prompt!r} through terminal/create)",
        )
        return
    if started and raced:
        run.add(
            "SKIP",
            pid,
            name,
            f"the command or the turn ended before the cancel was sent ({RACED})",
        )
        return
    if not ended:
        ended.append(HarnessError("the turn did not end after session/cancel"))
    with anyio.move_on_after(RELEASE_GRACE):
        while set(made) - set(terminals.released):  # noqa: ASYNC110
            await anyio.sleep(0.05)
    _judge(run, pid, name, ended[0], made, set(made) - set(terminals.released))


def _judge(
    run: CheckRun,
    pid: str,
    name: str,
    ended: PromptOutcome | HarnessError,
    made: list[str],
    leaked: set[str],
) -> None:
    if isinstance(ended, HarnessError):
        run.add("FAIL", pid, name, f"after session/cancel during a terminal command: {ended}")
    elif leaked:
        run.add(
            "FAIL",
            pid,
            name,
            f"terminal(s) {sorted(leaked)} created during the turn were never released after "
            f"session/cancel (item 54: every terminal/create needs a terminal/release); the "
            f"turn ended {ended.stop_reason or error_text(ended.error)}",
        )
    else:
        run.add(
            "PASS",
            pid,
            name,
            f"cancelled while {len(made)} terminal(s) ran; all released; the turn ended "
            f"{ended.stop_reason or error_text(ended.error)}",
        )


def terminal_probes() -> list[Probe]:
    """Probes for the main connection that need the agent to run a command."""
    return [
        Probe(
            "cancel.terminal",
            "cancel during a terminal command releases every terminal",
            cancel_terminal,
        )
    ]
