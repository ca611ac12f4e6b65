"""The one-page board memo, as HTML and as PDF, from the Overview's own context.

Pure builders: :func:`memo_html` and :func:`memo_pdf` take an
:class:`~dashboard.engine.briefing.OverviewContext` and, optionally, pre-rendered chart
images. Charts are rendered with plotly + kaleido (which drives the system Chromium); when that
fails the memo still renders, with a note where the chart would be.
"""

from __future__ import annotations

import base64
import functools
import html
from collections.abc import Mapping
from datetime import datetime

from fpdf import FPDF

from dashboard.engine import charts
from dashboard.engine.briefing import OverviewContext

MARGIN_CHART = "margin_history"
CHART_TITLES = {MARGIN_CHART: "Mining vs rental margin history ($/GPU/day)"}
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


def _png(fig_json: str, width: int, height: int) -> bytes:
    import plotly.io as pio

    return pio.from_json(fig_json).to_image(format="png", width=width, height=height, scale=2)


@functools.lru_cache(maxsize=16)
def _cached_png(fig_json: str, width: int, height: int) -> bytes:
    return _png(fig_json, width, height)


def chart_png(fig: object, width: int = 1000, height: int = 420) -> tuple[bytes | None, str]:
    """PNG bytes of a plotly figure and ``""``, or ``None`` and a one-line reason."""
    try:
        return _cached_png(fig.to_json(), width, height), ""  # type: ignore[attr-defined]
    except Exception as exc:  # kaleido, Chromium or plotly: the memo must render regardless
        text = " ".join(str(exc).split())[:200] or type(exc).__name__
        return None, f"chart image unavailable ({type(exc).__name__}: {text})"


def render_charts(ctx: OverviewContext) -> dict[str, bytes | None]:
    """The memo's charts as PNG (None where export failed or there is nothing to chart)."""
    if ctx.history.empty:
        return {MARGIN_CHART: None}
    fig = charts.margin_history_figure(ctx.history, list(ctx.crossovers))
    png, _reason = chart_png(fig)
    return {MARGIN_CHART: png}


def _chart_note(ctx: OverviewContext) -> str:
    if ctx.history.empty:
        return "Chart not included: not enough stored history yet."
    return "Chart image could not be rendered (plotly image export via kaleido/Chromium failed)."


def _title(ctx: OverviewContext) -> str:
    a = ctx.assumptions
    return f"RigShift board memo: {a.count:,} × {a.gpu_model}"


def _stamp(ts: datetime) -> str:
    return ts.strftime("%Y-%m-%d %H:%M UTC")


def memo_html(ctx: OverviewContext, images: Charts | None = None) -> str:
    """A self-contained one-page HTML memo (charts inlined as PNG data URIs)."""
    images = render_charts(ctx) if images is None else images
    e = html.escape
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{e(_title(ctx))}</title>",
        "<style>body{font-family:system-ui,sans-serif;max-width:60em;margin:1.5em auto;"
        "color:#1b1f24}h1{font-size:1.4em;margin:0}table{border-collapse:collapse;width:100%}"
        "td,th{border:1px solid #d0d4da;padding:.25em .5em;text-align:left;font-size:.9em}"
        ".kpis td{width:33%}.kpi{font-size:1.3em;font-weight:600}.demo{background:#fff3cd;"
        "border:2px solid #d39e00;padding:.4em;font-weight:700}.verdict{border:2px solid "
        "#3d8be8;padding:.6em;margin:.8em 0}small,.muted{color:#5b6470}img{width:100%}"
        "@media print{body{margin:0}}</style></head><body>",
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
    for key, title in CHART_TITLES.items():
        parts.append(f"<h3>{e(title)}</h3>")
        png = images.get(key)
        if png:
            data = base64.b64encode(png).decode("ascii")
            parts.append(f"<img alt='{e(title)}' src='data:image/png;base64,{data}'>")
        else:
            parts.append(f"<p class='muted'><em>{e(_chart_note(ctx))}</em></p>")
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
                f"<tr><td>{e(s.kind)}</td><td>{e(s.title)} ({e(s.source)})</td>"
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
            pdf.set_font("Helvetica", "", 7.5)
            pdf.cell(width, 4, ascii_text(k.label), border="LTR")
            pdf.set_xy(x + n * width, y + 4)
            pdf.set_font("Helvetica", "B", 10.5)
            pdf.cell(width, 6, ascii_text(k.value), border="LBR")
        pdf.set_xy(x, y + 10)
    for note in ctx.notes:
        pdf.para(note, size=8)
    for line in ctx.stale:
        pdf.para(f"Stale input: {line}", size=8)
    for key, title in CHART_TITLES.items():
        pdf.heading(title)
        png = images.get(key)
        if png:
            import io

            pdf.image(io.BytesIO(png), w=pdf.w - pdf.l_margin - pdf.r_margin, h=74)
        else:
            pdf.para(_chart_note(ctx), size=8.5, style="I")
    pdf.heading("Assumptions")
    half = (len(ctx.inputs) + 1) // 2
    col = (pdf.w - pdf.l_margin - pdf.r_margin) / 2
    y0 = pdf.get_y()
    for n, (name, value, basis) in enumerate(ctx.inputs):
        pdf.set_xy(pdf.l_margin + (n // half) * col, y0 + (n % half) * 3.8)
        pdf.set_font("Helvetica", "", 7.5)
        pdf.cell(col, 3.8, ascii_text(f"{name}: {value} ({basis})"))
    pdf.set_xy(pdf.l_margin, y0 + half * 3.8 + 1)
    if ctx.alerts:
        pdf.heading("Recent alerts")
        for line in ctx.alerts[:5]:
            pdf.para(f"- {line}", size=7.5, h=3.6)
    pdf.heading("Data timestamps and sources")
    pdf.para("Data timestamps: " + " - ".join(ctx.as_of_lines), size=7.5, h=3.6)
    if ctx.sources:
        text = "; ".join(f"{s.title} ({s.kind}) {s.last_success}, {s.state}" for s in ctx.sources)
        pdf.para("Sources: " + text, size=7, h=3.4)
    return bytes(pdf.output())
