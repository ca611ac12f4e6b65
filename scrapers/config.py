"""Settings from the environment, then an optional ``rigshift.toml``; the environment wins.

- ``RIGSHIFT_DB``: database path (default ``data/rigshift.duckdb``; ``md:`` strings pass through).
- ``RIGSHIFT_<SOURCE>_BASE_URL``: replaces scheme and host of that source's real URLs.
- ``RIGSHIFT_<SOURCE>_API_KEY``: the key for sources that want one.
- ``RIGSHIFT_HTTP_MIN_INTERVAL_S``: per-host pacing floor (default 2 s). Requests to a host
  are spaced max(floor, the source's ``request_interval_s``, robots.txt crawl-delay) apart;
  ``0`` turns the floor and the per-source intervals off (tests, local mirrors), leaving
  only a crawl-delay the host itself publishes in robots.txt.
- ``RIGSHIFT_HTTP_RETRIES`` (a whole number 0..20), ``RIGSHIFT_HTTP_TIMEOUT_S`` (per read),
  ``RIGSHIFT_HTTP_CONNECT_TIMEOUT_S``, ``RIGSHIFT_HTTP_DEADLINE_S`` (a whole request, default
  120 s), ``RIGSHIFT_HTTP_BACKOFF_S``, ``RIGSHIFT_RETRY_AFTER_MAX_S``. Every number must be
  finite; timeouts and the deadline must be above 0. A bad value is a one-line ConfigError
  naming the setting, at start-up, not a failure of every source later.
- API keys must be printable ASCII (they travel in HTTP headers or URLs).
- ``RIGSHIFT_CONFIG``: path of the TOML file (default ``rigshift.toml`` in the working dir).
"""

from __future__ import annotations

import math
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from scrapers.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "data"
DEFAULT_DB = DATA_DIR / "rigshift.duckdb"
REFERENCE_DIR = DATA_DIR / "reference"
SAMPLES_DIR = DATA_DIR / "samples"


MAX_RETRIES = 20


def _load_toml(path: Path) -> dict[str, Any]:
    if path.is_dir():
        raise ConfigError(f"RIGSHIFT_CONFIG {path} is a directory: point it at a TOML file")
    if not path.exists():
        return {}
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    except OSError as exc:
        reason = os.strerror(exc.errno).lower() if exc.errno else "unreadable"
        raise ConfigError(f"RIGSHIFT_CONFIG {path}: {reason}: fix or unset it") from None


def _float(
    env: dict[str, str],
    name: str,
    default: float,
    file_value: Any = None,
    *,
    positive: bool = False,
) -> float:
    raw = env.get(name, file_value)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except (TypeError, ValueError, OverflowError):
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None
    if not math.isfinite(value):
        raise ConfigError(f"{name} must be a finite number, got {raw!r}")
    if value < 0:
        raise ConfigError(f"{name} must not be negative, got {raw!r}")
    if positive and value == 0:
        raise ConfigError(f"{name} must be above 0 (seconds), got {raw!r}")
    return value


def _retries(env: dict[str, str], file_value: Any) -> int:
    name = "RIGSHIFT_HTTP_RETRIES"
    value = _float(env, name, 3, file_value)
    if value != int(value) or value > MAX_RETRIES:
        raise ConfigError(f"{name} must be a whole number 0..{MAX_RETRIES}, got {value:g}")
    return int(value)


def _check_key(source_id: str, key: str) -> str:
    if not key.isascii() or not key.isprintable():
        raise ConfigError(
            f"RIGSHIFT_{source_id.upper()}_API_KEY holds characters other than printable "
            "ASCII: paste the key again without quotes, spaces or accents"
        )
    return key


@dataclass(frozen=True)
class Settings:
    """Resolved settings for one process."""

    db_path: str = str(DEFAULT_DB)
    base_urls: dict[str, str] = field(default_factory=dict)
    api_keys: dict[str, str] = field(default_factory=dict)
    min_host_interval_s: float = 2.0
    retries: int = 3
    timeout_s: float = 30.0
    connect_timeout_s: float = 5.0
    retry_after_max_s: float = 60.0
    backoff_base_s: float = 0.5
    request_deadline_s: float = 120.0
    max_response_bytes: int = 50 * 1024 * 1024

    def base_url(self, source_id: str) -> str | None:
        """The override for ``source_id``'s scheme and host, if any."""
        return self.base_urls.get(source_id)

    def api_key(self, source_id: str) -> str | None:
        """The API key configured for ``source_id``, if any."""
        return self.api_keys.get(source_id)

    def rebase(self, source_id: str, url: str) -> str:
        """Replace scheme and host of ``url`` with the source's override; path and query stay."""
        override = self.base_url(source_id)
        if not override:
            return url
        base = urlsplit(override)
        if not base.scheme or not base.netloc:
            raise ConfigError(
                f"RIGSHIFT_{source_id.upper()}_BASE_URL must look like http://host:port, "
                f"got {override!r}"
            )
        parts = urlsplit(url)
        prefix = base.path.rstrip("/")
        return urlunsplit((base.scheme, base.netloc, prefix + parts.path, parts.query, ""))

    @property
    def raw_dir(self) -> Path:
        """Where raw payloads are kept, beside the database file."""
        if self.db_path.startswith("md:"):
            return DATA_DIR / "raw"
        return Path(self.db_path).resolve().parent / "raw"

    @property
    def state_dir(self) -> Path:
        """Where small user files live (scenarios, alert rules, fired alerts): beside the DB."""
        if self.db_path.startswith("md:"):
            return DATA_DIR
        return Path(self.db_path).resolve().parent

    @property
    def scenarios_path(self) -> Path:
        """Named scenarios saved from the app (JSON, written atomically)."""
        return self.state_dir / "scenarios.json"

    @property
    def alert_rules_path(self) -> Path:
        """The executive's alert rules (JSON; see docs/alerts.md)."""
        return self.state_dir / "alerts.json"

    @property
    def alerts_log_path(self) -> Path:
        """Fired alerts, one JSON object per line, appended by ``rigshift refresh``."""
        return self.state_dir / "alerts_fired.jsonl"


def load_settings(env: dict[str, str] | None = None) -> Settings:
    """Read settings from ``env`` (default ``os.environ``) and the optional TOML file."""
    env = dict(os.environ if env is None else env)
    toml_path = Path(env.get("RIGSHIFT_CONFIG", "rigshift.toml"))
    doc = _load_toml(toml_path)
    sources_doc = doc.get("sources", {}) if isinstance(doc.get("sources"), dict) else {}

    base_urls: dict[str, str] = {}
    api_keys: dict[str, str] = {}
    for source_id, conf in sources_doc.items():
        if isinstance(conf, dict):
            if conf.get("base_url"):
                base_urls[source_id.lower()] = str(conf["base_url"])
            if conf.get("api_key"):
                api_keys[source_id.lower()] = str(conf["api_key"])
    for name, value in env.items():
        if not name.startswith("RIGSHIFT_") or not value:
            continue
        if name.endswith("_BASE_URL"):
            base_urls[name[len("RIGSHIFT_") : -len("_BASE_URL")].lower()] = value
        elif name.endswith("_API_KEY"):
            api_keys[name[len("RIGSHIFT_") : -len("_API_KEY")].lower()] = value

    api_keys = {sid: _check_key(sid, key) for sid, key in api_keys.items()}
    http = doc.get("http", {}) if isinstance(doc.get("http"), dict) else {}
    retries = _retries(env, http.get("retries"))
    return Settings(
        db_path=str(env.get("RIGSHIFT_DB") or doc.get("db") or DEFAULT_DB),
        base_urls=base_urls,
        api_keys=api_keys,
        min_host_interval_s=_float(
            env, "RIGSHIFT_HTTP_MIN_INTERVAL_S", 2.0, http.get("min_host_interval_s")
        ),
        retries=retries,
        timeout_s=_float(
            env, "RIGSHIFT_HTTP_TIMEOUT_S", 30.0, http.get("timeout_s"), positive=True
        ),
        connect_timeout_s=_float(
            env,
            "RIGSHIFT_HTTP_CONNECT_TIMEOUT_S",
            5.0,
            http.get("connect_timeout_s"),
            positive=True,
        ),
        request_deadline_s=_float(
            env, "RIGSHIFT_HTTP_DEADLINE_S", 120.0, http.get("deadline_s"), positive=True
        ),
        retry_after_max_s=_float(
            env, "RIGSHIFT_RETRY_AFTER_MAX_S", 60.0, http.get("retry_after_max_s")
        ),
        backoff_base_s=_float(env, "RIGSHIFT_HTTP_BACKOFF_S", 0.5, http.get("backoff_base_s")),
    )
