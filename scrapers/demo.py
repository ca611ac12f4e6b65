"""The demo dataset: bundled sample payloads replayed through the real parsers, plus an
illustrative daily history since 2021 rebuilt from cited anchor figures. No network.

The database is built in a temporary file next to the target and moved over it atomically,
so a reader never sees a half-built demo and a failed build leaves the old file untouched.

Lineage makes the origin obvious: replayed rows carry ``source_url =
sample://data/samples/<source>/<label>.<ext>`` (the parser still sees the query's real URL),
history rows carry ``source = demo_history`` and ``source_url =
reference://data/reference/anchors.csv``; ``store_meta.dataset`` is ``demo``.
"""

from __future__ import annotations

import mimetypes
import os
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import pyarrow as pa

from scrapers import demo_history
from scrapers.config import PROJECT_ROOT, Settings
from scrapers.errors import ConfigError
from scrapers.http import Response
from scrapers.refresh import refresh_lock, run_source, stamp
from scrapers.schema import Batch
from scrapers.sources import get_source, source_ids
from scrapers.sources.base import Context, Query, Source, sample_file
from scrapers.store import RunRecord, Store, write_connection

Progress = Callable[[str], None]

DEMO_NOTE = (
    "Demo data: bundled sample payloads replayed through the real parsers plus an illustrative "
    "daily history since 2021 interpolated between cited public figures "
    "(data/reference/anchors.csv); not live market data. Run `rigshift refresh` for live data."
)
_CONTENT_TYPES = {
    ".json": "application/json",
    ".html": "text/html",
    ".csv": "text/csv",
    ".xml": "application/xml",
}


@dataclass
class Replayed:
    """What replaying one source's samples produced."""

    source: str
    status: str  # ok | skipped | failed
    rows: int = 0
    detail: str = ""


def sample_url(path: Path) -> str:
    """The lineage URL of a bundled sample: ``sample://data/samples/<source>/<file>``."""
    try:
        relative = path.resolve().relative_to(PROJECT_ROOT)
    except ValueError:
        relative = path
    return f"sample://{relative.as_posix()}"


def real_url(query: Query) -> str:
    """The upstream URL a live refresh would request, query string included."""
    if not query.params:
        return query.url
    joiner = "&" if "?" in query.url else "?"
    return f"{query.url}{joiner}{urlencode(dict(query.params), doseq=True)}"


def content_type(path: Path) -> str:
    """A content type guessed from the sample's extension."""
    return _CONTENT_TYPES.get(path.suffix.lower()) or (
        mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    )


def replay_batch(source: Source, ctx: Context, queries: Sequence[Query] | None = None) -> Batch:
    """Parse each query's bundled sample with the source's real parser; lineage stamped.

    ``queries`` defaults to the refresh's. Raises FileNotFoundError when a sample is missing
    (the caller skips the source).
    """
    batch: Batch = {}
    for query in source.queries(ctx) if queries is None else queries:
        path = sample_file(source.id, query.label)
        response = Response(
            url=real_url(query),
            status=200,
            body=path.read_bytes(),
            content_type=content_type(path),
            fetched_at=ctx.now,
        )
        # The parser sees the real URL; lineage names the bundled sample instead.
        stamp(source, source.parse(query, response, ctx), sample_url(path), ctx.now, batch)
    return batch


def _demo_settings(settings: Settings, db_path: str) -> Settings:
    # Sources that need a key still build their queries; nothing is fetched, so a
    # placeholder is enough and a real key never reaches the demo lineage.
    keys = {sid: settings.api_key(sid) or "DEMO_KEY" for sid in source_ids()}
    return replace(settings, db_path=db_path, api_keys=keys, base_urls={})


def replay_sources(
    settings: Settings, now: datetime, store: Store, run_id: str, say: Progress
) -> list[Replayed]:
    """Replay each registered source's samples and write it with a ``scrape_runs`` record."""
    ctx = Context(settings=settings, now=now)
    ids = source_ids()
    results: list[Replayed] = []
    for position, sid in enumerate(ids, start=1):
        prefix = f"[{position}/{len(ids)}] {sid}"
        source = get_source(sid)
        try:
            missing = [q.label for q in source.queries(ctx) if not _has_sample(sid, q.label)]
        except Exception as exc:  # a source that cannot even build its queries
            missing = [f"queries failed: {type(exc).__name__}"]
        if missing:
            say(f"{prefix}: skipped, no sample payload for {', '.join(missing)}")
            results.append(Replayed(sid, "skipped", detail="no sample payload"))
            continue
        done = run_source(source, ctx, store, run_id, lambda s=source: (replay_batch(s, ctx), []))
        if done.status == "ok":
            say(f"{prefix}: ok, {done.rows_written} {source.row_noun} from bundled samples")
            results.append(Replayed(sid, "ok", done.rows_written))
        else:
            say(f"{prefix}: FAILED replaying the sample: {done.error}")
            results.append(Replayed(sid, "failed", detail=done.error or ""))
    return results


def _has_sample(source_id: str, label: str) -> bool:
    try:
        sample_file(source_id, label)
    except FileNotFoundError:
        return False
    return True


def write_history(
    store: Store, now: datetime, run_id: str, include_carbon: bool, say: Progress
) -> dict[str, int]:
    """Write the anchored history as source ``demo_history`` (the store rebuilds the index)."""
    run = RunRecord(run_id=run_id, source=demo_history.SOURCE, started_at=_naive(datetime.now(UTC)))
    frames = demo_history.build_history(now.date(), _naive(now), include_carbon)
    demo_history.check_frames(frames)
    # Arrow tables, not dicts: ~45k rows as dicts would cost seconds for nothing.
    batch: Batch = {n: pa.Table.from_pandas(f, preserve_index=False) for n, f in frames.items()}
    store.write_source(batch, run)
    counts = {name: len(frame) for name, frame in frames.items()}
    say(
        f"history {demo_history.HISTORY_START}..{now.date()}: "
        + ", ".join(f"{n} {t}" for t, n in counts.items())
    )
    return counts


def build_demo(
    settings: Settings, progress: Progress | None = None, now: datetime | None = None
) -> str:
    """Build the demo database at ``settings.db_path`` (atomically replaced); a summary line."""
    say = progress or (lambda _msg: None)
    if settings.db_path.startswith("md:"):
        raise ConfigError("the demo dataset is a local file: point RIGSHIFT_DB at a path")
    now = (now or datetime.now(UTC)).astimezone(UTC)
    target = Path(settings.db_path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f"{target.name}.demo-{os.getpid()}.tmp")
    run_id = f"demo-{now.strftime('%Y%m%dT%H%M%SZ')}-{uuid.uuid4().hex[:8]}"
    with refresh_lock(settings):
        _remove(tmp)
        try:
            store = Store(str(tmp), raw_dir=None)
            store.init()
            say(f"building demo data in {tmp.name} (no network)")
            replayed = replay_sources(_demo_settings(settings, str(tmp)), now, store, run_id, say)
            has_carbon = _has_rows(str(tmp), "grid_carbon")
            counts = write_history(store, now, run_id, not has_carbon, say)
            store.set_meta(
                {
                    "dataset": "demo",
                    "demo_built_at": now.replace(microsecond=0).isoformat(),
                    "demo_note": DEMO_NOTE,
                }
            )
            with write_connection(str(tmp)) as con:
                con.execute("CHECKPOINT")
            _remove(Path(f"{tmp}.wal"))
            # A stale WAL beside the target would be replayed onto the new file.
            _remove(Path(f"{target}.wal"))
            os.replace(tmp, target)
        except BaseException:
            _remove(tmp)
            _remove(Path(f"{tmp}.wal"))
            raise
    return _summary(replayed, counts)


def _summary(replayed: list[Replayed], counts: Mapping[str, int]) -> str:
    ok = [r for r in replayed if r.status == "ok"]
    skipped = [r.source for r in replayed if r.status == "skipped"]
    failed = [r.source for r in replayed if r.status == "failed"]
    parts = [
        f"demo data: {len(ok)} source(s) replayed from bundled samples "
        f"({', '.join(r.source for r in ok) or 'none'}; {sum(r.rows for r in ok)} rows)",
        f"illustrative history since {demo_history.HISTORY_START} ({sum(counts.values())} rows)",
    ]
    if skipped:
        parts.append(f"skipped: {', '.join(skipped)}")
    if failed:
        parts.append(f"FAILED: {', '.join(failed)}")
    return "; ".join(parts)


def _has_rows(db_path: str, table: str) -> bool:
    with write_connection(db_path) as con:
        return bool(con.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # type: ignore[index]


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass


def _naive(ts: datetime) -> datetime:
    return ts.astimezone(UTC).replace(tzinfo=None)
