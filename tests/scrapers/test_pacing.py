"""Per-source request pacing: max(floor, source interval, robots.txt), off when the floor is 0."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from scrapers.config import Settings
from scrapers.http import PoliteSession
from scrapers.refresh import refresh
from scrapers.sources import get_source
from scrapers.sources.base import Source
from tests.support.local_http import FakeTime, LocalServer, Reply
from tests.support.payloads import sample

PATH = "/data"
OK = Reply(b"{}")
NOW = datetime(2025, 11, 24, 16, 30, tzinfo=UTC)


def polite(settings: Settings, fake: FakeTime, floor: float) -> PoliteSession:
    """A session at pacing floor ``floor`` on the fake clock."""
    return PoliteSession(replace(settings, min_host_interval_s=floor), fake.sleep, fake.clock)


def host(server: LocalServer) -> str:
    return server.url.removeprefix("http://")


@pytest.mark.parametrize(
    ("floor", "source_s", "crawl_delay", "requests", "sleeps"),
    [
        # robots.txt, then three data requests, each 10 s after the previous one
        pytest.param(2.0, 10.0, None, 3, [10.0, 10.0, 10.0], id="source-above-floor-paces"),
        pytest.param(2.0, 0.6, None, 1, [2.0], id="floor-above-source-wins"),
        pytest.param(0.0, 60.0, None, 3, [], id="floor-zero-disables-source-intervals"),
        pytest.param(2.0, 10.0, 15, 1, [15.0], id="robots-crawl-delay-above-source-wins"),
    ],
)
def test_pacing_is_the_largest_interval_unless_the_floor_is_zero(
    server: LocalServer,
    settings: Settings,
    fake: FakeTime,
    floor: float,
    source_s: float,
    crawl_delay: int | None,
    requests: int,
    sleeps: list[float],
):
    if crawl_delay is not None:
        robots = f"User-agent: *\nCrawl-delay: {crawl_delay}\n".encode()
        server.route("/robots.txt", Reply(robots, 200, "text/plain"))
    server.route(PATH, OK)
    with polite(settings, fake, floor) as http:
        http.pace_host(host(server), source_s)
        for _ in range(requests):
            http.get(server.url + PATH)
    assert fake.sleeps == sleeps


def test_source_interval_applies_to_its_host_only(
    server: LocalServer, settings: Settings, fake: FakeTime
):
    server.route(PATH, OK)
    other = server.url.replace("127.0.0.1", "localhost")
    with polite(settings, fake, 2.0) as http:
        http.pace_host(host(server), 10.0)
        http.get(other + PATH)
        http.get(other + PATH)
    assert fake.sleeps == [2.0, 2.0]  # the floor only: robots.txt then two data requests


def test_registering_a_host_twice_keeps_the_larger_interval(
    server: LocalServer, settings: Settings, fake: FakeTime
):
    server.route(PATH, OK)
    with polite(settings, fake, 2.0) as http:
        http.pace_host(host(server), 10.0)
        http.pace_host(host(server), 3.0)
        http.get(server.url + PATH)
    assert fake.sleeps == [10.0]


@pytest.mark.parametrize(
    ("source_id", "interval"),
    [
        ("mempool", 10.0),
        ("coingecko", 2.5),
        ("vastai", 60.0),
        ("coinmetrics", 0.6),
        ("whattomine", 60.0),
        ("entsoe", 0.2),
        ("eia", 0.0),
    ],
)
def test_published_limits_are_declared(source_id: str, interval: float):
    assert get_source(source_id).request_interval_s == interval


def test_the_default_is_the_global_floor_only():
    assert Source.request_interval_s == 0.0


def _mempool(server: LocalServer) -> None:
    server.route("/api/v1/mining/hashrate/1m", sample("mempool", "hashrate_1m.json"))
    server.route("/api/v1/difficulty-adjustment", sample("mempool", "difficulty_adjustment.json"))


def test_refresh_paces_a_source_at_its_published_limit(
    server: LocalServer, settings: Settings, fake: FakeTime
):
    _mempool(server)
    paced = replace(settings, min_host_interval_s=2.0)
    with PoliteSession(paced, fake.sleep, fake.clock) as http:
        [result] = refresh(paced, ["mempool"], now=NOW, session=http)
    assert result.status == "ok", result.error
    assert fake.sleeps == [10.0, 10.0]  # robots.txt, then the two queries 10 s apart


def test_refresh_with_floor_zero_does_not_sleep(
    server: LocalServer, settings: Settings, fake: FakeTime
):
    _mempool(server)
    with PoliteSession(settings, fake.sleep, fake.clock) as http:
        [result] = refresh(settings, ["mempool"], now=NOW, session=http)
    assert result.status == "ok", result.error
    assert fake.sleeps == []
