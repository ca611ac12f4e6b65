"""The source contract, checked for every registered source on its bundled samples.

In the spirit of OpenBB's ``Fetcher.test()`` and the Singer SDK's standard tap tests: each test
is parametrized over the registry, so registering a source is enough to have it covered. The
samples (``data/samples/<id>/``) parse into rows of the tables the source declares, with no
column the store would drop; they pass the checks a refresh applies (``scrapers.checks`` and
``scrapers.validation``) without a refused row; and loading them twice into a real DuckDB file
changes no row count, derived tables included.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import pyarrow as pa
import pytest

from scrapers.checks import check_batch
from scrapers.config import SAMPLES_DIR, Settings
from scrapers.demo import replay_batch
from scrapers.refresh import run_source
from scrapers.schema import TABLES_BY_NAME, Batch
from scrapers.sources import get_source, source_ids
from scrapers.sources.base import Context, Query, sample_file
from scrapers.store import DERIVED_TABLES, Store, read_connection
from scrapers.validation import validate_batch

NOW = datetime(2026, 3, 10, 12, 30, tzinfo=UTC)
SOURCES = source_ids()


@dataclass(frozen=True)
class Replay:
    """One mode of a source (refresh or backfill): its context and the queries with samples."""

    mode: str
    ctx: Context
    queries: tuple[Query, ...]


def _has_sample(source_id: str, query: Query) -> bool:
    try:
        sample_file(source_id, query.label)
    except FileNotFoundError:
        return False
    return True


def replays(source_id: str) -> list[Replay]:
    """The refresh's queries, then the backfill's that ship a sample (if any)."""
    source = get_source(source_id)
    # Key-gated sources still build their queries; nothing is fetched.
    settings = Settings(api_keys={source_id: "CONTRACT_KEY"})
    refresh = Context(settings, NOW)
    backfill = Context(settings, NOW, backfill=True)
    found = [Replay("refresh", refresh, tuple(source.queries(refresh)))]
    # ENTSO-E's monthly history windows ship no samples; its refresh samples stand for them.
    history = tuple(q for q in source.history_queries(backfill) if _has_sample(source_id, q))
    if history:
        found.append(Replay("backfill", backfill, history))
    return found


@cache
def parsed(source_id: str) -> tuple[tuple[str, Batch], ...]:
    """(mode, stamped batch) of each replay, parsed once per test process."""
    source = get_source(source_id)
    return tuple((r.mode, replay_batch(source, r.ctx, r.queries)) for r in replays(source_id))


def _columns(rows: list[dict] | pa.Table) -> set[str]:
    if isinstance(rows, pa.Table):
        return set(rows.column_names)
    return {column for row in rows for column in row}


@pytest.mark.parametrize("source_id", SOURCES)
def test_every_bundled_sample_belongs_to_a_query(source_id: str) -> None:
    queries = [q for r in replays(source_id) for q in r.queries]
    missing = [q.label for q in replays(source_id)[0].queries if not _has_sample(source_id, q)]
    assert not missing, f"refresh queries without a sample (the demo needs them): {missing}"
    replayed = {sample_file(source_id, q.label) for q in queries}
    bundled = {p for p in (SAMPLES_DIR / source_id).iterdir() if p.is_file()}
    unread = sorted(p.name for p in bundled - replayed)
    assert not unread, f"samples no query reads: {unread}"


@pytest.mark.parametrize("source_id", SOURCES)
def test_samples_parse_into_the_declared_tables(source_id: str) -> None:
    declared = {t.name for t in get_source(source_id).tables}
    written: set[str] = set()
    for mode, batch in parsed(source_id):
        assert set(batch) <= declared, f"{mode}: writes undeclared tables {set(batch) - declared}"
        written |= set(batch)
        for name, rows in batch.items():
            # The store keeps only its table's columns: any other one would be lost silently.
            unknown = _columns(rows) - set(TABLES_BY_NAME[name].column_names)
            assert not unknown, f"{mode}: {name} rows carry columns it lacks: {sorted(unknown)}"
    assert written == declared, f"no sample yields rows for {declared - written}"


@pytest.mark.parametrize("source_id", SOURCES)
def test_samples_pass_the_refresh_checks(source_id: str) -> None:
    noun = get_source(source_id).row_noun
    for mode, batch in parsed(source_id):
        check_batch(source_id, batch, noun)
        kept, refusals = validate_batch(source_id, batch, noun)
        assert refusals.total == 0, f"{mode}: {refusals.total} sample rows refused"
        check_batch(source_id, kept, noun)


def _counts(db_path: str) -> dict[str, int]:
    tables = [*TABLES_BY_NAME, *(name for d in DERIVED_TABLES for name in d.tables)]
    with read_connection(db_path) as con:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}


@pytest.mark.parametrize("source_id", SOURCES)
def test_samples_load_twice_idempotently(source_id: str, tmp_path: Path) -> None:
    source = get_source(source_id)
    store = Store(str(tmp_path / "rigshift.duckdb"))
    store.init()
    counts = []
    for attempt in (1, 2):
        for replay in replays(source_id):
            # The refresh's own path: checks, validation, one transaction, derived rebuild.
            result = run_source(
                source,
                replay.ctx,
                store,
                f"contract-{attempt}-{replay.mode}",
                lambda r=replay: (replay_batch(source, r.ctx, r.queries), []),
            )
            assert result.status == "ok", result.error
            assert result.rows_written > 0 and result.rows_refused == 0
        counts.append(_counts(store.db_path))
    assert all(counts[0][t.name] > 0 for t in source.tables)
    assert counts[1] == counts[0]
