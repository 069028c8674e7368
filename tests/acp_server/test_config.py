"""Server settings: flags > environment > config file > defaults."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from acp_server.config import ConfigError, ServerConfig, default_config_path, load_config


@pytest.fixture
def config_home(tmp_path: Path) -> Path:
    return tmp_path / "xdg"


def write_config(config_home: Path, text: str) -> Path:
    path = config_home / "agentica" / "acp.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_load_config_defaults_without_flags_env_or_file(config_home: Path) -> None:
    config = load_config([], {"XDG_CONFIG_HOME": str(config_home)})
    assert config == ServerConfig()
    assert (config.model, config.log_level, config.max_turns) == ("demo", "WARNING", 50)
    assert config.log_file is None and config.request_timeout is None
    assert config.client_timeout is None
    assert config.config_file is None


def test_load_config_precedence_is_flags_then_env_then_file(config_home: Path) -> None:
    path = write_config(
        config_home,
        'model = "file/model"\nlog_level = "info"\nmax_turns = 9\nrequest_timeout = 30\n'
        'work_dir = "/from/file"\n',
    )
    env = {
        "XDG_CONFIG_HOME": str(config_home),
        "AGENTICA_MODEL": "env/model",
        "AGENTICA_MAX_TURNS": "8",
    }
    config = load_config(["--max-turns", "7"], env)
    assert config.model == "env/model"  # env beats file
    assert config.max_turns == 7  # flag beats env
    assert config.log_level == "INFO"  # file beats default
    assert config.request_timeout == 30.0
    assert config.work_dir == "/from/file"
    assert config.config_file == str(path)

    assert load_config(["--model", "flag/model"], env).model == "flag/model"


def test_agentica_config_env_names_the_file(tmp_path: Path, config_home: Path) -> None:
    write_config(config_home, 'model = "default-location"\n')
    other = tmp_path / "other.toml"
    other.write_text('model = "named-by-env"\n')
    env = {"XDG_CONFIG_HOME": str(config_home), "AGENTICA_CONFIG": str(other)}
    assert default_config_path(env) == other
    assert load_config([], env).model == "named-by-env"


def test_config_flag_beats_agentica_config_env(tmp_path: Path) -> None:
    env_file, flag_file = tmp_path / "env.toml", tmp_path / "flag.toml"
    env_file.write_text('model = "env-file"\n')
    flag_file.write_text('model = "flag-file"\n')
    config = load_config(["--config", str(flag_file)], {"AGENTICA_CONFIG": str(env_file)})
    assert config.model == "flag-file"
    assert config.config_file == str(flag_file)


def test_default_config_path_falls_back_to_dot_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", "/home/someone")
    assert default_config_path({}) == Path("/home/someone/.config/agentica/acp.toml")


def test_missing_explicit_config_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(["--config", str(tmp_path / "missing.toml")], {})


def test_invalid_toml_is_an_error_naming_the_file(config_home: Path) -> None:
    path = write_config(config_home, "model = \n")
    with pytest.raises(ConfigError, match=str(path)):
        load_config([], {"XDG_CONFIG_HOME": str(config_home)})


@pytest.mark.parametrize(
    ("argv", "env", "toml", "message"),
    [
        ([], {"AGENTICA_MAX_TURNS": "zero"}, "", "max_turns must be an integer.*environment"),
        ([], {}, "max_turns = 0\n", "max_turns must be an integer >= 1.*config file"),
        ([], {}, "model = 3\n", "model must be a string"),
        ([], {"AGENTICA_LOG_LEVEL": "loud"}, "", "log_level must be one of"),
        (["--request-timeout", "-1"], {}, "", "request_timeout must be >= 0.*command line"),
        ([], {"AGENTICA_MODEL_TIMEOUT": "soon"}, "", "model_timeout must be a number.*environ"),
        ([], {}, "model_timeout = -5\n", "model_timeout must be >= 0.*config file"),
        ([], {}, "model_timeout = true\n", "model_timeout must be a number.*config file"),
        (["--model-timeout", "inf"], {}, "", "model_timeout must be >= 0.*command line"),
    ],
)
def test_unusable_values_are_errors_naming_their_source(
    config_home: Path, argv: list[str], env: dict[str, str], toml: str, message: str
) -> None:
    if toml:
        write_config(config_home, toml)
    with pytest.raises(ConfigError, match=message):
        load_config(argv, {"XDG_CONFIG_HOME": str(config_home), **env})


def test_bad_flags_exit_like_argparse(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        load_config(["--log-level", "loud"], {})
    assert exc.value.code == 2
    assert "--log-level" in capsys.readouterr().err


def test_request_timeout_zero_means_no_timeout(config_home: Path) -> None:
    env = {"XDG_CONFIG_HOME": str(config_home)}
    assert load_config(["--request-timeout", "0"], env).request_timeout is None
    assert load_config(["--request-timeout", "2.5"], env).request_timeout == 2.5


def test_model_timeout_from_file_env_and_flag(config_home: Path) -> None:
    env = {"XDG_CONFIG_HOME": str(config_home)}
    assert load_config([], env).model_timeout is None  # The model's own default.
    write_config(config_home, "model_timeout = 45\n")
    assert load_config([], env).model_timeout == 45.0
    env["AGENTICA_MODEL_TIMEOUT"] = "30"
    assert load_config([], env).model_timeout == 30.0
    assert load_config(["--model-timeout", "2.5"], env).model_timeout == 2.5
    assert load_config(["--model_timeout", "0"], env).model_timeout is None


def test_compat_flags_map_onto_the_settings(config_home: Path) -> None:
    env = {"XDG_CONFIG_HOME": str(config_home), "AGENTICA_MODEL": "env/model"}
    config = load_config(
        [
            "--model_provider", "deepseek",
            "--model_name", "deepseek-chat",
            "--base_url", "http://127.0.0.1:9/v1",
            "--api_key", "sk-test",
            "--work_dir", "/work/dir",
        ],
        env,
    )  # fmt: skip
    assert config.model == "deepseek/deepseek-chat"
    assert config.base_url == "http://127.0.0.1:9/v1"
    assert config.api_key == "sk-test"
    assert config.work_dir == "/work/dir"
    assert "sk-test" not in repr(config)
    assert load_config(["--model_name", "gpt-4o-mini"], env).model == "gpt-4o-mini"
    assert load_config(["--model_provider", "deepseek"], env).model == "deepseek"


def test_base_url_and_api_key_come_from_the_openai_environment(config_home: Path) -> None:
    env = {
        "XDG_CONFIG_HOME": str(config_home),
        "OPENAI_BASE_URL": "http://127.0.0.1:1/v1",
        "OPENAI_API_KEY": "sk-env",
    }
    write_config(config_home, 'base_url = "http://file/v1"\napi_key = "sk-file"\n')
    config = load_config([], env)
    assert (config.base_url, config.api_key) == ("http://127.0.0.1:1/v1", "sk-env")


@pytest.mark.parametrize("spec", ["gpt-4o-mini", "openai/gpt-4o-mini"])
def test_key_and_base_url_go_to_the_model_not_the_environment(
    spec: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from acp_server.factory import SessionFactory

    monkeypatch.setenv("OPENAI_API_KEY", "sk-old")
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    config = ServerConfig(model=spec, base_url="http://127.0.0.1:2/v1", api_key="sk-new")
    model: Any = SessionFactory(object(), config).shared_model()  # type: ignore[arg-type]
    assert (model.api_key, model.base_url) == ("sk-new", "http://127.0.0.1:2/v1")
    assert os.environ["OPENAI_API_KEY"] == "sk-old"
    assert "OPENAI_BASE_URL" not in os.environ


def test_the_openai_key_setting_is_not_given_to_other_providers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from acp_server.factory import SessionFactory

    monkeypatch.setenv("DEEPSEEK_API_KEY", "sk-deepseek")
    config = ServerConfig(model="deepseek/deepseek-chat", api_key="sk-openai")
    model: Any = SessionFactory(object(), config).shared_model()  # type: ignore[arg-type]
    assert model.api_key is None  # Resolved from DEEPSEEK_API_KEY when the client is built.
    assert model.preset.resolve_api_key(model.api_key) == "sk-deepseek"


def test_unknown_file_keys_are_kept_in_extra(config_home: Path) -> None:
    write_config(config_home, 'model = "m"\n[sessions]\ndir = "/tmp/s"\n')
    config = load_config([], {"XDG_CONFIG_HOME": str(config_home)})
    assert config.model == "m"
    assert config.extra == {"sessions": {"dir": "/tmp/s"}}


def test_compat_keys_work_in_the_config_file(config_home: Path) -> None:
    write_config(config_home, 'model_provider = "moonshot"\nmodel_name = "kimi"\n')
    assert load_config([], {"XDG_CONFIG_HOME": str(config_home)}).model == "moonshot/kimi"


def test_allow_outside_from_flag_env_or_file(config_home: Path) -> None:
    env = {"XDG_CONFIG_HOME": str(config_home)}
    assert load_config([], env).allow_outside is False
    assert load_config(["--allow-outside"], env).allow_outside is True
    assert load_config([], {**env, "AGENTICA_ALLOW_OUTSIDE": "yes"}).allow_outside is True
    write_config(config_home, "allow_outside = true\n")
    assert load_config([], env).allow_outside is True
    with pytest.raises(ConfigError, match="allow_outside must be true or false"):
        load_config([], {**env, "AGENTICA_ALLOW_OUTSIDE": "maybe"})
