"""The app under AppTest: the page list from the router, the demo store, one way to open a page."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from benchmarks.browser_actions import app_pages
from scrapers.config import Settings
from scrapers.demo import build_demo
from tests.support.paths import APP

# ``open_app(db, page=None, params=None, state=None, timeout=60)``: the conftest fixture.
OpenApp = Callable[..., AppTest]
# Every page of the app's router, in menu order (read from dashboard/app.py's PAGES).
PAGES = [name for _url, name in app_pages()]


def build_app_store(path: Path) -> Path:
    """Build the demo dataset at ``path`` (offline, from bundled payloads) and return the path."""
    build_demo(Settings(db_path=str(path)), progress=None)
    return path


def page_text(at: AppTest) -> str:
    """All markdown, info, error, warning and caption text an AppTest page shows."""
    parts = [
        e.value
        for kind in ("markdown", "text", "info", "error", "warning", "caption")
        for e in at.get(kind)
    ]
    return "\n".join(str(p) for p in parts)


def open_page(
    monkeypatch: pytest.MonkeyPatch,
    db: Path | str,
    page: str | None = None,
    params: Mapping[str, str] | None = None,
    state: Mapping[str, Any] | None = None,
    timeout: float = 60,
) -> AppTest:
    """The app on ``db``, run once (with link ``params`` and session ``state``), then ``page``."""
    monkeypatch.setenv("RIGSHIFT_DB", str(db))
    at = AppTest.from_file(APP, default_timeout=timeout)
    for key, value in (params or {}).items():
        at.query_params[key] = value
    for key, value in (state or {}).items():
        at.session_state[key] = value
    at.run()
    if page and page != "overview":
        at.switch_page(f"app_pages/{page}.py").run()
    return at
