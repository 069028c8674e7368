"""``agentica doctor`` (and ``agentica-acp --check``): is this setup ready for an editor?

It prints, for a person in a terminal:

- the resolved settings, secrets masked, each with where it came from (``command line``,
  ``env VAR``, ``config file PATH``, ``[login] in PATH`` or ``default``);
- the model: one tiny request to its endpoint (``acp_server.endpoint``) and the verdict:
  no key, wrong key (401/403), unknown model (404), unreachable, or OK with the latency;
- each MCP server of the config file and whether it starts (initialize and list its
  tools, within ``--timeout`` seconds);
- the session store: where it is, whether it opens and passes SQLite's integrity check,
  how many sessions it holds;
- a numbered "what to fix" list.

Exit status 0 when nothing needs fixing, 1 otherwise, 2 for unusable flags.
"""

from __future__ import annotations

import logging
import sqlite3
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from typing import Any, TextIO

from acp_server import auth
from acp_server.config import ConfigError, ServerConfig, default_config_path, load_config
from acp_server.endpoint import Verdict, check_endpoint
from acp_server.model_settings import credential_overrides, model_options

MCP_TIMEOUT = 15.0
"""Default seconds each MCP server may take to start and list its tools."""

MODEL_TIMEOUT = 15.0
"""Default seconds the model's endpoint may take to answer the test request."""

_SECRET = ("api_key",)
_NOT_SHOWN = {"extra", "sources", "login", "config_file", "mcp_servers"}


def mask(secret: str) -> str:
    """``sk-…wxyz``: enough to tell two keys apart, not enough to use one."""
    if len(secret) < 12:
        return "***"
    return f"{secret[:3]}…{secret[-4:]}"


@dataclass
class Report:
    """What the doctor found: lines to print and things to fix."""

    out: TextIO
    fixes: list[str] = field(default_factory=list)

    def say(self, text: str = "") -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def item(self, ok: bool, text: str, fix: str | None = None) -> None:
        self.say(f"  {'ok ' if ok else 'BAD'} {text}")
        if not ok and fix:
            self.fixes.append(fix)


def show_config(report: Report, config: ServerConfig) -> None:
    """The settings, secrets masked, each with its origin."""
    path = config.config_file or str(default_config_path())
    state = "found" if config.config_file else "not found (optional)"
    report.say(f"Configuration (config file {path}: {state})")
    for f in fields(config):
        if f.name in _NOT_SHOWN:
            continue
        value = getattr(config, f.name)
        if f.name in _SECRET and value:
            value = mask(value)
        elif isinstance(value, list):
            value = ", ".join(map(str, value)) or "(none)"
        elif value is None:
            value = "(not set)"
        origin = config.sources.get(f.name, "default")
        report.say(f"  {f.name:<20} {value!s:<32} ({origin})")
    for name, value in auth.login_variables(config).items():
        shown = mask(value) if name.endswith("_KEY") else value
        report.say(f"  {name:<20} {shown:<32} ([login] in {config.config_file})")


def check_model(report: Report, config: ServerConfig, timeout: float) -> None:
    """One tiny request to the configured model's endpoint."""
    report.say("Model")
    spec = config.model
    if auth.needs_sign_in(config):
        report.item(
            False,
            "no model is configured (the editor will ask to sign in)",
            "give the server a model: run `agentica-acp --login`, or set e.g. "
            "AGENTICA_MODEL=deepseek/deepseek-chat and DEEPSEEK_API_KEY (or OPENAI_API_KEY), "
            f"or put `model = \"…\"` in {config.config_file or default_config_path()}",
        )
        return
    if auth.is_demo(spec):
        report.item(True, "the offline demo model (no endpoint to check)")
        return
    from agentica.models.registry import get_model

    try:
        model = get_model(
            spec, env_overrides=credential_overrides(config), **model_options(config)
        )
    except Exception as e:
        report.item(False, f"model {spec!r} cannot be set up: {e}", f"fix the model spec {spec!r}")
        return
    preset = getattr(model, "preset", None)
    provider = getattr(preset, "name", None) or spec.split("/", 1)[0]
    key = getattr(model, "api_key", None)
    if not key and preset is not None:
        key = preset.resolve_api_key(None)
    base_url = getattr(model, "base_url", None)
    verdict = check_endpoint(
        provider=provider,
        model=str(getattr(model, "id", None) or spec),
        base_url=base_url,
        api_key=key,
        needs_key=bool(getattr(preset, "needs_key", True)),
        timeout=timeout,
    )
    where = f"{spec} at {base_url or 'the provider default endpoint'}"
    report.item(verdict.ok, f"{where}: {verdict.text}", _model_fix(verdict, preset))


def _model_fix(verdict: Verdict, preset: Any) -> str:
    env = preset.key_envs[0] if preset is not None and preset.key_envs else "the key variable"
    url_env = getattr(preset, "base_url_env", None) or "the base URL setting"
    return {
        "no_key": f"set {env} (in the editor's env for this agent) or run `agentica-acp --login`",
        "wrong_key": f"replace the key ({env}, or run `agentica-acp --login` again)",
        "unknown_model": "check the model name (--model, AGENTICA_MODEL or `model` in the "
        f"config file) and the endpoint ({url_env})",
        "unreachable": f"check the endpoint URL ({url_env}, --base-url) and the network",
    }.get(verdict.kind, f"the model's endpoint failed: {verdict.text}")


async def _start_server(entry: dict[str, Any], timeout: float) -> tuple[bool, str]:
    import anyio

    from acp_server.mcp_tools import to_servers
    from agentica.mcp import MCPTools

    tools = MCPTools(to_servers([entry], None), startup_timeout=timeout)
    with anyio.fail_after(timeout + 5):  # Stopping it is bounded too.
        async with tools:
            failure = tools.failures.get(entry["name"])
            if failure:
                return False, failure
            count = len(tools.functions())
    return True, f"started, {count} tool{'s' if count != 1 else ''}"


def check_mcp(report: Report, config: ServerConfig, timeout: float) -> None:
    """Start each MCP server of the config file and list its tools."""
    report.say("MCP servers (config file)")
    if not config.mcp_servers:
        report.say("  (none configured)")
        return
    from acp_server.mcp_tools import available

    if not available():
        report.item(
            False,
            f"{len(config.mcp_servers)} configured, but the `mcp` package is not installed",
            "install the MCP extra: pip install 'agentica[mcp]'",
        )
        return
    import anyio

    for entry in config.mcp_servers:
        try:
            ok, text = anyio.run(_start_server, entry, timeout)
        except TimeoutError:
            ok, text = False, f"did not start within {timeout:g} s"
        except Exception as e:
            ok, text = False, f"{type(e).__name__}: {e}"
        report.item(ok, f"{entry['name']}: {text}", f"fix MCP server {entry['name']!r}: {text}")


def check_store(report: Report) -> None:
    """The session database: location, integrity, count (opened read-only)."""
    from agentica.sessions.records import default_db_path

    path = default_db_path()
    report.say("Session store")
    if not path.exists():
        report.item(True, f"{path}: not created yet (it is made on the first session)")
        return
    fix = f"move {path} away (sessions start afresh) or set AGENTICA_HOME elsewhere"
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5)
        try:
            status = conn.execute("PRAGMA integrity_check").fetchone()[0]
            count = conn.execute("SELECT count(*) FROM sessions").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error as e:
        report.item(False, f"{path}: cannot be used: {e}", fix)
        return
    if status != "ok":
        report.item(False, f"{path}: integrity check failed: {status}", fix)
        return
    report.item(True, f"{path}: integrity ok, {count} session{'s' if count != 1 else ''}")


def main(
    argv: Sequence[str] | None = None,
    *,
    prog: str = "agentica doctor",
    out: TextIO | None = None,
) -> int:
    """Check the setup (see the module doc); the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    mcp_timeout, model_timeout = MCP_TIMEOUT, MODEL_TIMEOUT
    if "--timeout" in argv:
        at = argv.index("--timeout")
        try:
            mcp_timeout = model_timeout = float(argv[at + 1])
        except (IndexError, ValueError):
            sys.stderr.write(f"{prog}: error: --timeout needs a number of seconds\n")
            return 2
        del argv[at : at + 2]
    if "-h" in argv or "--help" in argv:
        (out or sys.stdout).write(
            f"usage: {prog} [--timeout SECONDS] [server options]\n\n{__doc__}"
        )
        return 0
    # The report says what failed; the libraries' own warnings would only repeat it.
    logging.basicConfig(level=logging.CRITICAL, format="%(name)s: %(message)s")
    report = Report(out or sys.stdout)
    report.say(f"{prog}: checking the agentica ACP server's setup")
    try:
        config = load_config(argv, prog=prog)
    except ConfigError as e:
        report.item(False, f"the settings cannot be used: {e}", f"fix the settings: {e}")
        return _finish(report)
    auth.apply_login(config)
    show_config(report, config)
    check_model(report, config, model_timeout)
    check_mcp(report, config, mcp_timeout)
    check_store(report)
    return _finish(report)


def _finish(report: Report) -> int:
    if not report.fixes:
        report.say("All good: nothing to fix.")
        return 0
    report.say("What to fix")
    for i, fix in enumerate(report.fixes, 1):
        report.say(f"  {i}. {fix}")
    return 1


def login_or_check(argv: Sequence[str], *, prog: str = "agentica-acp") -> int:
    """``agentica-acp --login`` (``acp_server.login``) or ``--check`` (this doctor)."""
    rest = [a for a in argv if a not in ("--login", "--check")]
    if "--login" in argv:
        from acp_server.login import main as login

        return login(rest, prog=prog)
    return main(rest, prog=f"{prog} --check")


__all__ = ["MCP_TIMEOUT", "MODEL_TIMEOUT", "Report", "login_or_check", "main", "mask"]
