"""The source contract: ``queries`` (pure) -> ``fetch`` (the only I/O) -> ``parse`` (pure).

A source module defines one :class:`Source` subclass, which names the store tables it writes
(``tables``; their columns and natural keys are in :mod:`scrapers.schema`). ``parse`` returns
rows for those tables with units already normalised; the runner stamps lineage and checks them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlsplit

import orjson

from scrapers.config import SAMPLES_DIR, Settings
from scrapers.errors import ParseError
from scrapers.http import PoliteSession, Response
from scrapers.schema import Batch, Table


@dataclass(frozen=True)
class Query:
    """One upstream request, described before any I/O happens."""

    url: str
    method: str = "GET"
    params: Mapping[str, Any] | None = None
    json: Any = None
    headers: Mapping[str, str] | None = None
    label: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Context:
    """What a source may know when building queries and parsing: settings and the clock."""

    settings: Settings
    now: datetime
    since: date | None = None
    backfill: bool = False

    @property
    def snapshot_at(self) -> datetime:
        """The fetch time truncated to the hour: re-running within the hour is idempotent."""
        return self.now.astimezone(UTC).replace(minute=0, second=0, microsecond=0, tzinfo=None)


class Source:
    """Base class for one upstream source."""

    id: ClassVar[str]
    kind: ClassVar[str]  # coins | rental | hardware | energy | carbon
    # The store tables ``parse`` writes (a Batch's keys are their names), as a dlt resource or
    # a Singer stream declares its own; their columns and natural keys live in the schema.
    # tests/scrapers/sources/test_contract.py holds every registered source's samples to them.
    tables: ClassVar[tuple[Table, ...]]
    title: ClassVar[str]
    base_url: ClassVar[str]
    parser_version: ClassVar[str] = "1"
    min_interval: ClassVar[timedelta] = timedelta(hours=1)
    expected_interval: ClassVar[timedelta] = timedelta(days=1)
    requires_key: ClassVar[bool] = False
    row_noun: ClassVar[str] = "rows"
    # Seconds between two requests to this source's hosts where the upstream publishes a
    # limit; 0 leaves only the global floor. The runner registers it with the session, which
    # paces at max(floor, this, robots.txt crawl-delay); a floor of 0 disables it (tests).
    request_interval_s: ClassVar[float] = 0.0
    # Hosts (``name[:port]``) besides the requested one that this source's upstream may
    # redirect to; a redirect anywhere else fails the request (scrapers.http).
    redirect_hosts: ClassVar[frozenset[str]] = frozenset()

    def queries(self, ctx: Context) -> list[Query]:
        """The requests a refresh makes (pure)."""
        raise NotImplementedError

    def history_queries(self, ctx: Context) -> list[Query]:
        """The requests a backfill makes; sources without history endpoints return none."""
        return []

    def fetch(self, query: Query, session: PoliteSession, settings: Settings) -> Response:
        """Perform ``query`` through the polite session, honouring the base-URL override."""
        url = settings.rebase(self.id, query.url)
        hosts = self.redirect_hosts
        override = settings.base_url(self.id)
        if override:
            # A mirror or stand-in replaces the upstream: its redirects stay on the mirror's
            # machine (any port), as the upstream's stay on its declared hosts.
            hosts = hosts | {f"{urlsplit(override).hostname}:*"}
        if query.method == "POST":
            return session.post(
                url,
                json=query.json,
                params=query.params,
                headers=query.headers,
                redirect_hosts=hosts,
            )
        return session.get(url, params=query.params, headers=query.headers, redirect_hosts=hosts)

    def parse(self, query: Query, response: Response, ctx: Context) -> Batch:
        """Rows for the store's tables from one response (pure)."""
        raise NotImplementedError


# Parsing helpers shared by sources: upstreams send numbers as strings, nulls and junk.


def load_json(response: Response) -> Any:
    """Decode a JSON body or raise a one-line ParseError."""
    try:
        return orjson.loads(response.body)  # ~2x faster on large marketplace snapshots
    except ValueError:
        pass
    try:
        # The standard library is laxer (NaN, Infinity): a second chance, and its message.
        return json.loads(response.body)
    except ValueError as exc:
        where = urlsplit(response.url)
        raise ParseError(
            f"malformed JSON from {where.netloc}{where.path} ({exc.msg}, char {exc.pos})"
        ) from None


def to_float(value: Any) -> float | None:
    """A number from a number, a numeric string ("7.2", "$1,299.99", "12 %") or None."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = str(value).strip().replace(",", "").lstrip("$").rstrip("%").strip()
        if not text or text.lower() in {"null", "none", "nan", "n/a", "-", "--", "na"}:
            return None
        try:
            number = float(text)
        except ValueError:
            return None
    return number if number == number and number not in (float("inf"), float("-inf")) else None


def to_int(value: Any) -> int | None:
    """An integer from a number or numeric string, else None."""
    number = to_float(value)
    return int(number) if number is not None else None


def from_unix(value: Any) -> datetime | None:
    """A naive UTC datetime from unix seconds or milliseconds (told apart by magnitude)."""
    number = to_float(value)
    if number is None:
        return None
    if number > 1e11:  # milliseconds: 1e11 s is the year 5138
        number /= 1000.0
    try:
        return datetime.fromtimestamp(number, UTC).replace(tzinfo=None)
    except (OverflowError, OSError, ValueError):  # beyond year 1..9999 (EOVERFLOW on Linux)
        raise ParseError(f"unix time {value!r:.30} is out of range: layout changed?") from None


def require(mapping: Mapping[str, Any], key: str, where: str) -> Any:
    """``mapping[key]`` or a ParseError naming what is missing."""
    if not isinstance(mapping, Mapping) or key not in mapping:
        raise ParseError(f"{where}: missing field {key!r}: layout changed?")
    return mapping[key]


def day_start(d: date) -> datetime:
    """Midnight UTC of ``d`` as a naive datetime."""
    return datetime(d.year, d.month, d.day)


def month_start(period: str) -> date:
    """The first day of a "YYYY-MM" period."""
    try:
        year, month = period[:7].split("-")
        return date(int(year), int(month), 1)
    except (ValueError, AttributeError):
        raise ParseError(f"period {period!r} is not YYYY-MM") from None


def hours(n: float) -> timedelta:
    """``timedelta(hours=n)`` (readability helper for class attributes)."""
    return timedelta(hours=n)


def sample_file(source_id: str, label: str) -> Path:
    """The bundled sample payload for a query label: ``data/samples/<source>/<label>.*``."""
    folder = SAMPLES_DIR / source_id
    matches = sorted(folder.glob(f"{label}.*"))
    if not matches:
        raise FileNotFoundError(f"no sample payload {folder}/{label}.*")
    return matches[0]
