"""The real server process for the sign-in tests: one request at a time over its stdio.

``ServerProcess`` starts ``python -m acp_server`` with a clean model environment (no
provider keys, its own config file and agentica home), so "no model configured" means
exactly that; its stderr goes to a file the tests scan for secrets.
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from acp_server.auth import PROVIDER_KEY_ENVS

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "faults"))  # fault_http: the loopback model.

CLEARED = (*PROVIDER_KEY_ENVS, "AGENTICA_MODEL", "AGENTICA_CONFIG", "OPENAI_BASE_URL")


def clean_env(tmp: Path, **extra: str) -> dict[str, str]:
    """The environment of a server that has no model configured (plus ``extra``)."""
    env = {k: v for k, v in os.environ.items() if k not in CLEARED}
    env.update(
        PYTHONPATH=str(ROOT),
        AGENTICA_CONFIG=str(tmp / "acp.toml"),
        AGENTICA_HOME=str(tmp / "home"),
        XDG_CONFIG_HOME=str(tmp / "xdg"),
    )
    env.update(extra)
    return env


class ServerProcess:
    """``python -m acp_server ARGS`` answering one request at a time (see the module doc)."""

    def __init__(self, tmp: Path, *args: str, **env: str) -> None:
        self.stderr_path = tmp / f"stderr-{time.monotonic_ns()}.log"
        self._stderr = self.stderr_path.open("w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "acp_server", *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            env=clean_env(tmp, **env),
            start_new_session=True,
        )
        self._next = 0
        self._buffer = b""
        self.notifications: list[dict[str, Any]] = []

    def request(self, method: str, params: Any = None, timeout: float = 30.0) -> dict[str, Any]:
        """Send one request and return its response message (``result`` or ``error``)."""
        self._next += 1
        rid = self._next
        line = json.dumps({"jsonrpc": "2.0", "id": rid, "method": method, "params": params or {}})
        assert self.proc.stdin is not None
        self.proc.stdin.write(line.encode() + b"\n")
        self.proc.stdin.flush()
        deadline = time.monotonic() + timeout
        while True:
            message = self._read(deadline)
            if message.get("id") == rid and "method" not in message:
                return message
            if "method" in message and "id" in message:  # The agent asks us: allow it.
                self._answer(message)
            self.notifications.append(message)

    def _answer(self, message: dict[str, Any]) -> None:
        if message["method"] == "session/request_permission":
            options = message["params"]["options"]
            chosen = next(o for o in options if o["kind"].startswith("allow"))
            reply: dict[str, Any] = {
                "result": {"outcome": {"outcome": "selected", "optionId": chosen["optionId"]}}
            }
        else:
            reply = {"error": {"code": -32601, "message": "not offered"}}
        line = json.dumps({"jsonrpc": "2.0", "id": message["id"], **reply})
        assert self.proc.stdin is not None
        self.proc.stdin.write(line.encode() + b"\n")
        self.proc.stdin.flush()

    def _read(self, deadline: float) -> dict[str, Any]:
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        with selectors.DefaultSelector() as sel:
            sel.register(fd, selectors.EVENT_READ)
            while b"\n" not in self._buffer:
                left = deadline - time.monotonic()
                if left <= 0 or not sel.select(left):
                    raise TimeoutError("no answer from the server")
                chunk = os.read(fd, 65536)
                if not chunk:
                    raise EOFError(f"the server exited: {self.stderr()}")
                self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return json.loads(line)

    def initialize(self, **caps: Any) -> dict[str, Any]:
        """``initialize`` with these client capabilities; its result."""
        response = self.request("initialize", {"protocolVersion": 1, "clientCapabilities": caps})
        return response["result"]

    def stderr(self) -> str:
        """What the server wrote to stderr so far."""
        self._stderr.flush()
        return self.stderr_path.read_text()

    def close(self) -> None:
        """Close stdin and wait for the exit (kill its process group if it hangs)."""
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.close()
            self.proc.wait(10)
        except (subprocess.TimeoutExpired, OSError):
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)
        finally:
            assert self.proc.stdout is not None
            self.proc.stdout.close()
            self._stderr.close()

    def __enter__(self) -> ServerProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
