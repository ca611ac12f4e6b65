"""ACCEPTANCE: a refresh loop and a dashboard-like reader on one DuckDB file, in two processes.

The writer process refreshes vast.ai repeatedly (each answer has new prices and one new offer);
the reader process keeps opening short read-only connections and querying, as the dashboard
does. Neither side may see an error, and every read must be a consistent snapshot: the rows of
a run appear together with its ``scrape_runs`` record, and counts never go down.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

from scrapers.config import PROJECT_ROOT
from scrapers.store import Store
from tests.support.local_http import LocalServer, Reply, cli_env
from tests.support.upstreams import VAST_PATH, counts, rows, vast_doc, vast_type

ITERATIONS = 15
SAMPLE_OFFERS = 70

WRITER = """
import json, sys
from scrapers.config import load_settings
from scrapers.refresh import refresh
settings = load_settings()
errors, ok = [], 0
for _ in range(int(sys.argv[1])):
    try:
        [result] = refresh(settings, ["vastai"], force=True)
    except Exception as exc:
        errors.append(repr(exc))
        continue
    if result.status == "ok":
        ok += 1
    else:
        errors.append(result.error)
print(json.dumps({"ok": ok, "errors": errors}))
"""

READER = """
import json, sys, time
from pathlib import Path
from scrapers.store import read_connection
db, stop = sys.argv[1], Path(sys.argv[2])
reads, errors, problems, last = 0, [], [], 0
deadline = time.monotonic() + 60
while not stop.exists() and time.monotonic() < deadline:
    try:
        with read_connection(db) as con:
            offers = con.execute("SELECT count(*) FROM gpu_rental_offers").fetchone()[0]
            runs = con.execute(
                "SELECT count(*) FROM scrape_runs WHERE status = 'ok'"
            ).fetchone()[0]
            con.execute(
                "SELECT gpu_model, pricing_type, median_usd_per_gpu_hour "
                "FROM gpu_rental_index ORDER BY day DESC LIMIT 50"
            ).df()
            con.execute(
                "SELECT gpu_model, median(rate_usd_per_gpu_hour) FROM gpu_rental_offers "
                "GROUP BY 1"
            ).fetchall()
    except Exception as exc:
        errors.append(repr(exc))
        continue
    reads += 1
    if offers != (int(sys.argv[3]) + runs if runs else 0):
        problems.append(f"{offers} offers with {runs} runs")
    if offers < last:
        problems.append(f"count went down {last} -> {offers}")
    last = offers
print(json.dumps({"reads": reads, "errors": errors, "problems": problems}))
"""


def python(code: str, *args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_refresh_loop_and_reader_run_together(server: LocalServer, tmp_path: Path) -> None:
    calls = itertools.count(1)
    guard = threading.Lock()

    def changing(h):
        label = vast_type(h)
        with guard:
            n = next(calls)
        doc = vast_doc(label, 1 + n / 100)
        if label == "on_demand":  # one new offer per refresh, so counts grow run by run
            doc["offers"].append({**doc["offers"][0], "id": 90_000_000 + n})
        return Reply(json.dumps(doc).encode())

    server.route(VAST_PATH, changing)
    db = tmp_path / "rigshift.duckdb"
    Store(str(db)).init()
    env = {**os.environ, **cli_env(server.url, db, ["vastai"], retries="0")}
    stop = tmp_path / "stop"
    reader = python(READER, str(db), str(stop), str(SAMPLE_OFFERS), env=env)
    writer = python(WRITER, str(ITERATIONS), env=env)
    try:
        w_out, w_err = writer.communicate(timeout=120)
    finally:
        stop.touch()
        r_out, r_err = reader.communicate(timeout=60)

    assert writer.returncode == 0, w_err
    assert reader.returncode == 0, r_err
    wrote, read = json.loads(w_out), json.loads(r_out)
    assert wrote == {"ok": ITERATIONS, "errors": []}
    assert read["errors"] == [] and read["problems"] == []
    assert read["reads"] > 0
    assert counts(str(db))["gpu_rental_offers"] == SAMPLE_OFFERS + ITERATIONS
    assert rows(str(db), "SELECT count(*) FROM scrape_runs WHERE status = 'ok'") == [(ITERATIONS,)]
