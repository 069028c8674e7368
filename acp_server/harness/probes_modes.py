"""Probes of session modes and config options (spec §18.21-23, 18.60-61).

An agent that returns neither ``modes`` nor ``configOptions`` from ``session/new`` has
nothing to check: those probes are skipped with that reason. Each probe opens its own
session and puts back what it changed.
"""

from __future__ import annotations

from typing import Any

from .checkbase import (
    INVALID_PARAMS,
    CheckConfig,
    CheckRun,
    Probe,
    error_text,
    error_text_expecting,
    open_session,
)
from .driver import AcpHarness
from .errors import AgentRpcError
from .outcome import as_dict

UNKNOWN = "harness-no-such-id"
_REQUIRED = ("id", "name", "type", "currentValue")


def _trim(value: Any, limit: int = 160) -> str:
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _select_values(option: dict[str, Any]) -> list[Any]:
    """The values of a select option (flat or grouped ``options``)."""
    values = []
    for entry in option.get("options") or []:
        if not isinstance(entry, dict):
            continue
        if isinstance(entry.get("options"), list):  # A group.
            values += [o.get("value") for o in entry["options"] if isinstance(o, dict)]
        else:
            values.append(entry.get("value"))
    return values


def _problems(result: Any, boolean_ok: bool) -> list[str]:
    """What is wrong with the ``modes`` and ``configOptions`` of a session/new result."""
    problems = []
    modes = result.get("modes") if isinstance(result, dict) else None
    if modes is not None:
        available = modes.get("availableModes") if isinstance(modes, dict) else None
        if not isinstance(available, list):
            return ["modes.availableModes is not a list"]
        ids = [m.get("id") for m in available if isinstance(m, dict)]
        if len(ids) != len(available) or not all(
            isinstance(m.get("id"), str) and isinstance(m.get("name"), str) for m in available
        ):
            problems.append("every mode needs a string id and name")
        if modes.get("currentModeId") not in ids:
            problems.append(f"currentModeId {modes.get('currentModeId')!r} is not one of {ids}")
    for option in _options(result):
        oid = option.get("id")
        missing = [k for k in ("id", "name", "type", "currentValue") if k not in option]
        if missing:
            problems.append(f"config option {oid!r} lacks {', '.join(missing)}")
        if option.get("type") == "boolean" and not boolean_ok:
            problems.append(f"config option {oid!r} is boolean, not advertised by the client")
        if option.get("type", "select") == "select":
            values = _select_values(option)
            if option.get("currentValue") not in values:
                problems.append(
                    f"config option {oid!r}: currentValue {option.get('currentValue')!r} "
                    f"is not one of {values}"
                )
    return problems


def _options(result: Any) -> list[dict[str, Any]]:
    options = result.get("configOptions") if isinstance(result, dict) else None
    return [o for o in options or [] if isinstance(o, dict)]


async def session_modes(run: CheckRun, cfg: CheckConfig, h: AcpHarness, cwd: str) -> None:
    """§18.21-23: advertised modes and config options are well-formed."""
    pid, name = "session.modes", "advertised modes and config options are well-formed"
    sid = await open_session(run, h, pid, name, cwd)
    if sid is None:
        return
    result = h.last_session_result
    if not isinstance(result, dict) or ("modes" not in result and "configOptions" not in result):
        run.add("SKIP", pid, name, "session/new returned no modes and no configOptions")
        return
    boolean_ok = False  # The harness does not advertise session.configOptions.boolean.
    problems = _problems(result, boolean_ok)
    if problems:
        run.add("FAIL", pid, name, "; ".join(problems))
        return
    modes = result.get("modes") or {}
    count = len(modes.get("availableModes") or [])
    run.add(
        "PASS",
        pid,
        name,
        f"{count} modes (current {modes.get('currentModeId')!r}), "
        f"{len(_options(result))} config options",
    )


async def set_config_option(run: CheckRun, cfg: CheckConfig, h: AcpHarness, cwd: str) -> None:
    """§18.60-61: set_config_option returns the complete set; bad values are errors."""
    pid, name = "config.set", "set_config_option returns the whole set; a bad value is an error"
    sid = await open_session(run, h, pid, name, cwd)
    if sid is None:
        return
    options = _options(h.last_session_result)
    target = next(
        (
            o
            for o in options
            if o.get("type", "select") == "select" and len(set(_select_values(o))) > 1
        ),
        None,
    )
    if target is None:
        run.add("SKIP", pid, name, "no select config option with two or more values")
        return
    oid, old = target["id"], target.get("currentValue")
    new = next(v for v in _select_values(target) if v != old)
    params = {"sessionId": sid, "configId": oid}
    try:
        changed = await h.request("session/set_config_option", {**params, "value": new})
    except AgentRpcError as exc:
        run.add("FAIL", pid, name, f"setting {oid!r} to {new!r} answered {error_text(exc.error)}")
        return
    # The result is the complete set *now*: a switch (of model, say) may add or drop other
    # options, so it is not compared with the set before; it must hold the changed one.
    got = {o.get("id"): o for o in _options(changed)}
    incomplete = [
        f"config option {o.get('id')!r} lacks {', '.join(k for k in _REQUIRED if k not in o)}"
        for o in _options(changed)
        if any(k not in o for k in _REQUIRED)
    ]
    if oid not in got:
        incomplete.insert(0, f"the result lacks the option it changed, {oid!r}")
    if incomplete:
        run.add("FAIL", pid, name, f"{'; '.join(incomplete)}: {_trim(changed)}")
        return
    if got[oid].get("currentValue") != new:
        run.add("FAIL", pid, name, f"{oid!r} reads {got[oid].get('currentValue')!r}, not {new!r}")
        return
    bad = await h.request_message("session/set_config_option", {**params, "value": UNKNOWN})
    unknown = await h.request_message(
        "session/set_config_option", {"sessionId": sid, "configId": UNKNOWN, "value": new}
    )
    restored = await h.request_message("session/set_config_option", {**params, "value": old})
    for label, response in (("an unknown value", bad), ("an unknown configId", unknown)):
        err = response.get("error")
        if not isinstance(err, dict):
            accepted = f"{label} was accepted: {_trim(response.get('result'), 120)}"
            run.add("FAIL", pid, name, f"{accepted} (item 61: must be an error)", "SHOULD")
            return
    values = {o.get("id"): o.get("currentValue") for o in _options(restored.get("result"))}
    if values.get(oid) != old:
        run.add("FAIL", pid, name, f"could not set {oid!r} back to {old!r}: {restored}")
        return
    run.add(
        "PASS",
        pid,
        name,
        f"{oid!r}: {old!r} -> {new!r} -> {old!r}, complete set each time; a bad value "
        f"answered {error_text_expecting(bad['error'], INVALID_PARAMS)}",
    )


async def set_mode(run: CheckRun, cfg: CheckConfig, h: AcpHarness, cwd: str) -> None:
    """§18.61: session/set_mode switches to an advertised mode; an unknown one is an error."""
    pid, name = "modes.set", "set_mode switches modes; an unknown modeId is an error"
    sid = await open_session(run, h, pid, name, cwd)
    if sid is None:
        return
    modes = as_dict(h.last_session_result.get("modes"))
    available = modes.get("availableModes") or []
    ids = [m.get("id") for m in available if isinstance(m, dict)]
    if len(ids) < 2:
        run.add("SKIP", pid, name, "session/new advertised fewer than two modes")
        return
    old = modes.get("currentModeId")
    new = next(i for i in ids if i != old)
    try:
        result = await h.request("session/set_mode", {"sessionId": sid, "modeId": new})
    except AgentRpcError as exc:
        run.add("FAIL", pid, name, f"set_mode {new!r} answered {error_text(exc.error)}")
        return
    if not isinstance(result, dict):
        run.add("FAIL", pid, name, f"set_mode answered {result!r}, not an object")
        return
    bad = await h.request_message("session/set_mode", {"sessionId": sid, "modeId": UNKNOWN})
    await h.request_message("session/set_mode", {"sessionId": sid, "modeId": old})
    err = bad.get("error")
    if not isinstance(err, dict):
        run.add("FAIL", pid, name, f"an unknown modeId was accepted: {bad.get('result')!r}")
        return
    answered = error_text_expecting(err, INVALID_PARAMS)
    run.add("PASS", pid, name, f"{old!r} -> {new!r}; an unknown modeId answered {answered}")


def mode_probes() -> list[Probe]:
    """Probes for the main connection: modes and config options."""
    return [
        Probe(
            "session.modes", "advertised modes and config options are well-formed", session_modes
        ),
        Probe(
            "config.set",
            "set_config_option returns the whole set; a bad value is an error",
            set_config_option,
        ),
        Probe("modes.set", "set_mode switches modes; an unknown modeId is an error", set_mode),
    ]
