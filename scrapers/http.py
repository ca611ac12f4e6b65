"""The one polite HTTP session every source goes through.

Timeouts on every call, retries with exponential backoff that honour ``Retry-After``
(capped), robots.txt obeyed, an honest User-Agent, per-host pacing and a size cap.
Library errors are mapped to the typed errors in :mod:`scrapers.errors`.
"""

from __future__ import annotations

import email.utils
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

import requests
from urllib3.exceptions import ReadTimeoutError

from scrapers import __version__
from scrapers.config import Settings
from scrapers.errors import (
    BlockedByRobots,
    ConnectError,
    FetchError,
    HTTPStatusError,
    ReadTimeout,
    ResponseTooLarge,
    TooManyRedirects,
)

USER_AGENT = (
    f"RigShift/{__version__} (market-intelligence bot; +https://github.com/rigshift/rigshift)"
)
RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
MAX_REDIRECTS = 5
BACKOFF_MAX_S = 30.0


@dataclass(frozen=True)
class Response:
    """A fetched body with what we need for lineage."""

    url: str
    status: int
    body: bytes
    content_type: str
    fetched_at: datetime

    def text(self) -> str:
        """The body decoded as UTF-8 (replacing bad bytes)."""
        return self.body.decode("utf-8", errors="replace")


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    now = time.time() if now is None else now
    return max(0.0, when.timestamp() - now)


class PoliteSession:
    """A requests session wrapper that every source must use for I/O."""

    def __init__(
        self,
        settings: Settings,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self._session = requests.Session()
        self._session.headers["User-Agent"] = USER_AGENT
        self._session.max_redirects = MAX_REDIRECTS
        self._sleep = sleep
        self._clock = clock
        self._robots: dict[str, RobotFileParser | None] = {}
        self._last_request: dict[str, float] = {}
        self._host_intervals: dict[str, float] = {}
        self._lock = threading.Lock()

    def close(self) -> None:
        """Close pooled connections."""
        self._session.close()

    def __enter__(self) -> PoliteSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- public API -------------------------------------------------------------------

    def get(
        self,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        auth: tuple[str, str] | None = None,
    ) -> Response:
        """GET ``url`` politely and return the body."""
        return self.request("GET", url, params=params, headers=headers, auth=auth)

    def post(
        self,
        url: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        """POST JSON to ``url`` (GraphQL reads); retried like a GET because it does not write."""
        return self.request("POST", url, json=json, params=params, headers=headers)

    def post_webhook(self, url: str, *, json: Any) -> Response:
        """POST a notification to a user-configured webhook, without consulting robots.txt.

        robots.txt tells crawlers which pages of a site they may fetch; a webhook is an
        endpoint the user set up to receive exactly these POSTs, so it does not apply (and
        many hook receivers answer /robots.txt with a catch-all or an error).
        """
        return self.request("POST", url, json=json, obey_robots=False)

    def request(
        self, method: str, url: str, *, obey_robots: bool = True, **kwargs: Any
    ) -> Response:
        """Send one logical request, retrying transient failures."""
        if obey_robots:
            self._check_robots(url)
        attempts = max(1, self.settings.retries + 1)
        last_error: FetchError | None = None
        for attempt in range(attempts):
            self._pace(url)
            try:
                return self._send(method, url, **kwargs)
            except _Retryable as exc:
                last_error = exc.error
                if attempt == attempts - 1:
                    break
                self._sleep(self._backoff(attempt, exc.retry_after))
        assert last_error is not None
        if attempts > 1:
            last_error.args = (f"{last_error} (after {attempts} attempts)",)
        raise last_error

    def pace_host(self, host: str, interval_s: float) -> None:
        """Space requests to ``host`` (``name[:port]``) at least ``interval_s`` seconds apart.

        For an upstream's published rate limit (``Source.request_interval_s``). The effective
        interval is max(floor, the largest one registered, robots.txt crawl-delay); while
        ``settings.min_host_interval_s`` is 0 registered intervals are ignored.
        """
        with self._lock:
            self._host_intervals[host] = max(interval_s, self._host_intervals.get(host, 0.0))

    # -- internals --------------------------------------------------------------------

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            # A hostile or mistaken Retry-After must not stall a cron run for hours.
            return min(retry_after, self.settings.retry_after_max_s)
        delay = min(BACKOFF_MAX_S, self.settings.backoff_base_s * 2**attempt)
        return delay * (0.5 + random.random() / 2)

    def _pace(self, url: str) -> None:
        host = urlsplit(url).netloc
        interval = self.settings.min_host_interval_s
        if interval > 0:  # a floor of 0 (tests, local mirrors) also turns source limits off
            interval = max(interval, self._host_intervals.get(host, 0.0))
        robots = self._robots.get(host)
        if robots is not None:
            delay = robots.crawl_delay(USER_AGENT)
            if delay:
                interval = max(interval, float(delay))
            rate = robots.request_rate(USER_AGENT)
            if rate and rate.requests > 0:
                interval = max(interval, rate.seconds / rate.requests)
        with self._lock:
            last = self._last_request.get(host)
            now = self._clock()
            if last is not None and now - last < interval:
                self._sleep(interval - (now - last))
            self._last_request[host] = self._clock()

    def _check_robots(self, url: str) -> None:
        parts = urlsplit(url)
        host = parts.netloc
        if host not in self._robots:
            self._robots[host] = self._load_robots(f"{parts.scheme}://{host}/robots.txt")
        parser = self._robots[host]
        if parser is not None and not parser.can_fetch(USER_AGENT, url):
            raise BlockedByRobots(f"robots.txt of {host} disallows {parts.path}")

    def _load_robots(self, robots_url: str) -> RobotFileParser | None:
        self._pace(robots_url)  # robots.txt is a request to the host like any other
        try:
            resp = self._session.get(
                robots_url,
                timeout=(self.settings.connect_timeout_s, self.settings.timeout_s),
            )
        except requests.RequestException:
            # Unreachable robots.txt: the real request will surface the network error.
            return None
        if resp.status_code >= 400:
            # 4xx (usually 404) means no rules; 5xx we also treat as no rules, because
            # the data request itself will fail and be retried on its own terms.
            return None
        parser = RobotFileParser()
        parser.parse(resp.text.splitlines())
        return parser

    def _send(self, method: str, url: str, **kwargs: Any) -> Response:
        timeout = (self.settings.connect_timeout_s, self.settings.timeout_s)
        cap = self.settings.max_response_bytes
        try:
            with self._session.request(
                method, url, timeout=timeout, stream=True, allow_redirects=True, **kwargs
            ) as resp:
                if resp.status_code == 429 and resp.headers.get("X-RateLimit-Remaining") == "0":
                    # A spent monthly quota (WhatToMine's token API) does not come back on retry.
                    used = resp.headers.get("X-RateLimit-Used", "?")
                    limit = resp.headers.get("X-RateLimit-Limit", "?")
                    raise HTTPStatusError(
                        f"HTTP 429 from {_short(resp.url)}: monthly quota used ({used} of {limit})",
                        429,
                    )
                if resp.status_code in RETRY_STATUSES:
                    raise _Retryable(
                        HTTPStatusError(
                            f"HTTP {resp.status_code} from {_short(resp.url)}", resp.status_code
                        ),
                        parse_retry_after(resp.headers.get("Retry-After")),
                    )
                if resp.status_code >= 400:
                    raise HTTPStatusError(
                        f"HTTP {resp.status_code} from {_short(resp.url)}", resp.status_code
                    )
                declared = resp.headers.get("Content-Length")
                if declared and declared.isdigit() and int(declared) > cap:
                    raise ResponseTooLarge(
                        f"{_short(url)} declares {int(declared):,} bytes, over the {cap:,}-byte cap"
                    )
                chunks: list[bytes] = []
                size = 0
                for chunk in resp.iter_content(chunk_size=64 * 1024):
                    size += len(chunk)
                    if size > cap:
                        raise ResponseTooLarge(f"{_short(url)} sent over {cap:,} bytes")
                    chunks.append(chunk)
                return Response(
                    url=resp.url,
                    status=resp.status_code,
                    body=b"".join(chunks),
                    content_type=resp.headers.get("Content-Type", ""),
                    fetched_at=datetime.now(UTC),
                )
        except requests.TooManyRedirects:
            raise TooManyRedirects(
                f"{_short(url)} redirected more than {MAX_REDIRECTS} times"
            ) from None
        except requests.ConnectTimeout:
            raise _Retryable(ConnectError(f"connect timeout to {_short(url)}"), None) from None
        except requests.ReadTimeout:
            raise _Retryable(ReadTimeout(f"read timeout from {_short(url)}"), None) from None
        except requests.exceptions.ChunkedEncodingError:
            raise _Retryable(FetchError(f"truncated body from {_short(url)}"), None) from None
        except requests.exceptions.ContentDecodingError:
            raise _Retryable(
                FetchError(f"undecodable (corrupt gzip?) body from {_short(url)}"), None
            ) from None
        except requests.ConnectionError as exc:
            if exc.args and isinstance(exc.args[0], ReadTimeoutError):
                # requests reports a stall *inside* the body as a ConnectionError.
                raise _Retryable(ReadTimeout(f"read timeout from {_short(url)}"), None) from None
            reason = "connection refused" if "refused" in str(exc).lower() else "connection error"
            raise _Retryable(ConnectError(f"{reason} to {_short(url)}"), None) from None
        except requests.RequestException as exc:
            text = " ".join(str(exc).split())
            raise FetchError(f"{type(exc).__name__} for {_short(url)}: {text}") from None


class _Retryable(Exception):
    """Internal signal: the attempt failed in a way worth retrying."""

    def __init__(self, error: FetchError, retry_after: float | None) -> None:
        super().__init__(str(error))
        self.error = error
        self.retry_after = retry_after


def _short(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.netloc}{parts.path}"
