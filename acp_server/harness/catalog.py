"""The list of conformance checks: id, level, spec items and a one-line description.

``acp-harness check --list`` prints it. The level decides what a failure means: a MUST
failure fails the run; a SHOULD failure is a warning (it fails the run only with
``--strict``). The spec items are the numbered conformance checks of the ACP agent
checklist that each check covers.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

# The prompts of a conformance run (here, not in checkbase: `acp-harness --help` shows
# them without importing the driver).
DEFAULT_PROMPT = "Say hello in one short sentence."
DEFAULT_SLOW_PROMPT = (
    "Take your time: list every file in this directory, read each one, and summarise them "
    "in detail."
)

DEFAULT_TERMINAL_PROMPT = (
    "Run the shell command `sleep 30` in a terminal and tell me when it finishes."
)

Level = Literal["MUST", "SHOULD"]


class CheckInfo(NamedTuple):  # Not a dataclass: `acp-harness --help` imports this module.
    """One check as listed by ``--list``."""

    id: str
    level: Level
    items: str
    """The checklist items it covers (for example ``"45"`` or ``"51-52"``)."""
    description: str

    @property
    def group(self) -> str:
        """The part of the id before the dot (what ``--only`` selects)."""
        return self.id.split(".", 1)[0]


_CATALOG = [
    CheckInfo(
        "transport.framing", "MUST", "1,3,4", "every stdout line is one JSON-RPC 2.0 message"
    ),
    CheckInfo("transport.clean-stdout", "MUST", "2", "nothing but protocol messages on stdout"),
    CheckInfo(
        "transport.quiet-before-init", "SHOULD", "2", "nothing sent before the initialize answer"
    ),
    CheckInfo("transport.eof", "SHOULD", "10", "the agent exits when stdin closes"),
    CheckInfo(
        "rpc.method-not-found", "MUST", "6", "unknown methods answer -32601 with the same id"
    ),
    CheckInfo("rpc.notifications", "MUST", "5,7,47,49", "notifications get no response"),
    CheckInfo("rpc.parse-error", "SHOULD", "8", "invalid JSON answers -32700, connection survives"),
    CheckInfo("rpc.invalid-request", "SHOULD", "8", "a non-object line answers -32600, survives"),
    CheckInfo("init.v1", "MUST", "3,11,13", "initialize negotiates protocol version 1"),
    CheckInfo("init.v99", "MUST", "12", "initialize with version 99 answers a supported version"),
    CheckInfo("init.shape", "MUST", "14-16", "initialize result matches the schema"),
    CheckInfo("init.agent-info", "SHOULD", "16", "initialize names the agent (agentInfo)"),
    CheckInfo("init.invalid-version", "SHOULD", "17", "a missing or string version is -32602"),
    CheckInfo("session.new", "MUST", "18-19", "session/new returns a unique session id"),
    CheckInfo("session.relative-cwd", "SHOULD", "18", "session/new rejects a relative cwd"),
    CheckInfo("session.meta", "MUST", "9", "a request carrying _meta is processed normally"),
    CheckInfo(
        "session.additional-dirs", "MUST", "24", "a relative additionalDirectories entry fails"
    ),
    CheckInfo("session.modes", "MUST", "21-23", "advertised modes and config options are valid"),
    CheckInfo(
        "session.load-unadvertised", "SHOULD", "26", "session/load without loadSession: -32601"
    ),
    CheckInfo(
        "session.gated", "SHOULD", "32", "unadvertised list/resume/close/delete/logout: -32601"
    ),
    CheckInfo("session.load", "MUST", "25", "session/load replays the history before answering"),
    CheckInfo("session.resume", "MUST", "27", "session/resume answers without replaying history"),
    CheckInfo("session.close", "MUST", "28", "session/close mid-turn: prompt ends cancelled, {}"),
    CheckInfo("session.list", "MUST", "29-30", "session/list returns sessions with absolute cwds"),
    CheckInfo("session.delete", "MUST", "31", "a deleted session leaves session/list"),
    CheckInfo("prompt.basic", "MUST", "33-34", "session/prompt ends the turn with a stop reason"),
    CheckInfo(
        "prompt.unknown-session", "SHOULD", "35", "a prompt on an unknown session is an error"
    ),
    CheckInfo("prompt.malformed", "SHOULD", "36", "a malformed prompt (a string) is -32602"),
    CheckInfo("prompt.text-without-text", "SHOULD", "36", "a text block without text is -32602"),
    CheckInfo("updates.schema", "MUST", "37-38,42-43,62-63", "session/update payloads are valid"),
    CheckInfo("updates.tool-calls", "MUST", "39,41", "tool calls announced once, absolute paths"),
    CheckInfo("updates.order", "MUST", "44", "no turn update arrives after the prompt response"),
    CheckInfo("cancel.prompt", "MUST", "45", "session/cancel ends the turn with cancelled"),
    CheckInfo("cancel.permission", "MUST", "46", "cancel during a permission: tool not run"),
    CheckInfo("cancel.request", "MUST", "48", "$/cancel_request of a prompt: exactly one answer"),
    CheckInfo("cancel.idle", "SHOULD", "47", "an idle session/cancel leaves the session usable"),
    CheckInfo("cancel.terminal", "MUST", "54", "cancel during a terminal command releases it"),
    CheckInfo("client.cancel-request", "MUST", "50", "the agent's $/cancel_request names its own"),
    CheckInfo("caps.gating", "MUST", "51-52", "no fs/terminal requests when not offered"),
    CheckInfo("caps.elicitation", "MUST", "56", "no elicitation/create when not offered"),
    CheckInfo("caps.unstable-updates", "MUST", "57", "no plan_update/compaction unless offered"),
    CheckInfo("client.requests", "MUST", "53-55,58", "agent->client requests are valid"),
    CheckInfo(
        "client.request-order", "SHOULD", "40", "requests for a tool call follow its tool_call"
    ),
    CheckInfo("client.terminal-release", "MUST", "54", "no terminal content after its release"),
    CheckInfo("permission.reject", "MUST", "59", "a rejected permission: the tool does not run"),
    CheckInfo("config.set", "MUST", "60-61", "set_config_option answers the whole set"),
    CheckInfo("modes.set", "SHOULD", "61", "set_mode switches; an unknown modeId is an error"),
    CheckInfo(
        "modes.own-change", "MUST", "62", "current_mode_update names an available mode"
    ),
    CheckInfo("auth.required", "SHOULD", "20", "session/new before authenticate answers -32000"),
    CheckInfo(
        "auth.authenticate", "MUST", "64", "authenticate answers {}; session/new then works"
    ),
    CheckInfo("auth.logout", "MUST", "66", "logout answers {}; session/new then needs a sign-in"),
    CheckInfo("auth.unknown-method", "SHOULD", "65", "authenticate with an unknown method fails"),
]

CATALOG: dict[str, CheckInfo] = {info.id: info for info in _CATALOG}
GROUPS: tuple[str, ...] = tuple(dict.fromkeys(info.group for info in _CATALOG))


def level_of(check_id: str) -> Level:
    """The level of a check (MUST for an id not in the catalog)."""
    info = CATALOG.get(check_id)
    return "MUST" if info is None else info.level


def rule_of(check_id: str) -> str:
    """``checklist item 45`` (or ``items 51-52``) for a check id; its description too."""
    info = CATALOG.get(check_id)
    return "unlisted check" if info is None else f"{_items(info.items)}: {info.description}"


def listing() -> str:
    """The ``--list`` text: one line per check."""
    width = max(len(i.id) for i in _CATALOG)
    return "\n".join(
        f"{i.id:<{width}}  {i.level:<6}  {i.description} ({_items(i.items)})" for i in _CATALOG
    )


def _items(items: str) -> str:
    plural = "," in items or "-" in items
    return f"checklist items {items}" if plural else f"checklist item {items}"
