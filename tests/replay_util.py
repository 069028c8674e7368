"""What a ``session/load`` replay of a stored session shows, for comparing with a turn."""

from __future__ import annotations

from typing import Any

from acp_server.recorder import REPLAYED


def replayable(updates: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The replayable updates, the text chunks of one message joined (as the store keeps
    them), so a turn's live updates compare equal to their replay."""
    out: list[dict[str, Any]] = []
    for u in updates:
        if u["sessionUpdate"] not in REPLAYED:
            continue
        last = out[-1] if out else None
        if (
            last is not None
            and "content" in u
            and u["sessionUpdate"].endswith("_chunk")
            and last["sessionUpdate"] == u["sessionUpdate"]
            and last.get("messageId") == u.get("messageId")
        ):
            text = last["content"]["text"] + u["content"]["text"]
            out[-1] = {**last, "content": {**last["content"], "text": text}}
        else:
            out.append(u)
    return out
