"""The board memo: same numbers as the Overview, HTML with live charts, a short PDF, fallback."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard.engine.decision import Fleet, FleetLine, decide_from_store
from dashboard.engine.economics.specs import apply_overrides, load_gpu_specs
from dashboard.engine.queries.snapshot import load_market, margin_history
from dashboard.engine.terms import GpuAssumptions
from dashboard.engine.views import memo
from dashboard.engine.views.memo import (
    CHART_TITLES,
    MARGIN_CHART,
    ascii_text,
    memo_figures,
    memo_html,
    memo_pdf,
    render_charts,
)
from dashboard.engine.views.overview import OverviewContext, build_overview
from scrapers.status import source_statuses
from scrapers.store import read_connection
from tests.support.app import build_app_store
from tests.support.paths import APP, ROOT

NO_CHART = {MARGIN_CHART: None}


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo store, built once for this module."""
    return build_app_store(tmp_path_factory.mktemp("demo-memo") / "rigshift.duckdb")


@pytest.fixture(autouse=True)
def _fresh_caches() -> Iterator[None]:
    st.cache_data.clear()
    yield
    st.cache_data.clear()


def _context(
    db: Path, a: GpuAssumptions | None = None, fleet: Fleet | None = None
) -> OverviewContext:
    a = a or GpuAssumptions()
    fleet = fleet or Fleet.single(a.gpu_model, a.count)
    first = fleet.lines[0].gpu_model
    spec = apply_overrides(load_gpu_specs()[first], a)
    with read_connection(str(db)) as con:
        market = load_market(con)
        history = margin_history(con, spec, a)
        statuses = source_statuses(con)
        decision = decide_from_store(con, fleet, a, market=market)
    return build_overview(decision, market, history, statuses, ["2026-10-01 12:00 UTC · r: x"])


@pytest.fixture(scope="module")
def ctx(demo_db: Path) -> OverviewContext:
    """The Overview context of the default fleet on the demo store."""
    return _context(demo_db)


def test_overview_shows_the_memo_numbers(
    monkeypatch: pytest.MonkeyPatch, demo_db: Path, ctx: OverviewContext
) -> None:
    monkeypatch.setenv("RIGSHIFT_DB", str(demo_db))
    at = AppTest.from_file(APP, default_timeout=60).run()
    shown = {m.label: m.value for m in at.metric}
    assert shown == {k.label: k.value for k in ctx.kpis}
    text = " ".join(str(e.value) for e in [*at.markdown, *at.text, *at.caption])
    assert f"Verdict: {ctx.verdict.label}" in text and ctx.verdict.reason in text
    for line in ctx.as_of_lines:
        assert line in text


def test_html_has_verdict_kpis_assumptions_and_timestamps(ctx: OverviewContext) -> None:
    doc = memo_html(ctx)
    assert f"Verdict: {ctx.verdict.label}" in doc
    for kpi in ctx.kpis:
        assert html.escape(kpi.value) in doc, kpi
    assert html.escape(ctx.verdict.reason) in doc
    for name, value, _basis in ctx.inputs:
        assert f"<td>{html.escape(name)}</td><td>{html.escape(value)}</td>" in doc
    for line in ctx.as_of_lines:
        assert line in doc
    assert "DEMO DATA" in doc
    assert all(html.escape(s.title) in doc for s in ctx.sources)


def test_html_links_every_source_to_its_upstream(ctx: OverviewContext) -> None:
    doc = memo_html(ctx)
    assert ctx.sources and all(s.url for s in ctx.sources)
    assert all(f'href="{html.escape(s.url, quote=True)}"' in doc for s in ctx.sources)


def _plotly_js_copies(doc: str) -> int:
    # plotly.js's bundle opens with its licence banner naming the version.
    return len(re.findall(r"\* plotly\.js v\d", doc))


def test_html_draws_every_chart_with_plotly_js_inlined_once(ctx: OverviewContext) -> None:
    doc = memo_html(ctx)
    figures = memo_figures(ctx)
    assert set(figures) == set(CHART_TITLES)  # the demo fleet has all three charts
    assert doc.count("Plotly.newPlot(") == len(figures)
    for key, title in CHART_TITLES.items():
        assert f"<h3>{html.escape(title)}</h3>" in doc
        assert f'id="memo-{key.replace("_", "-")}"' in doc
    assert _plotly_js_copies(doc) == 1
    # Offline: no script is fetched from anywhere (plotly.js names a CDN only for geo maps).
    assert not re.search(r"<script[^>]*\ssrc=", doc)
    assert "<img" not in doc


def test_html_needs_no_image_export(ctx: OverviewContext, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_export(*_args: object) -> bytes:
        raise AssertionError("the HTML memo exported an image")

    monkeypatch.setattr(memo, "_cached_png", no_export)
    monkeypatch.setitem(sys.modules, "kaleido", None)  # any import of kaleido fails
    doc = memo_html(ctx)
    assert doc.count("Plotly.newPlot(") == len(CHART_TITLES)
    assert "could not be rendered" not in doc


def test_html_without_margin_history_skips_that_chart(ctx: OverviewContext) -> None:
    from dataclasses import replace

    doc = memo_html(replace(ctx, history=ctx.history.iloc[0:0]))
    assert html.escape(CHART_TITLES[MARGIN_CHART]) not in doc
    assert doc.count("Plotly.newPlot(") == len(CHART_TITLES) - 1


def test_live_data_has_no_demo_label(demo_db: Path, ctx: OverviewContext) -> None:
    from dataclasses import replace

    doc = memo_html(replace(ctx, is_demo=False))
    assert "DEMO DATA" not in doc


def _pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![a-z])", pdf))


def test_pdf_is_at_most_two_pages(ctx: OverviewContext) -> None:
    # Issue 10 adds the fleet, timing, site and risk sections and two charts: two pages.
    pdf = memo_pdf(ctx, NO_CHART)
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")
    assert _pages(pdf) <= 2


def _pdf_text(pdf: bytes, tmp_path: Path) -> str:
    if not shutil.which("pdftotext"):
        pytest.skip("poppler-utils (pdftotext) not installed")
    path = tmp_path / "memo.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_pdf_notes_a_chart_whose_export_failed(
    ctx: OverviewContext, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def broken(*_args: object) -> bytes:
        raise RuntimeError("no Chromium")

    monkeypatch.setattr(memo, "_cached_png", broken)
    assert render_charts(ctx) == dict.fromkeys(CHART_TITLES)
    text = " ".join(_pdf_text(memo_pdf(ctx), tmp_path).split())
    assert text.count("Chart image could not be rendered") == len(CHART_TITLES)
    assert f"Verdict: {ctx.verdict.label}" in text


def test_pdf_with_a_real_chart_stays_within_two_pages(ctx: OverviewContext) -> None:
    images = render_charts(ctx)
    png = images[MARGIN_CHART]
    if png is None:
        pytest.skip("plotly image export (kaleido + Chromium) is not available here")
    assert png.startswith(b"\x89PNG")
    pdf = memo_pdf(ctx, images)
    assert _pages(pdf) <= 2
    assert b"/Subtype /Image" in pdf


def test_ascii_text_for_the_core_font() -> None:
    assert ascii_text("RAM ≥ VRAM — 3 × 2 ≤ −$1") == "RAM >= VRAM - 3 x 2 <= -$1"
    assert ascii_text("50 °C · ☃") == "50 °C · ?"


def test_memo_for_a_losing_fleet_says_why(demo_db: Path) -> None:
    ctx = _context(demo_db, GpuAssumptions(power_price_usd_per_kwh=9.0))
    doc = memo_html(ctx)
    assert ctx.verdict.label in {"Keep mining", "Sell or switch off"}
    assert html.escape(ctx.kpi("payback").value) in doc
    assert _pages(memo_pdf(ctx, NO_CHART)) <= 2
    assert "Chart not included" not in doc


ARTIFACTS = ROOT / "artifacts" / "memo"
MIXED = Fleet(
    (FleetLine("H100 SXM", 200), FleetLine("A100 80GB SXM", 300), FleetLine("RTX 4090", 500))
)


def test_memo_pdf_pages_render_with_every_section(demo_db: Path) -> None:
    """The mixed fleet's PDF rendered page by page (pdftoppm); its text has each section."""
    if not shutil.which("pdftoppm") or not shutil.which("pdftotext"):
        pytest.skip("poppler-utils (pdftoppm, pdftotext) not installed")
    ctx = _context(demo_db, fleet=MIXED)
    images = render_charts(ctx)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pdf_path = ARTIFACTS / "memo-mixed-fleet.pdf"
    pdf_path.write_bytes(memo_pdf(ctx, images))
    for old in ARTIFACTS.glob("memo-mixed-fleet-*.png"):
        old.unlink()
    prefix = str(ARTIFACTS / "memo-mixed-fleet")
    subprocess.run(["pdftoppm", "-png", "-r", "80", str(pdf_path), prefix], check=True, timeout=120)
    pngs = sorted(ARTIFACTS.glob("memo-mixed-fleet-*.png"))
    assert 1 <= len(pngs) <= 2
    assert all(p.read_bytes()[:4] == b"\x89PNG" for p in pngs)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf_path), "-"], capture_output=True, text=True, check=True
    ).stdout
    for section in (
        "Fleet: per-model verdicts",
        "Timing: now, later or never",
        "Site: one site three ways",
        "Risk and what would change the verdict",
    ):
        assert section in text, section
    for model in ("H100 SXM", "A100 80GB SXM", "RTX 4090"):
        assert f"x {model}: " in text  # per-model line ("x": the PDF's latin-1 font)
    assert f"Verdict: {ctx.verdict.label}" in text
    assert "Chart not included" not in text
    assert "https://console.vast.ai" in text  # every source names its address


def test_memo_names_the_fleet_and_per_model_lines(demo_db: Path) -> None:
    ctx = _context(demo_db, fleet=MIXED)
    doc = memo_html(ctx)
    assert html.escape(MIXED.label) in doc
    for md in ctx.decision.models:
        assert html.escape(f"{md.line.gpu_model}: {md.per_gpu.verdict.label}") in doc


def test_prepared_html_is_the_memo_of_that_very_context(
    ctx: OverviewContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dataclasses import replace

    monkeypatch.setattr(memo, "render_charts", lambda c, figures=None: {})  # no kaleido here
    monkeypatch.setattr(memo, "_WARMED", {})
    monkeypatch.setattr(memo, "_PREPARED", {})
    memo.warm_memo(ctx)
    _, future = memo._PREPARED[id(ctx)]
    doc = future.result(timeout=60)
    assert memo.prepared_memo_html(ctx) is doc
    assert doc.count("Plotly.newPlot(") == len(CHART_TITLES)
    # Another context object (a later rerun's) gets a memo built for it, not the prepared one.
    later = replace(ctx, is_demo=False)
    assert "DEMO DATA" not in memo.prepared_memo_html(later)
    memo.warm_memo(later)  # same inputs: nothing prepared again
    assert id(later) not in memo._PREPARED


def test_two_callers_of_one_chart_export_it_once(monkeypatch: pytest.MonkeyPatch) -> None:
    import threading
    import time

    import plotly.graph_objects as go

    exports: list[int] = []

    def slow_export(fig_json: str, width: int, height: int) -> bytes:  # stands in for kaleido
        exports.append(width)
        time.sleep(0.2)
        return b"png"

    monkeypatch.setattr(memo, "_png", slow_export)
    memo._cached_png.cache_clear()
    fig = go.Figure(go.Scatter(x=[1, 2], y=[3, 4]))
    got: list[tuple[bytes | None, str]] = []
    callers = [threading.Thread(target=lambda: got.append(memo.chart_png(fig, 321))) for _ in "ab"]
    for caller in callers:
        caller.start()
    for caller in callers:
        caller.join()
    memo._cached_png.cache_clear()
    assert got == [(b"png", ""), (b"png", "")]
    assert exports == [321]
