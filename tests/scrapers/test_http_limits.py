"""HTTP limits that hold against a hostile upstream: overall deadline, body caps (robots.txt
included), redirects only to declared hosts, keys never sent to another host."""

from __future__ import annotations

import subprocess
import sys
import zlib
from dataclasses import replace

import pytest

from scrapers.config import PROJECT_ROOT, Settings
from scrapers.errors import HTTPStatusError, RedirectRefused, RequestDeadline, ResponseTooLarge
from scrapers.http import ROBOTS_MAX_BYTES, PoliteSession
from tests.support.local_http import LocalServer, Reply, dripping

PATH = "/data.json"
# Peak RSS bound for a child that met a 256 MiB robots.txt gzip bomb: the interpreter with
# requests loaded is ~40 MB; reading the bomb uncapped would add 256 MiB (twice when joined).
ROBOTS_BOMB_RSS_BOUND_KB = 150_000


def test_a_dripping_body_ends_at_the_overall_deadline(
    server: LocalServer, settings: Settings
) -> None:
    server.route(PATH, dripping())
    quick = replace(settings, request_deadline_s=2.0, timeout_s=5.0, retries=0)
    with PoliteSession(quick) as http, pytest.raises(RequestDeadline, match="2 s deadline"):
        http.get(server.url + PATH)


def test_the_deadline_is_not_retried(server: LocalServer, settings: Settings) -> None:
    server.route(PATH, dripping())
    quick = replace(settings, request_deadline_s=1.0, timeout_s=5.0, retries=2)
    with PoliteSession(quick) as http, pytest.raises(RequestDeadline):
        http.get(server.url + PATH)
    assert server.hits(PATH) == 1


def gzip_bomb(size: int) -> bytes:
    """``size`` zero bytes, gzip-compressed (about 1,000:1), built in pieces."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = b"\0" * (1 << 20)
    parts = [packer.compress(block) for _ in range(size >> 20)]
    return b"".join(parts) + packer.flush()


CHILD = """
import sys
from scrapers.config import Settings
from scrapers.http import PoliteSession
url = sys.argv[1]
settings = Settings(min_host_interval_s=0, retries=0, timeout_s=5, connect_timeout_s=2)
try:
    PoliteSession(settings).get(url + "/data.json")
    outcome = "fetched"
except Exception as exc:
    outcome = type(exc).__name__ + ": " + str(exc)
hwm = [l for l in open("/proc/self/status") if l.startswith("VmHWM")][0].split()[1]
print(outcome)
print(hwm)
"""


def test_a_robots_gzip_bomb_stops_at_the_cap_with_bounded_memory(server: LocalServer) -> None:
    bomb = gzip_bomb(256 << 20)
    server.route(
        "/robots.txt", Reply(bomb, 200, "text/plain", headers={"Content-Encoding": "gzip"})
    )
    server.route(PATH, {"ok": True})
    done = subprocess.run(
        [sys.executable, "-c", CHILD, server.url],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    outcome, hwm_kb = done.stdout.strip().splitlines()
    assert outcome.startswith("ResponseTooLarge: ")
    assert f"over {ROBOTS_MAX_BYTES:,} bytes" in outcome
    assert int(hwm_kb) < ROBOTS_BOMB_RSS_BOUND_KB
    assert server.hits(PATH) == 0  # nothing fetched under rules we could not read


def test_a_data_body_that_inflates_past_the_cap_is_refused(
    server: LocalServer, settings: Settings
) -> None:
    server.route(PATH, Reply(gzip_bomb(4 << 20), headers={"Content-Encoding": "gzip"}))
    with PoliteSession(replace(settings, max_response_bytes=1 << 20)) as http:
        with pytest.raises(ResponseTooLarge, match="sent over 1,048,576 bytes"):
            http.get(server.url + PATH)


def test_a_redirect_to_an_undeclared_host_names_both(
    server: LocalServer, other_server: LocalServer, settings: Settings
) -> None:
    server.route(PATH, Reply(b"", 302, headers={"Location": other_server.url + PATH}))
    other_server.route(PATH, {"ok": True})
    origin, target = server.url.split("//")[1], other_server.url.split("//")[1]
    with PoliteSession(settings) as http:
        with pytest.raises(RedirectRefused) as caught:
            http.get(server.url + PATH, headers={"x-cg-demo-api-key": "SECRET"})
    assert origin in str(caught.value) and target in str(caught.value)
    assert other_server.hits(PATH) == 0


def test_keys_do_not_follow_a_redirect_to_a_declared_host(
    server: LocalServer, other_server: LocalServer, settings: Settings
) -> None:
    server.route(PATH, Reply(b"", 302, headers={"Location": other_server.url + PATH}))
    other_server.route(PATH, {"ok": True})
    target = other_server.url.split("//")[1]
    with PoliteSession(settings) as http:
        resp = http.get(
            server.url + PATH,
            params={"api_key": "SECRET"},
            headers={"x-cg-demo-api-key": "SECRET"},
            redirect_hosts=frozenset({target}),
        )
    assert resp.body == b'{"ok": true}'
    [sent] = other_server.headers(PATH)
    assert not any("SECRET" in v for v in sent.values())
    assert all("SECRET" not in path for _, path, _ in other_server.requests)


def test_keys_stay_on_a_same_host_redirect(server: LocalServer, settings: Settings) -> None:
    server.route("/old", Reply(b"", 301, headers={"Location": PATH}))
    server.route(PATH, Reply(b"{}"))
    with PoliteSession(settings) as http:
        http.get(server.url + "/old", headers={"x-key": "K"})
    assert server.sent(PATH, "x-key") == ["K"]


def test_a_redirect_without_location_is_its_own_error(
    server: LocalServer, settings: Settings
) -> None:
    server.route(PATH, Reply(b"", 302))
    with PoliteSession(settings) as http:
        with pytest.raises(HTTPStatusError, match="HTTP 302 from .* without a Location header"):
            http.get(server.url + PATH)


def test_dripping_headers_also_end_at_the_deadline(server: LocalServer, settings: Settings) -> None:
    server.route(PATH, dripping(b"a", every_s=0.5, in_headers=True))
    quick = replace(settings, request_deadline_s=1.5, timeout_s=5.0, retries=0)
    with PoliteSession(quick) as http, pytest.raises(RequestDeadline, match="1.5 s deadline"):
        http.get(server.url + PATH)
