"""Speed as a person feels it: every page of the real app in headless Chromium.

``run(db)`` serves ``dashboard/app.py`` with ``streamlit run`` over ``db`` and, per page:
cold load in a fresh browser context (navigation start -> settled), warm load (the same
page again in a context that already loaded it: browser cache and server caches warm), and
each interaction of :func:`benchmarks.browser_actions.actions` (user action -> settled);
plus the Overview's board memo downloads (click -> file saved). Every timing is split into
before the script (request, queue), script (new_session -> script_finished messages, the
deltas stream meanwhile) and after the script (browser render), with the websocket bytes
the page received. See :mod:`benchmarks.browser_actions` for what "settled" means.

The floor (:func:`floor`): the same cold load of two minimal apps served the same way, one
``st.title`` alone and one small plotly chart, so the page rows can be read against what
Streamlit's own start-up and plotly.js's cost on this machine.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks import browser_actions as ba


def summary(samples: list[dict[str, float]]) -> dict[str, Any]:
    """Median, p95, min, max (s) of the samples' totals; median split (ms) and bytes."""
    if not samples:
        return {"error": "no run completed"}
    totals = [s["total_ms"] / 1000 for s in samples]
    out: dict[str, Any] = {
        "median_s": statistics.median(totals),
        "p95_s": p95(totals),
        "min_s": min(totals),
        "max_s": max(totals),
        "repeats": len(totals),
    }
    for key in ("before_ms", "script_ms", "after_ms", "bytes"):
        values = [s[key] for s in samples if s.get(key) is not None]
        out[f"{key}_median"] = statistics.median(values) if values else None
    out["samples"] = samples
    return out


def p95(values: list[float]) -> float:
    """95th percentile, linear between the closest ranks (the max for fewer than 3)."""
    ordered = sorted(values)
    if len(ordered) < 3:
        return ordered[-1]
    rank = 0.95 * (len(ordered) - 1)
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def sample(timing: dict[str, Any]) -> dict[str, float]:
    """One measurement from :func:`browser_actions.wait_settled`'s answer (page ms)."""
    since, settled = timing["since"], timing["settled"]
    start, end = timing.get("runStart"), timing.get("runEnd")
    out: dict[str, Any] = {"total_ms": settled - since, "bytes": timing["bytes"]}
    out["before_ms"] = start - since if start is not None else None
    out["script_ms"] = end - start if start is not None and end is not None else None
    out["after_ms"] = settled - end if end is not None else None
    if timing.get("timedOut"):
        out["timed_out"] = True
    return out


FLOOR = "floor"  # the floor's name where page names are accepted (--pages floor)
# Minimal apps for the floor rows, by name: what any Streamlit page, and any page with a chart,
# pays before the app's own work.
FLOOR_APPS = {
    "st.title only": 'import streamlit as st\n\nst.title("Floor")\n',
    "st.title + 3-point plotly line": (
        "import plotly.graph_objects as go\nimport streamlit as st\n\n"
        'st.title("Floor")\n'
        'st.plotly_chart(go.Figure(go.Scatter(x=[1, 2, 3], y=[1, 3, 2], mode="lines")))\n'
    ),
}


def _cold(browser: Any, target: str, repeats: int) -> dict[str, Any]:
    """``repeats`` cold loads of ``target``, each in a fresh context closed after it."""
    samples = []
    for _ in range(repeats):
        context = ba.new_context(browser)
        try:
            samples.append(sample(ba.load(context.new_page(), target)))
        finally:
            context.close()
    return summary(samples)


def floor(browser: Any, db: str, tmp: Path, repeats: int) -> dict[str, Any]:
    """Cold loads of each of :data:`FLOOR_APPS`, written to ``tmp`` and served like the app."""
    out: dict[str, Any] = {}
    for i, (name, source) in enumerate(FLOOR_APPS.items()):
        app = tmp / f"floor_{i}.py"
        app.write_text(source, encoding="utf-8")
        try:
            with ba.serve(db, tmp / f"floor_{i}.log", app=app) as url:
                out[name] = {"cold": _cold(browser, url, repeats)}
        except Exception as exc:  # a broken floor must not hide the page figures
            out[name] = {"error": f"{type(exc).__name__}: {' '.join(str(exc).split())[:300]}"}
    return out


def _page(browser: Any, url: str, path: str, repeats: int, memo_repeats: int) -> dict[str, Any]:
    target = f"{url}/{path}"
    out: dict[str, Any] = {}
    cold = []
    for _ in range(repeats - 1):
        context = ba.new_context(browser)
        try:
            cold.append(sample(ba.load(context.new_page(), target)))
        finally:
            context.close()
    # The last fresh context stays open for the warm loads and the interactions.
    context = ba.new_context(browser)
    try:
        page = context.new_page()
        cold.append(sample(ba.load(page, target)))
        out["cold"] = summary(cold)
        out["warm"] = summary([sample(ba.load(page, target)) for _ in range(repeats)])
        out["exception_after_load"] = ba.has_exception(page)
        actions: dict[str, Any] = {}
        for action in (a for a in ba.actions() if a.page == path):
            actions[action.name] = {"kind": action.kind, **_action(page, action, repeats)}
        out["actions"] = actions
        if path == "" and memo_repeats:
            out["memo"] = _memos(page, memo_repeats)
    finally:
        context.close()
    return out


def _action(page: Any, action: ba.Action, repeats: int) -> dict[str, Any]:
    runs = []
    try:
        for i in range(repeats + 1):  # run 0 warms the path (first render of new elements)
            commit = action.prepare(page, i)
            start = ba.now_ms(page)
            commit()
            timing = ba.wait_settled(page, start, timeout_s=30)
            if i:
                runs.append(sample(timing))
            if action.undo:
                commit = action.undo(page, i)
                start = ba.now_ms(page)
                commit()
                ba.wait_settled(page, start, timeout_s=30)
    except ba.NotFound as exc:
        return {"error": f"not measured: {exc}"}
    except Exception as exc:  # a broken interaction must not hide the other figures
        return {"error": f"not measured: {type(exc).__name__}: {' '.join(str(exc).split())[:200]}"}
    return {**summary(runs), "exception_after": ba.has_exception(page)}


def _memos(page: Any, repeats: int) -> dict[str, Any]:
    # Each download follows a sidebar change to a power price not used before, as a person's
    # would: the memo is built for the new inputs, not served from an earlier click's copy.
    fresh = iter(f"{0.070 + 0.001 * i:.3f}" for i in range(2 * repeats * len(ba.MEMOS)))
    out: dict[str, Any] = {}
    for fmt, label in ba.MEMOS.items():
        try:
            times, size = [], 0
            for i in range(repeats):
                price = next(fresh)
                commit = ba.number_input("Power price ($/kWh)", (price, price), True)(page, i)
                start = ba.now_ms(page)
                commit()
                ba.wait_settled(page, start, timeout_s=30)
                elapsed, size = ba.download(page, label)
                times.append(elapsed)
            out[fmt] = {
                "median_s": statistics.median(times),
                "p95_s": p95(times),
                "min_s": min(times),
                "max_s": max(times),
                "repeats": len(times),
                "bytes": size,
                "samples": [{"total_ms": t * 1000} for t in times],
            }
        except ba.NotFound as exc:
            out[fmt] = {"error": f"not measured: {exc}"}
        except Exception as exc:
            out[fmt] = {"error": f"not measured: {type(exc).__name__}: {str(exc)[:200]}"}
    return out


def run(
    db: str,
    repeats: int = 5,
    memo_repeats: int = 5,
    only: set[str] | None = None,
    with_floor: bool | None = None,
) -> dict[str, Any]:
    """Every page of the app served over ``db`` (or the pages named in ``only``), in headless
    Chromium, figures per page; and the floor (minimal apps) when ``with_floor`` (default:
    when ``only`` is None or names ``"floor"``)."""
    from playwright.sync_api import sync_playwright

    if with_floor is None:
        with_floor = only is None or FLOOR in only
    only = None if only is None else only - {FLOOR}
    started = time.perf_counter()
    pages: dict[str, Any] = {}
    floors: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="rigshift-browser-") as tmp:
        log = Path(tmp) / "streamlit.log"
        with sync_playwright() as pw:
            browser = ba.launch(pw)
            try:
                # First, and on its own server: the app's server is not yet running beside it.
                if with_floor:
                    floors = floor(browser, db, Path(tmp), repeats)
                if only is None or only:
                    with ba.serve(db, log) as url:
                        pages = _pages(browser, url, repeats, memo_repeats, only)
            finally:
                browser.close()
    out = {"store": db, "repeats": repeats, "pages": pages}
    if with_floor:
        out["floor"] = floors
    return {**out, "wall_s": time.perf_counter() - started}


def _pages(
    browser: Any, url: str, repeats: int, memo_repeats: int, only: set[str] | None
) -> dict[str, Any]:
    pages: dict[str, Any] = {}
    for path, name in ba.app_pages():
        if only is not None and name not in only:
            continue
        try:
            pages[name] = _page(browser, url, path, repeats, memo_repeats)
        except Exception as exc:  # one broken page must not hide the others
            text = " ".join(str(exc).split())[:300]
            pages[name] = {"error": f"{type(exc).__name__}: {text}"}
    return pages


def main(argv: list[str] | None = None) -> int:
    """``python -m benchmarks.bench_browser DB [--pages overview,market,floor] [--repeats 5]``.

    The browser section alone, over one store, for the pages named (default: every page and
    the floor; ``floor`` names the minimal apps); prints one line per measure (median, p95 and
    the before/script/after split, ms).
    """
    import argparse
    import json

    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_browser")
    parser.add_argument("db", help="store the app serves (RIGSHIFT_DB)")
    parser.add_argument(
        "--pages", help="comma-separated page names and/or floor (default: every page, floor)"
    )
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--memo-repeats", type=int, default=0)
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON")
    args = parser.parse_args(argv)
    only = set(args.pages.split(",")) if args.pages else None
    out = run(args.db, repeats=args.repeats, memo_repeats=args.memo_repeats, only=only)
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=1, default=str), encoding="utf-8")
    for line in text_lines(out):
        print(line)
    return 0


def text_lines(out: dict[str, Any]) -> list[str]:
    """One line per measure of :func:`run`'s answer: median, p95, split (ms), payload KB."""

    def line(page: str, what: str, fig: dict[str, Any]) -> str:
        if "median_s" not in fig:
            return f"{page:15} {what:32} {fig.get('error', 'not measured')}"
        split = "/".join(
            "-" if fig.get(f"{k}_median") is None else f"{fig[f'{k}_median']:.0f}"
            for k in ("before_ms", "script_ms", "after_ms")
        )
        kb = fig.get("bytes_median")
        kb = "" if kb is None else f"{kb / 1024:.0f} KB"
        return (
            f"{page:15} {what:32} median {fig['median_s'] * 1000:7,.0f}  "
            f"p95 {fig['p95_s'] * 1000:7,.0f}  split {split:>15}  {kb}"
        )

    lines = []
    for name, fl in out.get("floor", {}).items():
        lines.append(line(FLOOR, f"{name} cold", fl.get("cold", fl)))
    for name, page in out["pages"].items():
        if "error" in page:
            lines.append(f"{name:15} {page['error']}")
            continue
        for what in ("cold", "warm"):
            lines.append(line(name, f"{what} load", page[what]))
        for action, fig in page.get("actions", {}).items():
            lines.append(line(name, action, fig))
        for fmt, fig in page.get("memo", {}).items():
            lines.append(line(name, f"memo {fmt}", fig))
    lines.append(f"wall {out['wall_s']:.0f} s")
    return lines


if __name__ == "__main__":
    import sys

    sys.exit(main())
