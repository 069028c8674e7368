"""The garbage collector paused while a command starts, resumed once it is running.

Starting ``agentica run`` imports some three hundred modules and defines thousands of
classes and functions: the collector ran about forty times on them (~9 ms) before the
first words of the answer, and found nothing to free (imports make no garbage cycles).
The ``agentica`` command pauses it for ``run``, and ``run`` resumes it at its first
event. Only what ``pause()`` paused is resumed: a collector disabled by its embedder
stays so.

Resuming freezes what is loaded by then (``gc.freeze()``): the modules, the agent and
its tools live as long as the run. Enabled over them, the collector's first pass would
walk all of them (10-25 ms here, before the first words), and walk them again each time
they move up a generation. ``release()``, when the command ends, unfreezes them, so a
program that called ``agentica.cli.main`` in-process gets its collector back as it was
(frozen objects are hidden from ``gc.get_referrers``, which libraries such as hypothesis
use).
"""

from __future__ import annotations

import gc

_paused = False
_frozen = False


def pause() -> None:
    """Disable the collector for the start (no-op when it is already disabled)."""
    global _paused
    if gc.isenabled():
        gc.disable()
        _paused = True


def resume() -> None:
    """Undo ``pause()``: freeze what is loaded so far, and enable the collector again."""
    global _paused, _frozen
    if _paused:
        _paused = False
        gc.freeze()
        _frozen = True
        gc.enable()


def release() -> None:
    """The command is over: enable the collector if it is still paused, and let it see
    what ``resume()`` froze."""
    global _paused, _frozen
    if _paused:
        _paused = False
        gc.enable()
    if _frozen:
        _frozen = False
        gc.unfreeze()


__all__ = ["pause", "release", "resume"]
