"""The per-turn budgets (``turn_token_limit``, ``turn_request_limit``): flag, environment
and config file, 0 meaning no limit, bad values refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from acp_server.config import ConfigError, load_config


def env_for(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {"XDG_CONFIG_HOME": str(tmp_path / "xdg"), **extra}


def test_turn_budgets_default_to_no_limit(tmp_path: Path) -> None:
    config = load_config([], env_for(tmp_path))
    assert config.turn_token_limit is None and config.turn_request_limit is None


def test_turn_budgets_from_flags_env_and_file(tmp_path: Path) -> None:
    toml = tmp_path / "acp.toml"
    toml.write_text("turn_token_limit = 5000\nturn_request_limit = 9\n")
    config = load_config(["--config", str(toml)], env_for(tmp_path))
    assert (config.turn_token_limit, config.turn_request_limit) == (5000, 9)
    env = env_for(tmp_path, AGENTICA_TURN_TOKEN_LIMIT="4000", AGENTICA_TURN_REQUEST_LIMIT="8")
    config = load_config(["--config", str(toml)], env)
    assert (config.turn_token_limit, config.turn_request_limit) == (4000, 8)
    argv = ["--config", str(toml), "--turn-token-limit", "3000", "--turn_request_limit=0"]
    config = load_config(argv, env)
    assert (config.turn_token_limit, config.turn_request_limit) == (3000, None)


@pytest.mark.parametrize("value", ["many", "-5", "1.5"])
def test_a_bad_turn_budget_is_refused(tmp_path: Path, value: str) -> None:
    with pytest.raises(ConfigError, match="turn_token_limit must be an integer"):
        load_config([], env_for(tmp_path, AGENTICA_TURN_TOKEN_LIMIT=value))
