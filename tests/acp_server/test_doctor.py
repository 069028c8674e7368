"""``agentica doctor`` / ``agentica-acp --check``: readable verdicts; 0 only when all is well."""

from __future__ import annotations

import io
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from auth_util import CLEARED, ROOT, clean_env
from fault_http import FaultServer, Status

from acp_server.doctor import main, mask
from acp_server.login import store_login

KEY = "sk-doctor-0123456789abcdef"
MCP_SERVER = ROOT / "tests" / "mcp" / "mcp_test_server.py"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A clean model environment; returns the config file path (not created)."""
    for name in CLEARED:
        monkeypatch.delenv(name, raising=False)
    path = tmp_path / "acp.toml"
    monkeypatch.setenv("AGENTICA_CONFIG", str(path))
    monkeypatch.setenv("AGENTICA_HOME", str(tmp_path / "home"))
    return path


def _doctor(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(["--timeout", "20", *argv], out=out)
    return code, out.getvalue()


def _config(path: Path, url: str, extra: str = "") -> None:
    path.write_text(f'model = "openai/gpt-4o-mini"\nbase_url = "{url}"\napi_key = "{KEY}"\n{extra}')


def test_all_good_with_masked_secrets_and_their_origins(env: Path) -> None:
    with FaultServer() as fake:
        _config(env, fake.url)
        code, out = _doctor("--max-turns", "9")
    assert code == 0, out
    assert KEY not in out and mask(KEY) in out
    assert f"(config file {env})" in out and "(command line)" in out and "(default)" in out
    assert "gpt-4o-mini answered in" in out and "ms" in out
    assert "not created yet" in out and "All good" in out


@pytest.mark.parametrize(
    ("reply", "verdict", "fix"),
    [
        (Status(401, "bad key"), "rejected the key (HTTP 401)", "replace the key"),
        (Status(404, "no such model"), "does not know model 'gpt-4o-mini'", "check the model"),
    ],
)
def test_a_wrong_key_or_unknown_model_says_what_to_fix(
    reply: Status, verdict: str, fix: str, env: Path
) -> None:
    with FaultServer([reply]) as fake:
        _config(env, fake.url)
        code, out = _doctor()
    assert code == 1
    assert verdict in out
    assert out.split("What to fix")[1].strip().startswith(f"1. {fix}")


def test_an_unreachable_endpoint(env: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    _config(env, f"http://127.0.0.1:{port}/v1")
    code, out = _doctor()
    assert code == 1 and "cannot reach" in out and "check the endpoint URL" in out


def test_no_key_for_the_model(env: Path) -> None:
    env.write_text('model = "deepseek/deepseek-chat"\n')
    code, out = _doctor()
    assert code == 1 and "no API key for deepseek" in out and "set DEEPSEEK_API_KEY" in out


def test_no_model_at_all(env: Path) -> None:
    code, out = _doctor()
    assert code == 1 and "no model is configured" in out and "agentica-acp --login" in out


def test_the_login_table_is_used_and_masked(env: Path) -> None:
    with FaultServer() as fake:
        store_login(
            env, {"model": "openai/gpt-4o-mini", "OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": fake.url}
        )
        code, out = _doctor()
    assert code == 0, out
    assert KEY not in out and f"([login] in {env})" in out


def test_mcp_servers_are_started_and_a_failing_one_is_reported(env: Path) -> None:
    pytest.importorskip("mcp")
    servers = (
        f'\n[mcp_servers.good]\ncommand = "{sys.executable}"\nargs = ["{MCP_SERVER}"]\n'
        '\n[mcp_servers.broken]\ncommand = "/nonexistent/mcp-server"\n'
    )
    with FaultServer() as fake:
        _config(env, fake.url, servers)
        code, out = _doctor()
    assert code == 1
    assert "ok  good: started, " in out and " tools" in out
    assert "BAD broken:" in out and "fix MCP server 'broken'" in out


def test_a_corrupt_session_store_is_reported(env: Path, tmp_path: Path) -> None:
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "sessions.db").write_bytes(b"this is not a database" * 100)
    env.write_text('model = "demo"\n')
    code, out = _doctor()
    assert code == 1 and "sessions.db: cannot be used" in out and "move " in out


def test_a_healthy_store_counts_its_sessions(env: Path, tmp_path: Path) -> None:
    from agentica.sessions import SessionRecord, open_db

    db, problem = open_db(tmp_path / "home" / "sessions.db")
    assert problem is None
    db.save(SessionRecord(id="s1", cwd=str(tmp_path))).result(10)
    db.close()
    env.write_text('model = "demo"\n')
    code, out = _doctor()
    assert code == 0, out
    assert "integrity ok, 1 session" in out


@pytest.mark.parametrize(
    "command", [["-m", "acp_server", "--check"], ["-m", "agentica.cli", "doctor"]]
)
def test_the_commands(command: list[str], tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, *command, "--model", "demo"],
        capture_output=True,
        text=True,
        timeout=60,
        env=clean_env(tmp_path),
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "model                demo" in result.stdout and "(command line)" in result.stdout
