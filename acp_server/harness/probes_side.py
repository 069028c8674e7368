"""Probes of the two side connections of a run (spec §18.17 and the shutdown rule).

The gating connection offers neither fs nor terminal and checks that a full turn uses
neither. The version connection first sends invalid ``initialize`` requests, then one
with an unsupported version, then closes stdin and waits for the agent to exit.
"""

from __future__ import annotations

from typing import Any

import anyio

from .checkbase import (
    INVALID_PARAMS,
    CheckConfig,
    CheckRun,
    Probe,
    error_text,
    error_text_expecting,
)
from .driver import AcpHarness
from .errors import HarnessTimeout


def gating_probe() -> Probe:
    """A full turn with fs and terminal off: the agent must not call them."""

    async def gating(run: CheckRun, cfg: CheckConfig, h: AcpHarness, cwd: str) -> None:
        pid, name = "caps.gating", "no fs/terminal requests when the client does not offer them"
        await h.initialize(1, timeout=cfg.startup_timeout)
        sid = await h.new_session(cwd)
        try:
            outcome = await h.prompt(sid, cfg.prompt, timeout=cfg.timeout)
        except HarnessTimeout as exc:
            run.add("SKIP", pid, name, f"the turn did not finish: {exc}")
            return
        gated = [
            str(m.get("method"))
            for e in h.transcript
            if e.direction == "recv"
            and isinstance(m := e.message, dict)
            and str(m.get("method", "")).startswith(("fs/", "terminal/"))
        ]
        if gated:
            run.add(
                "FAIL",
                pid,
                name,
                f"with fs and terminal off the agent still called {sorted(set(gated))}",
            )
        else:
            run.add(
                "PASS",
                pid,
                name,
                f"a full turn ({outcome.stop_reason or error_text(outcome.error)}) with fs and "
                "terminal off made no fs/* or terminal/* request",
            )

    return Probe(
        "caps.gating", "no fs/terminal requests when the client does not offer them", gating
    )


EOF_EXIT_LIMIT = 1.0
"""Seconds an agent should take to exit once stdin is closed."""


def version_probe() -> list[Probe]:
    """Version negotiation with an unsupported version, then shutdown on stdin EOF."""

    async def v99(run: CheckRun, cfg: CheckConfig, h: AcpHarness, cwd: str) -> str | None:
        pid, name = "init.v99", "initialize with version 99 answers a supported version"
        response = await h.request_message(
            "initialize",
            {
                "protocolVersion": 99,
                "clientCapabilities": h.client.capabilities(),
                "clientInfo": {"name": "acp-harness", "version": "0.1.0"},
            },
            timeout=cfg.startup_timeout,
        )
        result = response.get("result")
        version = result.get("protocolVersion") if isinstance(result, dict) else None
        if "error" in response:
            run.add(
                "FAIL", pid, name, f"answered {error_text(response['error'])} instead of a version"
            )
        elif type(version) is int and 0 <= version < 99:
            run.add("PASS", pid, name, f"asked for 99, answered protocolVersion {version}")
        else:
            run.add("FAIL", pid, name, f"asked for 99, answered protocolVersion {version!r}")
        return None

    async def eof(run: CheckRun, cfg: CheckConfig, h: AcpHarness, cwd: str) -> None:
        pid, name = "transport.eof", "the agent exits when stdin closes"
        assert h.process is not None
        start = anyio.current_time()
        await h.process.close_stdin()
        with anyio.move_on_after(5.0):
            code = await h.process.wait()
            took = anyio.current_time() - start
            if took > EOF_EXIT_LIMIT:  # An editor closing the agent waits on it.
                run.add(
                    "FAIL", pid, name,
                    f"exited with status {code} but {took:.2f} s after stdin EOF "
                    f"(over {EOF_EXIT_LIMIT:g} s)",
                )  # fmt: skip
                return
            run.add("PASS", pid, name, f"exited with status {code} {took:.2f} s after stdin EOF")
            return
        run.add("FAIL", pid, name, "still running 5s after stdin was closed")

    return [
        Probe("init.v99", "initialize with version 99 answers a supported version", v99),
        Probe("transport.eof", "the agent exits when stdin closes", eof),
    ]


async def invalid_version(run: CheckRun, cfg: CheckConfig, h: AcpHarness, cwd: str) -> None:
    """§18.17: ``initialize`` without ``protocolVersion``, or with a string, is rejected."""
    pid, name = "init.invalid-version", "initialize with a missing or string version is an error"
    verdicts = []
    for label, version in (("missing", None), ("string", "1.0.0")):
        params: dict[str, Any] = {
            "clientCapabilities": h.client.capabilities(),
            "clientInfo": {"name": "acp-harness", "version": "0.1.0"},
        }
        if version is not None:
            params["protocolVersion"] = version
        response = await h.request_message("initialize", params, timeout=cfg.startup_timeout)
        err = response.get("error")
        if err is None:
            run.add(
                "FAIL",
                pid,
                name,
                f"accepted initialize with a {label} protocolVersion: "
                f"{str(response.get('result'))[:100]}",
            )
            return
        verdicts.append(f"{label}: {error_text_expecting(err, INVALID_PARAMS)}")
    run.add("PASS", pid, name, "; ".join(verdicts))


def invalid_version_probe() -> Probe:
    """For the version connection, before its real ``initialize``."""
    return Probe(
        "init.invalid-version",
        "initialize with a missing or string version is an error",
        invalid_version,
    )
