"""The benchmark runner's result writing: valid JSON with every section, and the docs page."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from benchmarks import report
from benchmarks.bench_pages import pages
from benchmarks.run import save

FIG = {"median_s": 0.1, "min_s": 0.05, "max_s": 0.2, "repeats": 3}
SPLIT = {"before_ms_median": 20.0, "script_ms_median": 300.0, "after_ms_median": 80.0}
SLOW = {"median_s": 0.4, "p95_s": 1.4, "min_s": 0.3, "max_s": 1.5, "repeats": 5}


def browser() -> dict[str, Any]:
    """A browser section: one page with loads, two interactions and the memos (made up)."""
    page = {
        "cold": {**FIG, "median_s": 2.0, "p95_s": 2.5, **SPLIT, "bytes_median": 2048.0},
        "warm": {**FIG, "p95_s": 0.2},
        "actions": {
            "sidebar power price": {"kind": "interaction", **FIG, "p95_s": 0.3, **SPLIT},
            "Rental tab": {"kind": "market", **SLOW},
            "fleet table cell edit": {"error": "not measured: fleet table not found"},
        },
        "memo": {"pdf": {**FIG, "p95_s": 0.2, "bytes": 4096}, "html": {**FIG, "p95_s": 0.2}},
    }
    floor = {
        "st.title only": {"cold": {**FIG, "median_s": 1.2, "p95_s": 1.3, **SPLIT}},
        "broken": {"error": "RuntimeError: streamlit exited early"},
    }
    return {"demo": {"pages": {"overview": page}, "floor": floor, "repeats": 5}}


def sections() -> dict[str, Any]:
    """Figures shaped like each section's output (values are made up, not measured)."""
    return {
        "ingest": {
            "rows": 1_000_000,
            "ours": {"median_s": 12.0, "min_s": 11.0, "max_s": 13.0, "repeats": 3},
            "phases_median_s": {"json_decode_s": 3.0, "parse_s": 5.0, "write_s": 7.0},
            "cpu_s_median": 11.5,
            "baseline": {"scaled_s": 6000.0, "note": "measured on 2,000 rows"},
            "dict_path": {"scaled_s": 30.0},
            "speedup": 500.0,
            "speedup_vs_dict_path": 2.5,
        },
        "queries": {
            "large": {"queries": {"market.load_market": dict(FIG), "broken": {"error": "x"}}}
        },
        "pages": {"demo": {"pages": {"overview": {**FIG, "first_run_s": 1.0}}, "peak_rss_mb": 300}},
        "browser": browser(),
        "economics": {
            "models": 10.0,
            "paths": 10_000.0,
            "months": 60.0,
            "numpy_median_s": 0.3,
            "numpy_min_s": 0.2,
            "numpy_max_s": 0.4,
            "loop_paths_measured": 200.0,
            "loop_scaled_s": 20.0,
            "speedup": 66.0,
            "target_s": 0.5,
        },
        "memory": {"app": {"large": {"peak_rss_mb": 900.0}}, "refresh": {"peak_rss_mb": 700.0}},
    }


def document() -> dict[str, Any]:
    secs = sections()
    return {
        "machine": report.machine_info(),
        "quick": True,
        "total_s": 42.0,
        "stores": {"demo": "/tmp/demo.duckdb"},
        "sections": secs,
        "rows": report.build_rows(secs, 42.0),
    }


def test_results_file_is_json_with_every_section(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    save(document(), out, None)
    doc = json.loads(out.read_text())
    assert set(report.SECTIONS) <= set(doc["sections"])
    assert {"nproc", "ram_gb", "cpu_model", "python", "duckdb", "streamlit", "date"} <= set(
        doc["machine"]
    )
    assert {r["section"] for r in doc["rows"]} >= {
        "ingest",
        "queries",
        "pages",
        "browser",
        "economics",
    }


def test_every_row_has_a_target_and_a_verdict() -> None:
    for row in report.build_rows(sections(), 42.0):
        assert row["target"]
        assert row["met"] in (True, False, None)
        if row["met"] is False:
            assert row["gap"], row


def test_missed_target_reports_the_gap() -> None:
    rows = {r["name"]: r for r in report.build_rows(sections(), 42.0)}
    ingest = next(r for n, r in rows.items() if n.startswith("ingest 1,000,000"))
    assert ingest["met"] is False
    assert ingest["gap"].startswith("+2")


def test_a_failed_query_is_a_gap_not_a_crash() -> None:
    rows = {r["name"]: r for r in report.build_rows(sections(), 42.0)}
    assert rows["broken [large]"]["met"] is False
    assert rows["broken [large]"]["gap"] == "x"


def test_docs_page_has_the_table_and_the_machine(tmp_path: Path) -> None:
    docs = tmp_path / "benchmarks.md"
    save(document(), tmp_path / "r.json", docs)
    text = docs.read_text()
    assert "| section | what | target | median |" in text
    assert "## Machine" in text and "## Gaps" in text


def test_pages_are_read_from_the_app() -> None:
    found = pages()
    assert found[0] == "app_pages/overview.py"
    assert "app_pages/data_health.py" in found


def browser_row(name: str) -> dict[str, Any]:
    rows = {r["name"]: r for r in report.build_rows(sections(), 42.0)}
    return rows[name]


def test_slow_cold_load_shows_the_median_gap_and_the_split() -> None:
    row = browser_row("overview cold load, fresh context [demo]")
    assert row["met"] is False
    assert row["gap"] == "median +500 ms"
    assert "script 300 ms" in row["note"] and "payload 2 KB" in row["note"]


def test_interaction_within_both_limits_is_met() -> None:
    row = browser_row("overview: sidebar power price -> settled [demo]")
    assert row["met"] is True
    assert row["p95"] == 300.0


def test_interaction_over_the_p95_limit_is_a_gap() -> None:
    row = browser_row("overview: Rental tab -> settled [demo]")
    assert row["met"] is False
    assert row["gap"] == "p95 +400 ms"


def test_interaction_not_found_is_recorded_as_not_measured() -> None:
    row = browser_row("overview: fleet table cell edit -> settled [demo]")
    assert row["met"] is False
    assert row["gap"].startswith("not measured")


def test_memo_rows_use_their_own_limits() -> None:
    assert browser_row("board memo PDF download [demo]")["target"] == "<= 3 s"
    assert browser_row("board memo HTML download [demo]")["target"] == "<= 0.5 s"


def test_warm_load_is_information_only() -> None:
    assert browser_row("overview warm load [demo]")["met"] is None


def test_floor_rows_are_information_before_the_page_rows() -> None:
    rows = [r["name"] for r in report.build_rows(sections(), 42.0) if r["section"] == "browser"]
    floor = browser_row("floor, minimal app (st.title only), cold load, fresh context")
    assert floor["met"] is None and floor["target"] == "(none)"
    assert floor["median"] == 1200.0 and "script 300 ms" in floor["note"]
    broken = browser_row("floor, minimal app (broken), cold load, fresh context")
    assert broken["met"] is False and broken["gap"].startswith("RuntimeError")
    assert rows.index(floor["name"]) < rows.index("overview cold load, fresh context [demo]")


def test_docs_page_has_the_browser_profile_table(tmp_path: Path) -> None:
    docs = tmp_path / "benchmarks.md"
    save(document(), tmp_path / "r.json", docs)
    text = docs.read_text()
    assert "## Browser: where the time goes" in text
    assert "| demo | overview | cold load | 2,000 | 20 | 300 | 80 | 2 |" in text
    assert "| - | floor: st.title only | cold load | 1,200 | 20 | 300 | 80 | - |" in text
    assert "| median | p95 |" in text


def test_p95_of_five_runs_is_near_the_slowest() -> None:
    from benchmarks.bench_browser import p95

    assert p95([1.0, 2.0, 3.0, 4.0, 5.0]) == 4.8
