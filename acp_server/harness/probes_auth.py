"""Authentication probes (checklist items 20, 64 and 66), run before the main connection's
first session: ``auth.required``, ``auth.authenticate`` (which also signs the connection
in, so the session probes after it can run) and ``auth.logout``.

Only ``agent``-type methods are tried: a ``terminal`` method needs a person at a
terminal, and one an agent answers with an error or not at all within the timeout (a
browser sign-in, say) is reported as not runnable headlessly, never as a fault.
"""

from __future__ import annotations

from typing import Any

from .checkbase import CheckConfig, CheckRun, Probe, error_text
from .driver import AcpHarness, agent_auth_methods
from .errors import HarnessTimeout
from .outcome import Message, as_dict

AUTH_REQUIRED = -32000


def _trim(value: Any, limit: int = 160) -> str:
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _code(response: Message) -> Any:
    return as_dict(response.get("error")).get("code")


def logout_advertised(h: AcpHarness) -> bool:
    """Whether ``agentCapabilities.auth.logout`` is an object (``{}``)."""
    caps = as_dict(as_dict(h.init_result).get("agentCapabilities"))
    return isinstance(as_dict(caps.get("auth")).get("logout"), dict)


async def _new_session(h: AcpHarness, cwd: str) -> Message:
    """A raw ``session/new``; a session it opens is registered (its updates are expected)."""
    response = await h.request_message("session/new", {"cwd": cwd, "mcpServers": []})
    sid = as_dict(response.get("result")).get("sessionId")
    if isinstance(sid, str):
        h.client.session_cwds[sid] = cwd
    return response


def auth_probes() -> list[Probe]:
    """The three probes, sharing what they learnt (whether sign-in is required)."""
    state: dict[str, Any] = {}

    async def required(run: CheckRun, cfg: CheckConfig, h: AcpHarness, cwd: str) -> None:
        pid, name = "auth.required", "session/new before authenticate answers -32000"
        if not as_dict(h.init_result).get("authMethods"):
            run.add("SKIP", pid, name, "the agent does not advertise authMethods")
            return
        response = await _new_session(h, cwd)
        if "error" not in response:
            state["optional"] = True
            run.add(
                "SKIP",
                pid,
                name,
                "session/new succeeded before authenticate: this agent does not require "
                "authentication",
            )
        elif _code(response) == AUTH_REQUIRED:
            state["required"] = AUTH_REQUIRED
            run.add("PASS", pid, name, "session/new before authenticate answered -32000")
        else:
            state["required"] = _code(response)  # Required; the code is this check's fault.
            run.add(
                "FAIL",
                pid,
                name,
                f"session/new before authenticate answered {error_text(response['error'])} "
                f"(-32000 auth_required expected)",
            )

    async def authenticate(run: CheckRun, cfg: CheckConfig, h: AcpHarness, cwd: str) -> None:
        pid, name = "auth.authenticate", "authenticate, then session/new is not -32000"
        methods = agent_auth_methods(h.init_result)
        if not methods:
            listed = as_dict(h.init_result).get("authMethods")
            why = (
                "the agent advertises only terminal auth methods (they need a person)"
                if listed
                else "the agent does not advertise authMethods"
            )
            run.add("SKIP", pid, name, why)
            return
        refused: list[str] = []
        for method in methods:
            mid = method["id"]
            try:
                response = await h.request_message(
                    "authenticate", {"methodId": mid}, timeout=cfg.timeout
                )
            except HarnessTimeout:
                refused.append(f"{mid!r}: no answer within {cfg.timeout:g}s")
                continue
            if "error" in response:
                refused.append(f"{mid!r}: {error_text(response['error'])}")
                continue
            h.auth_method = mid
            result = response.get("result")
            if not isinstance(result, dict):
                run.add("FAIL", pid, name, f"authenticate {mid!r} answered {result!r}, not {{}}")
                return
            after = await _new_session(h, cwd)
            if _code(after) == AUTH_REQUIRED:
                run.add(
                    "FAIL",
                    pid,
                    name,
                    f"authenticate {mid!r} succeeded, yet session/new answered "
                    f"{error_text(after['error'])}",
                )
                return
            note = f" ({len(refused)} other method(s) need a person: {'; '.join(refused)})"
            run.add(
                "PASS",
                pid,
                name,
                _trim(f"authenticate {mid!r} answered {{}}; session/new then "
                      f"{'failed otherwise' if 'error' in after else 'succeeded'}"
                      f"{note if refused else ''}", 300),
            )
            return
        run.add(
            "SKIP",
            pid,
            name,
            _trim(f"no agent method signed in headlessly (they may need a person): "
                  f"{'; '.join(refused)}", 300),
        )

    async def logout(run: CheckRun, cfg: CheckConfig, h: AcpHarness, cwd: str) -> None:
        pid, name = "auth.logout", "logout answers {}; then session/new needs authenticate"
        if not logout_advertised(h):
            run.add("SKIP", pid, name, "the agent does not advertise agentCapabilities.auth.logout")
            return
        response = await h.request_message("logout", {})
        if "error" in response:
            got = error_text(response["error"])
            run.add("FAIL", pid, name, f"logout (advertised) answered {got}")
            return
        result = response.get("result")
        if not isinstance(result, dict):
            run.add("FAIL", pid, name, f"logout answered {_trim(result)!s}, not an object")
            return
        after = await _new_session(h, cwd)
        if h.auth_method is not None:  # Sign in again for the probes that follow.
            await h.request_message("authenticate", {"methodId": h.auth_method})
        if "required" not in state:
            run.add(
                "PASS",
                pid,
                name,
                "logout answered {} (the agent did not require authentication, so session/new "
                "may still succeed)",
            )
        elif "error" in after and _code(after) in (AUTH_REQUIRED, state["required"]):
            got = error_text(after["error"])
            run.add("PASS", pid, name, f"logout answered {{}}; session/new then answered {got}")
        else:
            got = error_text(after["error"]) if "error" in after else "a session"
            run.add(
                "FAIL",
                pid,
                name,
                f"after logout, session/new answered {got} (-32000 expected: the agent "
                "required authentication before)",
            )

    return [
        Probe("auth.required", "session/new before authenticate answers -32000", required),
        Probe(
            "auth.authenticate", "authenticate, then session/new is not -32000", authenticate
        ),
        Probe("auth.logout", "logout answers {}; then session/new needs authenticate", logout),
    ]


__all__ = ["auth_probes", "logout_advertised"]
