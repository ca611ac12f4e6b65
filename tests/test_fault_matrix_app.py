"""Fault matrix, app and SQL console half: every case in docs/fault-matrix.md's last section.

Real parts only: real DuckDB files (truncated, foreign, garbage, locked by a real writer in
another process), the real app under AppTest, the real SQL sandbox and CLI parser.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from tests.support.app import APP, PAGES, open_page, page_text
from tests.support.paths import ROOT

DOC = ROOT / "docs" / "fault-matrix.md"
SECTION = "## App and SQL console"


def _page(monkeypatch: pytest.MonkeyPatch, db: Path, page: str) -> AppTest:
    return open_page(monkeypatch, db, page)


def _one_clear_error(at: AppTest, needle: str) -> None:
    assert not at.exception, [e.message for e in at.exception]
    errors = [e.value for e in at.error]
    assert len(errors) == 1, errors
    assert needle in errors[0] and "\n" not in errors[0]
    assert "Traceback" not in page_text(at)


@pytest.fixture
def truncated_db(demo_db: Path, tmp_path: Path) -> Path:
    """The demo store cut to a third of its bytes, as a failed copy leaves it."""
    path = tmp_path / "truncated.duckdb"
    data = demo_db.read_bytes()
    path.write_bytes(data[: len(data) // 3])
    return path


@pytest.fixture
def foreign_db(tmp_path: Path) -> Path:
    """Someone else's DuckDB file; one of its tables even shares a RigShift table's name."""
    path = tmp_path / "crm.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE customers (id INTEGER, name VARCHAR)")
    con.execute("INSERT INTO customers VALUES (1, 'Ada')")
    con.execute("CREATE TABLE coin_network (x INTEGER)")
    con.execute("INSERT INTO coin_network VALUES (1)")
    con.close()
    return path


@pytest.fixture
def garbage_db(tmp_path: Path) -> Path:
    """A file that is not a database at all."""
    path = tmp_path / "garbage.duckdb"
    path.write_bytes(b"not a database\n" * 1000)
    return path


# -- app: broken database files ------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES)
def test_app_truncated_db(monkeypatch: pytest.MonkeyPatch, truncated_db: Path, page: str) -> None:
    _one_clear_error(_page(monkeypatch, truncated_db, page), "truncated")


@pytest.mark.parametrize("page", PAGES)
def test_app_foreign_db(monkeypatch: pytest.MonkeyPatch, foreign_db: Path, page: str) -> None:
    _one_clear_error(_page(monkeypatch, foreign_db, page), "not a RigShift database")


@pytest.mark.parametrize("page", PAGES)
def test_app_garbage_db(monkeypatch: pytest.MonkeyPatch, garbage_db: Path, page: str) -> None:
    _one_clear_error(_page(monkeypatch, garbage_db, page), "could not be read")


# -- app: a writer holds the lock, then lets go --------------------------------------------

_HOLDER = """
import sys, duckdb
con = duckdb.connect(sys.argv[1])
con.execute("SELECT 1").fetchall()
print("held", flush=True)
sys.stdin.read()
con.close()
"""


@pytest.fixture
def lock_holder(demo_db: Path, tmp_path: Path) -> Iterator[tuple[Path, subprocess.Popen]]:
    """A copy of the demo store with a real write connection held by another process."""
    path = tmp_path / "locked.duckdb"
    shutil.copy(demo_db, path)
    proc = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    yield path, proc
    if proc.poll() is None:
        proc.kill()
        proc.wait()


def _release(proc: subprocess.Popen) -> None:
    assert proc.stdin is not None
    proc.stdin.close()
    assert proc.wait(timeout=30) == 0


@pytest.mark.parametrize("page", PAGES)
def test_app_locked_then_released(
    monkeypatch: pytest.MonkeyPatch,
    lock_holder: tuple[Path, subprocess.Popen],
    page: str,
) -> None:
    from dashboard.ui import data

    monkeypatch.setattr(data, "LOCK_WAIT_S", 0.5)
    monkeypatch.setattr(data, "SIDEBAR_WAIT_S", 0.2)
    path, proc = lock_holder
    at = _page(monkeypatch, path, page)
    _one_clear_error(at, "stayed locked")
    _release(proc)
    at.run()  # the same session, the same file version: nothing may have been cached
    assert not at.exception
    assert not at.error, [e.value for e in at.error]
    assert any("DEMO DATA" in w.value for w in at.warning)


# -- the doc lists every case here, each with its test -------------------------------------


def test_doc_section_lists_every_case_with_its_test() -> None:
    text = DOC.read_text()
    assert SECTION in text
    section = text.split(SECTION, 1)[1]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    assert len(rows) >= 8
    here = Path(__file__).read_text()
    sandbox = (
        ROOT / "tests" / "dashboard" / "engine" / "queries" / "test_sql_sandbox.py"
    ).read_text()
    sandbox += (ROOT / "tests" / "browser" / "test_browser.py").read_text()
    for row in rows:
        named = re.findall(r"`(test_\w+)", row)
        assert named, row
        for test in named:
            assert f"def {test}(" in here or f"def {test}(" in sandbox, test


# -- app: SQL page -------------------------------------------------------------------------


def test_app_sql_page_gigabyte_result(monkeypatch: pytest.MonkeyPatch, demo_db: Path) -> None:
    at = _page(monkeypatch, demo_db, "sql")
    at.text_area(key="sql_text").set_value("SELECT repeat('x', 1000000) AS s FROM range(1000)")
    at.button(key="sql_run").click().run()
    assert not at.exception
    (error,) = [e.value for e in at.error]
    assert error.startswith("Query refused:") and "memory" in error
    at.text_area(key="sql_text").set_value("SELECT 41 + 1 AS answer")
    at.button(key="sql_run").click().run()
    assert not at.error and at.dataframe[0].value["answer"].tolist() == [42]


# -- app: untrusted text is never Markdown -------------------------------------------------

PAYLOAD = (
    "![x](http://127.0.0.1:9/beacon.png) [Session expired](http://evil.example) "
    '<img src="http://127.0.0.1:9/raw.png"> www.evil.example'
)
PLANTED = ("http://127.0.0.1:9", "http://evil.example", "www.evil.example")
_LIVE_SYNTAX = (
    re.compile(r"(?<!\\)!\["),  # an image
    re.compile(r"(?<!\\)\]\s*\("),  # a link or image target
    re.compile(r"(?<!\\)<\s*(img|a)\b", re.IGNORECASE),  # raw HTML
)


def _markdown_values(at: AppTest) -> list[str]:
    kinds = ("markdown", "caption", "error", "warning", "info", "success", "title", "subheader")
    return [str(e.value) for kind in kinds for e in at.get(kind)]


def _assert_inert(at: AppTest, must_show: str = "beacon") -> None:
    """No Markdown element can render the payload's image, link or HTML; the text still shows."""
    assert not at.exception, [e.message for e in at.exception]
    values = _markdown_values(at)
    for value in values:
        # GFM autolinks bare URLs in the text after escapes resolve, so check that text too.
        resolved = value.replace("\\", "")
        for planted in PLANTED:
            assert planted not in resolved, value
        for syntax in _LIVE_SYNTAX:
            assert not syntax.search(value), value
    assert any(must_show in v for v in values), values


def test_escape_makes_every_payload_inert() -> None:
    from dashboard.ui.safe_text import escape

    text = escape(PAYLOAD)
    assert all(planted not in text for planted in PLANTED)
    assert not any(syntax.search(text) for syntax in _LIVE_SYNTAX)
    assert text.replace("\\", "").replace("\u2060", "") == PAYLOAD


def _planted_failure(demo_db: Path, tmp_path: Path) -> Path:
    from datetime import timedelta
    from uuid import uuid4

    from scrapers.store import RunRecord, Store, utcnow

    db = tmp_path / "planted.duckdb"
    shutil.copy(demo_db, db)
    store = Store(str(db))
    store.set_meta({"dataset": "live"})  # the Overview's stale warning is for live data only
    now = utcnow() + timedelta(minutes=1)
    store.record_run(
        RunRecord(uuid4().hex, "vastai", now, now, "failed", 0, f"vastai: {PAYLOAD}", [PAYLOAD])
    )
    return db


def test_markdown_payload_in_data_health(
    monkeypatch: pytest.MonkeyPatch, demo_db: Path, tmp_path: Path
) -> None:
    at = _page(monkeypatch, _planted_failure(demo_db, tmp_path), "data_health")
    _assert_inert(at)
    assert any("vastai" in e.value for e in at.error)


def test_markdown_payload_in_overview_stale_warning(
    monkeypatch: pytest.MonkeyPatch, demo_db: Path, tmp_path: Path
) -> None:
    at = _page(monkeypatch, _planted_failure(demo_db, tmp_path), "overview")
    _assert_inert(at)


@pytest.mark.parametrize("key", ["gpu", "price", "n"])
def test_markdown_payload_in_url_values(
    monkeypatch: pytest.MonkeyPatch, demo_db: Path, key: str
) -> None:
    monkeypatch.setenv("RIGSHIFT_DB", str(demo_db))
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params[key] = PAYLOAD
    at.run()
    _assert_inert(at)
    assert any("Link ignored a value" in w.value for w in at.warning)


def test_markdown_payload_in_scenario_name(
    monkeypatch: pytest.MonkeyPatch, demo_db: Path, tmp_path: Path
) -> None:
    db = tmp_path / "scenarios.duckdb"
    shutil.copy(demo_db, db)
    at = _page(monkeypatch, db, "scenarios")
    name = "![x](http://127.0.0.1:9/b.png) [Login](http://evil.example)"  # within 60 chars
    at.text_input(key="scenario_name").set_value(name)
    at.button[0].click().run()
    assert not at.exception
    _assert_inert(at, must_show="Saved")
    assert any(name in str(v) for v in at.dataframe[0].value["scenario"])  # as plain text


def test_markdown_payload_in_foreign_table_name(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    db = tmp_path / "hostile.duckdb"
    con = duckdb.connect(str(db))
    con.execute('CREATE TABLE "![x](http://127.0.0.1:9/beacon.png)" (a INTEGER)')
    con.close()
    _assert_inert(_page(monkeypatch, db, "market"))


def test_markdown_payload_in_sql_error(monkeypatch: pytest.MonkeyPatch, demo_db: Path) -> None:
    at = _page(monkeypatch, demo_db, "sql")
    at.text_area(key="sql_text").set_value(f"SELECT * FROM {PAYLOAD}")
    at.button(key="sql_run").click().run()
    assert any(e.value.startswith("Query refused") for e in at.error)
    _assert_inert(at, must_show="Query refused")


# -- app words: every command the app or engine suggests exists ----------------------------

_SUGGESTING = ("dashboard/app.py", "dashboard/app_pages", "dashboard/ui", "dashboard/engine")


def _suggested_commands() -> list[tuple[str, str]]:
    root = ROOT
    files = []
    for part in _SUGGESTING:
        target = root / part
        files += [target] if target.is_file() else sorted(target.rglob("*.py"))
    found = []
    for path in files:
        # Single backticks: Markdown shown to the user (``double`` ones are docstrings).
        for command in re.findall(r"(?<!`)`(rigshift(?: [^`]*)?)`(?!`)", path.read_text()):
            found.append((str(path.relative_to(root)), command))
    return found


def test_app_words_every_suggested_command_parses() -> None:
    import shlex

    from dashboard.cli.main import build_parser

    commands = _suggested_commands()
    assert len(commands) >= 5  # the scan finds the advice at all
    for where, command in commands:
        argv = shlex.split(command)[1:]
        try:
            build_parser().parse_args(argv)
        except SystemExit:
            pytest.fail(f"{where}: `{command}` is not a working rigshift command")


def test_app_words_no_advice_the_app_cannot_follow() -> None:
    root = ROOT
    for part in _SUGGESTING:
        target = root / part
        for path in [target] if target.is_file() else sorted(target.rglob("*.py")):
            text = path.read_text()
            for phrase in ("--backfill", "pass it (", ": pass one"):
                assert phrase not in text, f"{path.relative_to(root)} says {phrase!r}"
