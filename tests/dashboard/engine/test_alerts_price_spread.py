"""The price_spread_widens alert rule on a tiny hand-made store."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from dashboard.engine.alerts import PRICE_SPREAD_WIDENS, evaluate, parse_rules
from scrapers.errors import ConfigError
from scrapers.rental_index import rebuild_sql
from scrapers.schema import GPU_RENTAL_OFFERS
from scrapers.store import read_connection, write_connection
from tests.support.market_store import write_rows
from tests.support.tiny_store import offer as rental_offer

NOW = datetime(2025, 11, 20, 12)
FIRST = datetime(2025, 11, 10, 12)


def offer(source: str, rate: float, t: datetime) -> dict:
    """One available on-demand RTX 4090 offer."""
    return rental_offer("RTX 4090", rate, t, f"{source}-1", source=source, available=True)


def store(tmp_path: Path, late_runpod_rate: float) -> Path:
    """vastai at 0.40 and runpod at 0.44 on day 1; runpod at ``late_runpod_rate`` 8 days on."""
    late = FIRST + timedelta(days=8)
    db = tmp_path / "spread.duckdb"
    rows = [offer("vastai", 0.40, FIRST), offer("runpod", 0.44, FIRST)]
    rows += [offer("vastai", 0.40, late), offer("runpod", late_runpod_rate, late)]
    write_rows(db, GPU_RENTAL_OFFERS, rows)
    with write_connection(str(db)) as con:
        con.execute(rebuild_sql())
    return db


RULE = {"id": "4090-spread", "type": PRICE_SPREAD_WIDENS, "gpu": "RTX 4090", "pct": 20}


def run(db: Path, rule: dict = RULE):  # noqa: ANN201 - an Evaluation
    """The rule evaluated against ``db``."""
    with read_connection(str(db)) as con:
        return evaluate(con, parse_rules({"rules": [rule]}), NOW)


def test_fires_when_the_spread_widens_past_the_threshold(tmp_path: Path) -> None:
    [fired] = run(store(tmp_path, 0.60)).fired  # 10 % -> 50 %: +40 points
    assert fired.value == pytest.approx(40.0)
    assert "widened from 10% on 2025-11-10 to 50% on 2025-11-18" in fired.message


def test_stays_quiet_when_the_spread_holds(tmp_path: Path) -> None:
    assert run(store(tmp_path, 0.46)).fired == []  # 10 % -> 15 %


def test_a_single_source_is_skipped_not_fired(tmp_path: Path) -> None:
    db = tmp_path / "one.duckdb"
    write_rows(db, GPU_RENTAL_OFFERS, [offer("vastai", 0.40, FIRST)])
    with write_connection(str(db)) as con:
        con.execute(rebuild_sql())
    result = run(db)
    assert result.fired == [] and "fewer than two sources" in result.skipped[0]


def test_the_rule_needs_a_gpu() -> None:
    with pytest.raises(ConfigError, match="gpu is required"):
        parse_rules({"rules": [{"id": "x", "type": PRICE_SPREAD_WIDENS, "pct": 5}]})
