"""``python -m benchmarks.run [--quick] [--large PATH] [--browser {all,demo,none}]``.

Every benchmark, one results file. Sections: ingest, dashboard queries (large store), page
reruns (demo and large store), the browser (every page of the real app in headless
Chromium: loads, interactions, memo downloads; demo and large store), economics (Monte
Carlo) and peak memory (app and refresh on the large store). ``--browser demo`` (or
``RIGSHIFT_BENCH_BROWSER=demo``) measures the browser on the demo store only, ``none`` skips
it. Prints the
results table, writes ``benchmarks/results.json`` and regenerates ``docs/benchmarks.md``.
``--quick`` is a smoke run: the small synthetic store instead of the large one, 100,000
offers, fewer repeats; it writes ``benchmarks/results-quick.json`` and leaves the docs alone.

Sized for a 2-core, 24 GB machine: a full run takes well under 15 minutes once the large
store exists (building it adds ~80 s; it is kept and reused).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks import report

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results.json"
QUICK_RESULTS = ROOT / "benchmarks" / "results-quick.json"
DOCS = ROOT / "docs" / "benchmarks.md"
DEFAULT_LARGE = Path("/tmp/synth_large.duckdb")
BUILT_LARGE = Path(tempfile.gettempdir()) / "rigshift-bench" / "synth_large.duckdb"


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _guard(name: str, fn: Callable[[], Any]) -> Any:
    """Run one section; a failure is recorded as the section's error, not the run's end."""
    start = time.perf_counter()
    _say(f"== {name} ...")
    try:
        out = fn()
    except Exception as exc:
        traceback.print_exc(file=sys.stderr)
        out = {"error": f"{type(exc).__name__}: {' '.join(str(exc).split())[:300]}"}
    _say(f"== {name}: {time.perf_counter() - start:.1f} s")
    return out


def large_store(path: str | None, quick: bool, work: Path) -> tuple[str, str]:
    """(path, kind) of the store to measure at scale; built when missing."""
    from scrapers.store import Store, rebuild_derived, write_connection
    from scrapers.synth import build_synthetic

    if quick:
        target = work / "synth_small.duckdb"
        build_synthetic(target, scale="small")
        kind = "small"
    else:
        target = Path(path) if path else (DEFAULT_LARGE if DEFAULT_LARGE.exists() else BUILT_LARGE)
        if not target.exists():
            _say(f"building the large synthetic store at {target} (~80 s, 2.5 GB) ...")
            build_synthetic(target, scale="large")
        kind = "large"
    # A store built before a table was added lacks it: add the tables, as a refresh would, and
    # fill derived ones that a rebuild of the rental index maintains.
    Store(str(target)).init()
    with write_connection(str(target)) as con:
        empty = con.execute("SELECT count(*) = 0 FROM gpu_rental_source_daily").fetchone()[0]
        if empty:
            _say("rebuilding the rental index and per-source daily medians ...")
            rebuild_derived(con)
    return str(target), kind


def demo_store(work: Path) -> str:
    """Build the demo store (bundled samples + anchored history) in ``work``."""
    from scrapers.config import Settings
    from scrapers.demo import build_demo

    path = work / "demo.duckdb"
    build_demo(Settings(db_path=str(path)))
    return str(path)


def run(quick: bool = False, large: str | None = None, browser: str = "all") -> dict[str, Any]:
    """Every section; returns the results document (not yet written)."""
    started = time.perf_counter()
    machine = report.machine_info()
    repeats = 2 if quick else 5
    work = Path(tempfile.mkdtemp(prefix="rigshift-bench-"))
    try:
        return _sections(quick, large, work, machine, started, repeats, browser)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _sections(
    quick: bool,
    large: str | None,
    work: Path,
    machine: dict[str, Any],
    started: float,
    repeats: int,
    browser: str = "all",
) -> dict[str, Any]:
    from benchmarks import (
        bench_browser,
        bench_ingest,
        bench_montecarlo,
        bench_pages,
        bench_queries,
        bench_refresh,
    )

    sections: dict[str, Any] = {}
    big, kind = large_store(large, quick, work)
    demo = demo_store(work)
    stores = {"demo": "built by the run from the bundled samples (temporary)", kind: big}

    sections["ingest"] = _guard(
        "ingest",
        lambda: bench_ingest.run(
            n=100_000 if quick else 1_000_000,
            baseline_rows=300 if quick else 2_000,
            repeats=2 if quick else 3,
        ),
    )
    sections["queries"] = {
        kind: _guard(f"queries [{kind}]", lambda: bench_queries.run(big, repeats=repeats))
    }
    pages: dict[str, Any] = {}
    for name, path in (("demo", demo), (kind, big)):
        pages[name] = _guard(f"pages [{name}]", lambda p=path: bench_pages.run(p, repeats))
    sections["pages"] = pages
    browser_stores = {"all": (("demo", demo), (kind, big)), "demo": (("demo", demo),)}
    # The floor (minimal apps, no store) is measured once, beside the demo store's pages.
    sections["browser"] = {
        name: _guard(
            f"browser [{name}]",
            lambda p=path, n=name: bench_browser.run(
                p, repeats=5, memo_repeats=3 if quick else 5, with_floor=n == "demo"
            ),
        )
        for name, path in browser_stores.get(browser, ())
    }
    sections["economics"] = _guard(
        "economics", lambda: bench_montecarlo.run(repeats=2 if quick else 5)
    )
    refresh = _guard(
        f"refresh memory [{kind}]",
        lambda: bench_refresh.run(big, offers=10_000 if quick else 100_000),
    )
    refresh["store_kind"] = kind
    sections["memory"] = {
        "app": {name: {"peak_rss_mb": p.get("peak_rss_mb")} for name, p in pages.items()},
        "refresh": refresh,
    }
    total = time.perf_counter() - started
    machine["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    return {
        "machine": machine,
        "quick": quick,
        "total_s": total,
        "stores": stores,
        "sections": sections,
        "rows": report.build_rows(sections, total),
    }


def save(doc: dict[str, Any], results: Path, docs: Path | None) -> None:
    """Write the results JSON and, when ``docs`` is given, the Markdown page."""
    report.write_results(doc, results)
    if docs is not None:
        docs.parent.mkdir(parents=True, exist_ok=True)
        docs.write_text(report.markdown(doc), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """CLI entry: run, print the table, write the results."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fast smoke run on a small store")
    parser.add_argument("--large", metavar="PATH", help="large store to use (built if missing)")
    parser.add_argument("--out", metavar="PATH", help="results JSON path")
    parser.add_argument(
        "--browser",
        choices=("all", "demo", "none"),
        default=os.environ.get("RIGSHIFT_BENCH_BROWSER", "all"),
        help="stores the browser benchmark runs on (default all: demo and the large store)",
    )
    args = parser.parse_args(argv)
    doc = run(quick=args.quick, large=args.large, browser=args.browser)
    results = Path(args.out) if args.out else (QUICK_RESULTS if args.quick else RESULTS)
    save(doc, results, None if args.quick else DOCS)
    print("\n".join(report.table(doc["rows"])))
    gaps = [r for r in doc["rows"] if r["met"] is False]
    print(f"\n{len(gaps)} target(s) missed; results in {results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
