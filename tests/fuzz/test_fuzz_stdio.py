"""Fuzz one real server process over stdio with generated JSON-RPC traffic (hypothesis).

At least ``MESSAGES`` generated messages (lines, and the elements of batches) go to ONE
``python -m acp_server`` process: requests of every method with wrong-typed, huge and
deeply nested params, invalid envelopes and ids, notifications (some with ids), stray
responses, batches, truncated JSON and garbage bytes. Then:

- the process is alive;
- every request with a usable id got exactly one response, with its id (batch elements
  in one array), and every message that cannot name its request got exactly one
  ``id: null`` error; nothing else came back;
- every line the server wrote is valid JSON and validates against the ACP schema;
- a normal session (initialize, session/new, session/prompt) works afterwards.

The expected answer of each line follows JSON-RPC 2.0 alone (``expect()``), so this
checks the server against the protocol, not against itself.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "acp_server"))
sys.path.insert(0, str(HERE.parent))
from proc_util import alive  # noqa: E402
from schema_util import validate_agent_message  # noqa: E402

MESSAGES = int(os.environ.get("FUZZ_MESSAGES", "10000"))
"""Generated messages per run, at least."""

PER_EXAMPLE = 25
EXAMPLES = 40
"""Examples per round of generation; rounds go on until ``MESSAGES`` were sent."""

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
    method = method or draw(st.sampled_from(REQUEST_METHODS))
    msg: dict[str, Any] = {"jsonrpc": "2.0", "id": ID, "method": method}
    if draw(st.booleans()) or method in params_by_method:
        msg["params"] = draw(params_for(method))
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


def _strict(constant: str) -> Any:
    raise ValueError(f"non-standard JSON constant {constant}")


def _key(value: Any) -> tuple[str, Any]:
    return type(value).__name__, value


# --- the server --------------------------------------------------------------------------


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    received: list[Any] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    methods: dict[tuple[str, Any], str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    write_lock: threading.Lock = field(default_factory=threading.Lock)

    def send(self, data: bytes) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(data + b"\n")

    def flush(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.flush()

    def write(self, data: bytes) -> None:
        with self.write_lock:
            self.send(data)
            self.flush()

    def answer_agent_request(self, msg: dict[str, Any]) -> None:
        """Play the editor: reject permission requests (nothing runs), refuse the rest."""
        if msg["method"] == "session/request_permission":
            outcome = {"outcome": {"outcome": "selected", "optionId": "reject_once"}}
            answer: dict[str, Any] = {"jsonrpc": "2.0", "id": msg["id"], "result": outcome}
        else:
            error = {"code": -32601, "message": "not offered"}
            answer = {"jsonrpc": "2.0", "id": msg["id"], "error": error}
        self.write(json.dumps(answer).encode())

    def read_forever(self) -> None:
        assert self.process.stdout is not None
        for raw in self.process.stdout:
            try:
                msg = json.loads(raw, parse_constant=_strict)
            except ValueError as e:
                self.errors.append(f"not JSON: {raw[:200]!r}: {e}")
                continue
            for one in msg if isinstance(msg, list) else [msg]:
                try:
                    method = self.methods.get(_key(one.get("id")))
                    validate_agent_message(one, request_method=None if "method" in one else method)
                except Exception as e:
                    self.errors.append(f"invalid message {str(one)[:300]}: {str(e)[:300]}")
            if isinstance(msg, dict) and "method" in msg and "id" in msg:
                self.answer_agent_request(msg)
            with self.lock:
                self.received.append(msg)


@pytest.fixture
def server(tmp_path: Path):
    env = dict(os.environ)
    env.pop("AGENTICA_CONFIG", None)
    env.pop("AGENTICA_TEST_MODEL", None)
    env["XDG_CONFIG_HOME"] = str(tmp_path)
    log = open(os.environ.get("FUZZ_LOG", tmp_path / "server.log"), "wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "acp_server", "--model", "demo"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=log,
        cwd=tmp_path,
        env=env,
        start_new_session=True,
    )
    srv = Server(process)
    reader = threading.Thread(target=srv.read_forever, daemon=True)
    reader.start()
    try:
        yield srv
    finally:
        try:
            os.killpg(process.pid, 9)
        except ProcessLookupError:
            pass
        process.wait(10)
        reader.join(10)
        for pipe in (process.stdin, process.stdout):
            if pipe is not None:
                try:
                    pipe.close()
                except OSError:  # A broken pipe: its buffer could not be flushed.
                    pass
        log.close()


def _wait(srv: Server, done: Any, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with srv.lock:
            if done():
                return True
        time.sleep(0.02)
    return False


def _answers(received: list[Any]) -> list[tuple[Any, int]]:
    """(id, index of the line) of every response received."""
    out = []
    for n, msg in enumerate(received):
        for one in msg if isinstance(msg, list) else [msg]:
            if isinstance(one, dict) and "method" not in one:
                out.append((one.get("id"), n))
    return out


def test_fuzzed_traffic_keeps_the_server_alive_answering_and_valid(server: Server, tmp_path):
    expected: list[Any] = []
    batches: list[list[Any]] = []
    count = 0

    @settings(
        max_examples=EXAMPLES,
        phases=[Phase.generate],
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.lists(line(), min_size=PER_EXAMPLE, max_size=PER_EXAMPLE))
    def send_all(lines: list[tuple[str, Any]]) -> None:
        nonlocal count
        for kind, spec in lines + variants(lines):
            data, n = build(kind, spec)
            ids = expect(data)
            for i in ids:
                if i is not None:
                    try:
                        method = json.loads(data)
                    except ValueError:
                        method = None
                    for m in method if isinstance(method, list) else [method]:
                        if isinstance(m, dict) and m.get("id") == i and "method" in m:
                            server.methods[_key(i)] = m["method"]
            expected.extend(ids)
            if data.lstrip().startswith(b"[") and len([i for i in ids if i is not None]) > 1:
                batches.append([i for i in ids if i is not None])
            with server.write_lock:
                server.send(data)
            count += n
        with server.write_lock:
            server.flush()

    start = time.monotonic()
    while count < MESSAGES:
        send_all()
    generated = time.monotonic() - start

    def all_in() -> bool:
        return len(_answers(server.received)) >= len(expected)

    finished = _wait(server, all_in, 60)
    time.sleep(0.3)  # Anything extra would arrive now.
    elapsed = time.monotonic() - start
    assert alive(server.process.pid), "the server died"
    assert finished, f"only {len(_answers(server.received))} of {len(expected)} answers came"
    answers = _answers(server.received)
    got_ids = sorted((_key(i) for i, _ in answers if i is not None), key=repr)
    want_ids = sorted((_key(i) for i in expected if i is not None), key=repr)
    assert got_ids == want_ids
    nulls = sum(1 for i, _ in answers if i is None)
    assert nulls == sum(1 for i in expected if i is None)
    where = {_key(i): n for i, n in answers if i is not None}
    for batch in batches:
        assert len({where[_key(i)] for i in batch}) == 1, f"batch {batch} answered apart"
    assert not server.errors, server.errors[:5]
    print(f"fuzz: {count} messages, {len(expected)} answers, {elapsed:.1f}s ({generated:.1f}s)")

    # A normal session still works on the same process.
    project = tmp_path / "project"
    project.mkdir()
    steps = [
        ("initialize", {"protocolVersion": 1, "clientCapabilities": {}}),
        ("session/new", {"cwd": str(project), "mcpServers": []}),
    ]
    results: dict[str, Any] = {}
    for method, params in steps:
        rid = f"normal-{method}"
        server.methods[_key(rid)] = method
        server.write(
            json.dumps({"jsonrpc": "2.0", "id": rid, "method": method, "params": params}).encode()
        )
        assert _wait(
            server, lambda rid=rid: any(i == rid for i, _ in _answers(server.received)), 10
        )
        results[method] = next(
            m for m in server.received if isinstance(m, dict) and m.get("id") == rid
        )
    sid = results["session/new"]["result"]["sessionId"]
    server.methods[_key("normal-prompt")] = "session/prompt"
    prompt = {"sessionId": sid, "prompt": [{"type": "text", "text": "hello"}]}
    server.write(
        json.dumps(
            {"jsonrpc": "2.0", "id": "normal-prompt", "method": "session/prompt", "params": prompt}
        ).encode()
    )
    assert _wait(
        server, lambda: any(i == "normal-prompt" for i, _ in _answers(server.received)), 20
    )
    answer = next(
        m for m in server.received if isinstance(m, dict) and m.get("id") == "normal-prompt"
    )
    assert answer["result"]["stopReason"] == "end_turn"
    chunks = [
        m
        for m in server.received
        if isinstance(m, dict)
        and m.get("method") == "session/update"
        and m["params"]["sessionId"] == sid
        and m["params"]["update"]["sessionUpdate"] == "agent_message_chunk"
    ]
    assert chunks
    assert not server.errors, server.errors[:5]
