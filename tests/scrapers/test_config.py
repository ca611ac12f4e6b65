"""Settings: environment first, then rigshift.toml, then defaults; base-URL rebasing."""

from __future__ import annotations

from pathlib import Path

import pytest

from scrapers.config import DEFAULT_DB, Settings, load_settings
from scrapers.errors import ConfigError

TOML = """
db = "from-toml.duckdb"
[sources.eia]
api_key = "toml-key"
base_url = "http://toml-host:1"
[http]
min_host_interval_s = 7
"""


@pytest.fixture
def toml(tmp_path: Path) -> Path:
    """A rigshift.toml with a database, one source's settings and pacing."""
    path = tmp_path / "rigshift.toml"
    path.write_text(TOML)
    return path


def test_defaults_without_env_or_file(tmp_path: Path) -> None:
    s = load_settings({"RIGSHIFT_CONFIG": str(tmp_path / "none.toml")})
    assert s.db_path == str(DEFAULT_DB)
    assert s.base_urls == {} and s.api_keys == {}


def test_toml_supplies_settings(toml: Path) -> None:
    s = load_settings({"RIGSHIFT_CONFIG": str(toml)})
    assert s.db_path == "from-toml.duckdb"
    assert s.api_key("eia") == "toml-key"
    assert s.base_url("eia") == "http://toml-host:1"
    assert s.min_host_interval_s == 7


def test_environment_wins_over_toml(toml: Path) -> None:
    s = load_settings(
        {
            "RIGSHIFT_CONFIG": str(toml),
            "RIGSHIFT_DB": "from-env.duckdb",
            "RIGSHIFT_EIA_API_KEY": "env-key",
            "RIGSHIFT_EIA_BASE_URL": "http://env-host:2",
            "RIGSHIFT_HTTP_MIN_INTERVAL_S": "0",
        }
    )
    assert s.db_path == "from-env.duckdb"
    assert s.api_key("eia") == "env-key"
    assert s.base_url("eia") == "http://env-host:2"
    assert s.min_host_interval_s == 0


def test_source_ids_are_lower_case(tmp_path: Path) -> None:
    s = load_settings(
        {"RIGSHIFT_CONFIG": str(tmp_path / "x.toml"), "RIGSHIFT_VASTAI_BASE_URL": "http://h:3"}
    )
    assert s.base_url("vastai") == "http://h:3"


def test_rebase_keeps_path_and_query() -> None:
    s = Settings(base_urls={"vastai": "http://127.0.0.1:8080"})
    url = s.rebase("vastai", "https://console.vast.ai/api/v0/bundles/?q=%7B%7D")
    assert url == "http://127.0.0.1:8080/api/v0/bundles/?q=%7B%7D"


def test_rebase_without_override_is_the_real_url() -> None:
    assert Settings().rebase("eia", "https://api.eia.gov/v2/x") == "https://api.eia.gov/v2/x"


def test_bad_base_url_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="RIGSHIFT_EIA_BASE_URL"):
        Settings(base_urls={"eia": "not a url"}).rebase("eia", "https://api.eia.gov/v2/x")


def test_non_numeric_setting_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="RIGSHIFT_HTTP_TIMEOUT_S must be a number"):
        load_settings(
            {"RIGSHIFT_CONFIG": str(tmp_path / "x.toml"), "RIGSHIFT_HTTP_TIMEOUT_S": "soon"}
        )


def test_broken_toml_is_a_one_line_config_error(tmp_path: Path) -> None:
    bad = tmp_path / "rigshift.toml"
    bad.write_text("db = [unclosed")
    with pytest.raises(ConfigError) as info:
        load_settings({"RIGSHIFT_CONFIG": str(bad)})
    assert "not valid TOML" in info.value.one_line()
