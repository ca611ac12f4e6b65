"""Two `rigshift refresh` processes on one database: one runs, the other exits 75 at once."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from scrapers.config import PROJECT_ROOT
from tests.support.local_http import LocalServer, Reply, cli_env
from tests.support.payloads import sample
from tests.support.upstreams import VAST_PATH, counts, rows, vast_type


def refresh_env(server: LocalServer, db: Path) -> dict[str, str]:
    """The environment of a CLI refresh against the local server."""
    return {**os.environ, **cli_env(server.url, db, ["vastai"], retries="0", timeout_s="30")}


def start_refresh(env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "dashboard.cli.main", "refresh", "--source", "vastai", "--quiet"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def first_to_exit(procs: list[subprocess.Popen[str]], limit_s: float = 60) -> int:
    """Index of the process that exits first."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        for i, proc in enumerate(procs):
            if proc.poll() is not None:
                return i
        time.sleep(0.05)
    raise AssertionError("neither refresh exited")


def test_second_refresh_exits_75_while_first_runs(server: LocalServer, tmp_path: Path) -> None:
    released = threading.Event()

    def slow(h):
        # The lock holder's fetch stays open until the other process has given up.
        released.wait(timeout=30)
        time.sleep(0.2)
        return Reply(sample("vastai", f"{vast_type(h)}.json"))

    server.route(VAST_PATH, slow)
    env = refresh_env(server, tmp_path / "rigshift.duckdb")
    procs = [start_refresh(env), start_refresh(env)]
    try:
        loser_index = first_to_exit(procs)
        loser, winner = procs[loser_index], procs[1 - loser_index]
        assert winner.poll() is None  # the holder is still fetching when the other gives up
        released.set()
        _, loser_err = loser.communicate(timeout=30)
        _, winner_err = winner.communicate(timeout=60)
    finally:
        released.set()
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
    assert loser.returncode == 75
    assert "already running" in loser_err and loser_err.count("\n") == 1
    assert winner.returncode == 0, winner_err
    db = str(tmp_path / "rigshift.duckdb")
    assert counts(db)["gpu_rental_offers"] == 70  # exactly one run's rows
    assert rows(db, "SELECT source, status FROM scrape_runs") == [("vastai", "ok")]


def test_lock_is_released_after_a_run(server: LocalServer, tmp_path: Path) -> None:
    server.route(VAST_PATH, lambda h: Reply(sample("vastai", f"{vast_type(h)}.json")))
    env = refresh_env(server, tmp_path / "rigshift.duckdb")
    for _ in range(2):
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "dashboard.cli.main",
                "refresh",
                "--source",
                "vastai",
                "--force",
            ],
            cwd=PROJECT_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert proc.returncode == 0, proc.stderr
    assert Path(str(tmp_path / "rigshift.duckdb") + ".refresh.lock").exists()
