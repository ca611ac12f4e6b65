"""Peak memory (and wall time) of ``rigshift refresh`` writing into a large store.

A copy of the store is refreshed (the original is never written) by the real CLI in a child
process, against a local HTTP server on 127.0.0.1 that answers vast.ai's bundles search with
``offers`` generated offers per pricing type (vast.ai is the one source whose answers grow
with the market). The child runs the CLI's ``main`` and reports its own VmHWM as it ends
(``ru_maxrss`` would include this big parent's size: Linux carries it across exec).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from benchmarks.bench_ingest import offers_payload

ROOT = Path(__file__).resolve().parent.parent
CHILD = """
import sys
from benchmarks.common import vm_hwm_mb
from dashboard.cli.main import main
code = main(sys.argv[1:])
print(f"VMHWM_MB {vm_hwm_mb():.1f}", file=sys.stderr)
sys.exit(code)
"""


def _server(body: bytes) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            found = self.path.startswith("/api/v0/bundles/")
            reply = body if found else b"not found"
            self.send_response(200 if found else 404)
            self.send_header("Content-Type", "application/json" if found else "text/plain")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    ).start()
    return httpd


def run(db: str, offers: int = 100_000, timeout_s: float = 600.0) -> dict[str, Any]:
    """Refresh vast.ai into a copy of ``db``; the child's peak RSS and wall time."""
    tmp = Path(tempfile.mkdtemp(prefix="rigshift-bench-refresh-"))
    httpd = _server(offers_payload(offers, seed=7))
    try:
        copy = tmp / "store.duckdb"
        start = time.perf_counter()
        shutil.copyfile(db, copy)
        copy_s = time.perf_counter() - start
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "RIGSHIFT_DB": str(copy),
            "RIGSHIFT_CONFIG": str(tmp / "none.toml"),
            "RIGSHIFT_VASTAI_BASE_URL": f"http://127.0.0.1:{httpd.server_address[1]}",
            "RIGSHIFT_HTTP_MIN_INTERVAL_S": "0",
            "RIGSHIFT_HTTP_RETRIES": "1",
        }
        cmd = [sys.executable, "-c", CHILD, "refresh", "--source", "vastai", "--force", "--json"]
        start = time.perf_counter()
        child = subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        # Read the pipes on threads so a chatty child cannot block.
        out: dict[str, bytes] = {}
        readers = [
            threading.Thread(target=lambda n=n, p=p: out.__setitem__(n, p.read()), daemon=True)
            for n, p in (("stdout", child.stdout), ("stderr", child.stderr))
        ]
        for reader in readers:
            reader.start()
        child.wait(timeout_s)
        wall = time.perf_counter() - start
        for reader in readers:
            reader.join(timeout_s)
        doc = _last_json(out.get("stdout", b""))
        stderr = out.get("stderr", b"").decode(errors="replace")
        peak = re.findall(r"VMHWM_MB ([\d.]+)", stderr)
        return {
            "store": db,
            "offers_per_answer": offers,
            "exit_code": child.returncode,
            "wall_s": wall,
            "copy_s": copy_s,
            "peak_rss_mb": float(peak[-1]) if peak else None,
            "method": "VmHWM of the refresh child, reported by the child as it ends",
            "result": doc,
            "stderr_tail": stderr[-300:],
        }
    finally:
        httpd.shutdown()
        shutil.rmtree(tmp, ignore_errors=True)


def _last_json(raw: bytes) -> Any:
    text = raw.decode(errors="replace").strip()
    try:
        return json.loads(text)
    except ValueError:
        return text[-300:]
