"""The real app in headless Chromium: every page renders; screenshots for people to look at.

Screenshots land in ``artifacts/screenshots/<page>.png`` (gitignored). Chromium comes from
Debian (``/usr/bin/chromium``); the test skips only when no Chromium is installed.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks import browser_actions as ba
from dashboard.engine.economics import verdict as v
from tests.support.app import build_app_store

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
# url path -> screenshot name, from dashboard/app.py's PAGES
PAGES = dict(ba.app_pages())
VERDICTS = (v.PIVOT_NOW, v.BORDERLINE, v.WAIT_PREFIX, v.KEEP_MINING, v.SELL_OR_SWITCH_OFF)
RENDERED = ba.RENDERED

if ba.CHROMIUM is None:
    pytest.skip(
        "no Chromium: install Debian's package (apt-get install chromium) for browser tests",
        allow_module_level=True,
    )


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A running ``streamlit run dashboard/app.py`` on a free port over a fresh demo store."""
    tmp = tmp_path_factory.mktemp("browser")
    db = build_app_store(tmp / "rigshift.duckdb")
    with ba.serve(db, tmp / "streamlit.log", deadline_s=60) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Debian's Chromium driven by Playwright, kept off the network."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = ba.launch(pw)
        yield chromium
        chromium.close()


def _open(browser, url: str):  # noqa: ANN001, ANN202 - playwright objects
    page = browser.new_page(viewport={"width": 1440, "height": 2000})
    page.goto(url)
    page.wait_for_selector("[data-testid='stAppViewContainer']", timeout=60_000)
    page.wait_for_selector(RENDERED, timeout=60_000)
    page.get_by_test_id("stSkeleton").first.wait_for(state="detached", timeout=30_000)
    return page


def _shoot(page, name: str) -> Path:  # noqa: ANN001
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def test_overview_renders_metrics_and_chart(app_url: str, browser) -> None:  # noqa: ANN001
    page = _open(browser, app_url)
    page.get_by_test_id("stPlotlyChart").first.wait_for(timeout=30_000)
    page.locator(".js-plotly-plot .main-svg").first.wait_for(timeout=30_000)
    assert page.get_by_test_id("stMetric").count() >= 5
    assert page.get_by_test_id("stPlotlyChart").count() >= 1
    assert page.get_by_text("DEMO DATA").count() >= 1
    verdict = page.get_by_text("Verdict:").first.inner_text()
    assert verdict.split(":", 1)[1].strip().startswith(VERDICTS), verdict
    assert _shoot(page, "overview").stat().st_size > 10_000
    page.close()


@pytest.mark.parametrize("url_path", [p for p in PAGES if p])
def test_page_renders_without_error(app_url: str, browser, url_path: str) -> None:  # noqa: ANN001
    page = _open(browser, f"{app_url}/{url_path}")
    assert page.get_by_test_id("stException").count() == 0
    assert page.get_by_test_id("stHeading").count() >= 1
    assert _shoot(page, PAGES[url_path]).stat().st_size > 10_000
    page.close()


def test_sidebar_nav_reaches_data_health(app_url: str, browser) -> None:  # noqa: ANN001
    page = _open(browser, app_url)
    page.get_by_test_id("stSidebarNav").get_by_text("Data health").click()
    page.wait_for_url("**/data_health?**")  # the query string carries the sidebar inputs
    page.wait_for_selector(RENDERED, timeout=60_000)
    page.get_by_test_id("stDataFrame").first.wait_for(timeout=30_000)
    assert page.get_by_test_id("stMetric").count() == 4
    page.close()


def test_market_which_price_panel_renders(app_url: str, browser) -> None:  # noqa: ANN001
    page = _open(browser, f"{app_url}/market?view=Rental")
    page.get_by_text("Which price?").first.wait_for(timeout=30_000)
    assert page.get_by_test_id("stException").count() == 0
    assert page.get_by_text("used by verdict").count() >= 1
    assert _shoot(page, "market_which_price").stat().st_size > 10_000
    page.close()


def test_url_markdown_payload_renders_as_text(app_url: str, browser) -> None:  # noqa: ANN001
    from urllib.parse import quote, urlsplit

    payload = "![x](http://127.0.0.1:9/beacon.png) [Session expired](http://evil.example)"
    planted = ("127.0.0.1:9", "evil.example")
    page = browser.new_page(viewport={"width": 1440, "height": 2000})
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{app_url}/?gpu={quote(payload)}")
    page.wait_for_selector(RENDERED, timeout=60_000)
    page.get_by_text("Link ignored a value").first.wait_for(timeout=30_000)
    assert page.get_by_text("Session expired").count() >= 1  # shown, as text
    for host in planted:
        assert page.locator(f"img[src*='{host}'], a[href*='{host}']").count() == 0
        assert not [url for url in requested if host in urlsplit(url).netloc]
    page.close()


@pytest.mark.parametrize("action", ba.actions(), ids=lambda a: f"{a.page or 'overview'}-{a.name}")
def test_benchmark_interaction_leaves_no_exception(
    app_url: str,
    browser,  # noqa: ANN001
    action: ba.Action,
) -> None:
    context = ba.new_context(browser)
    page = context.new_page()
    ba.load(page, f"{app_url}/{action.page}")
    for i in range(2):  # twice: the second run starts from the state the first one left
        commit = action.prepare(page, i)
        start = ba.now_ms(page)
        commit()
        settled = ba.wait_settled(page, start)
        assert not settled["timedOut"], f"{action.name} never settled"
        assert settled["runs"] >= 1, f"{action.name} started no script run"
        assert not ba.has_exception(page), f"exception after {action.name} (run {i})"
        if action.undo:
            commit = action.undo(page, i)
            start = ba.now_ms(page)
            commit()
            ba.wait_settled(page, start)
            assert not ba.has_exception(page), f"exception after undoing {action.name}"
    context.close()


def test_every_page_has_a_benchmark_interaction() -> None:
    assert {a.page for a in ba.actions()} >= set(PAGES)


@pytest.mark.parametrize("label", list(ba.MEMOS.values()))
def test_board_memo_downloads(app_url: str, browser, label: str) -> None:  # noqa: ANN001
    context = ba.new_context(browser)
    page = context.new_page()
    ba.load(page, app_url)
    _, size = ba.download(page, label)
    assert size > 1_000
    assert not ba.has_exception(page)
    context.close()


def test_html_memo_draws_its_charts_offline(app_url: str, browser, tmp_path: Path) -> None:  # noqa: ANN001
    context = ba.new_context(browser)
    page = context.new_page()
    ba.load(page, app_url)
    button = page.get_by_test_id("stDownloadButton").filter(has_text=ba.MEMOS["html"])
    with page.expect_download(timeout=120_000) as info:
        button.locator("button").first.click()
    memo = tmp_path / "memo.html"
    info.value.save_as(memo)
    context.close()
    # Every request off the file itself fails: the memo must carry all it draws with.
    offline = browser.new_context()
    fetched: list[str] = []

    def only_the_file(route) -> None:  # noqa: ANN001
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            fetched.append(route.request.url)
            route.abort()

    offline.route("**/*", only_the_file)
    reader = offline.new_page()
    reader.goto(memo.as_uri())
    charts = reader.locator(".js-plotly-plot")
    charts.nth(2).locator(".main-svg").first.wait_for(timeout=30_000)
    assert charts.count() == 3
    assert fetched == []
    offline.close()
