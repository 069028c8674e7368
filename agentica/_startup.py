"""The garbage collector paused while a command starts, resumed once it is running.

Starting ``agentica run`` imports some three hundred modules and defines thousands of
classes and functions: the collector ran about forty times on them (~9 ms) before the
first words of the answer, and found nothing to free (imports make no garbage cycles).
The ``agentica`` command pauses it for ``run``, and ``run`` resumes it at its first
event. Only what ``pause()`` paused is resumed: a collector disabled by its embedder
stays so. (``gc.freeze()`` is not used: it hides the loaded objects from
``gc.get_referrers``, which libraries such as hypothesis rely on.)
"""

from __future__ import annotations

import gc

_paused = False


def pause() -> None:
    """Disable the collector for the start (no-op when it is already disabled)."""
    global _paused
    if gc.isenabled():
        gc.disable()
        _paused = True


def resume() -> None:
    """Undo ``pause()``: enable the collector again."""
    global _paused
    if _paused:
        _paused = False
        gc.enable()


__all__ = ["pause", "resume"]
