"""The synthetic store is deterministic, labelled and shaped like the real tables."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from scrapers.errors import ConfigError
from scrapers.synth import SCALES, build_synthetic


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One small synthetic store for the module."""
    path = tmp_path_factory.mktemp("synth") / "small.duckdb"
    build_synthetic(path, "small", seed=7)
    return path


def _fingerprint(path: Path) -> tuple:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(
            "SELECT count(*), round(sum(rate_usd_per_gpu_hour), 6) FROM gpu_rental_offers"
        ).fetchone()
    finally:
        con.close()


def test_small_has_hourly_snapshots_of_all_offers(small: Path) -> None:
    scale = SCALES["small"]
    con = duckdb.connect(str(small), read_only=True)
    n, snapshots = con.execute(
        "SELECT count(*), count(DISTINCT observed_at) FROM gpu_rental_offers"
    ).fetchone()
    con.close()
    assert snapshots == scale.days * 24
    assert n == snapshots * scale.offers_per_snapshot


def test_same_seed_same_data(small: Path, tmp_path: Path) -> None:
    again = tmp_path / "again.duckdb"
    build_synthetic(again, "small", seed=7)
    assert _fingerprint(again) == _fingerprint(small)


def test_other_seed_other_data(small: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.duckdb"
    build_synthetic(other, "small", seed=8)
    assert _fingerprint(other) != _fingerprint(small)


def test_labelled_synthetic(small: Path) -> None:
    con = duckdb.connect(str(small), read_only=True)
    meta = dict(con.execute("SELECT key, value FROM store_meta").fetchall())
    urls = {
        r[0] for r in con.execute("SELECT DISTINCT source_url FROM gpu_rental_offers").fetchall()
    }
    con.close()
    assert meta["dataset"] == "synthetic"
    assert urls == {"synthetic://seed/7"}


def test_rental_index_built(small: Path) -> None:
    con = duckdb.connect(str(small), read_only=True)
    models = con.execute("SELECT count(DISTINCT gpu_model) FROM gpu_rental_index").fetchone()[0]
    con.close()
    assert models >= 5


def test_unknown_scale_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="--scale"):
        build_synthetic(tmp_path / "x.duckdb", "huge")
