"""First prompt vs later prompts: time to the first ``agent_message_chunk``.

The server runs a real OpenAI-compatible model (``--model openai/...``) against a
loopback HTTP server that streams its answer at once, so the figures are the server's
own: the warm-up after ``initialize`` (heavy imports, the model client) must make the
first prompt as quick as later ones. Each round spawns a fresh server, sends
``initialize`` and ``session/new``, then prompts ``--prompts`` times in a row:

- first prompt: ``session/prompt`` sent -> first chunk read (target: within 20 ms of
  a later prompt's);
- later prompt: the same for the prompts after it (median);
- our own time: of a later prompt's, what is not the model's: ``session/prompt`` sent
  -> the model got the request, plus the model's first chunk sent -> read by the client
  (target < 10 ms).

    python benchmarks/bench_acp_first_prompt.py [--rounds 5] [--prompts 5]
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from report import Figure, report

ROOT = Path(__file__).resolve().parents[1]


class ModelServer(ThreadingHTTPServer):
    """A loopback Chat Completions endpoint streaming a short answer at once."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[tuple[float, float]] = []
        """Per request: (perf_counter when it arrived, when its first chunk was sent)."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: ModelServer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass

    def setup(self) -> None:
        super().setup()
        # Small SSE writes must go out at once (no Nagle wait for the client's delayed ACK).
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _chunk(self, data: dict[str, Any] | str) -> None:
        text = data if isinstance(data, str) else json.dumps(data)
        body = f"data: {text}\n\n".encode()
        self.wfile.write(f"{len(body):x}\r\n".encode() + body + b"\r\n")
        self.wfile.flush()

    def do_POST(self) -> None:
        arrived = time.perf_counter()
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        base = {"id": "c1", "object": "chat.completion.chunk", "created": 0, "model": "bench"}
        for i, word in enumerate(["Hello", " there", "."]):
            delta = {"role": "assistant", "content": word} if i == 0 else {"content": word}
            self._chunk({**base, "choices": [{"index": 0, "delta": delta, "finish_reason": None}]})
            if i == 0:
                self.server.requests.append((arrived, time.perf_counter()))
        self._chunk({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
        self._chunk("[DONE]")
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()


class Server:
    """``python -m acp_server`` on pipes; a reader thread timestamps every line."""

    def __init__(self, port: int, cwd: str) -> None:
        env = {**os.environ, "XDG_CONFIG_HOME": cwd, "PYTHONPATH": str(ROOT)}
        for name in ("AGENTICA_CONFIG", "OPENAI_API_KEY", "OPENAI_BASE_URL"):
            env.pop(name, None)
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "acp_server",
                "--model",
                "openai/bench-model",
                "--base-url",
                f"http://127.0.0.1:{port}/v1",
                "--api-key",
                "sk-bench",
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            cwd=cwd,
        )
        self.lines: queue.Queue[tuple[float, dict[str, Any]]] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.ids = 0

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put((time.perf_counter(), json.loads(line)))

    def send(self, method: str, params: dict[str, Any]) -> tuple[int, float]:
        self.ids += 1
        message = {"jsonrpc": "2.0", "id": self.ids, "method": method, "params": params}
        assert self.process.stdin is not None
        sent = time.perf_counter()
        self.process.stdin.write(json.dumps(message).encode() + b"\n")
        self.process.stdin.flush()
        return self.ids, sent

    def until(self, pred: Any) -> tuple[float, dict[str, Any]]:
        while True:
            at, msg = self.lines.get(timeout=30)
            if pred(msg):
                return at, msg

    def call(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        rid, _ = self.send(method, params)
        _, msg = self.until(lambda m: m.get("id") == rid and "method" not in m)
        if "result" not in msg:
            raise RuntimeError(f"{method} failed: {msg}")
        return msg["result"]

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def one_round(model: ModelServer, prompts: int) -> tuple[float, list[float], list[float]]:
    """First prompt's time to first chunk, later prompts' ones, and our own time of each."""
    with tempfile.TemporaryDirectory() as cwd:
        server = Server(model.server_address[1], cwd)
        try:
            server.call("initialize", {"protocolVersion": 1, "clientCapabilities": {}})
            sid = server.call("session/new", {"cwd": cwd, "mcpServers": []})["sessionId"]
            times, ours = [], []
            for _ in range(prompts):
                model.requests.clear()
                params = {"sessionId": sid, "prompt": [{"type": "text", "text": "hi"}]}
                rid, sent = server.send("session/prompt", params)
                at, _ = server.until(
                    lambda m: (
                        m.get("method") == "session/update"
                        and m["params"]["update"]["sessionUpdate"] == "agent_message_chunk"
                    )
                )
                server.until(lambda m, rid=rid: m.get("id") == rid and "method" not in m)
                arrived, first_sent = model.requests[0]
                times.append(at - sent)
                ours.append((arrived - sent) + (at - first_sent))
        finally:
            server.close()
    return times[0], times[1:], ours[1:]


def main() -> None:
    """Run the rounds and report the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--prompts", type=int, default=5)
    args = parser.parse_args()
    model = ModelServer()
    threading.Thread(target=model.serve_forever, daemon=True).start()
    firsts, laters, ours = [], [], []
    try:
        one_round(model, 2)  # Warm the OS caches.
        for _ in range(args.rounds):
            first, later, own = one_round(model, args.prompts)
            firsts.append(first)
            laters.append(statistics.median(later))
            ours.extend(own)
    finally:
        model.shutdown()
    first_ms = statistics.median(firsts) * 1000
    later_ms = statistics.median(laters) * 1000
    report(
        [
            Figure("first prompt: time to first chunk", first_ms, "ms"),
            Figure("later prompt: time to first chunk", later_ms, "ms"),
            Figure(
                "first prompt's extra wait over a later one",
                first_ms - later_ms,
                "ms",
                target=20,
                note=f"median of {args.rounds} fresh servers",
            ),
            Figure(
                "our time: session/prompt -> first chunk",
                statistics.median(ours) * 1000,
                "ms",
                target=10,
                note="loopback model's own time excluded",
            ),
        ]
    )


if __name__ == "__main__":
    main()
