"""The one polite HTTP session every source goes through.

Timeouts on every call, retries with exponential backoff that honour ``Retry-After``
(capped), robots.txt obeyed, an honest User-Agent, per-host pacing and a size cap.
Library errors are mapped to the typed errors in :mod:`scrapers.errors`.

Limits that hold against a hostile or broken upstream:

- **Overall deadline** (``request_deadline_s``, default 120 s, ``RIGSHIFT_HTTP_DEADLINE_S``):
  one attempt's headers and body must be complete by then, whatever the pace of single
  reads. A watchdog shuts the socket down, so a body dripping a byte every 1.5 s ends at the
  deadline with :class:`RequestDeadline` (not retried: the next attempt would drip too).
- **Size caps** on every body after decoding: ``max_response_bytes`` (50 MiB) for data,
  :data:`ROBOTS_MAX_BYTES` (512 KiB, Google's limit) for ``robots.txt``, so a gzip bomb
  stops at the cap.
- **Redirects** are followed by hand, at most :data:`MAX_REDIRECTS`, and only to the
  requested host or hosts the source declares (``Source.redirect_hosts``); any other host is
  refused with an error naming both. Headers and auth the caller set (API keys) are never
  sent to a host other than the one they were set for.
"""

from __future__ import annotations

import email.utils
import random
import socket
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import requests
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ReadTimeoutError

from scrapers import __version__
from scrapers.config import Settings
from scrapers.errors import (
    BlockedByRobots,
    ConnectError,
    FetchError,
    HTTPStatusError,
    ReadTimeout,
    RedirectRefused,
    RequestDeadline,
    ResponseTooLarge,
    TooManyRedirects,
)

USER_AGENT = (
    f"RigShift/{__version__} (market-intelligence bot; +https://github.com/rigshift/rigshift)"
)
RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
MAX_REDIRECTS = 5
BACKOFF_MAX_S = 30.0
ROBOTS_MAX_BYTES = 512 * 1024
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


# The overall deadline needs the socket of the exchange in flight, also while the headers
# are read (a server can drip those too). urllib3 hands a connection its socket inside the
# pool, so connections report it, just before waiting for the answer, to the watchdog of
# the request running on this thread.
_WATCH = threading.local()


def _report_socket(sock: socket.socket | None) -> None:
    hook = getattr(_WATCH, "hook", None)
    if hook is not None and sock is not None:
        hook(sock)


class _WatchedHTTPConnection(HTTPConnection):
    def getresponse(self, *args: Any, **kwargs: Any) -> Any:  # noqa: D102
        _report_socket(self.sock)
        return super().getresponse(*args, **kwargs)


class _WatchedHTTPSConnection(HTTPSConnection):
    def getresponse(self, *args: Any, **kwargs: Any) -> Any:  # noqa: D102
        _report_socket(self.sock)  # type: ignore[arg-type]
        return super().getresponse(*args, **kwargs)


class _WatchedPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


class _Watchdog:
    """Shuts the exchange's socket down once ``deadline_s`` has passed."""

    def __init__(self, deadline_s: float) -> None:
        self.expired = threading.Event()
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._timer = threading.Timer(deadline_s, self._fire)
        self._timer.daemon = True

    def __enter__(self) -> _Watchdog:
        _WATCH.hook = self.watch
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()
        _WATCH.hook = None

    def watch(self, sock: socket.socket) -> None:
        """Cover ``sock``; one reported after the deadline is shut at once."""
        with self._lock:
            self._sockets.append(sock)
            late = self.expired.is_set()
        if late:
            _shutdown(sock)

    def _fire(self) -> None:
        with self._lock:
            self.expired.set()
            sockets = list(self._sockets)
        for sock in sockets:
            _shutdown(sock)


def _shutdown(sock: socket.socket) -> None:
    # shutdown(), unlike close(), wakes a recv blocked in another thread at once.
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already closed: the read is over anyway


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
        for adapter in self._session.adapters.values():
            manager = adapter.poolmanager  # type: ignore[attr-defined]
            manager.pool_classes_by_scheme = {"http": _WatchedPool, "https": _WatchedHTTPSPool}
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
        redirect_hosts: frozenset[str] = frozenset(),
    ) -> Response:
        """GET ``url`` politely and return the body."""
        return self.request(
            "GET", url, params=params, headers=headers, auth=auth, redirect_hosts=redirect_hosts
        )

    def post(
        self,
        url: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        redirect_hosts: frozenset[str] = frozenset(),
    ) -> Response:
        """POST JSON to ``url`` (GraphQL reads); retried like a GET because it does not write."""
        return self.request(
            "POST",
            url,
            json=json,
            params=params,
            headers=headers,
            redirect_hosts=redirect_hosts,
        )

    def post_webhook(self, url: str, *, json: Any) -> Response:
        """POST a notification to a user-configured webhook, without consulting robots.txt.

        robots.txt tells crawlers which pages of a site they may fetch; a webhook is an
        endpoint the user set up to receive exactly these POSTs, so it does not apply (and
        many hook receivers answer /robots.txt with a catch-all or an error).
        """
        return self.request("POST", url, json=json, obey_robots=False)

    def request(
        self,
        method: str,
        url: str,
        *,
        obey_robots: bool = True,
        redirect_hosts: frozenset[str] = frozenset(),
        **kwargs: Any,
    ) -> Response:
        """Send one logical request, retrying transient failures.

        Redirects may lead to ``url``'s own host or to ``redirect_hosts`` (``name[:port]``, or
        ``name:*`` for any port of that name).
        """
        if obey_robots:
            self._check_robots(url)
        attempts = max(1, self.settings.retries + 1)
        last_error: FetchError | None = None
        for attempt in range(attempts):
            self._pace(url)
            try:
                return self._follow(method, url, redirect_hosts, obey_robots, **kwargs)
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
            status, _headers, body, _url = self._exchange(
                "GET", robots_url, min(ROBOTS_MAX_BYTES, self.settings.max_response_bytes)
            )
        except (_Retryable, FetchError) as exc:
            error = exc.error if isinstance(exc, _Retryable) else exc
            if isinstance(error, ResponseTooLarge | RequestDeadline):
                raise error from None  # a bomb or a drip: fail loudly, never parse it
            # Unreachable robots.txt: the real request will surface the network error.
            return None
        if status >= 300:
            # 4xx (usually 404) means no rules; 5xx we also treat as no rules, because
            # the data request itself will fail and be retried on its own terms. A
            # redirect is not followed for robots.txt: no rules either.
            return None
        parser = RobotFileParser()
        parser.parse(body.decode("utf-8", errors="replace").splitlines())
        return parser

    def _follow(
        self,
        method: str,
        url: str,
        redirect_hosts: frozenset[str],
        obey_robots: bool,
        **kwargs: Any,
    ) -> Response:
        """One attempt: send, then follow redirects by hand within the allowed hosts."""
        origin = urlsplit(url).netloc
        allowed = {origin, *redirect_hosts}
        current = url
        for _hop in range(MAX_REDIRECTS + 1):
            status, headers, body, final = self._exchange(
                method, current, self.settings.max_response_bytes, **kwargs
            )
            if status not in REDIRECT_STATUSES:
                return self._finish(status, headers, body, final)
            location = headers.get("Location")
            if not location:
                raise HTTPStatusError(
                    f"HTTP {status} from {_short(final)} without a Location header", status
                )
            target = urljoin(final, location)
            host = urlsplit(target).netloc
            if not _host_allowed(target, allowed):
                raise RedirectRefused(
                    f"{_short(final)} redirected to {host}, a host {origin} does not declare"
                )
            if host != urlsplit(current).netloc:
                # Keys travel only to the host they were set for (headers, auth, and the
                # query string of the original URL, which ``target`` does not carry).
                kwargs = {k: v for k, v in kwargs.items() if k not in ("headers", "auth")}
                if obey_robots:
                    self._check_robots(target)
            kwargs.pop("params", None)  # the Location is a complete URL
            if status == 303 or (status in (301, 302) and method == "POST"):
                method = "GET"
                kwargs.pop("json", None)
            current = target
        raise TooManyRedirects(f"{_short(url)} redirected more than {MAX_REDIRECTS} times")

    def _finish(self, status: int, headers: Mapping[str, str], body: bytes, url: str) -> Response:
        if status == 429 and headers.get("X-RateLimit-Remaining") == "0":
            # A spent monthly quota (WhatToMine's token API) does not come back on retry.
            used = headers.get("X-RateLimit-Used", "?")
            limit = headers.get("X-RateLimit-Limit", "?")
            raise HTTPStatusError(
                f"HTTP 429 from {_short(url)}: monthly quota used ({used} of {limit})", 429
            )
        if status in RETRY_STATUSES:
            raise _Retryable(
                HTTPStatusError(f"HTTP {status} from {_short(url)}", status),
                parse_retry_after(headers.get("Retry-After")),
            )
        if status >= 400:
            raise HTTPStatusError(f"HTTP {status} from {_short(url)}", status)
        return Response(
            url=url,
            status=status,
            body=body,
            content_type=headers.get("Content-Type", ""),
            fetched_at=datetime.now(UTC),
        )

    def _exchange(
        self, method: str, url: str, cap: int, **kwargs: Any
    ) -> tuple[int, Mapping[str, str], bytes, str]:
        """One HTTP exchange, no redirects: status, headers, body (at most ``cap`` bytes
        after decoding) and URL, all within the overall deadline."""
        timeout = (self.settings.connect_timeout_s, self.settings.timeout_s)
        deadline_s = self.settings.request_deadline_s
        watchdog = _Watchdog(deadline_s)
        expired = watchdog.expired
        try:
            with (
                watchdog,
                self._session.request(
                    method, url, timeout=timeout, stream=True, allow_redirects=False, **kwargs
                ) as resp,
            ):
                if resp.status_code >= 300:
                    body = b""  # error and redirect bodies are not read (or capped)
                else:
                    body = _read_capped(resp, url, cap)
                if expired.is_set():
                    raise _deadline(url, deadline_s)
                return resp.status_code, resp.headers, body, resp.url
        except ResponseTooLarge:
            raise
        except requests.ConnectTimeout:
            raise _Retryable(ConnectError(f"connect timeout to {_short(url)}"), None) from None
        except requests.ReadTimeout:
            raise _Retryable(ReadTimeout(f"read timeout from {_short(url)}"), None) from None
        except requests.exceptions.ChunkedEncodingError:
            if expired.is_set():
                raise _deadline(url, deadline_s) from None
            raise _Retryable(FetchError(f"truncated body from {_short(url)}"), None) from None
        except requests.exceptions.ContentDecodingError:
            raise _Retryable(
                FetchError(f"undecodable (corrupt gzip?) body from {_short(url)}"), None
            ) from None
        except requests.ConnectionError as exc:
            if expired.is_set():
                raise _deadline(url, deadline_s) from None
            if exc.args and isinstance(exc.args[0], ReadTimeoutError):
                # requests reports a stall *inside* the body as a ConnectionError.
                raise _Retryable(ReadTimeout(f"read timeout from {_short(url)}"), None) from None
            reason = "connection refused" if "refused" in str(exc).lower() else "connection error"
            raise _Retryable(ConnectError(f"{reason} to {_short(url)}"), None) from None
        except requests.exceptions.InvalidHeader:
            raise FetchError(f"a header value for {_short(url)} is not valid") from None
        except requests.RequestException as exc:
            raise FetchError(f"{type(exc).__name__} for {_short(url)}") from None
        except UnicodeError:
            # http.client encodes header values as Latin-1: a key the user pasted with other
            # characters must be a message, not a UnicodeEncodeError.
            raise FetchError(
                f"a header for {_short(url)} holds non-Latin-1 characters (check the API key)"
            ) from None


def _host_allowed(url: str, allowed: set[str]) -> bool:
    """``url``'s ``host[:port]`` is allowed exactly, or its host name by a ``name:*`` entry."""
    parts = urlsplit(url)
    return parts.netloc in allowed or f"{parts.hostname}:*" in allowed


def _read_capped(resp: requests.Response, url: str, cap: int) -> bytes:
    declared = resp.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > cap:
        raise ResponseTooLarge(
            f"{_short(url)} declares {int(declared):,} bytes, over the {cap:,}-byte cap"
        )
    chunks: list[bytes] = []
    size = 0
    # Decoded chunks are counted, so a small gzip body that inflates past the cap stops there.
    for chunk in resp.iter_content(chunk_size=64 * 1024):
        size += len(chunk)
        if size > cap:
            raise ResponseTooLarge(f"{_short(url)} sent over {cap:,} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _deadline(url: str, deadline_s: float) -> RequestDeadline:
    return RequestDeadline(f"{_short(url)} did not finish within the {deadline_s:g} s deadline")


class _Retryable(Exception):
    """Internal signal: the attempt failed in a way worth retrying."""

    def __init__(self, error: FetchError, retry_after: float | None) -> None:
        super().__init__(str(error))
        self.error = error
        self.retry_after = retry_after


def _short(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.netloc}{parts.path}"
