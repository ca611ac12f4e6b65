"""Local faults are one-line config errors (exit 2); exit codes as documented; the project's
own failure reasons instead of raw exception text; serving binds to loopback."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from dashboard.cli.main import build_parser, main
from scrapers.config import PROJECT_ROOT
from scrapers.refresh import describe
from scrapers.store import Store
from tests.support.local_http import LocalServer, Reply, point_cli
from tests.support.upstreams import VAST_PATH, serve_vastai, serve_whattomine


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, server: LocalServer, tmp_path: Path) -> Path:
    """The CLI's environment pointed at the local server and a temp store; returns its path."""
    path = tmp_path / "rigshift.duckdb"
    point_cli(monkeypatch, server.url, path, retries="0")
    serve_vastai(server)
    serve_whattomine(server)
    return path


def one_line_error(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """Run the CLI; assert exit 2 with exactly one stderr line, no traceback; return it."""
    code = main(list(argv))
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.count("\n") == 1 and err.startswith("rigshift: error: "), err
    assert "internal error" not in err and "Traceback" not in err
    return err


REFRESH = ("refresh", "--source", "whattomine", "--quiet")


@pytest.mark.parametrize("value", ["inf", "nan", "1e400", "-1", "2.5", "99"])
def test_retries_must_be_a_small_whole_number(
    env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("RIGSHIFT_HTTP_RETRIES", value)
    assert "RIGSHIFT_HTTP_RETRIES" in one_line_error(capsys, *REFRESH)
    assert not env.exists()  # refused at start-up, before any store was touched


@pytest.mark.parametrize("name", ["RIGSHIFT_HTTP_TIMEOUT_S", "RIGSHIFT_HTTP_CONNECT_TIMEOUT_S"])
def test_a_zero_timeout_is_refused_at_config_time(
    env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    monkeypatch.setenv(name, "0")
    assert f"{name} must be above 0" in one_line_error(capsys, *REFRESH)


def test_a_non_latin_api_key_is_refused(
    env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RIGSHIFT_COINGECKO_API_KEY", "ключ-123")
    err = one_line_error(capsys, *REFRESH)
    assert "RIGSHIFT_COINGECKO_API_KEY" in err and "printable ASCII" in err


def test_config_path_that_is_a_directory(
    env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("RIGSHIFT_CONFIG", str(tmp_path))
    assert "is a directory: point it at a TOML file" in one_line_error(capsys, *REFRESH)


def test_database_path_under_a_file(
    env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "afile").write_text("x")
    monkeypatch.setenv("RIGSHIFT_DB", str(tmp_path / "afile" / "rigshift.duckdb"))
    assert "lies under a file" in one_line_error(capsys, *REFRESH)


def test_lock_path_that_is_a_directory(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    Path(f"{env}.refresh.lock").mkdir()
    assert "refresh lock" in one_line_error(capsys, *REFRESH)
    assert not env.exists()


def test_read_only_database_directory(
    env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    if os.geteuid() == 0:  # root writes through file modes: use a read-only file system
        target = "/sys/rigshift.duckdb"
    else:
        folder = tmp_path / "ro"
        folder.mkdir(mode=0o555)
        target = str(folder / "rigshift.duckdb")
    monkeypatch.setenv("RIGSHIFT_DB", target)
    assert "permission denied" in one_line_error(capsys, *REFRESH)


def test_stdout_on_a_full_device_is_one_line(env: Path, tmp_path: Path) -> None:
    Store(str(env)).init()
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [sys.executable, "-m", "dashboard.cli.main", "status", "--json"],
            cwd=PROJECT_ROOT,
            env=dict(os.environ),
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )
    assert done.returncode == 2
    assert done.stderr == (
        "rigshift: error: could not write the output: no space left on device; send it elsewhere\n"
    )


def test_every_source_failed_exits_4(
    env: Path, server: LocalServer, capsys: pytest.CaptureFixture[str]
) -> None:
    server.route(VAST_PATH, Reply(b"down", 403, "text/plain"))
    server.route("/coins.json", Reply(b"down", 403, "text/plain"))
    code = main(["refresh", "--source", "vastai", "--source", "whattomine", "--quiet"])
    assert code == 4
    assert "FAILED" not in capsys.readouterr().out  # quiet: the table only, no progress


def test_some_committed_exits_1(
    env: Path, server: LocalServer, capsys: pytest.CaptureFixture[str]
) -> None:
    server.route(VAST_PATH, Reply(b"down", 403, "text/plain"))
    assert main(["refresh", "--source", "vastai", "--source", "whattomine", "--quiet"]) == 1


def test_the_cli_docstring_documents_exit_4() -> None:
    text = " ".join((main.__module__ and sys.modules[main.__module__].__doc__ or "").split())
    assert "4 every source attempted failed" in text
    readme = " ".join((PROJECT_ROOT / "README.md").read_text().split())
    assert "`4` every source attempted failed" in readme


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (pa.ArrowInvalid("Could not convert 'x' with type str"), "values of an unexpected type"),
        (OSError(errno.EOVERFLOW, "Value too large for defined data type"), "out of range"),
        (ValueError("year -29719 is out of range"), "a number or date out of range"),
        (UnicodeEncodeError("latin-1", "ключ", 0, 1, "ordinal"), "API keys must be ASCII"),
        (OSError(errno.ENOSPC, "No space left on device"), "no space left on the database's"),
        (duckdb.TransactionException("No space left on device"), "no space left"),
        (KeyError("offers"), "unexpected KeyError (run with RIGSHIFT_DEBUG=1"),
    ],
    ids=["arrow", "errno75", "year", "unicode", "enospc", "duckdb-enospc", "other"],
)
def test_failure_reasons_are_the_projects_own_words(exc: BaseException, expected: str) -> None:
    reason = describe(exc)
    assert expected in reason
    assert "Errno" not in reason and "ArrowInvalid" not in reason and "-29719" not in reason


def test_dashboard_binds_to_loopback_unless_told() -> None:
    parser = build_parser()
    assert parser.parse_args(["dashboard"]).host == "127.0.0.1"
    assert parser.parse_args(["dashboard", "--host", "0.0.0.0"]).host == "0.0.0.0"


def test_make_run_passes_port_and_host() -> None:
    makefile = (PROJECT_ROOT / "Makefile").read_text()
    assert "PORT ?= 8501" in makefile and "HOST ?= 127.0.0.1" in makefile
    assert "rigshift dashboard --port $(PORT) --host $(HOST)" in makefile


def test_readme_shows_an_authenticating_reverse_proxy() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text()
    assert "basic_auth" in readme and "reverse_proxy 127.0.0.1:8501" in readme
    assert "auth_basic_user_file" in readme


def test_refresh_json_reports_refused_rows(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["refresh", "--source", "vastai", "--json"]) == 0
    [source] = json.loads(capsys.readouterr().out)["sources"]
    assert source["rows_refused"] == 0
