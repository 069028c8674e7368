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
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "acp_server"))
sys.path.insert(0, str(HERE.parent))
from fuzz_messages import build, expect, key, line, strict, variants  # noqa: E402
from proc_util import alive  # noqa: E402
from schema_util import validate_agent_message  # noqa: E402

MESSAGES = int(os.environ.get("FUZZ_MESSAGES", "10000"))
"""Generated messages per run, at least."""

PER_EXAMPLE = 25
EXAMPLES = 40
"""Examples per round of generation; rounds go on until ``MESSAGES`` were sent."""


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
                msg = json.loads(raw, parse_constant=strict)
            except ValueError as e:
                self.errors.append(f"not JSON: {raw[:200]!r}: {e}")
                continue
            for one in msg if isinstance(msg, list) else [msg]:
                try:
                    method = self.methods.get(key(one.get("id")))
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
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
            HealthCheck.filter_too_much,
        ],
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
                            server.methods[key(i)] = m["method"]
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
    got_ids = sorted((key(i) for i, _ in answers if i is not None), key=repr)
    want_ids = sorted((key(i) for i in expected if i is not None), key=repr)
    assert got_ids == want_ids
    nulls = sum(1 for i, _ in answers if i is None)
    assert nulls == sum(1 for i in expected if i is None)
    where = {key(i): n for i, n in answers if i is not None}
    for batch in batches:
        assert len({where[key(i)] for i in batch}) == 1, f"batch {batch} answered apart"
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
        server.methods[key(rid)] = method
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
    server.methods[key("normal-prompt")] = "session/prompt"
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
