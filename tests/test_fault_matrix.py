"""The fault matrix (docs/fault-matrix.md): each upstream fault, its outcome, and the guarantees.

Every case runs the same story against a real local server and a real DuckDB file:

1. a healthy refresh of vastai and whattomine (the "previous data");
2. the fault is injected into vastai and both sources are refreshed an hour later;
3. the outcome is checked: retried-then-ok, or vastai failed with the documented message while
   its previous rows stay exactly as they were (nothing partial: vastai's first query answers
   with *new* prices, which must not appear) and whattomine is committed regardless;
4. the fault is removed and the refresh repeated twice: both succeed and the second changes no
   data table (idempotent rerun).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import duckdb
import pytest

from scrapers.config import PROJECT_ROOT, Settings
from scrapers.http import PoliteSession
from scrapers.refresh import refresh
from scrapers.sources.entsoe import ZONES as ENTSOE_ZONES
from scrapers.sources.entsoe import zone_label
from tests.support.local_http import (
    LocalServer,
    Reply,
    cli_env,
    cut_short,
    dripping,
    local_settings,
)
from tests.support.payloads import sample
from tests.support.upstreams import (
    VAST_PATH,
    counts,
    rows,
    serve_vastai,
    serve_whattomine,
    vast_doc,
    vast_type,
)

SOURCES = ["vastai", "whattomine"]
T0 = datetime(2026, 1, 5, 10, 7, tzinfo=UTC)
T1 = T0 + timedelta(hours=1)
DOC = PROJECT_ROOT / "docs" / "fault-matrix.md"


@dataclass
class Env:
    """What a fault needs: the server, healthy settings and two unusable local ports."""

    server: LocalServer
    settings: Settings
    closed_port: int
    unaccepting_port: int
    sleeps: list[float] = field(default_factory=list)


Fault = Callable[[Env], Settings]


def json_reply(doc: object) -> Reply:
    return Reply(json.dumps(doc).encode())


def vast_with_spot(spot: Callable[[object], Reply | None]) -> Callable[[object], Reply | None]:
    """on_demand answers with new (doubled) prices; spot, the second query, misbehaves."""

    def handle(h):
        if vast_type(h) == "on_demand":
            return json_reply(vast_doc("on_demand", 2.0))
        return spot(h)

    return handle


def spot_fault(make: Callable[[object], Reply | None]) -> Fault:
    def fault(env: Env) -> Settings:
        env.server.route(VAST_PATH, vast_with_spot(make))
        return env.settings

    return fault


def first_call_then_sample(first: Reply) -> Fault:
    """Each query answers ``first`` once, then the sample with doubled prices."""

    def fault(env: Env) -> Settings:
        seen: set[str] = set()

        def handle(h):
            label = vast_type(h)
            if label not in seen:
                seen.add(label)
                return first
            return json_reply(vast_doc(label, 2.0))

        env.server.route(VAST_PATH, handle)
        return env.settings

    return fault


def connect_timeout(env: Env) -> Settings:
    urls = {**env.settings.base_urls, "vastai": f"http://127.0.0.1:{env.unaccepting_port}"}
    return replace(env.settings, base_urls=urls, connect_timeout_s=0.3)


def connection_refused(env: Env) -> Settings:
    urls = {**env.settings.base_urls, "vastai": f"http://127.0.0.1:{env.closed_port}"}
    return replace(env.settings, base_urls=urls)


def read_timeout(env: Env) -> Settings:
    def stall(h):
        time.sleep(0.8)
        return None

    env.server.route(VAST_PATH, vast_with_spot(stall))
    return replace(env.settings, timeout_s=0.3)


def robots_disallow(env: Env) -> Settings:
    env.server.route("/robots.txt", Reply(b"User-agent: *\nDisallow: /api/\n", 200, "text/plain"))
    return env.settings


truncated = cut_short(declared=50_000)  # 12 of 50,000 bytes, as docs/fault-matrix.md says


def empty_result(env: Env) -> Settings:
    env.server.route(VAST_PATH, json_reply({"offers": []}))
    return env.settings


def absurd(h):
    doc = vast_doc("spot")
    doc["offers"][0]["dph_total"] = 5000.0 * doc["offers"][0]["num_gpus"]
    return json_reply(doc)


def too_large(env: Env) -> Settings:
    cap = 60_000  # above every sample this run fetches, below the padded spot answer
    padded = json.dumps(vast_doc("spot")).encode() + b" " * cap
    env.server.route(VAST_PATH, vast_with_spot(lambda h: Reply(padded)))
    return replace(env.settings, max_response_bytes=cap)


def slow_drip(env: Env) -> Settings:
    env.server.route(VAST_PATH, vast_with_spot(dripping(times=20)))
    return replace(env.settings, request_deadline_s=1.0)


def cross_host_redirect(env: Env) -> Settings:
    # Another machine: the stand-in's own name (127.0.0.1, any port) would be allowed.
    target = f"http://localhost:{env.closed_port}{VAST_PATH}"
    env.server.route(
        VAST_PATH, vast_with_spot(lambda h: Reply(b"", 302, headers={"Location": target}))
    )
    return env.settings


@dataclass(frozen=True)
class Case:
    """One row of the fault matrix."""

    id: str
    fault: Fault
    status: str  # ok: retried then succeeded | failed: vastai failed, nothing written
    message: str  # regex the one-line error must match (failed cases)


CASES = [
    Case(
        "connect-timeout", connect_timeout, "failed", r"connect timeout to .* \(after 3 attempts\)"
    ),
    Case("read-timeout", read_timeout, "failed", r"read timeout from .* \(after 3 attempts\)"),
    Case("connection-refused", connection_refused, "failed", r"connection refused to 127\.0\.0\.1"),
    Case(
        "429-retry-after",
        first_call_then_sample(Reply(b"slow down", 429, headers={"Retry-After": "3600"})),
        "ok",
        "",
    ),
    *[
        Case(
            f"{code}-then-ok", first_call_then_sample(Reply(b"oops", code, "text/plain")), "ok", ""
        )
        for code in (500, 502, 503)
    ],
    *[
        Case(
            f"{code}-persistent",
            spot_fault(lambda h, code=code: Reply(b"down", code, "text/plain")),
            "failed",
            rf"HTTP {code} from 127\.0\.0\.1:\d+/api/v0/bundles/ \(after 3 attempts\)",
        )
        for code in (500, 502, 503)
    ],
    Case(
        "403-forbidden",
        spot_fault(lambda h: Reply(b"no", 403, "text/plain")),
        "failed",
        r"HTTP 403 from 127\.0\.0\.1:\d+/api/v0/bundles/$",
    ),
    Case("robots-disallow", robots_disallow, "failed", r"robots\.txt of .* disallows /api/v0/"),
    Case(
        "malformed-json",
        spot_fault(lambda h: Reply(b'{"offers": [{"id": 1, "dph')),
        "failed",
        r"malformed JSON from 127\.0\.0\.1",
    ),
    Case("truncated-body", spot_fault(truncated), "failed", r"truncated body from .*attempts\)"),
    Case("empty-result", empty_result, "failed", r"0 offers parsed"),
    Case(
        "changed-layout",
        spot_fault(lambda h: json_reply({"results": vast_doc("spot")["offers"]})),
        "failed",
        r"no 'offers' list \(keys: results\)",
    ),
    Case(
        "absurd-values",
        spot_fault(absurd),
        "failed",
        r"1 of \d+ offers have rate_usd_per_gpu_hour outside 0\.001\.\.150 \(e\.g\. 5000\)",
    ),
    Case("too-large", too_large, "failed", r"declares [\d,]+ bytes, over the 60,000-byte cap"),
    Case(
        "redirect-loop",
        spot_fault(lambda h: Reply(b"", 302, headers={"Location": h.path})),
        "failed",
        r"redirected more than 5 times",
    ),
    Case("slow-drip", slow_drip, "failed", r"did not finish within the 1 s deadline$"),
    Case(
        "cross-host-redirect",
        cross_host_redirect,
        "failed",
        r"/api/v0/bundles/ redirected to localhost:\d+, "
        r"a host 127\.0\.0\.1:\d+ does not declare",
    ),
    Case(
        "redirect-without-location",
        spot_fault(lambda h: Reply(b"", 302)),
        "failed",
        r"HTTP 302 from 127\.0\.0\.1:\d+/api/v0/bundles/ without a Location header",
    ),
    Case(
        "vastai-empty-query",
        spot_fault(lambda h: json_reply({"offers": []})),
        "failed",
        r"0 offers parsed from the spot search \(0 entries\)",
    ),
    Case(
        "vastai-junk-list",
        spot_fault(lambda h: json_reply({"offers": [1, "x", None, {"id": 5}]})),
        "failed",
        r"0 offers parsed from the spot search \(4 entries\)",
    ),
]


@pytest.fixture
def env(server: LocalServer, tmp_path: Path) -> Iterator[Env]:
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    closed_port = closed.getsockname()[1]
    closed.close()
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    fillers = []
    for _ in range(4):  # fill the accept backlog so further connects hang
        client = socket.socket()
        client.setblocking(False)
        try:
            client.connect(listener.getsockname())
        except BlockingIOError:
            pass
        fillers.append(client)
    settings = local_settings(server.url, tmp_path / "rigshift.duckdb")
    yield Env(server, settings, closed_port, listener.getsockname()[1])
    for client in fillers:
        client.close()
    listener.close()


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store after one healthy refresh of both sources at T0, built once and copied."""
    path = tmp_path_factory.mktemp("baseline") / "rigshift.duckdb"
    with LocalServer() as srv:
        serve_vastai(srv)
        serve_whattomine(srv)
        settings = local_settings(srv.url, path)
        results = refresh(settings, SOURCES, force=True, now=T0)
    assert [r.status for r in results] == ["ok", "ok"]
    return path


def start_from(baseline: Path, env: Env) -> str:
    """Copy the baseline store to this test's database path."""
    shutil.copyfile(baseline, env.settings.db_path)
    return env.settings.db_path


def healthy(env: Env) -> None:
    env.server.routes.pop("/robots.txt", None)
    serve_vastai(env.server)
    serve_whattomine(env.server)


def run(env: Env, settings: Settings, now: datetime) -> dict[str, object]:
    """One refresh of both sources with sleeps recorded (not slept); results by source."""
    with PoliteSession(settings, sleep=env.sleeps.append) as session:
        results = refresh(settings, SOURCES, force=True, now=now, session=session)
    return {r.source: r for r in results}


def vast_rows(db: str) -> list[tuple]:
    return rows(db, "SELECT * EXCLUDE (fetched_at) FROM gpu_rental_offers ORDER BY ALL")


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_fault(env: Env, baseline: Path, case: Case) -> None:
    db = start_from(baseline, env)
    healthy(env)
    previous = vast_rows(db)
    coins_before = counts(db)["coin_network"]

    env.sleeps.clear()
    faulty = run(env, case.fault(env), T1)

    assert faulty["whattomine"].status == "ok" and faulty["whattomine"].rows_written > 0
    assert counts(db)["coin_network"] == coins_before  # its rows upserted, not duplicated
    vast = faulty["vastai"]
    assert vast.status == case.status, vast.error
    if case.status == "failed":
        assert vast.error.startswith("vastai: ") and "\n" not in vast.error
        assert re.search(case.message, vast.error), vast.error
        assert vast_rows(db) == previous  # nothing of the failed run was written
        logged = rows(db, "SELECT error FROM scrape_runs WHERE status = 'failed'")
        assert logged == [(vast.error,)]
    else:
        assert vast.rows_written == 70
        assert env.sleeps  # it did back off before retrying
        if case.id == "429-retry-after":
            assert env.settings.retry_after_max_s in env.sleeps  # an hour asked, cap applied

    healthy(env)
    recovered = run(env, env.settings, T1)
    assert all(r.status == "ok" for r in recovered.values())
    settled = counts(db)
    again = run(env, env.settings, T1)
    assert all(r.status == "ok" for r in again.values())
    assert counts(db) == settled


# Rows of the doc's own sections; another section (the app's, at the end) has its own test.
DOC_SECTIONS = ("## Cases", "## Refused data", "## Local faults")
LOCAL_FAULTS = {
    "foreign-database": "test_foreign_database_is_refused",
    "disk-full": "test_disk_full_fails_each_source_and_the_run_goes_on",
    "closed-stdout": "test_closed_stdout_does_not_stop_the_refresh",
    "robots-gzip-bomb": "test_robots_gzip_bomb_fails_every_source_on_that_host",
}


def doc_rows() -> list[str]:
    """Table rows (``| `id` | …``) of the sections this file tests, in order."""
    out: list[str] = []
    section = None
    for line in DOC.read_text().splitlines():
        if line.startswith("## "):
            section = line.strip()
        elif section in DOC_SECTIONS and line.startswith("| `"):
            out.append(line)
    return out


def test_doc_lists_every_case_with_its_test() -> None:
    table = doc_rows()
    ids = [re.match(r"\| `([^`]+)`", line).group(1) for line in table]  # type: ignore[union-attr]
    expected = [c.id for c in CASES] + ["sigkill-mid-write"]
    expected += [c.id for c in REFUSALS] + list(LOCAL_FAULTS)
    assert ids == expected
    for case in CASES:
        line = table[ids.index(case.id)]
        assert f"test_fault[{case.id}]" in line
        assert ("retried, then succeeded" in line) == (case.status == "ok")
    assert "test_sigkill_during_write" in table[ids.index("sigkill-mid-write")]
    for refusal in REFUSALS:
        line = table[ids.index(refusal.id)]
        assert f"test_refused[{refusal.id}]" in line
        assert line.split("|")[3].strip().startswith(refusal.status)
    for case_id, test in LOCAL_FAULTS.items():
        assert test in table[ids.index(case_id)]
    for test in LOCAL_FAULTS.values():
        assert test in globals()


# -- SIGKILL in the middle of a write ------------------------------------------------------

BIG_OFFERS = 60_000


def big_doc(label: str) -> bytes:
    """Many small offers so the write takes long enough to be killed in the middle."""
    template = {"num_gpus": 1, "gpu_name": "RTX 4090", "gpu_ram": 24564, "rentable": True}
    offers = [
        {**template, "id": 70_000_000 + i, "dph_total": 0.3 + (i % 100) / 1000}
        for i in range(BIG_OFFERS if label == "on_demand" else 10)
    ]
    return json.dumps({"offers": offers}).encode()


def writer_holds_lock(db: str) -> bool:
    try:
        duckdb.connect(db, read_only=True).close()
    except duckdb.IOException as exc:
        return "lock" in str(exc).lower()
    return False


def test_sigkill_during_write(env: Env, baseline: Path) -> None:
    db = start_from(baseline, env)
    healthy(env)
    previous = vast_rows(db)

    bodies = {label: big_doc(label) for label in ("on_demand", "spot")}
    env.server.route(VAST_PATH, lambda h: Reply(bodies[vast_type(h)]))
    hits = env.server.hits(VAST_PATH)
    proc = subprocess.Popen(
        [sys.executable, "-m", "dashboard.cli.main", "refresh", "--source", "vastai", "--force"],
        cwd=PROJECT_ROOT,
        env={**os.environ, **cli_env(env.server.url, db, ["vastai"])},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    killed_in_write = False
    deadline = time.monotonic() + 60
    try:
        # Both answers served: the next time the file is locked, the run is writing.
        while env.server.hits(VAST_PATH) < hits + 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        while proc.poll() is None and time.monotonic() < deadline:
            if writer_holds_lock(db):
                os.kill(proc.pid, signal.SIGKILL)
                killed_in_write = True
                break
            time.sleep(0.005)
    finally:
        if proc.poll() is None and not killed_in_write:
            proc.kill()
        proc.wait(timeout=30)
    assert killed_in_write, "the refresh finished before it could be killed"
    assert proc.returncode == -signal.SIGKILL

    # The store opens cleanly (DuckDB replays or discards its WAL) with either the previous
    # data or, if the kill landed after COMMIT, the complete new run: never a part of it.
    ok_runs = rows(
        db, "SELECT count(*) FROM scrape_runs WHERE source = 'vastai' AND status = 'ok'"
    )[0][0]
    offers = counts(db)["gpu_rental_offers"]
    if ok_runs == 1:
        assert vast_rows(db) == previous
    else:
        assert (ok_runs, offers) == (2, len(previous) + BIG_OFFERS + 10)

    healthy(env)
    after = run(env, env.settings, T1)  # the refresh lock died with the process
    assert after["vastai"].status == "ok" and after["vastai"].rows_written == 70


# -- Values that cannot be true: refused rows, failed sources (docs: "Refused data") ---------

FUTURE = 4102444800  # 2100-01-01 in unix seconds
YEAR_3000 = 32503680000
PRICE_PATH = "/api/v3/simple/price"
HASHRATE_PATH = "/api/v1/mining/hashrate/1m"
ADJUSTMENT_PATH = "/api/v1/difficulty-adjustment"
ENTSOE_PATH = "/api"


def serve_healthy(server: LocalServer) -> None:
    """Every source these cases use answers with its recorded sample."""
    serve_vastai(server)
    serve_whattomine(server)
    server.route(PRICE_PATH, sample("coingecko", "simple_price.json"))
    server.route(HASHRATE_PATH, sample("mempool", "hashrate_1m.json"))
    server.route(ADJUSTMENT_PATH, sample("mempool", "difficulty_adjustment.json"))
    server.route(ENTSOE_PATH, entsoe_by_zone)


def entsoe_by_zone(h) -> Reply:
    eic = parse_qs(urlsplit(h.path).query)["in_Domain"][0]
    zone = next(z for z, (code, _) in ENTSOE_ZONES.items() if code == eic)
    return Reply(sample("entsoe", f"{zone_label(zone)}.xml"), content_type="application/xml")


def edited(source: str, name: str, edit: Callable[[dict], None]) -> bytes:
    doc = json.loads(sample(source, name))
    edit(doc)
    return json.dumps(doc).encode()


def coingecko_all(stamp: int) -> Callable[[LocalServer], None]:
    def inject(server: LocalServer) -> None:
        def edit(doc: dict) -> None:
            for quote in doc.values():
                quote["last_updated_at"] = stamp

        server.route(PRICE_PATH, edited("coingecko", "simple_price.json", edit))

    return inject


def coingecko_btc_year_3000(server: LocalServer) -> None:
    def edit(doc: dict) -> None:
        doc["bitcoin"]["last_updated_at"] = YEAR_3000

    server.route(PRICE_PATH, edited("coingecko", "simple_price.json", edit))


def whattomine_2100(server: LocalServer) -> None:
    def edit(doc: dict) -> None:
        for entry in doc["coins"].values():
            entry["timestamp"] = FUTURE
        doc["coins"]["EthereumClassic"]["exchange_rate"] = 0.9

    server.route("/coins.json", edited("whattomine", "coins.json", edit))


def mempool_point_2100(server: LocalServer) -> None:
    def edit(doc: dict) -> None:
        doc["hashrates"].append({"timestamp": FUTURE, "avgHashrate": 1e21})

    server.route(HASHRATE_PATH, edited("mempool", "hashrate_1m.json", edit))


def vast_spot_edit(edit: Callable[[dict], None]) -> Callable[[LocalServer], None]:
    def inject(server: LocalServer) -> None:
        def handle(h):
            doc = vast_doc(vast_type(h), 2.0)
            if vast_type(h) == "spot":
                edit(doc)
            return json_reply(doc)

        server.route(VAST_PATH, handle)

    return inject


def drop_ids(doc: dict) -> None:
    for offer in doc["offers"]:
        for key in ("id", "ask_contract_id", "bundle_id"):
            offer.pop(key, None)


def negative_ram(doc: dict) -> None:
    doc["offers"][0]["gpu_ram"] = -1e12


def entsoe_de_lu_everywhere(server: LocalServer) -> None:
    body = sample("entsoe", "day_ahead_de_lu.xml")
    server.route(ENTSOE_PATH, Reply(body, content_type="application/xml"))


@dataclass(frozen=True)
class Refusal:
    """One row of "Refused data": a source answers values that cannot be true."""

    id: str
    source: str
    table: str
    inject: Callable[[LocalServer], None]
    status: str  # failed: nothing written | ok: only the valid rows written
    message: str  # failed: regex of the one-line error
    refused: int  # rows counted in scrape_runs.rows_refused (ok cases; -1: the spot count)


REFUSALS = [
    Refusal(
        "coingecko-epoch-zero",
        "coingecko",
        "coin_network",
        coingecko_all(0),
        "failed",
        r"^coingecko: all 7 prices refused as impossible \(observed_at 1970-01-01 00:00 before "
        r"2009-01-03 00:00\)",
        0,
    ),
    Refusal(
        "coingecko-year-3000",
        "coingecko",
        "coin_network",
        coingecko_btc_year_3000,
        "ok",
        "",
        1,
    ),
    Refusal(
        "coingecko-all-future",
        "coingecko",
        "coin_network",
        coingecko_all(YEAR_3000),
        "failed",
        r"all 7 prices refused as impossible \(observed_at 3000-01-01 00:00 after its fetch",
        0,
    ),
    Refusal("whattomine-2100", "whattomine", "coin_network", whattomine_2100, "ok", "", 6),
    Refusal("mempool-point-2100", "mempool", "coin_network", mempool_point_2100, "ok", "", 1),
    Refusal(
        "vastai-missing-id", "vastai", "gpu_rental_offers", vast_spot_edit(drop_ids), "ok", "", -1
    ),
    Refusal(
        "vastai-negative-ram",
        "vastai",
        "gpu_rental_offers",
        vast_spot_edit(negative_ram),
        "ok",
        "",
        1,
    ),
    Refusal(
        "entsoe-wrong-zone",
        "entsoe",
        "energy_prices",
        entsoe_de_lu_everywhere,
        "failed",
        r"^entsoe: ENTSO-E answered for DE-LU \(10Y1001A1001A82H\) when NL \(10YNL----------L\) "
        r"was asked$",
        0,
    ),
]


def impossible_rows(db: str, table: str) -> list[tuple]:
    """Rows no validation should ever let in: future, pre-genesis, id "None", negative RAM."""
    time_column = "period_start" if table == "energy_prices" else "observed_at"
    sql = (
        f"SELECT * FROM {table} WHERE {time_column} > fetched_at + INTERVAL 3 DAY"
        f" OR {time_column} < DATE '1990-01-01'"
    )
    if table == "gpu_rental_offers":
        sql += " OR offer_id = 'None' OR gpu_ram_gb < 0"
    return rows(db, sql)


@pytest.mark.parametrize("case", REFUSALS, ids=[c.id for c in REFUSALS])
def test_refused(server: LocalServer, tmp_path: Path, case: Refusal) -> None:
    db = str(tmp_path / "rigshift.duckdb")
    settings = local_settings(server.url, Path(db))
    serve_healthy(server)
    [first] = refresh(settings, [case.source], force=True, now=T0)
    assert first.status == "ok" and first.rows_refused == 0, first.error
    table_sql = f"SELECT * EXCLUDE (fetched_at) FROM {case.table} ORDER BY ALL"
    before = rows(db, table_sql)

    case.inject(server)
    [done] = refresh(settings, [case.source], force=True, now=T1)

    assert done.status == case.status, done.error
    after = rows(db, table_sql)
    logged = rows(
        db,
        "SELECT status, error, rows_refused FROM scrape_runs WHERE source = ? ORDER BY ALL",
        [case.source],
    )
    if case.status == "failed":
        assert "\n" not in done.error and re.search(case.message, done.error), done.error
        assert after == before  # old rows kept, nothing of the bad answer
        assert ("failed", done.error, done.rows_refused) in logged
    else:
        expected = len(vast_doc("spot")["offers"]) if case.refused == -1 else case.refused
        assert done.rows_refused == expected
        assert ("ok", None, expected) in logged
        assert set(before) <= set(after) or case.source == "vastai"
    assert impossible_rows(db, case.table) == []


def test_future_price_leaves_market_page_and_pivot_unaffected(
    server: LocalServer, tmp_path: Path, demo_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """ACCEPTANCE: a year-3000 CoinGecko answer is refused; Market and pivot still work."""
    from streamlit.testing.v1 import AppTest

    from dashboard.cli.main import main

    db = tmp_path / "rigshift.duckdb"
    shutil.copyfile(demo_db, db)
    settings = local_settings(server.url, db)
    coingecko_all(YEAR_3000)(server)
    before = rows(str(db), "SELECT max(observed_at) FROM coin_network")
    [done] = refresh(settings, ["coingecko"], force=True)
    assert done.status == "failed" and "refused as impossible" in done.error
    assert rows(str(db), "SELECT max(observed_at) FROM coin_network") == before

    os.environ["RIGSHIFT_DB"] = str(db)
    try:
        at = AppTest.from_file(str(PROJECT_ROOT / "dashboard" / "app.py"), default_timeout=60)
        at.run()
        at.switch_page("app_pages/market.py").run()
        assert not at.exception
        capsys.readouterr()
        code = main(["pivot", "--gpu", "RTX 4090", "--json"])
    finally:
        del os.environ["RIGSHIFT_DB"]
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert "3000" not in json.dumps(out)


# -- Local faults around a refresh (docs: "Local faults") -----------------------------------


def refresh_env(env: Env, db: str) -> dict[str, str]:
    """The environment of a CLI refresh of both sources against the fault's server."""
    return {**os.environ, **cli_env(env.server.url, db, SOURCES, retries="0")}


REFRESH_BOTH = [sys.executable, "-m", "dashboard.cli.main", "refresh", "--force"]
REFRESH_BOTH += [arg for source in SOURCES for arg in ("--source", source)]


def test_foreign_database_is_refused(env: Env, tmp_path: Path) -> None:
    db = str(tmp_path / "theirs.duckdb")
    with duckdb.connect(db) as con:
        con.execute("CREATE TABLE invoices (id INTEGER, total DOUBLE)")
        con.execute("INSERT INTO invoices VALUES (1, 9.5)")
    healthy(env)
    done = subprocess.run(
        REFRESH_BOTH,
        cwd=PROJECT_ROOT,
        env=refresh_env(env, db),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert "is another application's database (tables invoices; no store_meta)" in done.stderr
    tables = rows(db, "SELECT table_name FROM duckdb_tables()")
    assert tables == [("invoices",)] and rows(db, "SELECT * FROM invoices") == [(1, 9.5)]


DISK_FULL_CHILD = """
import resource, signal, sys
# The file-size limit makes every write past 512 bytes fail with EFBIG, as a full disk fails
# with ENOSPC: DuckDB's WAL and the raw payload files both hit it (SIGXFSZ ignored so the
# write returns the error instead of killing the process).
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (512, 512))
from dashboard.cli.main import main
sys.exit(main(sys.argv[1:]))
"""


def test_disk_full_fails_each_source_and_the_run_goes_on(env: Env, baseline: Path) -> None:
    db = start_from(baseline, env)
    previous = vast_rows(db)
    coins = rows(db, "SELECT * FROM coin_network ORDER BY ALL")
    env.server.route(VAST_PATH, vast_with_spot(lambda h: json_reply(vast_doc("spot", 3.0))))
    serve_whattomine(env.server)
    args = ["refresh", "--force", "--json", "--source", "vastai", "--source", "whattomine"]
    done = subprocess.run(
        [sys.executable, "-c", DISK_FULL_CHILD, *args],
        cwd=PROJECT_ROOT,
        env=refresh_env(env, db),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 4, done.stderr
    results = {s["source"]: s for s in json.loads(done.stdout)["sources"]}
    assert set(results) == set(SOURCES)  # the second source was still tried
    for result in results.values():
        assert result["status"] == "failed"
        assert re.search(r": store write failed: no space left", result["error"]), result
    assert vast_rows(db) == previous
    assert rows(db, "SELECT * FROM coin_network ORDER BY ALL") == coins


def test_closed_stdout_does_not_stop_the_refresh(env: Env, baseline: Path) -> None:
    db = start_from(baseline, env)
    healthy(env)
    runs_before = rows(db, "SELECT count(*) FROM scrape_runs WHERE status = 'ok'")[0][0]
    # `rigshift refresh | head -1`: the reader takes one line and goes away.
    proc = subprocess.Popen(
        [
            *REFRESH_BOTH[:3],
            "refresh",
            "--force",
            "--json",
            "--source",
            "vastai",
            "--source",
            "whattomine",
        ],
        cwd=PROJECT_ROOT,
        env=refresh_env(env, db),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None
    proc.stdout.readline()
    proc.stdout.close()
    code = proc.wait(timeout=120)
    stderr = proc.stderr.read().decode() if proc.stderr else ""
    assert code == 0, stderr
    assert "Traceback" not in stderr and "BrokenPipe" not in stderr
    runs_after = rows(db, "SELECT count(*) FROM scrape_runs WHERE status = 'ok'")[0][0]
    assert runs_after == runs_before + 2  # both sources committed


def test_robots_gzip_bomb_fails_every_source_on_that_host(env: Env, baseline: Path) -> None:
    import zlib

    db = start_from(baseline, env)
    healthy(env)
    previous = vast_rows(db)
    coins = rows(db, "SELECT * EXCLUDE (fetched_at) FROM coin_network ORDER BY ALL")
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    bomb = b"".join(packer.compress(b"\0" * (1 << 20)) for _ in range(16)) + packer.flush()
    env.server.route(
        "/robots.txt", Reply(bomb, 200, "text/plain", headers={"Content-Encoding": "gzip"})
    )
    results = run(env, env.settings, T1)
    for source in SOURCES:
        error = results[source].error or ""
        assert results[source].status == "failed"
        assert re.search(r"^\w+: 127\.0\.0\.1:\d+/robots\.txt sent over 524,288 bytes$", error)
    assert vast_rows(db) == previous
    assert rows(db, "SELECT * EXCLUDE (fetched_at) FROM coin_network ORDER BY ALL") == coins
