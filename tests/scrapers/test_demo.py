"""The demo dataset: built offline from bundled samples and cited anchors, labelled as demo."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pytest

from scrapers.config import SAMPLES_DIR, Settings
from scrapers.demo import build_demo, replay_batch
from scrapers.demo_history import ANCHORS_URL, carbon_frame, load_anchors
from scrapers.sources import source_ids
from scrapers.sources.base import Context, Query, Source

NOW = datetime(2026, 3, 10, 12, 30, tzinfo=UTC)
RTX3090_HS = {"Ethash": 121e6, "Etchash": 120e6, "Autolykos": 245e6, "KawPow": 55e6}


def offline_settings(db_path: Path) -> Settings:
    """Settings whose every base URL points at a closed local port: nothing may be fetched."""
    return Settings(db_path=str(db_path), base_urls={s: "http://127.0.0.1:9" for s in source_ids()})


@dataclass
class Built:
    """One demo build: where it is, its summary and its progress lines."""

    path: Path
    summary: str
    lines: list[str]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """One demo build shared by the read-only tests below."""
    path = tmp_path_factory.mktemp("demo") / "rigshift.duckdb"
    lines: list[str] = []
    summary = build_demo(offline_settings(path), progress=lines.append, now=NOW)
    return Built(path, summary, lines)


@pytest.fixture(scope="module")
def demo_db(built: Built) -> Path:
    """The shared demo database file."""
    return built.path


def query(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    """Rows of ``sql`` from a read-only connection."""
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def gross_3090(db: Path, coin: str, day: str) -> float:
    """RTX 3090 gross USD/day on ``coin`` from the stored network state (the PoW formula)."""
    algorithm, nethash, block_time, reward, price = query(
        db,
        "SELECT algorithm, nethash_hs, block_time_s, block_reward_coins, price_usd "
        "FROM coin_network WHERE source = 'demo_history' AND coin = ? "
        "AND CAST(observed_at AS DATE) = ?",
        [coin, day],
    )[0]
    return RTX3090_HS[algorithm] / nethash * (86_400 / block_time) * reward * price


def test_summary_says_demo_data(built: Built) -> None:
    assert built.summary.startswith("demo data")
    assert any(line.startswith("history 2021-01-01..2026-03-10") for line in built.lines)


def test_store_meta_marks_the_dataset_as_demo(demo_db: Path) -> None:
    meta = dict(query(demo_db, "SELECT key, value FROM store_meta"))
    assert meta["dataset"] == "demo"
    assert meta["demo_built_at"].startswith("2026-03-10T12:30")
    assert "not live" in meta["demo_note"]


@pytest.mark.parametrize(
    "table",
    ["coin_network", "gpu_rental_offers", "gpu_hardware_prices", "energy_prices", "grid_carbon"],
)
def test_every_data_kind_has_rows(demo_db: Path, table: str) -> None:
    assert query(demo_db, f"SELECT count(*) FROM {table}")[0][0] > 0


def test_eth_series_ends_the_day_before_the_merge(demo_db: Path) -> None:
    last = query(demo_db, "SELECT max(observed_at) FROM coin_network WHERE coin = 'ETH'")[0][0]
    assert last.date() == date(2022, 9, 14)


def test_btc_subsidy_halves_on_2024_04_20(demo_db: Path) -> None:
    rewards = dict(
        query(
            demo_db,
            "SELECT CAST(observed_at AS DATE), block_reward_coins FROM coin_network "
            "WHERE coin = 'BTC' AND source = 'demo_history' "
            "AND CAST(observed_at AS DATE) IN ('2024-04-19', '2024-04-20')",
        )
    )
    assert 6.25 < rewards[date(2024, 4, 19)] < 6.25 + 0.5  # subsidy plus fees
    assert 3.125 < rewards[date(2024, 4, 20)] < 3.125 + 0.5


@pytest.mark.parametrize(
    ("coin", "day", "anchor_usd"),
    [("ETH", "2022-09-14", 2.80), ("ETC", "2022-09-15", 0.33), ("ERG", "2022-09-15", 0.65)],
)
def test_rtx3090_gross_revenue_matches_the_merge_anchors(
    demo_db: Path, coin: str, day: str, anchor_usd: float
) -> None:
    assert gross_3090(demo_db, coin, day) == pytest.approx(anchor_usd, rel=0.15)


def test_best_coin_revenue_drifts_to_present_day_levels(demo_db: Path) -> None:
    best = max(gross_3090(demo_db, coin, "2026-03-01") for coin in ("ETC", "RVN", "ERG"))
    assert 0.10 <= best <= 0.30


def test_btc_hashprice_matches_the_cited_points(demo_db: Path) -> None:
    for anchor in load_anchors()["BTC.hashprice_usd_per_ph_day"]:
        nethash, reward, price = query(
            demo_db,
            "SELECT nethash_hs, block_reward_coins, price_usd FROM coin_network "
            "WHERE coin = 'BTC' AND source = 'demo_history' AND CAST(observed_at AS DATE) = ?",
            [anchor.day],
        )[0]
        hashprice = 144 * reward * price / (nethash / 1e15)
        assert hashprice == pytest.approx(anchor.value, rel=0.15), anchor.day


def test_h100_index_falls_from_2023_to_2025(demo_db: Path) -> None:
    by_year = dict(
        query(
            demo_db,
            "SELECT year(day), median(median_usd_per_gpu_hour) FROM gpu_rental_index "
            "WHERE gpu_model = 'H100 SXM' AND pricing_type = 'on_demand' GROUP BY 1",
        )
    )
    assert by_year[2023] > by_year[2024] > by_year[2025]
    assert by_year[2023] > 2 * by_year[2025]


def test_history_reaches_today(demo_db: Path) -> None:
    for table in ("coin_network", "gpu_rental_offers"):
        last = query(
            demo_db, f"SELECT max(observed_at) FROM {table} WHERE source = 'demo_history'"
        )[0][0]
        assert last.date() == NOW.date()
    first = query(demo_db, "SELECT min(observed_at) FROM coin_network")[0][0]
    assert first.date() == date(2021, 1, 1)


def test_history_lineage_points_at_the_anchors_file(demo_db: Path) -> None:
    lineage = query(
        demo_db,
        "SELECT DISTINCT source_url, parser_version FROM gpu_hardware_prices "
        "WHERE source = 'demo_history'",
    )
    assert lineage == [(ANCHORS_URL, "demo-1")]


def test_replayed_sources_appear_in_scrape_runs(demo_db: Path) -> None:
    runs = dict(query(demo_db, "SELECT source, status FROM scrape_runs"))
    with_samples = {s for s in source_ids() if (SAMPLES_DIR / s).is_dir()}
    assert "vastai" in with_samples
    assert runs["demo_history"] == "ok"
    assert all(runs.get(s) == "ok" for s in with_samples)


def test_replayed_rows_name_the_bundled_sample(demo_db: Path) -> None:
    urls = {
        u
        for (u,) in query(
            demo_db, "SELECT DISTINCT source_url FROM gpu_rental_offers WHERE source = 'vastai'"
        )
    }
    assert urls == {
        "sample://data/samples/vastai/on_demand.json",
        "sample://data/samples/vastai/spot.json",
    }


def test_every_anchor_cites_a_source_url() -> None:
    anchors = [a for rows in load_anchors().values() for a in rows]
    assert len(anchors) > 50
    assert all(a.source_url.startswith(("http://", "https://")) for a in anchors)


def test_building_again_gives_identical_row_counts(demo_db: Path, tmp_path: Path) -> None:
    path = tmp_path / "again.duckdb"
    build_demo(offline_settings(path), now=NOW)
    tables = ("coin_network", "gpu_rental_offers", "gpu_hardware_prices", "energy_prices")
    counts = [query(path, f"SELECT count(*) FROM {t}")[0][0] for t in tables]
    assert counts == [query(demo_db, f"SELECT count(*) FROM {t}")[0][0] for t in tables]


def test_rebuild_replaces_the_file_and_drops_a_stale_wal(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    path.write_bytes(b"not a database")
    Path(f"{path}.wal").write_bytes(b"stale")
    build_demo(offline_settings(path), now=NOW)
    assert not Path(f"{path}.wal").exists()
    assert not list(tmp_path.glob("*.tmp*"))
    assert query(path, "SELECT value FROM store_meta WHERE key = 'dataset'") == [("demo",)]


class NoSample(Source):
    """A source whose query has no bundled sample."""

    id = "nosample"
    kind = "rental"
    title = "no sample"
    base_url = "https://example.invalid"

    def queries(self, ctx: Context) -> list[Query]:
        """One query without a sample payload."""
        return [Query(url="https://example.invalid/x", label="missing")]


def test_a_source_without_sample_is_reported_missing(tmp_path: Path) -> None:
    ctx = Context(settings=offline_settings(tmp_path / "x.duckdb"), now=NOW)
    with pytest.raises(FileNotFoundError, match="no sample payload"):
        replay_batch(NoSample(), ctx)


def test_carbon_fallback_covers_every_year_for_each_region() -> None:
    frame = carbon_frame(load_anchors(), date(2026, 3, 10))
    assert set(frame["year"]) == set(range(2021, 2027))
    assert frame.groupby("region").size().min() == 6
    assert frame["carbon_g_per_kwh"].between(0, 2000).all()
