"""Shared fixtures: a real local HTTP server, settings pointing at it, the demo store, the app.

Helpers that are plain functions live in ``tests/support``; tests import them as
``from tests.support.<module> import ...``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from scrapers.config import Settings
from tests.support.local_http import FakeTime, LocalServer, local_settings

if TYPE_CHECKING:  # the app's test harness imports Streamlit: only tests that use it pay
    from streamlit.testing.v1 import AppTest

    from tests.support.app import OpenApp


@pytest.fixture
def server() -> Iterator[LocalServer]:
    """A running local HTTP server, shut down after the test."""
    with LocalServer() as srv:
        yield srv


@pytest.fixture
def other_server() -> Iterator[LocalServer]:
    """A second local server: another host:port, for redirects, keys and webhooks."""
    with LocalServer() as srv:
        yield srv


@pytest.fixture
def settings(server: LocalServer, tmp_path: Path) -> Settings:
    """Settings pointing every source at the local server and the store at a temp file."""
    return local_settings(server.url, tmp_path / "rigshift.duckdb")


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo store (bundled samples + anchored history), built once per test session.

    Tests that change it work on a copy.
    """
    from tests.support.app import build_app_store

    return build_app_store(tmp_path_factory.mktemp("demo") / "rigshift.duckdb")


@pytest.fixture
def open_app(monkeypatch: pytest.MonkeyPatch) -> OpenApp:
    """``open_app(db, page=None, params=None, state=None)``: the app in AppTest on ``db``."""
    from tests.support.app import open_page

    def _open(db: Path | str, page: str | None = None, **kwargs: Any) -> AppTest:
        return open_page(monkeypatch, db, page, **kwargs)

    return _open


@pytest.fixture(autouse=True)
def _fresh_streamlit_caches() -> Iterator[None]:
    """Streamlit caches outlive an AppTest; clear them so tests cannot see each other's data."""
    import sys

    if "streamlit" not in sys.modules:  # no app in this test: nothing to clear
        yield
        return
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()


@pytest.fixture
def fake() -> FakeTime:
    """A fake clock and sleep for PoliteSession(settings, sleep=..., clock=...)."""
    return FakeTime()
