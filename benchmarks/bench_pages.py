"""Page reruns and the app's peak memory: every page under Streamlit's AppTest, in a child.

``run(db)`` starts ``python -m benchmarks.bench_pages --db DB`` as a separate process with
``RIGSHIFT_DB=DB``. The child renders each page of ``dashboard/app.py`` once (cold: caches
fill), then reruns it ``repeats`` times (warm) and reports each rerun's wall time. Its peak
RSS (VmHWM of the child, which it reports as it ends) is the app's peak memory while
serving every page of that store: AppTest runs the same script, caches and
engine code a ``streamlit run`` server does, minus the web server and websocket.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.common import spread

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "dashboard" / "app.py"


def pages() -> list[str]:
    """The page scripts registered in dashboard/app.py, in menu order."""
    return re.findall(r'st\.Page\(\s*"(app_pages/\w+\.py)"', APP.read_text(encoding="utf-8"))


def _worker(db: str, repeats: int, timeout_s: float) -> dict[str, Any]:
    from streamlit.testing.v1 import AppTest

    out: dict[str, Any] = {}
    for page in pages():
        name = Path(page).stem
        try:
            at = AppTest.from_file(str(APP), default_timeout=timeout_s)
            start = time.perf_counter()
            at.run()
            if name != "overview":
                at.switch_page(page).run()
            first = time.perf_counter() - start
            times = []
            for _ in range(repeats):
                start = time.perf_counter()
                at.run()
                times.append(time.perf_counter() - start)
            errors = [str(e.value)[:200] for e in at.exception]
            out[name] = {**spread(times), "first_run_s": first, "exceptions": errors}
        except Exception as exc:  # one broken page must not hide the others' figures
            out[name] = {"error": f"{type(exc).__name__}: {' '.join(str(exc).split())[:300]}"}
    return out


def run(db: str, repeats: int = 5, timeout_s: float = 600.0) -> dict[str, Any]:
    """Rerun every page on ``db`` in a child process; timings and the child's peak RSS."""
    env = {**os.environ, "RIGSHIFT_DB": db, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "benchmarks.bench_pages", "--db", db, "--repeats", str(repeats)]
    with subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as child:
        stdout, stderr = child.communicate(timeout=timeout_s * 4)
    if child.returncode != 0:
        raise RuntimeError(f"page worker failed ({child.returncode}): {stderr.strip()[-500:]}")
    doc = json.loads(stdout.strip().splitlines()[-1])
    return {"store": db, "repeats": repeats, **doc}


def main() -> None:
    """Child entry: print one JSON line with page timings and this process's peak RSS."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--timeout", type=float, default=600.0)
    args = parser.parse_args()
    import logging

    from benchmarks.common import vm_hwm_mb

    logging.disable(logging.WARNING)  # AppTest warns about missing ScriptRunContext
    figures = _worker(args.db, args.repeats, args.timeout)
    print(json.dumps({"pages": figures, "peak_rss_mb": vm_hwm_mb()}))


if __name__ == "__main__":
    main()
