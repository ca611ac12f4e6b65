"""A real HTTP server on 127.0.0.1 that answers by URL path, faulty answers, and the settings
and CLI environment that point at it."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from scrapers.config import Settings
from scrapers.sources import source_ids


@dataclass
class Reply:
    """What the local server answers on a path."""

    body: bytes = b""
    status: int = 200
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


# The two sources most end-to-end tests serve from their recorded samples (tests.support.upstreams).
SERVED = ("vastai", "whattomine")
# A handler returns what to answer, or None when it wrote (or broke) the response itself.
Handler = Callable[[BaseHTTPRequestHandler], Reply | None]


class LocalServer:
    """A real HTTP server on 127.0.0.1 that answers by URL path (query ignored).

    ``with LocalServer() as srv:`` serves while the block runs and shuts down after it.
    """

    def __init__(self) -> None:
        self.routes: dict[str, Reply | Handler | list[Reply]] = {}
        self.requests: list[tuple[str, str, bytes]] = []
        # Each request's URL path and headers, so tests read what was sent without a handler.
        self.request_headers: list[tuple[str, Message]] = []
        owner = self

        class _H(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                owner.requests.append((self.command, self.path, body))
                path = urlsplit(self.path).path
                owner.request_headers.append((path, self.headers))
                route = owner.routes.get(path)
                if route is None:
                    reply = Reply(b"not found", 404, "text/plain")
                elif isinstance(route, list):
                    reply = route.pop(0) if len(route) > 1 else route[0]
                elif callable(route):
                    reply = route(self)
                    if reply is None:  # the handler wrote (or broke) the response itself
                        return
                else:
                    reply = route
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(reply.body)))
                for k, v in reply.headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(reply.body)

            do_GET = _answer
            do_POST = _answer

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _H)
        self.httpd.daemon_threads = True
        # A short poll interval keeps shutdown (every test's teardown) fast.
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> LocalServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def route(self, path: str, reply: Reply | Handler | list[Reply] | bytes | dict | list) -> None:
        """Answer ``path`` with a Reply, a handler, a list of replies in turn, bytes or JSON."""
        if isinstance(reply, bytes):
            reply = Reply(reply)
        elif isinstance(reply, dict) or (
            isinstance(reply, list) and reply and not isinstance(reply[0], Reply)
        ):
            reply = Reply(json.dumps(reply).encode())
        self.routes[path] = reply

    def hits(self, path: str) -> int:
        """How many requests reached ``path``."""
        return sum(1 for _, p, _ in self.requests if urlsplit(p).path == path)

    def headers(self, path: str) -> list[Message]:
        """The headers of every request that reached ``path``, in order (names case-blind)."""
        return [h for p, h in self.request_headers if p == path]

    def sent(self, path: str, name: str) -> list[str | None]:
        """The ``name`` header of every request that reached ``path``, in order."""
        return [h.get(name) for h in self.headers(path)]


def cut_short(head: bytes = b'{"offers": [', declared: int = 1000, stall_s: float = 0.0) -> Handler:
    """A 200 that declares ``declared`` bytes, sends ``head``, waits ``stall_s`` and closes."""

    def handle(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Length", str(declared))
        h.end_headers()
        h.wfile.write(head)
        h.wfile.flush()
        time.sleep(stall_s)
        return None

    return handle


def dripping(
    chunk: bytes = b" ", every_s: float = 1.5, times: int = 100, in_headers: bool = False
) -> Handler:
    """A handler sending ``chunk`` every ``every_s`` seconds until the client hangs up.

    In the body (declared longer than it ever gets, so it never completes) or, with
    ``in_headers``, inside a header line that never ends. ``times`` bounds the handler's
    life should the client never give up.
    """

    def handle(h: BaseHTTPRequestHandler) -> None:
        if in_headers:
            h.wfile.write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
        else:
            h.send_response(200)
            h.send_header("Content-Length", str(len(chunk) * times + 1))
            h.end_headers()
        for _ in range(times):
            try:
                h.wfile.write(chunk)
                h.wfile.flush()
            except OSError:  # the client gave up: what the tests wait for
                return None
            time.sleep(every_s)
        return None

    return handle


def local_settings(url: str, db_path: Path, **overrides: Any) -> Settings:
    """Settings with every source rebased onto ``url`` and fast, test-sized HTTP timing."""
    base = Settings(
        db_path=str(db_path),
        base_urls={sid: url for sid in source_ids()},
        api_keys={sid: "test-key" for sid in source_ids()},
        min_host_interval_s=0.0,
        retries=2,
        timeout_s=2.0,
        connect_timeout_s=1.0,
        retry_after_max_s=0.2,
        backoff_base_s=0.01,
    )
    return replace(base, **overrides)


def cli_env(
    url: str, db_path: Path | str, sources: Iterable[str] = SERVED, **http: str
) -> dict[str, str]:
    """The environment of a CLI run on the store at ``db_path``, ``sources`` rebased onto ``url``.

    No config file (a path beside the store that does not exist) and no pacing floor; each
    ``http`` item sets ``RIGSHIFT_HTTP_<NAME>``, e.g. ``retries="0"``.
    """
    return {
        "RIGSHIFT_DB": str(db_path),
        "RIGSHIFT_CONFIG": str(Path(db_path).parent / "none.toml"),
        **{f"RIGSHIFT_{sid.upper()}_BASE_URL": url for sid in sources},
        "RIGSHIFT_HTTP_MIN_INTERVAL_S": "0",
        **{f"RIGSHIFT_HTTP_{name.upper()}": value for name, value in http.items()},
    }


def point_cli(
    monkeypatch: pytest.MonkeyPatch,
    url: str,
    db_path: Path | str,
    sources: Iterable[str] = SERVED,
    **http: str,
) -> None:
    """Set ``cli_env(url, db_path, sources, **http)`` for the rest of the test."""
    for name, value in cli_env(url, db_path, sources, **http).items():
        monkeypatch.setenv(name, value)


class FakeTime:
    """A clock that only moves when something sleeps; records every sleep."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now
