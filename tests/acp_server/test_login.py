"""``agentica-acp --login``: the key is tested against the endpoint, then stored 0600."""

from __future__ import annotations

import io
import socket
import stat
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from auth_util import ROOT, clean_env
from fault_http import FaultServer, Status

from acp_server.login import main, remove_login, store_login

KEY = "sk-login-0123456789abcdef"


def _login(path: Path, answers: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(["--config", str(path)], stdin=io.StringIO(answers), stdout=out)
    return code, out.getvalue()


def _openai_answers(url: str, key: str = KEY, model: str = "") -> str:
    return f"openai\n{model}\n{url}\n{key}\n"


def test_a_working_key_is_stored_with_owner_only_permissions(tmp_path: Path) -> None:
    path = tmp_path / "conf" / "acp.toml"
    with FaultServer() as fake:
        code, out = _login(path, _openai_answers(fake.url))
        assert fake.bodies[0]["model"] == "gpt-4o-mini" and fake.bodies[0]["max_tokens"] == 1
    assert code == 0, out
    assert "OK: gpt-4o-mini answered in" in out and str(path) in out
    assert KEY not in out
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    stored = tomllib.loads(path.read_text())["login"]
    assert stored == {
        "model": "openai/gpt-4o-mini", "OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": fake.url
    }


@pytest.mark.parametrize(
    ("reply", "verdict"),
    [
        (Status(401, "Incorrect API key provided: sk-lo***cdef"), "rejected the key (HTTP 401)"),
        (Status(404, "The model `nope` does not exist"), "does not know model 'nope'"),
    ],
)
def test_a_refused_key_or_model_is_not_stored(
    reply: Status, verdict: str, tmp_path: Path
) -> None:
    path = tmp_path / "acp.toml"
    with FaultServer([reply]) as fake:
        code, out = _login(path, _openai_answers(fake.url, model="nope"))
    assert code == 1
    assert verdict in out and "Nothing was stored" in out
    assert not path.exists()


def test_an_unreachable_endpoint_is_not_stored(tmp_path: Path) -> None:
    with socket.socket() as s:  # A port nobody listens on.
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    code, out = _login(tmp_path / "acp.toml", _openai_answers(f"http://127.0.0.1:{port}/v1"))
    assert code == 1 and "cannot reach" in out
    assert not (tmp_path / "acp.toml").exists()


def test_cancelling_stores_nothing(tmp_path: Path) -> None:
    code, out = _login(tmp_path / "acp.toml", "openai\n")  # EOF before the key.
    assert code == 1 and "cancelled" in out


def test_the_rest_of_the_config_file_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "acp.toml"
    path.write_text('max_turns = 7\n\n[login]\nmodel = "old"\n\n[mcp_servers.x]\ncommand = "y"\n')
    store_login(path, {"model": "deepseek/deepseek-chat", "DEEPSEEK_API_KEY": 'a"b\\c'})
    data = tomllib.loads(path.read_text())
    assert data["max_turns"] == 7 and data["mcp_servers"] == {"x": {"command": "y"}}
    assert data["login"] == {"model": "deepseek/deepseek-chat", "DEEPSEEK_API_KEY": 'a"b\\c'}
    assert remove_login(path)
    data = tomllib.loads(path.read_text())
    assert "login" not in data and data["max_turns"] == 7 and "x" in data["mcp_servers"]
    assert not remove_login(path)


def test_the_command_reads_the_key_from_its_input_not_its_arguments(tmp_path: Path) -> None:
    path = tmp_path / "acp.toml"
    with FaultServer() as fake:
        result = subprocess.run(
            [sys.executable, "-m", "acp_server", "--login", "--config", str(path)],
            input=_openai_answers(fake.url),
            capture_output=True,
            text=True,
            timeout=60,
            env=clean_env(tmp_path),
            cwd=ROOT,
            check=False,
        )
    assert result.returncode == 0, result.stdout + result.stderr
    assert KEY not in result.stdout + result.stderr
    assert tomllib.loads(path.read_text())["login"]["OPENAI_API_KEY"] == KEY
