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

import duckdb
import pytest
from conftest import LocalServer, Reply, local_settings
from upstreams import (
    VAST_PATH,
    counts,
    rows,
    serve_vastai,
    serve_whattomine,
    vast_doc,
    vast_type,
)

from scrapers.config import PROJECT_ROOT, Settings
from scrapers.http import PoliteSession
from scrapers.refresh import refresh

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


def truncated(h):
    h.send_response(200)
    h.send_header("Content-Length", "50000")
    h.end_headers()
    h.wfile.write(b'{"offers": [')
    return None


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
    srv = LocalServer()
    srv.thread.start()
    path = tmp_path_factory.mktemp("baseline") / "rigshift.duckdb"
    try:
        serve_vastai(srv)
        serve_whattomine(srv)
        settings = local_settings(srv.url, path)
        results = refresh(settings, SOURCES, force=True, now=T0)
    finally:
        srv.httpd.shutdown()
        srv.httpd.server_close()
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


def test_doc_lists_every_case_with_its_test() -> None:
    text = DOC.read_text().split("\n## App and SQL console")[0]  # tests/test_fault_matrix_app.py
    table = [line for line in text.splitlines() if line.startswith("| `")]
    ids = [re.match(r"\| `([^`]+)`", line).group(1) for line in table]  # type: ignore[union-attr]
    assert ids == [c.id for c in CASES] + ["sigkill-mid-write"]
    for case in CASES:
        line = table[ids.index(case.id)]
        assert f"test_fault[{case.id}]" in line
        assert ("retried, then succeeded" in line) == (case.status == "ok")
    assert "test_sigkill_during_write" in table[-1]


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


def test_sigkill_during_write(env: Env, baseline: Path, tmp_path: Path) -> None:
    db = start_from(baseline, env)
    healthy(env)
    previous = vast_rows(db)

    bodies = {label: big_doc(label) for label in ("on_demand", "spot")}
    env.server.route(VAST_PATH, lambda h: Reply(bodies[vast_type(h)]))
    hits = env.server.hits(VAST_PATH)
    proc = subprocess.Popen(
        [sys.executable, "-m", "dashboard.cli.main", "refresh", "--source", "vastai", "--force"],
        cwd=PROJECT_ROOT,
        env={
            **os.environ,
            "RIGSHIFT_DB": db,
            "RIGSHIFT_CONFIG": str(tmp_path / "none.toml"),
            "RIGSHIFT_VASTAI_BASE_URL": env.server.url,
            "RIGSHIFT_HTTP_MIN_INTERVAL_S": "0",
        },
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
