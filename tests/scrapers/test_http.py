"""PoliteSession against a real local HTTP server: UA, timeouts, retries, robots, pacing, caps."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

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
from scrapers.http import PoliteSession, parse_retry_after
from tests.support.local_http import FakeTime, LocalServer, Reply, cut_short

PATH = "/api/v0/bundles/"
OK = Reply(b'{"offers": []}')


def session(settings: Settings, fake: FakeTime | None = None, **overrides: object) -> PoliteSession:
    """A PoliteSession with test settings and, optionally, the fake clock."""
    s = replace(settings, **overrides)  # type: ignore[arg-type]
    if fake is None:
        return PoliteSession(s)
    return PoliteSession(s, sleep=fake.sleep, clock=fake.clock)


@pytest.fixture
def closed_port() -> int:
    """A local port nobody listens on."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


@pytest.fixture
def unaccepting_port() -> Iterator[int]:
    """A listening port whose accept backlog is full, so new connects hang (connect timeout)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(4):
        client = socket.socket()
        client.setblocking(False)
        try:
            client.connect(("127.0.0.1", port))
        except BlockingIOError:
            pass
        fillers.append(client)
    yield port
    for client in fillers:
        client.close()
    listener.close()


def test_user_agent_names_rigshift(server: LocalServer, settings: Settings) -> None:
    server.route(PATH, OK)
    with session(settings) as http:
        http.get(server.url + PATH)
    [agent] = server.sent(PATH, "User-Agent")
    assert agent and agent.startswith("RigShift/")
    assert "+https://" in agent  # a contact URL, never a browser UA


def test_read_timeout_after_retries(server: LocalServer, settings: Settings) -> None:
    def slow(h):
        time.sleep(0.6)
        return None  # never answers within the timeout

    server.route(PATH, slow)
    with session(settings, timeout_s=0.2, retries=1) as http, pytest.raises(ReadTimeout) as err:
        http.get(server.url + PATH)
    assert server.hits(PATH) == 2
    assert "read timeout" in str(err.value) and "after 2 attempts" in str(err.value)


def test_stall_inside_body_is_a_read_timeout(server: LocalServer, settings: Settings) -> None:
    server.route(PATH, cut_short(stall_s=0.6))
    with session(settings, timeout_s=0.2, retries=0) as http, pytest.raises(ReadTimeout):
        http.get(server.url + PATH)


def test_connect_timeout_is_a_connect_error(settings: Settings, unaccepting_port: int) -> None:
    url = f"http://127.0.0.1:{unaccepting_port}{PATH}"
    with session(settings, connect_timeout_s=0.2, retries=0) as http:
        with pytest.raises(ConnectError, match="connect timeout"):
            http.get(url)


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_error_is_retried_then_succeeds(
    server: LocalServer, settings: Settings, fake: FakeTime, status: int
) -> None:
    server.route(PATH, [Reply(b"oops", status, "text/plain"), OK])
    with session(settings, fake, retries=2) as http:
        resp = http.get(server.url + PATH)
    assert resp.status == 200 and resp.body == OK.body
    assert server.hits(PATH) == 2
    assert len(fake.sleeps) == 1  # one backoff between the two attempts


def test_persistent_server_error_raises_after_retries(
    server: LocalServer, settings: Settings, fake: FakeTime
) -> None:
    server.route(PATH, Reply(b"down", 503, "text/plain"))
    with session(settings, fake, retries=2) as http, pytest.raises(HTTPStatusError) as err:
        http.get(server.url + PATH)
    assert err.value.status == 503
    assert server.hits(PATH) == 3
    assert str(err.value).startswith("HTTP 503 from 127.0.0.1")


def test_backoff_grows_exponentially(
    server: LocalServer, settings: Settings, fake: FakeTime
) -> None:
    server.route(PATH, Reply(b"down", 500, "text/plain"))
    with session(settings, fake, retries=3, backoff_base_s=1.0) as http:
        with pytest.raises(HTTPStatusError):
            http.get(server.url + PATH)
    # base * 2**n with jitter in [0.5, 1.0) of that
    assert [0.5 <= fake.sleeps[0] <= 1.0, 1.0 <= fake.sleeps[1] <= 2.0] == [True, True]
    assert 2.0 <= fake.sleeps[2] <= 4.0


def test_retry_after_is_honoured(server: LocalServer, settings: Settings, fake: FakeTime) -> None:
    server.route(PATH, [Reply(b"slow down", 429, headers={"Retry-After": "3"}), OK])
    with session(settings, fake, retry_after_max_s=10.0) as http:
        http.get(server.url + PATH)
    assert fake.sleeps == [3.0]


def test_retry_after_is_capped(server: LocalServer, settings: Settings, fake: FakeTime) -> None:
    server.route(PATH, [Reply(b"slow down", 429, headers={"Retry-After": "86400"}), OK])
    with session(settings, fake, retry_after_max_s=7.0) as http:
        http.get(server.url + PATH)
    assert fake.sleeps == [7.0]


def test_retry_after_http_date_is_honoured(
    server: LocalServer, settings: Settings, fake: FakeTime
) -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(hours=2), usegmt=True)
    server.route(PATH, [Reply(b"", 503, headers={"Retry-After": when}), OK])
    with session(settings, fake, retry_after_max_s=9.0) as http:
        http.get(server.url + PATH)
    assert fake.sleeps == [9.0]  # two hours away, so the cap applies


def test_parse_retry_after_date_form() -> None:
    now = datetime(2026, 1, 5, 12, 0, tzinfo=UTC).timestamp()
    assert parse_retry_after("Mon, 05 Jan 2026 12:00:42 GMT", now=now) == 42.0
    assert parse_retry_after("Mon, 05 Jan 2026 11:00:00 GMT", now=now) == 0.0
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after("soon") is None


def test_forbidden_is_not_retried(server: LocalServer, settings: Settings) -> None:
    server.route(PATH, Reply(b"no bots", 403, "text/plain"))
    with session(settings, retries=3) as http, pytest.raises(HTTPStatusError) as err:
        http.get(server.url + PATH)
    assert err.value.status == 403
    assert server.hits(PATH) == 1


def test_robots_disallow_blocks_without_request(server: LocalServer, settings: Settings) -> None:
    server.route(
        "/robots.txt", Reply(b"User-agent: RigShift\nDisallow: /api/\n", 200, "text/plain")
    )
    server.route(PATH, OK)
    with session(settings) as http, pytest.raises(BlockedByRobots, match="disallows /api/"):
        http.get(server.url + PATH)
    assert server.hits(PATH) == 0


def test_robots_wildcard_disallow_applies_to_us(server: LocalServer, settings: Settings) -> None:
    server.route("/robots.txt", Reply(b"User-agent: *\nDisallow: /\n", 200, "text/plain"))
    with session(settings) as http, pytest.raises(BlockedByRobots):
        http.get(server.url + PATH)
    assert server.hits(PATH) == 0


def test_robots_other_agents_rules_do_not_block(server: LocalServer, settings: Settings) -> None:
    server.route("/robots.txt", Reply(b"User-agent: OtherBot\nDisallow: /\n", 200, "text/plain"))
    server.route(PATH, OK)
    with session(settings) as http:
        assert http.get(server.url + PATH).body == OK.body


def test_robots_fetched_once_per_host(server: LocalServer, settings: Settings) -> None:
    server.route("/robots.txt", Reply(b"User-agent: *\nAllow: /\n", 200, "text/plain"))
    server.route(PATH, OK)
    with session(settings) as http:
        for _ in range(3):
            http.get(server.url + PATH)
    assert server.hits("/robots.txt") == 1


@pytest.mark.parametrize(
    ("directive", "requests", "sleeps"),
    [
        # the first data request waits after robots.txt itself, the second after the first
        pytest.param("Crawl-delay: 4", 2, [4.0, 4.0], id="crawl-delay"),
        pytest.param("Request-rate: 1/6", 1, [6.0], id="request-rate"),
    ],
)
def test_robots_pacing_directive_paces_requests(
    server: LocalServer,
    settings: Settings,
    fake: FakeTime,
    directive: str,
    requests: int,
    sleeps: list[float],
) -> None:
    robots = f"User-agent: *\n{directive}\n".encode()
    server.route("/robots.txt", Reply(robots, 200, "text/plain"))
    server.route(PATH, OK)
    with session(settings, fake, min_host_interval_s=0.0) as http:
        for _ in range(requests):
            http.get(server.url + PATH)
    assert fake.sleeps == sleeps


def test_per_host_min_interval(server: LocalServer, settings: Settings, fake: FakeTime) -> None:
    server.route(PATH, OK)
    with session(settings, fake, min_host_interval_s=2.5) as http:
        for _ in range(3):
            http.get(server.url + PATH)
    # robots.txt, then three data requests, each 2.5 s after the previous one
    assert fake.sleeps == [2.5, 2.5, 2.5]


def test_pacing_is_per_host(server: LocalServer, settings: Settings, fake: FakeTime) -> None:
    server.route(PATH, OK)
    other = server.url.replace("127.0.0.1", "localhost")
    with session(settings, fake, min_host_interval_s=2.5) as http:
        http.get(server.url + PATH)
        slept = len(fake.sleeps)
        http.get(other + PATH)  # robots.txt and data of a new host: no wait for the first
    assert len(fake.sleeps) == slept + 1


def test_declared_oversize_body_is_refused(server: LocalServer, settings: Settings) -> None:
    server.route(PATH, Reply(b"x" * 5000))
    with session(settings, max_response_bytes=1000) as http:
        with pytest.raises(ResponseTooLarge, match="declares 5,000 bytes"):
            http.get(server.url + PATH)
    assert server.hits(PATH) == 1  # not retried


def test_streamed_oversize_body_is_refused(server: LocalServer, settings: Settings) -> None:
    def unsized(h):
        h.send_response(200)
        h.send_header("Content-Type", "application/json")
        h.end_headers()  # no Content-Length: the body runs until the connection closes
        h.wfile.write(b"x" * 200_000)
        return None

    server.route(PATH, unsized)
    with session(settings, max_response_bytes=100_000) as http:
        with pytest.raises(ResponseTooLarge, match="sent over 100,000 bytes"):
            http.get(server.url + PATH)


def test_chunked_oversize_body_is_refused(server: LocalServer, settings: Settings) -> None:
    def chunked(h):
        h.protocol_version = "HTTP/1.1"
        h.send_response(200)
        h.send_header("Transfer-Encoding", "chunked")
        h.send_header("Connection", "close")
        h.end_headers()
        for _ in range(10):
            h.wfile.write(b"4e20\r\n" + b"y" * 20_000 + b"\r\n")
        h.wfile.write(b"0\r\n\r\n")
        h.close_connection = True
        return None

    server.route(PATH, chunked)
    with session(settings, max_response_bytes=100_000) as http:
        with pytest.raises(ResponseTooLarge):
            http.get(server.url + PATH)


def test_redirect_loop(server: LocalServer, settings: Settings) -> None:
    server.route(PATH, Reply(b"", 302, headers={"Location": PATH}))
    with session(settings) as http, pytest.raises(TooManyRedirects, match="redirected more"):
        http.get(server.url + PATH)


def test_redirect_is_followed(server: LocalServer, settings: Settings) -> None:
    server.route("/old", Reply(b"", 301, headers={"Location": PATH}))
    server.route(PATH, OK)
    with session(settings) as http:
        resp = http.get(server.url + "/old")
    assert resp.url.endswith(PATH) and resp.body == OK.body


def test_connection_refused(settings: Settings, closed_port: int) -> None:
    with session(settings, retries=1) as http:
        with pytest.raises(ConnectError, match="connection refused"):
            http.get(f"http://127.0.0.1:{closed_port}{PATH}")


def test_truncated_body_is_a_fetch_error(server: LocalServer, settings: Settings) -> None:
    server.route(PATH, cut_short(declared=1000))  # closes the connection 988 bytes short
    with session(settings, retries=1) as http:
        with pytest.raises(FetchError, match="truncated body"):
            http.get(server.url + PATH)
    assert server.hits(PATH) == 2  # a cut connection is worth one more try


def test_corrupt_gzip_is_a_fetch_error(server: LocalServer, settings: Settings) -> None:
    server.route(PATH, Reply(b"not gzip at all", headers={"Content-Encoding": "gzip"}))
    with session(settings, retries=0) as http, pytest.raises(FetchError, match="undecodable"):
        http.get(server.url + PATH)


def test_post_sends_json(server: LocalServer, settings: Settings) -> None:
    server.route("/graphql", OK)
    with session(settings) as http:
        http.post(server.url + "/graphql", json={"query": "{ gpuTypes { id } }"})
    method, _, body = server.requests[-1]
    assert method == "POST" and b"gpuTypes" in body
