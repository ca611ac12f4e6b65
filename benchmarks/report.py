"""Turn benchmark sections into result rows, ``results.json`` and ``docs/benchmarks.md``.

Every row has a target, the measured median with min and max, a baseline and ratio where
the section measured one in the same run, and "met" or the gap to the target.
"""

from __future__ import annotations

import json
import os
import platform
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

SECTIONS = ("ingest", "queries", "pages", "browser", "economics", "memory")
APP_RSS_LIMIT_MB = 1024.0
PAGE_LIMIT_S = {"demo": 0.300, "large": 1.0, "small": 1.0}
QUERY_LIMIT_S = 0.200
RUNTIME_LIMIT_S = 15 * 60
# Browser targets (issue 11), seconds.
COLD_LOAD_MEDIAN_S = 1.5
ACTION_MEDIAN_S = 0.5
ACTION_P95_S = 1.0
MEMO_LIMIT_S = {"pdf": 3.0, "html": 0.5}


def machine_info() -> dict[str, Any]:
    """CPU count and model, RAM, load, library versions and the date."""
    info: dict[str, Any] = {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu_model": _cpu_model(),
        "ram_gb": round(_mem_total_kb() / 1024 / 1024, 1),
        "load_average_start": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "platform": platform.platform(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }
    for package in ("duckdb", "streamlit", "pandas", "pyarrow", "numpy"):
        try:
            info[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            info[package] = None
    return info


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _mem_total_kb() -> int:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _row(
    section: str,
    name: str,
    target: str,
    limit: float | None,
    fig: dict[str, Any] | None,
    unit: str = "s",
    scale: float = 1.0,
    baseline: str = "",
    ratio: float | None = None,
    higher_is_better: bool = False,
    note: str = "",
) -> dict[str, Any]:
    """One results-table row; ``fig`` holds median_s/min_s/max_s (or an error)."""
    if fig is None or "median_s" not in fig:
        error = (fig or {}).get("error", "not measured")
        return {
            "section": section,
            "name": name,
            "target": target,
            "unit": unit,
            "median": None,
            "p95": None,
            "min": None,
            "max": None,
            "baseline": baseline,
            "ratio": ratio,
            "met": False if limit is not None else None,
            "gap": str(error),
            "note": note,
        }
    median = fig["median_s"] * scale
    met: bool | None = None
    gap = ""
    if limit is not None:
        met = median >= limit if higher_is_better else median <= limit
        if not met:
            gap = (
                f"{limit / median:.2f}x short"
                if higher_is_better
                else f"+{_fmt(median - limit, unit)} {unit} ({median / limit:.1f}x the target)"
            )
    return {
        "section": section,
        "name": name,
        "target": target,
        "unit": unit,
        "median": median,
        "p95": fig["p95_s"] * scale if fig.get("p95_s") is not None else None,
        "min": fig["min_s"] * scale,
        "max": fig["max_s"] * scale,
        "baseline": baseline,
        "ratio": ratio,
        "met": met,
        "gap": gap,
        "note": note,
    }


def build_rows(sections: dict[str, Any], total_s: float) -> list[dict[str, Any]]:
    """The results table rows from every section's figures."""
    rows: list[dict[str, Any]] = []
    rows += _ingest_rows(sections.get("ingest"))
    for store_kind, q in (sections.get("queries") or {}).items():
        for name, fig in q.get("queries", {}).items():
            base = fig.get("baseline")
            text = ""
            if base:
                how = "slice, scaled" if base["scaled_from_slice"] else "full table"
                text = f"pandas on raw offers: {base['total_s']:.2f} s ({how})"
            rows.append(
                _row(
                    "queries",
                    f"{name} [{store_kind}]",
                    "< 200 ms",
                    QUERY_LIMIT_S * 1000,
                    fig,
                    unit="ms",
                    scale=1000,
                    baseline=text,
                    ratio=fig.get("ratio"),
                )
            )
    for store_kind, p in (sections.get("pages") or {}).items():
        limit = PAGE_LIMIT_S.get(store_kind, 1.0)
        for name, fig in p.get("pages", {}).items():
            note = f"first (cold) run {fig['first_run_s']:.2f} s" if "first_run_s" in fig else ""
            if fig.get("exceptions"):
                note += f"; page raised: {fig['exceptions'][0][:80]}"
            rows.append(
                _row(
                    "pages",
                    f"{name} rerun [{store_kind}]",
                    f"< {limit * 1000:.0f} ms",
                    limit * 1000,
                    fig,
                    unit="ms",
                    scale=1000,
                    note=note,
                )
            )
    rows += browser_rows(sections.get("browser"))
    rows += _economics_rows(sections.get("economics"))
    rows += _memory_rows(sections.get("memory"))
    rows.append(
        _row(
            "run",
            "make bench total runtime",
            "< 15 min",
            RUNTIME_LIMIT_S,
            {"median_s": total_s, "min_s": total_s, "max_s": total_s},
        )
    )
    return rows


def _ingest_rows(ing: dict[str, Any] | None) -> list[dict[str, Any]]:
    if not ing:
        return []
    if "error" in ing:
        return [_row("ingest", "ingest", "< 10 s per 1M offers", 10.0, ing)]
    per_m = 1_000_000 / ing["rows"]
    base = ing["baseline"]
    text = f"row-by-row executemany: {base['scaled_s']:.0f} s ({base['note']})"
    phases = ", ".join(f"{k[:-2]} {v:.2f} s" for k, v in ing["phases_median_s"].items())
    speed = ing["speedup"]
    return [
        _row(
            "ingest",
            f"ingest {ing['rows']:,} offers, per 1M (parse, checks, write, index)",
            "< 10 s per 1M",
            10.0,
            ing["ours"],
            scale=per_m,
            baseline=text,
            ratio=speed,
            note=f"median phases: {phases}; CPU {ing.get('cpu_s_median', 0):.1f} s",
        ),
        _row(
            "ingest",
            "ingest speed-up vs row-by-row baseline",
            ">= 50x",
            50.0,
            {"median_s": speed, "min_s": speed, "max_s": speed},
            unit="x",
            higher_is_better=True,
            baseline=text,
            ratio=speed,
            note=(
                f"previous dict-per-row path: {ing['dict_path']['scaled_s']:.1f} s "
                f"({ing['speedup_vs_dict_path']:.1f}x slower than ours)"
            ),
        ),
    ]


def _split_note(fig: dict[str, Any]) -> str:
    """Where the median time went, and the payload: the profile beside each browser row."""
    parts = []
    for key, label in (
        ("before_ms", "before script"),
        ("script_ms", "script"),
        ("after_ms", "render"),
    ):
        value = fig.get(f"{key}_median")
        if value is not None:
            parts.append(f"{label} {value:,.0f} ms")
    if fig.get("bytes_median") is not None:
        parts.append(f"payload {fig['bytes_median'] / 1024:,.0f} KB")
    return "median split: " + ", ".join(parts) if parts else ""


def _limit_row(
    name: str,
    target: str,
    fig: dict[str, Any] | None,
    median_s: float | None,
    p95_s: float | None,
    note: str = "",
) -> dict[str, Any]:
    """A browser row in ms, met when the median (and the p95, when limited) is in bounds."""
    row = _row("browser", name, target, None, fig, unit="ms", scale=1000, note=note)
    if row["median"] is None:
        row["met"] = False if (median_s or p95_s) else None
        return row
    gaps = []
    if median_s is not None and row["median"] > median_s * 1000:
        gaps.append(f"median +{row['median'] - median_s * 1000:,.0f} ms")
    if p95_s is not None and row["p95"] is not None and row["p95"] > p95_s * 1000:
        gaps.append(f"p95 +{row['p95'] - p95_s * 1000:,.0f} ms")
    if median_s is None and p95_s is None:
        row["met"] = None
    else:
        row["met"] = not gaps
        row["gap"] = "; ".join(gaps)
    return row


def _floor_name(name: str) -> str:
    return f"floor, minimal app ({name}), cold load, fresh context"


def floor_rows(floors: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Information rows: cold loads of the minimal apps, what any page pays on this machine."""
    rows = []
    for name, fl in (floors or {}).items():
        fig = fl.get("cold", fl)
        row = _limit_row(_floor_name(name), "(none)", fig, None, None, _split_note(fig))
        if row["median"] is None:  # shown as a gap: an unmeasured floor must not pass as info
            row["met"] = False
        rows.append(row)
    return rows


def browser_rows(browser: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Rows of the browser section: the floor, cold and warm loads, interactions, memos."""
    rows: list[dict[str, Any]] = []
    for store_kind, b in (browser or {}).items():
        if "error" in b:
            rows.append(_limit_row(f"browser [{store_kind}]", "runs", b, 1.0, None))
            continue
        # Before the pages: each page's cold load reads against these.
        rows += floor_rows(b.get("floor"))
        for page, p in (b.get("pages") or {}).items():
            if "error" in p:
                rows.append(_limit_row(f"{page} [{store_kind}]", "renders", p, 1.0, None))
                continue
            cold, warm = p.get("cold"), p.get("warm")
            rows.append(
                _limit_row(
                    f"{page} cold load, fresh context [{store_kind}]",
                    "<= 1.5 s median",
                    cold,
                    COLD_LOAD_MEDIAN_S,
                    None,
                    _split_note(cold or {}),
                )
            )
            rows.append(
                _limit_row(
                    f"{page} warm load [{store_kind}]",
                    "(none)",
                    warm,
                    None,
                    None,
                    _split_note(warm or {}),
                )
            )
            for action, fig in (p.get("actions") or {}).items():
                note = _split_note(fig)
                if fig.get("exception_after"):
                    note += "; page shows an exception after it"
                target = "<= 500 ms median, <= 1 s p95"
                if fig.get("kind") == "market":
                    target += " (Market view/filter: <= 1 s p95)"
                rows.append(
                    _limit_row(
                        f"{page}: {action} -> settled [{store_kind}]",
                        target,
                        fig,
                        ACTION_MEDIAN_S,
                        ACTION_P95_S,
                        note,
                    )
                )
            for fmt, fig in (p.get("memo") or {}).items():
                limit = MEMO_LIMIT_S.get(fmt, 3.0)
                size = f"file {fig['bytes'] / 1024:,.0f} KB" if fig.get("bytes") else ""
                rows.append(
                    _limit_row(
                        f"board memo {fmt.upper()} download [{store_kind}]",
                        f"<= {limit:g} s",
                        fig,
                        limit,
                        None,
                        size,
                    )
                )
    return rows


def profile_lines(browser: dict[str, Any] | None) -> list[str]:
    """Markdown table: per page and measure, where the median time goes and the payload."""
    lines = [
        "| store | page | measure | median ms | before script ms | script ms | render ms "
        "| payload KB |",
        "|---|---|---|---:|---:|---:|---:|---:|",
    ]
    cell = lambda v, d=1.0: "-" if v is None else f"{v / d:,.0f}"  # noqa: E731
    for store_kind, b in (browser or {}).items():
        # The floor first, store "-": minimal apps read no store.
        groups = [
            ("-", f"floor: {name}", [("cold load", fl.get("cold"))])
            for name, fl in (b.get("floor") or {}).items()
        ]
        for page, p in (b.get("pages") or {}).items():
            measures = [("cold load", p.get("cold")), ("warm load", p.get("warm"))]
            measures += list((p.get("actions") or {}).items())
            groups.append((store_kind, page, measures))
        for kind, page, measures in groups:
            for what, fig in measures:
                if not fig or "median_s" not in fig:
                    continue
                lines.append(
                    f"| {kind} | {page} | {what} | {fig['median_s'] * 1000:,.0f} "
                    f"| {cell(fig.get('before_ms_median'))} "
                    f"| {cell(fig.get('script_ms_median'))} "
                    f"| {cell(fig.get('after_ms_median'))} "
                    f"| {cell(fig.get('bytes_median'), 1024)} |"
                )
    return lines


def _economics_rows(eco: dict[str, Any] | None) -> list[dict[str, Any]]:
    if not eco:
        return []
    if "error" in eco:
        return [_row("economics", "Monte Carlo", "< 0.5 s", 0.5, eco)]
    fig = {"median_s": eco["numpy_median_s"], "min_s": eco["numpy_min_s"]}
    fig["max_s"] = eco["numpy_max_s"]
    name = (
        f"Monte Carlo {eco['models']:.0f} models x {eco['paths']:,.0f} paths x "
        f"{eco['months']:.0f} months"
    )
    baseline = f"plain Python loop: {eco['loop_scaled_s']:.0f} s ({eco['loop_paths_measured']:.0f}"
    baseline += " paths, scaled)"
    return [
        _row(
            "economics",
            name,
            f"< {eco['target_s']} s",
            eco["target_s"],
            fig,
            baseline=baseline,
            ratio=eco["speedup"],
        )
    ]


def _memory_rows(mem: dict[str, Any] | None) -> list[dict[str, Any]]:
    rows = []
    for store_kind, fig in ((mem or {}).get("app") or {}).items():
        rss = fig.get("peak_rss_mb")
        rows.append(
            _row(
                "memory",
                f"app peak RSS, every page [{store_kind}]",
                "< 1 GB" if store_kind != "demo" else "(none)",
                APP_RSS_LIMIT_MB if store_kind != "demo" else None,
                {"median_s": rss, "min_s": rss, "max_s": rss} if rss else fig,
                unit="MB",
                note="VmHWM of the AppTest child that rendered and reran every page",
            )
        )
    refresh = (mem or {}).get("refresh")
    if refresh:
        rss = refresh.get("peak_rss_mb")
        rows.append(
            _row(
                "memory",
                f"rigshift refresh peak RSS [{refresh.get('store_kind', 'large')}]",
                "(none)",
                None,
                {"median_s": rss, "min_s": rss, "max_s": rss} if rss else refresh,
                unit="MB",
                note=(
                    f"vast.ai {refresh.get('offers_per_answer', 0):,} offers per answer from a "
                    f"local server; wall {refresh.get('wall_s', 0):.1f} s; exit "
                    f"{refresh.get('exit_code')}"
                ),
            )
        )
    return rows


def write_results(doc: dict[str, Any], path: Path) -> None:
    """Write ``doc`` as indented JSON (datetimes and other objects as strings)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=2, default=str) + "\n", encoding="utf-8")


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "x":
        return f"{value:,.1f}x"
    if unit in ("ms", "MB"):
        return f"{value:,.0f}"
    return f"{value:,.2f}"


def table(rows: list[dict[str, Any]]) -> list[str]:
    """The results as Markdown table lines."""
    lines = [
        "| section | what | target | median | p95 | min | max | unit | baseline | ratio | result |",
        "|---|---|---|---:|---:|---:|---:|---|---|---:|---|",
    ]
    for r in rows:
        result = "met" if r["met"] else ("info" if r["met"] is None else f"GAP: {r['gap']}")
        ratio = f"{r['ratio']:,.1f}x" if r.get("ratio") else ""
        lines.append(
            f"| {r['section']} | {r['name']} | {r['target']} | {_fmt(r['median'], r['unit'])} "
            f"| {_fmt(r.get('p95'), r['unit'])} | {_fmt(r['min'], r['unit'])} "
            f"| {_fmt(r['max'], r['unit'])} | {r['unit']} "
            f"| {r['baseline']} | {ratio} | {result} |"
        )
    return lines


# Known causes of gaps, and the fix, by query name (printed beside a gap when it shows).
WHY = {
    "market_page.provider_medians": (
        "a median over every raw offer row in the range (all 26M on the large store, "
        "default filter = whole span). Fix in dashboard/engine/queries/market_page.py: "
        "read a per-source daily summary maintained beside gpu_rental_index (like "
        "rebuild_sql), or count each offer once per day as the index does, instead of "
        "aggregating raw snapshots"
    ),
    "market_page.filter_options": (
        "DISTINCT over raw gpu_rental_offers; the index and scrape_runs hold the same choices"
    ),
    "market_page.current_offers": (
        "max(observed_at) per source over raw offers, then a join; fetch the latest time "
        "first and filter on it as a constant so zone maps prune"
    ),
}


def _why(name: str) -> str:
    for key, text in WHY.items():
        if name.startswith(key):
            return f". Cause: {text}."
    return ""


def markdown(doc: dict[str, Any]) -> str:
    """docs/benchmarks.md: how to run, the machine, the results table, method notes."""
    m = doc["machine"]
    gaps = [r for r in doc["rows"] if r["met"] is False]
    lines = [
        "# Benchmarks",
        "",
        "Generated by `make bench` (`python -m benchmarks.run`); do not edit by hand. "
        "Raw figures: `benchmarks/results.json`.",
        "",
        "## Machine",
        "",
        f"- {m['nproc']} cores ({m['cpu_model']}), {m['ram_gb']} GB RAM",
        f"- load average at start {m['load_average_start']}, at end "
        f"{m.get('load_average_end', '-')} (a busy machine inflates every figure)",
        f"- Python {m['python']}, DuckDB {m['duckdb']}, Streamlit {m['streamlit']}, "
        f"pandas {m['pandas']}, pyarrow {m['pyarrow']}, numpy {m['numpy']}",
        f"- run {m['date']}, {doc['total_s']:.0f} s in all"
        + (" (--quick: small store, fewer repeats)" if doc.get("quick") else ""),
        "",
        "## Results",
        "",
        *table(doc["rows"]),
        "",
        "## Browser: where the time goes",
        "",
        "Median of each measure, split at the websocket messages that start and end the "
        "script run (see Method); `docs/performance-profile.md` has the per-page profile.",
        "",
        *profile_lines(doc["sections"].get("browser")),
        "",
        "## Gaps",
        "",
        *([f"- {r['name']}: {r['gap']}{_why(r['name'])}" for r in gaps] or ["- none"]),
        "",
        "## Method",
        "",
        *[f"- {line}" for line in METHOD],
        "",
        "## Stores",
        "",
        *[f"- {k}: {v}" for k, v in doc.get("stores", {}).items()],
        "",
    ]
    return "\n".join(lines)


METHOD = [
    "Every figure is the median of several runs, with min and max; ratios compare figures "
    "measured in the same run.",
    "Ingest: `VastAi.parse` (JSON decode, columnar parse) + `stamp` + `run_source` (sanity "
    "checks, unknown names, one write transaction, rental-index rebuild) of "
    "1,000,000 generated offers into an existing store file. Baseline: the same rows, already "
    "parsed, inserted one statement per row with `executemany`, measured on a slice and scaled "
    "linearly. The previous dict-per-row path is measured on 100,000 offers and scaled.",
    "Queries: each engine function the pages call, with the pages' default inputs, on a "
    "short-lived read-only connection (open + query + close), one warm-up then the median. "
    "Baselines compute the same answer with pandas from raw `gpu_rental_offers` rows loaded "
    "via DuckDB `.df()` (needed columns only); the load is timed once and added to the compute.",
    "Pages: each page of `dashboard/app.py` in Streamlit's AppTest in a child process with "
    "`RIGSHIFT_DB` set: one cold run fills the caches, then the median of the reruns.",
    "Browser (`benchmarks/bench_browser.py`): `streamlit run dashboard/app.py` over the store, "
    "Debian's Chromium through Playwright. Per page: cold load in a fresh browser context "
    "(navigation start to settled), warm load (the same page again in that context), each "
    "interaction of `benchmarks/browser_actions.py` (action to settled); the board memo "
    "downloads (click to file saved, each after a sidebar change so the memo is rebuilt). "
    "Settled, measured in the page with `performance.now()`: the script is not running, no "
    "spinner/skeleton/stale element, every plotly chart has its SVG, and two animation frames "
    "passed with no DOM mutation (MutationObserver); the figure is the last mutation's time. "
    "Split at the websocket's `new_session` and `script_finished` messages: before script, "
    "script, render (the rest); payload = websocket bytes received. Median and p95 of 5 runs "
    "(p95 linear between ranks: with 5 runs it lies between the two slowest).",
    "Browser floor (information, no target): the same cold load (5 fresh contexts) of two "
    "minimal apps written at run time and served by `streamlit run` from the project root "
    "(same config): `st.title` alone, and `st.title` plus `st.plotly_chart` of a 3-point "
    "line. What a page's cold load costs beyond these is the app's own; the rest is "
    "Streamlit's start-up (and plotly.js's) on this machine.",
    "App memory: peak RSS (VmHWM, /proc/self/status) of that child after it rendered and "
    "reran every page (AppTest runs the same script, caches and engine as `streamlit run`, "
    "without the web server). Not ru_maxrss: Linux carries the parent's across fork and exec.",
    "Refresh memory: the CLI's `refresh --source vastai --force` in a child on a copy of the "
    "store against a 127.0.0.1 server answering 100,000 generated offers per pricing type; "
    "the child reports its VmHWM as it ends.",
    "Economics: `benchmarks.bench_montecarlo.run()`.",
    "Write strategy (measured while choosing it, 1M offers, duckdb 2.0, busy 2-core machine): "
    "every key already stored: INSERT OR REPLACE 2.2 s vs DELETE matching keys + INSERT "
    "42.9 s; no key stored: plain INSERT ~2.1 s vs INSERT OR REPLACE ~2.6 s, and the check "
    "for existing keys costs ~0.18 s on the 26M-row store (zone maps prune it). So `upsert` "
    "checks, then takes the plain INSERT or INSERT OR REPLACE. Arrow input vs pandas object "
    "columns for the same insert: 4.9 s vs 12.3 s.",
]
