"""Generated JSON-RPC traffic for the stdio fuzz test, and what JSON-RPC 2.0 says each
line must get back (``expect``).

Strategies stay pure (hypothesis replays them): a request's id is the ``ID`` placeholder,
given a fresh unique value by ``build()`` when the line is sent.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

from hypothesis import strategies as st

REQUEST_METHODS = [
    "initialize",
    "authenticate",
    "session/new",
    "session/load",
    "session/prompt",
    "session/set_mode",
    "session/set_config_option",
    "session/list",
    "fs/read_text_file",
    "terminal/create",
    "no/such_method",
    "",
]
NOTIFICATION_METHODS = ["session/cancel", "$/cancel_request", "session/update", "x/unknown"]

_ids = itertools.count(1)
ID = "__fresh_id__"
"""Stands for a new unique id, given when the line is sent (strategies stay pure)."""


def fresh_id() -> int | str:
    n = next(_ids)
    return n if n % 2 else f"fz-{n}"


def with_ids(obj: Any) -> Any:
    """``obj`` with every ``ID`` placeholder replaced by a fresh id."""
    if obj == ID:
        return fresh_id()
    if isinstance(obj, list):
        return [with_ids(o) for o in obj]
    if isinstance(obj, dict):
        return {k: with_ids(v) for k, v in obj.items()}
    return obj


# --- strategies ------------------------------------------------------------------------

scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)
huge_strings = st.integers(2_000, 50_000).map(lambda n: "x" * n)
session_ids = st.sampled_from(["", "sess-1", "0", "../../etc"]) | st.text(max_size=20) | json_values


def _shaped(**fields: Any) -> st.SearchStrategy[dict[str, Any]]:
    """A params object with the real field names, each value fuzzed (or left out)."""
    return st.fixed_dictionaries({}, optional={k: v | json_values for k, v in fields.items()})


params_by_method: dict[str, st.SearchStrategy[Any]] = {
    "initialize": _shaped(
        protocolVersion=st.integers(-5, 5) | st.just(1),
        clientCapabilities=st.just({"fs": {"readTextFile": True}, "terminal": True}),
        clientInfo=st.just({"name": "fuzz", "version": "1"}),
    ),
    "session/new": _shaped(
        cwd=st.sampled_from(["relative", "", "/nonexistent/dir"]) | huge_strings,
        mcpServers=st.just([]) | st.lists(json_values, max_size=2),
        additionalDirectories=st.lists(st.text(max_size=20), max_size=2),
    ),
    "session/prompt": _shaped(
        sessionId=session_ids,
        prompt=st.just([{"type": "text", "text": "hi"}])
        | st.lists(st.fixed_dictionaries({"type": st.text(max_size=8), "text": st.text()})),
    ),
    "session/set_mode": _shaped(sessionId=session_ids, modeId=st.sampled_from(["ask", "x"])),
    "session/set_config_option": _shaped(
        sessionId=session_ids, configId=st.just("mode"), value=json_values
    ),
    "session/cancel": _shaped(sessionId=session_ids),
    "$/cancel_request": _shaped(requestId=json_values),
}


def params_for(method: str) -> st.SearchStrategy[Any]:
    shaped = params_by_method.get(method)
    base = json_values | st.dictionaries(st.text(max_size=5), huge_strings, max_size=1)
    return base if shaped is None else shaped | base


@st.composite
def request(draw: Any, method: str | None = None) -> dict[str, Any]:
    name: str = method or draw(st.sampled_from(REQUEST_METHODS))
    msg: dict[str, Any] = {"jsonrpc": "2.0", "id": ID, "method": name}
    if draw(st.booleans()) or name in params_by_method:
        msg["params"] = draw(params_for(name))
    return msg


@st.composite
def notification(draw: Any) -> dict[str, Any]:
    method = draw(st.sampled_from(NOTIFICATION_METHODS + REQUEST_METHODS))
    msg: dict[str, Any] = {"jsonrpc": "2.0", "method": method}
    if draw(st.booleans()):
        msg["params"] = draw(params_for(method))
    return msg


@st.composite
def notification_with_id(draw: Any) -> dict[str, Any]:
    """A notification-only method sent as a request: it must still be answered once."""
    return draw(request(draw(st.sampled_from(NOTIFICATION_METHODS))))


@st.composite
def stray_response(draw: Any) -> dict[str, Any]:
    msg: dict[str, Any] = {"jsonrpc": "2.0", "id": draw(scalars)}
    if draw(st.booleans()):
        msg["result"] = draw(json_values)
    else:
        msg["error"] = draw(
            st.fixed_dictionaries({"code": st.integers(), "message": st.text(max_size=20)})
            | json_values
        )
    return msg


@st.composite
def bad_envelope(draw: Any) -> dict[str, Any]:
    msg = draw(request())
    flaw = draw(st.sampled_from(["jsonrpc", "no-jsonrpc", "method", "params", "id", "extra"]))
    if flaw == "jsonrpc":
        msg["jsonrpc"] = draw(st.sampled_from(["1.0", "2", 2.0, None]))
    elif flaw == "no-jsonrpc":
        del msg["jsonrpc"]
    elif flaw == "method":
        msg["method"] = draw(st.integers() | st.none() | st.lists(st.text(), max_size=2))
    elif flaw == "params":
        msg["params"] = draw(scalars)
    elif flaw == "id":
        msg["id"] = draw(st.booleans() | st.lists(st.integers(), max_size=2) | st.just({}))
    else:
        msg[draw(st.text(min_size=1, max_size=8))] = draw(json_values)
    return msg


objects = (
    request()
    | request()
    | notification()
    | notification_with_id()
    | stray_response()
    | bad_envelope()
    | json_values
)


def _dump(obj: Any) -> bytes:
    return json.dumps(obj).encode()


@st.composite
def line(draw: Any) -> tuple[str, Any]:
    """One input line to build (``build``): its kind and what it is made of."""
    kind = draw(
        st.sampled_from(
            ["object"] * 40
            + ["batch"] * 8
            + ["truncated"] * 6
            + ["garbage"] * 6
            + ["deep"] * 3
            + ["huge"]
        )
    )
    if kind == "object":
        return kind, (draw(objects), draw(st.floats(0, 1)))
    if kind == "batch":
        return kind, draw(st.lists(objects, max_size=6))
    if kind == "truncated":
        return kind, (draw(request()), draw(st.floats(0, 1)))
    if kind == "garbage":
        return kind, draw(st.binary(min_size=1, max_size=300))
    if kind == "deep":
        return kind, draw(st.integers(1, 150) | st.integers(3_000, 20_000))
    return kind, draw(st.integers(50_000, 300_000))


def variants(lines: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """More lines from an example's objects: all of them in one batch, each one cut short,
    and each one without its id (a request turned notification)."""
    objs = [spec for kind, spec in lines if kind == "object"]
    out: list[tuple[str, Any]] = [("batch", [obj for obj, _ in objs])] if objs else []
    out += [("truncated", (obj, frac)) for obj, frac in objs if _dump(obj) != b"[]"]
    for obj, frac in objs:
        if isinstance(obj, dict) and "id" in obj:
            out.append(("object", ({k: v for k, v in obj.items() if k != "id"}, frac)))
    return out


def build(kind: str, spec: Any) -> tuple[bytes, int]:
    """The bytes of a line (ids given now) and the number of messages it carries."""
    if kind == "object":
        return _dump(with_ids(spec[0])), 1
    if kind == "batch":
        return _dump(with_ids(spec)), max(len(spec), 1)
    if kind == "truncated":
        msg, frac = spec
        data = _dump(with_ids(msg))
        return data[: max(1, int(frac * (len(data) - 1)))], 1
    if kind == "garbage":
        data = spec.replace(b"\n", b" ")
        return (data if data.strip() else b"\x00"), 1
    if kind == "deep":
        inner = "[" * spec + "]" * spec
        msg = '{"jsonrpc":"2.0","id":%s,"method":"session/new","params":{"cwd":%s}}'
        return (msg % (json.dumps(fresh_id()), inner)).encode(), 1
    msg = {"jsonrpc": "2.0", "id": fresh_id(), "method": "session/prompt"}
    msg["params"] = {"sessionId": "nope", "prompt": [{"type": "text", "text": "y" * spec}]}
    return _dump(msg), 1


# --- expectations (JSON-RPC 2.0) ---------------------------------------------------------


def _usable_id(value: Any) -> bool:
    return value is None or (isinstance(value, (str, int, float)) and not isinstance(value, bool))


def _expect_object(msg: Any) -> Any:
    """The id the answer to one parsed message carries; ``()`` when none is due."""
    if not isinstance(msg, dict):
        return None
    if "method" not in msg:
        if "id" in msg and ("result" in msg or "error" in msg):
            return ()  # A response: never answered.
        return msg.get("id") if _usable_id(msg.get("id")) else None
    if "id" not in msg:
        valid = (
            msg.get("jsonrpc") == "2.0"
            and isinstance(msg["method"], str)
            and ("params" not in msg or isinstance(msg["params"], dict | list))
        )
        return () if valid else None
    return msg["id"] if _usable_id(msg["id"]) else None


def expect(data: bytes) -> list[Any]:
    """The ids of the answers ``data`` must get (``None``: an ``id: null`` error)."""
    try:
        parsed = json.loads(data)
    except (ValueError, RecursionError):
        return [None]
    if isinstance(parsed, list):
        if not parsed:
            return [None]
        return [e for e in (_expect_object(m) for m in parsed) if e != ()]
    out = _expect_object(parsed)
    return [] if out == () else [out]


def strict(constant: str) -> Any:
    """``parse_constant`` of a strict JSON reader: NaN and Infinity are not JSON."""
    raise ValueError(f"non-standard JSON constant {constant}")


def key(value: Any) -> tuple[str, Any]:
    """A dict key telling ids ``1`` and ``"1"`` apart."""
    return type(value).__name__, value
