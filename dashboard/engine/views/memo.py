"""The one-page board memo, as HTML and as PDF, from the Overview's own context.

Pure builders: :func:`memo_html` and :func:`memo_pdf` take an
:class:`~dashboard.engine.views.overview.OverviewContext`; both draw the same figures
(:func:`memo_figures`). The HTML embeds them as interactive plotly charts with plotly.js inlined
once (no network, no image export); the PDF needs images, rendered with plotly + kaleido (which
drives the system Chromium) and passed in or rendered on demand. When that export fails the PDF
still renders, with a note where the chart would be.
"""

from __future__ import annotations

import atexit
import functools
import html
import threading
import warnings
from collections.abc import Mapping
from concurrent.futures import Future
from datetime import datetime

import plotly.graph_objects as go
from fpdf import FPDF

from dashboard.engine.charts import overview as charts
from dashboard.engine.views.formatting import months, usd
from dashboard.engine.views.overview import OverviewContext

MARGIN_CHART = "margin_history"
FAN_CHART = "timing_fan"
TORNADO_CHART = "tornado"
CHART_TITLES = {
    MARGIN_CHART: "Mining vs rental margin history ($/GPU/day)",
    FAN_CHART: "Cumulative spread after pivoting now, $/GPU (fleet average), percentiles",
    TORNADO_CHART: "What moves the NPV most ($/GPU)",
}
DEMO_LABEL = "DEMO DATA - bundled sample payloads, not live market data"
# The PDF's core font is latin-1 only: spell the rest in ASCII.
_ASCII = {
    "≤": "<=",
    "≥": ">=",
    "—": "-",
    "–": "-",
    "−": "-",
    "×": "x",
    "→": "->",
    "’": "'",
    "‘": "'",
    "“": '"',
    "”": '"',
    "…": "...",
    "³": "3",
    "Σ": "sum",
}

Charts = Mapping[str, bytes | None]


_RENDERER_LOCK = threading.Lock()
_renderer_started = False


def _warm_renderer() -> None:
    """Keep one headless Chromium for every chart export of this process.

    Without it kaleido starts (and stops) a browser per image, about 2.8 s each here; with it
    the first image takes about 1.7 s and each later one about 0.2 s.
    """
    global _renderer_started
    with _RENDERER_LOCK:
        if _renderer_started:
            return
        import kaleido

        # No MathJax: the memo's charts have no LaTeX, and kaleido's default page would load
        # it from a CDN (no network on a miner's server; and one more thing to wait for).
        kaleido.start_sync_server(mathjax=False, silence_warnings=True)
        atexit.register(kaleido.stop_sync_server, silence_warnings=True)
        _renderer_started = True


def _png(fig_json: str, width: int, height: int) -> bytes:
    import plotly.io as pio

    _warm_renderer()
    with warnings.catch_warnings():
        # plotly passes per-call browser options, which a running renderer ignores (and says so).
        warnings.filterwarnings("ignore", message="The kopts argument is ignored")
        fig = pio.from_json(fig_json)
        return fig.to_image(format="png", width=width, height=height, scale=2)


@functools.lru_cache(maxsize=16)
def _cached_png(fig_json: str, width: int, height: int) -> bytes:
    return _png(fig_json, width, height)


# One export at a time: kaleido's one browser serves two callers at once badly (a PDF click while
# warm_memo rendered the same charts took ~5.9 s instead of ~0.8 s), and a caller that waited
# finds the other's image in the cache instead of rendering it again.
_EXPORT_LOCK = threading.Lock()


def chart_png(fig: object, width: int = 1000, height: int = 420) -> tuple[bytes | None, str]:
    """PNG bytes of a plotly figure and ``""``, or ``None`` and a one-line reason."""
    try:
        fig_json = fig.to_json()  # type: ignore[attr-defined]
        with _EXPORT_LOCK:
            return _cached_png(fig_json, width, height), ""
    except Exception as exc:  # kaleido, Chromium or plotly: the memo must render regardless
        text = " ".join(str(exc).split())[:200] or type(exc).__name__
        return None, f"chart image unavailable ({type(exc).__name__}: {text})"


def _memo_figure(fig: go.Figure, y_format: str | None = ",.0f") -> go.Figure:
    """Room for tick labels and no title inside the image (the memo heads each chart)."""
    fig.update_layout(
        title_text=None,
        margin={"l": 90, "r": 30, "t": 30, "b": 70},
        font={"size": 14},
        legend={"orientation": "h", "y": -0.22},
    )
    fig.update_xaxes(automargin=True)
    fig.update_yaxes(automargin=True, tickformat=y_format)
    return fig


# Pixel height of each chart, in the PDF's image and the HTML alike; the PNG is this wide.
_CHART_HEIGHT = {MARGIN_CHART: 420, FAN_CHART: 420, TORNADO_CHART: 460}
_PNG_WIDTH = 1000


def memo_figures(ctx: OverviewContext) -> dict[str, go.Figure]:
    """The memo's plotly figures by chart key, memo styling applied (only the charts it has)."""
    from dashboard.engine.charts import timing as timing_charts
    from dashboard.engine.views.timing import fan_frame, per_gpu_mc

    out: dict[str, go.Figure] = {}
    if not ctx.history.empty:
        fig = charts.margin_history_figure(ctx.history, list(ctx.crossovers))
        out[MARGIN_CHART] = _memo_figure(fig, ",.2f")
    d = ctx.decision
    fan = fan_frame(per_gpu_mc(d.mc, d.fleet.total_count))
    out[FAN_CHART] = _memo_figure(timing_charts.fan_figure(fan))
    if ctx.tornado is not None and not ctx.tornado.empty:
        fig = _memo_figure(timing_charts.tornado_figure(ctx.tornado), None)
        fig.update_xaxes(tickformat=",.0f")
        fig.update_yaxes(title_text=None)
        fig.update_layout(legend={"orientation": "h", "y": -0.3}, margin={"b": 110})
        out[TORNADO_CHART] = fig
    for key, fig in out.items():
        fig.update_layout(height=_CHART_HEIGHT[key])
    return out


def render_charts(
    ctx: OverviewContext, figures: Mapping[str, go.Figure] | None = None
) -> dict[str, bytes | None]:
    """The memo's charts (``figures``, default :func:`memo_figures`) as PNG for the PDF (None
    where export failed).

    Each image is cached by its figure, so one decision renders its charts once.
    """
    figures = memo_figures(ctx) if figures is None else figures
    return {key: chart_png(fig, _PNG_WIDTH, _CHART_HEIGHT[key])[0] for key, fig in figures.items()}


# Input sets already warmed, newest last (the last _WARMED_KEEP: a server runs for weeks).
_WARMED: dict[str, None] = {}
_WARMED_KEEP = 64
# The HTML memo prepared by warm_memo, for the very context object it was built from (a rerun's
# context is a fresh object: identity says the page has not changed since). The last two only:
# each is about 5 MB.
_PREPARED: dict[int, tuple[OverviewContext, Future[str]]] = {}
_PREPARED_KEEP = 2
_PREPARED_LOCK = threading.Lock()


def warm_memo(ctx: OverviewContext) -> None:
    """Prepare the memo in a background thread when its inputs are new: the HTML, then the PDF's
    chart images, so either download is ready when asked for.

    kaleido's first export starts Chromium (seconds on a busy host); the PNGs are cached per
    figure, so the later PDF build only assembles the PDF (well under a second). The HTML is
    built first: a click right after an input change would otherwise build it while the images
    render beside it, several times slower.
    """
    # The cached decision comes back as a fresh copy each rerun: key by its inputs instead.
    d = ctx.decision
    key = repr((d.fleet, d.assumptions, sorted(d.as_of.items())))
    future: Future[str] = Future()
    with _PREPARED_LOCK:
        if key in _WARMED:
            return
        _WARMED[key] = None
        while len(_WARMED) > _WARMED_KEEP:
            del _WARMED[next(iter(_WARMED))]
        _PREPARED[id(ctx)] = (ctx, future)
        while len(_PREPARED) > _PREPARED_KEEP:
            del _PREPARED[next(iter(_PREPARED))]
    threading.Thread(target=_prepare, args=(ctx, future), daemon=True).start()


def _prepare(ctx: OverviewContext, future: Future[str]) -> None:
    try:
        figures = memo_figures(ctx)
        future.set_result(_html(ctx, figures))
    except Exception as exc:  # the click builds it again and shows the error there
        future.set_exception(exc)
        return
    render_charts(ctx, figures)


def prepared_memo_html(ctx: OverviewContext) -> str:
    """:func:`memo_html` of ``ctx``: the copy :func:`warm_memo` prepared (waiting for it while
    it is being built), else built now."""
    with _PREPARED_LOCK:
        ctx_and_future = _PREPARED.get(id(ctx))
    if ctx_and_future is not None and ctx_and_future[0] is ctx:
        try:
            return ctx_and_future[1].result(timeout=30)
        except Exception:  # built again below, where an error reaches the user
            pass
    return memo_html(ctx)


def _chart_note(ctx: OverviewContext) -> str:
    return "Chart image could not be rendered (plotly image export via kaleido/Chromium failed)."


@functools.cache
def _plotly_js() -> str:
    """plotly.js from the installed plotly package (about 4.8 MB), read once per process."""
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


def _chart_html(key: str, fig: go.Figure) -> str:
    """One interactive chart: a div and its ``Plotly.newPlot`` call (plotly.js loaded once)."""
    return fig.to_html(
        full_html=False,
        include_plotlyjs=False,
        div_id=f"memo-{key.replace('_', '-')}",
        default_width="100%",
        config={"displaylogo": False, "responsive": True},
    )


def _charts_to_show(ctx: OverviewContext) -> list[str]:
    """Chart keys in memo order; the margin history only for models that can mine."""
    keys = [FAN_CHART, TORNADO_CHART]
    return ([MARGIN_CHART] if not ctx.history.empty else []) + keys


def fleet_lines(ctx: OverviewContext) -> list[str]:
    """One line per model: its verdict and reason beside the fleet verdict."""
    return [
        f"{md.line.count:,} × {md.line.gpu_model}: {md.per_gpu.verdict.label} - "
        f"{md.per_gpu.verdict.reason}"
        for md in ctx.decision.models
    ]


def timing_lines(ctx: OverviewContext) -> list[str]:
    """Now / in 3 / 6 / 12 months / never, each as fleet expected NPV vs never."""
    o = ctx.decision.fleet_outcome
    best = next(x for x in o.options if x.best)
    return [
        "Expected NPV vs never pivoting, same calendar window (fleet): "
        + "; ".join(f"{x.label} {usd(x.expected_npv_usd, 0)}" for x in o.options)
        + f". Best: {best.label}.",
        f"Payback on the forward path: {months(o.payback_months)}; " + ctx.risk_line,
    ]


def site_lines(ctx: OverviewContext) -> list[str]:
    """The default 10 MW site three ways (BTC mining, GPU cloud, colocation), per MW of IT."""
    if ctx.site is None:
        return [f"Site not computed: {ctx.site_error or 'no site inputs'}"]
    sa = ctx.site.assumptions
    head = (
        f"{sa.mw_it:g} MW IT at ${sa.power_price_usd_per_kwh:.3f}/kWh, PUE {sa.pue:g}, rental "
        f"decline {sa.rental_decline:.0%}/yr (Site page for your own site):"
    )
    names = {"btc_mining": "BTC mining", "gpu_cloud": "GPU cloud", "colocation": "Colocation"}
    return [head] + [
        f"{names.get(u.use, u.use)}: net {usd(u.net_usd_per_mw_year, 0)}/MW-year, capex "
        f"{usd(u.capex_usd_per_mw, 0)}/MW, payback "
        + ("never within 20 years" if u.payback_years is None else f"{u.payback_years:.1f} years")
        for u in ctx.site.uses
    ]


def breakeven_lines(ctx: OverviewContext) -> list[str]:
    """What would change the verdict: each model's break-evens against today's values."""
    out = []
    for md in ctx.decision.models:
        b, r, a = md.result.breakeven, md.result.rental, md.assumptions
        util = "none" if b.utilization is None else f"{b.utilization:.0%}"
        out.append(
            f"{md.line.gpu_model}: renting breaks even at {usd(b.rental_rate_usd_per_gpu_hour, 3)}"
            f"/GPU-h (today {usd(r.rate_usd_per_gpu_hour, 3)}), utilization {util} (today "
            f"{a.utilization:.0%}), power {usd(b.power_price_usd_per_kwh, 3, 'none')}/kWh "
            f"(today {usd(a.power_price_usd_per_kwh, 3)})"
        )
    if ctx.tornado is not None and not ctx.tornado.empty:
        top = ctx.tornado.iloc[0]
        out.append(
            f"Widest driver: {top['input']} ({top['range']}) moves NPV by "
            f"{usd(float(top['swing ($/GPU)']), 0)}/GPU."
        )
    return out


def _title(ctx: OverviewContext) -> str:
    return f"RigShift board memo: {ctx.decision.fleet.label}"


def _stamp(ts: datetime) -> str:
    return ts.strftime("%Y-%m-%d %H:%M UTC")


def _sections(ctx: OverviewContext) -> list[tuple[str, list[str]]]:
    """The memo's text sections, in order, shared by the HTML and the PDF."""
    return [
        ("Fleet: per-model verdicts", fleet_lines(ctx)),
        ("Timing: now, later or never", timing_lines(ctx)),
        ("Site: one site three ways", site_lines(ctx)),
        ("Risk and what would change the verdict", breakeven_lines(ctx)),
    ]


def _linked(text: str, url: str) -> str:
    """``text`` as a link to ``url`` when it is an http(s) address, else plain (both escaped)."""
    if not url.startswith(("https://", "http://")):
        return html.escape(text)
    return f'<a href="{html.escape(url, quote=True)}">{html.escape(text)}</a>'


def memo_html(ctx: OverviewContext) -> str:
    """A self-contained one-page HTML memo: interactive charts, plotly.js inlined once.

    No image export (kaleido), so it builds in milliseconds and works offline.
    """
    return _html(ctx, memo_figures(ctx))


def _html(ctx: OverviewContext, figures: Mapping[str, go.Figure]) -> str:
    e = html.escape
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{e(_title(ctx))}</title>",
        "<style>body{font-family:system-ui,sans-serif;max-width:60em;margin:1.5em auto;"
        "color:#1b1f24}h1{font-size:1.4em;margin:0}table{border-collapse:collapse;width:100%}"
        "td,th{border:1px solid #d0d4da;padding:.25em .5em;text-align:left;font-size:.9em}"
        ".kpis td{width:33%}.kpi{font-size:1.3em;font-weight:600}.demo{background:#fff3cd;"
        "border:2px solid #d39e00;padding:.4em;font-weight:700}.verdict{border:2px solid "
        "#3d8be8;padding:.6em;margin:.8em 0}small,.muted{color:#5b6470}"
        ".plotly-graph-div{break-inside:avoid}@media print{body{margin:0}}</style>",
        # Inline, not a CDN: the memo is read offline, attached to mail or archived.
        f"<script type='text/javascript'>{_plotly_js()}</script></head><body>",
        f"<h1>{e(_title(ctx))}</h1>",
        f"<p class='muted'>Generated {e(_stamp(ctx.generated_at))} · {e(ctx.fleet_line)}</p>",
    ]
    if ctx.is_demo:
        parts.append(f"<p class='demo'>{e(DEMO_LABEL)}</p>")
    parts += [
        "<div class='verdict'>",
        f"<h2>Verdict: {e(ctx.verdict.label)}</h2>",
        f"<p>{e(ctx.verdict.reason)}</p>",
        f"<p class='muted'>{e(ctx.risk_line)}</p>",
        "</div>",
        "<table class='kpis'>",
    ]
    for i in range(0, len(ctx.kpis), 3):
        cells = "".join(
            f"<td><small>{e(k.label)}</small><br><span class='kpi'>{e(k.value)}</span></td>"
            for k in ctx.kpis[i : i + 3]
        )
        parts.append(f"<tr>{cells}</tr>")
    parts.append("</table>")
    for note in ctx.notes:
        parts.append(f"<p class='muted'>{e(note)}</p>")
    for line in ctx.stale:
        parts.append(f"<p><b>Stale input:</b> {e(line)}</p>")
    for heading, lines in _sections(ctx):
        parts.append(f"<h3>{e(heading)}</h3><ul>")
        parts += [f"<li>{e(line)}</li>" for line in lines]
        parts.append("</ul>")
    for key in _charts_to_show(ctx):
        title = CHART_TITLES[key]
        parts.append(f"<h3>{e(title)}</h3>")
        fig = figures.get(key)
        if fig is not None:
            parts.append(_chart_html(key, fig))
        else:
            parts.append("<p class='muted'><em>Nothing to chart for this decision.</em></p>")
    parts.append("<h3>Assumptions</h3><table><tr><th>input</th><th>value</th><th>basis</th></tr>")
    for name, value, basis in ctx.inputs:
        parts.append(f"<tr><td>{e(name)}</td><td>{e(value)}</td><td>{e(basis)}</td></tr>")
    parts.append("</table>")
    if ctx.alerts:
        parts.append("<h3>Recent alerts</h3><ul>")
        parts += [f"<li>{e(line)}</li>" for line in ctx.alerts]
        parts.append("</ul>")
    parts.append("<h3>Data timestamps and sources</h3>")
    parts.append(f"<p>Data timestamps: {e(' · '.join(ctx.as_of_lines))}</p>")
    if ctx.sources:
        parts.append("<table><tr><th>data kind</th><th>source</th><th>last success</th>")
        parts.append("<th>state</th></tr>")
        for s in ctx.sources:
            parts.append(
                f"<tr><td>{e(s.kind)}</td><td>{_linked(s.title, s.url)} ({e(s.source)})</td>"
                f"<td>{e(s.last_success)}</td><td>{e(s.state)}</td></tr>"
            )
        parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts)


def ascii_text(text: str) -> str:
    """``text`` in latin-1 for the PDF core font: known symbols spelled out, the rest ``?``."""
    for char, repl in _ASCII.items():
        text = text.replace(char, repl)
    return text.encode("latin-1", errors="replace").decode("latin-1")


def _fit(pdf: FPDF, text: str, width_mm: float) -> str:
    """``text`` cut with "..." so it fits ``width_mm`` in the current font (KPI cells)."""
    if pdf.get_string_width(text) <= width_mm:
        return text
    while text and pdf.get_string_width(text + "...") > width_mm:
        text = text[:-1]
    return text + "..."


class _Memo(FPDF):
    """A4 portrait, tight margins, core Helvetica."""

    def para(self, text: str, size: float = 9, style: str = "", h: float = 4.2) -> None:
        self.set_font("Helvetica", style, size)
        self.multi_cell(0, h, ascii_text(text), new_x="LMARGIN", new_y="NEXT")

    def heading(self, text: str) -> None:
        self.ln(1.5)
        self.para(text, size=10.5, style="B", h=5)


def memo_pdf(ctx: OverviewContext, images: Charts | None = None) -> bytes:
    """The memo as a one-page A4 PDF (core font, so non-latin-1 symbols are spelled in ASCII)."""
    images = render_charts(ctx) if images is None else images
    pdf = _Memo(orientation="P", unit="mm", format="A4")
    pdf.set_margins(12, 10, 12)
    pdf.set_auto_page_break(True, margin=8)
    pdf.set_title(ascii_text(_title(ctx)))
    pdf.set_author("RigShift")
    pdf.add_page()
    pdf.para(_title(ctx), size=15, style="B", h=7)
    pdf.para(f"Generated {_stamp(ctx.generated_at)} - {ctx.fleet_line}", size=8)
    if ctx.is_demo:
        pdf.set_fill_color(255, 243, 205)
        pdf.set_font("Helvetica", "B", 10)
        pdf.cell(0, 6, DEMO_LABEL, border=1, fill=True, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
    pdf.para(f"Verdict: {ctx.verdict.label}", size=13, style="B", h=6)
    pdf.para(ctx.verdict.reason, size=9.5)
    pdf.para(ctx.risk_line, size=8)
    pdf.ln(1)
    width = (pdf.w - pdf.l_margin - pdf.r_margin) / 3
    for i in range(0, len(ctx.kpis), 3):
        row = ctx.kpis[i : i + 3]
        x, y = pdf.get_x(), pdf.get_y()
        for n, k in enumerate(row):
            pdf.set_xy(x + n * width, y)
            pdf.set_font("Helvetica", "", 7)
            pdf.cell(width, 4, _fit(pdf, ascii_text(k.label), width - 2), border="LTR")
            pdf.set_xy(x + n * width, y + 4)
            pdf.set_font("Helvetica", "B", 10.5)
            pdf.cell(width, 6, ascii_text(k.value), border="LBR")
        pdf.set_xy(x, y + 10)
    for note in ctx.notes:
        pdf.para(note, size=8)
    for line in ctx.stale:
        pdf.para(f"Stale input: {line}", size=8)
    for heading, lines in _sections(ctx):
        pdf.heading(heading)
        for line in lines:
            pdf.para(f"- {line}", size=8, h=3.8)
    width = pdf.w - pdf.l_margin - pdf.r_margin
    for key in _charts_to_show(ctx):
        pdf.heading(CHART_TITLES[key])
        png = images.get(key)
        if png:
            import io

            pdf.image(io.BytesIO(png), w=width * 0.8, h=width * 0.8 * 0.42)
        else:
            pdf.para(_chart_note(ctx), size=8.5, style="I")
    pdf.heading("Assumptions")
    for name, value, basis in ctx.inputs:
        pdf.para(f"{name}: {value} ({basis})", size=7.5, h=3.5)
    if ctx.alerts:
        pdf.heading("Recent alerts")
        for line in ctx.alerts[:5]:
            pdf.para(f"- {line}", size=7.5, h=3.6)
    pdf.heading("Data timestamps and sources")
    pdf.para("Data timestamps: " + " - ".join(ctx.as_of_lines), size=7.5, h=3.6)
    if ctx.sources:
        text = "; ".join(
            f"{s.title} ({s.kind}, {s.url or s.source}) {s.last_success}, {s.state}"
            for s in ctx.sources
        )
        pdf.para("Sources: " + text, size=7, h=3.4)
    return bytes(pdf.output())
