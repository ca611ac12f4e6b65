"""Run sources: fetch and parse each one, then write it atomically. One failure never stops
the others and never leaves partial rows.

A backfill (``backfill=True``) runs each source's ``history_queries`` instead and skips sources
that have none. It is idempotent (rows upsert by natural key) and resumable: each source
commits on its own, so after an interruption re-run it, or just the failed ``--source``s."""

from __future__ import annotations

import errno
import fcntl
import os
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from scrapers.checks import check_batch
from scrapers.config import Settings
from scrapers.errors import ConfigError, RefreshLocked, RigShiftError
from scrapers.http import PoliteSession
from scrapers.schema import TABLES_BY_NAME, Batch, Rows
from scrapers.sources import get_source, source_ids
from scrapers.sources.base import Context, Source
from scrapers.store import RawPayload, RunRecord, Store, combine, read_connection
from scrapers.validation import validate_batch

Progress = Callable[[str], None]


@dataclass
class SourceResult:
    """What happened to one source in a run."""

    source: str
    status: str  # ok | failed | skipped
    rows_written: int = 0
    error: str | None = None
    unknown_gpu_names: list[str] = field(default_factory=list)
    rows_refused: int = 0


def lock_path(settings: Settings) -> Path:
    """The lock file that keeps two refreshes of the same database apart."""
    if settings.db_path.startswith("md:"):
        return Path(settings.raw_dir).parent / "motherduck.refresh.lock"
    return Path(settings.db_path + ".refresh.lock")


@contextmanager
def refresh_lock(settings: Settings) -> Iterator[None]:
    """Hold the refresh lock, or raise :class:`RefreshLocked` at once."""
    path = lock_path(settings)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except IsADirectoryError:
        raise ConfigError(f"the refresh lock {path} is a directory: remove or rename it") from None
    except (FileExistsError, NotADirectoryError):
        raise ConfigError(
            f"the refresh lock {path} lies under a file: choose another RIGSHIFT_DB"
        ) from None
    except PermissionError:
        raise ConfigError(
            f"cannot create the refresh lock {path}: permission denied; choose a writable "
            "RIGSHIFT_DB directory"
        ) from None
    except OSError as exc:
        reason = (exc.strerror or "unusable").lower()
        raise ConfigError(f"cannot create the refresh lock {path}: {reason}") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RefreshLocked(
                f"another refresh is already running on {settings.db_path} (lock {path})"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the flock


def stamp(
    source: Source, parsed: Batch, source_url: str, fetched_at: datetime, into: Batch
) -> None:
    """Add lineage (source, URL, fetch time, parser version) to parsed rows, into ``into``.

    A table parsed as dicts stays a list of dicts; one parsed as an Arrow table gets the
    lineage as constant columns (a row's own value wins in both forms).
    """
    lineage = {
        "source_url": source_url,
        "fetched_at": fetched_at.astimezone(UTC).replace(tzinfo=None),
        "parser_version": source.parser_version,
    }
    for table, table_rows in parsed.items():
        if isinstance(table_rows, pa.Table):
            stamped: Rows = _stamp_arrow(table_rows, {"source": source.id, **lineage})
        else:
            for row in table_rows:
                row.setdefault("source", source.id)
            stamped = [{**lineage, **row} for row in table_rows]
        previous = into.get(table)
        if previous is None:
            into[table] = stamped
        elif isinstance(previous, list) and isinstance(stamped, list):
            previous.extend(stamped)
        else:
            into[table] = combine(TABLES_BY_NAME[table], previous, stamped)


def _stamp_arrow(table: pa.Table, lineage: dict[str, object]) -> pa.Table:
    for name, value in lineage.items():
        if name not in table.column_names:
            kind = pa.timestamp("us") if isinstance(value, datetime) else pa.string()
            table = table.append_column(name, pa.repeat(pa.scalar(value, kind), table.num_rows))
    return table


def collect(source: Source, ctx: Context, session: PoliteSession) -> tuple[Batch, list[RawPayload]]:
    """Fetch and parse every query of ``source``; lineage stamped, nothing written."""
    queries = source.history_queries(ctx) if ctx.backfill else source.queries(ctx)
    batch: Batch = {}
    payloads: list[RawPayload] = []
    if source.request_interval_s > 0:  # the upstream's published rate limit, per host
        for host in {urlsplit(ctx.settings.rebase(source.id, q.url)).netloc for q in queries}:
            session.pace_host(host, source.request_interval_s)
    for query in queries:
        response = source.fetch(query, session, ctx.settings)
        payloads.append(
            RawPayload(
                source.id, response.url, response.fetched_at, response.content_type, response.body
            )
        )
        stamp(source, source.parse(query, response, ctx), response.url, response.fetched_at, batch)
    return batch, payloads


def unknown_gpu_names(batch: Batch) -> list[str]:
    """GPU names that did not map to a canonical model, sorted and de-duplicated."""
    names: set[str] = set()
    for table in ("gpu_rental_offers", "gpu_hardware_prices"):
        rows = batch.get(table, [])
        if isinstance(rows, pa.Table):
            names.update(_unknown_in_arrow(rows))
            continue
        for row in rows:
            if row.get("gpu_model") is None:
                names.add(str(row.get("gpu_name_raw") or row.get("title")))
    return sorted(names)


def _unknown_in_arrow(rows: pa.Table) -> set[str]:
    if "gpu_model" not in rows.column_names:
        unknown = rows
    else:
        unknown = rows.filter(pc.is_null(rows["gpu_model"]))
    for column in ("gpu_name_raw", "title"):
        if column in unknown.column_names:
            return {str(v) for v in pc.unique(unknown[column]).to_pylist()}
    return {"None"} if unknown.num_rows else set()


def last_success(settings: Settings) -> dict[str, datetime]:
    """Finish time of each source's latest successful run."""
    try:
        with read_connection(settings.db_path) as con:
            found = con.execute(
                "SELECT source, max(finished_at) FROM scrape_runs WHERE status = 'ok' GROUP BY 1"
            ).fetchall()
    except Exception:  # no store yet (StoreError), or an older file without the run log
        return {}
    return {source: ts for source, ts in found}


def refresh(
    settings: Settings,
    only: Sequence[str] = (),
    *,
    force: bool = False,
    backfill: bool = False,
    since: datetime | None = None,
    now: datetime | None = None,
    progress: Progress | None = None,
    session: PoliteSession | None = None,
) -> list[SourceResult]:
    """Refresh ``only`` (default: every source) under the refresh lock."""
    say = progress or (lambda _msg: None)
    ids = list(only) or source_ids()
    sources = [get_source(i) for i in ids]  # unknown ids fail here, before any work
    now = now or datetime.now(UTC)
    ctx = Context(
        settings=settings, now=now, since=since.date() if since else None, backfill=backfill
    )
    run_id = f"{now.strftime('%Y%m%dT%H%M%SZ')}-{uuid.uuid4().hex[:8]}"
    store = Store(settings.db_path, raw_dir=settings.raw_dir)
    results: list[SourceResult] = []
    with refresh_lock(settings):
        store.init()
        previous = {} if force or backfill else last_success(settings)
        own_session = session is None
        http = session or PoliteSession(settings)
        try:
            for position, source in enumerate(sources, start=1):
                prefix = f"[{position}/{len(sources)}] {source.id}"
                last = previous.get(source.id)
                naive_now = now.astimezone(UTC).replace(tzinfo=None)
                if last is not None and naive_now - last < source.min_interval:
                    say(f"{prefix}: skipped, refreshed {last:%Y-%m-%d %H:%M} UTC (use --force)")
                    results.append(SourceResult(source.id, "skipped"))
                    continue
                if backfill and not source.history_queries(ctx):
                    say(f"{prefix}: skipped, no history endpoint (refresh keeps it current)")
                    results.append(SourceResult(source.id, "skipped"))
                    continue
                say(f"{prefix}: fetching")
                results.append(
                    run_source(source, ctx, store, run_id, partial(collect, source, ctx, http))
                )
                done = results[-1]
                if done.status == "ok":
                    refused = f", {done.rows_refused} refused" if done.rows_refused else ""
                    say(f"{prefix}: ok, {done.rows_written} rows{refused}")
                else:
                    say(f"{prefix}: FAILED: {done.error}")
        finally:
            if own_session:
                http.close()
    return results


def run_source(
    source: Source,
    ctx: Context,
    store: Store,
    run_id: str,
    gather: Callable[[], tuple[Batch, list[RawPayload]]],
) -> SourceResult:
    """Gather (fetch+parse, or replay), check and write one source; log it in ``scrape_runs``.

    Any failure fails this source only: nothing of it is written and the run log says why.
    """
    run = RunRecord(
        run_id=run_id, source=source.id, started_at=datetime.now(UTC).replace(tzinfo=None)
    )
    try:
        if source.requires_key and not ctx.settings.api_key(source.id):
            raise RigShiftError(
                f"no API key: set RIGSHIFT_{source.id.upper()}_API_KEY (see README)"
            )
        batch, payloads = gather()
        check_batch(source.id, batch, source.row_noun)  # 0 rows: fail before validating
        batch, refusals = validate_batch(source.id, batch, source.row_noun)
        run.rows_refused = refusals.total
        check_batch(source.id, batch, source.row_noun)
        run.unknown_gpu_names = unknown_gpu_names(batch)
        store.write_source(batch, run, payloads)  # derived tables are rebuilt with it
        return SourceResult(
            source.id,
            "ok",
            run.rows_written,
            unknown_gpu_names=run.unknown_gpu_names,
            rows_refused=run.rows_refused,
        )
    except Exception as exc:  # one source's failure, whatever it is, must not stop the run
        message = exc.one_line() if isinstance(exc, RigShiftError) else describe(exc)
        run.status = "failed"
        run.error = f"{source.id}: {message}"
        try:
            store.record_run(run)
        except Exception:  # noqa: BLE001 - the store itself is unusable (disk full, gone)
            pass  # the CLI still reports the failure; the next sources are tried
        return SourceResult(source.id, "failed", error=run.error, rows_refused=run.rows_refused)


def describe(exc: BaseException) -> str:
    """A project one-liner for an exception RigShift did not raise on purpose.

    Raw library text (``ArrowInvalid: …``, ``OSError: [Errno 75] …``) means nothing to the
    person running a refresh, so known families get a sentence saying what happened and what
    to do; anything else names only the exception type, with the way to get the detail.
    """
    text = " ".join(str(exc).split())
    lowered = text.lower()
    if "no space left" in lowered or getattr(exc, "errno", None) == errno.ENOSPC:
        return "store write failed: no space left on the database's device (free some space)"
    if "file too large" in lowered or getattr(exc, "errno", None) == errno.EFBIG:
        return "store write failed: no space left under the file-size limit (ulimit -f)"
    if isinstance(exc, duckdb.Error):
        return f"store error ({type(exc).__name__}): the database could not be written"
    if isinstance(exc, pa.ArrowException):
        return "the answer held values of an unexpected type (layout changed?)"
    if isinstance(exc, UnicodeError):
        return "a setting holds characters HTTP cannot carry (API keys must be ASCII)"
    overflow = getattr(exc, "errno", None) == errno.EOVERFLOW  # fromtimestamp of a huge value
    if isinstance(exc, OverflowError) or overflow or "out of range" in lowered:
        return "the answer held a number or date out of range (layout changed?)"
    if isinstance(exc, OSError):
        reason = os.strerror(exc.errno).lower() if exc.errno else "i/o error"
        return f"local I/O failed: {reason}"
    return f"unexpected {type(exc).__name__} (run with RIGSHIFT_DEBUG=1 for the detail)"
