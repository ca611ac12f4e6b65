"""The app in headless Chromium: start it, load pages, perform the typical interactions.

Shared by the browser benchmark (``benchmarks/bench_browser.py``) and the browser test
(``tests/browser/test_browser.py``) so the interactions measured are the ones tested.

Timing happens inside the page (``performance.now()``): an init script records every
websocket message (arrival time, bytes, top-level ForwardMsg fields) and every DOM mutation.
:func:`wait_settled` resolves once the app's script is not running, no spinner, skeleton or
stale element is left, every plotly chart has drawn its SVG, and two consecutive animation
frames passed with no DOM mutation; the settle time is the last mutation's time.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "dashboard" / "app.py"
CHROMIUM = "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else shutil.which("chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1440, "height": 1000}
RENDERED = "[data-testid='stApp'][data-test-script-state='notRunning']"
# ForwardMsg field numbers (streamlit/proto/ForwardMsg.proto): a run starts with new_session
# and ends with script_finished.
NEW_SESSION = 4
SCRIPT_FINISHED = 6

INSTRUMENT_JS = r"""
(() => {
  if (window.__rs) return;
  const S = (window.__rs = { lastMut: 0, msgs: [] });
  // Top-level protobuf field numbers of one ForwardMsg, to tell run start and end apart.
  const fields = (b) => {
    const out = [];
    let i = 0;
    const varint = () => {
      let v = 0, m = 1, c;
      do { c = b[i++]; v += (c & 127) * m; m *= 128; } while (c & 128 && i < b.length);
      return v;
    };
    while (i < b.length && out.length < 8) {
      const tag = varint(), wire = tag % 8;
      out.push(Math.floor(tag / 8));
      // script_finished's status: 2 (FINISHED_EARLY_FOR_RERUN) means another run follows.
      if (wire === 0 && Math.floor(tag / 8) === 6) out.status = varint();
      else if (wire === 0) varint();
      else if (wire === 1) i += 8;
      else if (wire === 2) { const n = varint(); i += n; }
      else if (wire === 5) i += 4;
      else break;
    }
    return out;
  };
  const Native = window.WebSocket;
  class Recorded extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", (ev) => {
        const t = performance.now();
        const d = ev.data;
        if (d instanceof ArrayBuffer) {
          const f = fields(new Uint8Array(d));
          S.msgs.push([t, d.byteLength, f, f.status]);
        }
        else if (d instanceof Blob) S.msgs.push([t, d.size, []]);
        else S.msgs.push([t, String(d).length, []]);
      });
    }
  }
  window.WebSocket = Recorded;
  new MutationObserver(() => { S.lastMut = performance.now(); }).observe(document, {
    subtree: true, childList: true, attributes: true, characterData: true,
  });
})();
"""

SETTLE_JS = r"""
async ({ since, needRun, timeoutMs, quietFrames }) => {
  const S = window.__rs;
  const frame = () => new Promise((r) => requestAnimationFrame(r));
  const busy = "[data-testid='stSpinner'], [data-testid='stSkeleton'], [data-stale='true']";
  const deadline = performance.now() + timeoutMs;
  let quiet = 0, seen = -1, timedOut = false;
  for (;;) {
    await frame();
    const now = performance.now();
    if (now > deadline) { timedOut = true; break; }
    const app = document.querySelector("[data-testid='stApp']");
    // A run counts once its script_finished (6) came after its new_session (4), unless it
    // ended early for a rerun (st.rerun): then the next run must finish too.
    const mine = S.msgs.filter((m) => m[0] >= since);
    const last = (f) => mine.reduce((a, m) => (m[2].includes(f) ? m[0] : a), -1);
    const end = mine.filter((m) => m[2].includes(6)).pop();
    const ran = !needRun || (last(4) >= 0 && last(6) >= last(4) && end[3] !== 2);
    const charts = [...document.querySelectorAll("[data-testid='stPlotlyChart']")];
    const ready = app && app.getAttribute("data-test-script-state") === "notRunning" && ran
      && !document.querySelector(busy) && charts.every((c) => c.querySelector(".main-svg"));
    if (S.lastMut !== seen) { seen = S.lastMut; quiet = 0; continue; }
    if (!ready) { quiet = 0; continue; }
    if (++quiet >= quietFrames) break;
  }
  const mine = S.msgs.filter((m) => m[0] >= since);
  const at = (f) => {
    const m = mine.filter((x) => x[2].includes(f));
    return m.length ? m[m.length - 1][0] : null;
  };
  const starts = mine.filter((x) => x[2].includes(4));
  return {
    since, settled: Math.max(S.lastMut, since), timedOut,
    runStart: starts.length ? starts[0][0] : null, lastRunStart: at(4), runEnd: at(6),
    runs: starts.length, bytes: mine.reduce((a, m) => a + m[1], 0), messages: mine.length,
    charts: document.querySelectorAll("[data-testid='stPlotlyChart']").length,
  };
}
"""


class NotFound(Exception):
    """The element an interaction needs is not on the page (the page changed)."""


Commit = Callable[[], None]


@dataclass(frozen=True)
class Action:
    """One typical user interaction on one page.

    ``prepare(page, i)`` does what a person does before the gesture that changes something
    (find the box, type the value) and returns that gesture (press Enter, click): the timer
    starts just before it.
    """

    page: str  # url path, "" for the default page
    name: str
    kind: str  # "interaction" or "market" (the Market view/filter target)
    prepare: Callable[[Any, int], Commit]
    undo: Callable[[Any, int], Commit] | None = None  # untimed, restores the state


def app_pages() -> list[tuple[str, str]]:
    """(url path, name) of every page in dashboard/app.py's PAGES, menu order."""
    out = []
    for m in re.finditer(r"st\.Page\(\s*\"app_pages/(\w+)\.py\"([^)]*)\)", APP.read_text()):
        name, rest = m.group(1), m.group(2)
        custom = re.search(r"url_path\s*=\s*\"([^\"]*)\"", rest)
        url = "" if "default=True" in rest else (custom.group(1) if custom else name)
        out.append((url, name))
    return out


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_healthy(url: str, proc: subprocess.Popen, log: Path, deadline_s: float) -> None:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited early:\n{log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as resp:
                if resp.read().decode().strip() == "ok":
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(
        f"streamlit not healthy after {deadline_s:.0f} s:\n{log.read_text()[-2000:]}"
    )


@contextmanager
def serve(db: str | Path, log: Path, deadline_s: float = 90, app: Path = APP) -> Iterator[str]:
    """``streamlit run`` of ``app`` (default ``dashboard/app.py``) on a free port over ``db``;
    yields its URL."""
    port = free_port()
    env = {**os.environ, "RIGSHIFT_DB": str(db)}
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(app),
        "--server.headless",
        "true",
        "--server.port",
        str(port),
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
    ]
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc, log, deadline_s)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def launch(pw: Any) -> Any:
    """Debian's Chromium through Playwright, kept off the network."""
    if CHROMIUM is None:
        raise RuntimeError("no Chromium: apt-get install chromium")
    return pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def new_context(browser: Any) -> Any:
    """A fresh browser context (empty cache, no session) with the timing script installed."""
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    context.add_init_script(INSTRUMENT_JS)
    return context


def now_ms(page: Any) -> float:
    """The page's clock (``performance.now()``), ms."""
    return float(page.evaluate("performance.now()"))


def wait_settled(
    page: Any, since_ms: float, need_run: bool = True, timeout_s: float = 60.0
) -> dict[str, Any]:
    """Wait until the app settled after ``since_ms``; the timings in page ms and bytes sent."""
    args = {"since": since_ms, "needRun": need_run, "timeoutMs": timeout_s * 1000}
    return page.evaluate(SETTLE_JS, {**args, "quietFrames": 2})


def load(page: Any, url: str, timeout_s: float = 60.0) -> dict[str, Any]:
    """Navigate to ``url`` and wait until settled; timings from navigation start (0 ms)."""
    page.goto(url, wait_until="commit", timeout=timeout_s * 1000)
    page.wait_for_selector("[data-testid='stApp']", timeout=timeout_s * 1000)
    return wait_settled(page, 0.0, timeout_s=timeout_s)


def has_exception(page: Any) -> bool:
    """Whether the page shows a Streamlit exception element."""
    return page.get_by_test_id("stException").count() > 0


# --- interactions ---------------------------------------------------------------------------


def _one(locator: Any, what: str, timeout_s: float = 10.0) -> Any:
    try:
        locator.first.wait_for(state="visible", timeout=timeout_s * 1000)
    except Exception as exc:  # playwright TimeoutError: the page no longer has it
        raise NotFound(f"{what} not found") from exc
    return locator.first


def number_input(
    label: str, values: tuple[str, str], sidebar: bool
) -> Callable[[Any, int], Commit]:
    """Prepare: type ``values[i % 2]`` into the number input ``label``; commit: Enter."""

    def prepare(page: Any, i: int) -> Commit:
        scope = page.get_by_test_id("stSidebar") if sidebar else page.get_by_test_id("stMain")
        box = _one(scope.get_by_label(label, exact=True), f"number input {label!r}")
        box.fill(values[i % 2])
        return lambda: box.press("Enter")

    return prepare


EDITOR = "#portal textarea, #portal input"  # glide-data-grid's cell editor overlay


def _fleet_cell(page: Any, i: int) -> Commit:
    # The editor is a canvas (glide-data-grid): select the first body cell (past the row
    # marker column), step right to GPUs, open its editor with Enter, type, commit with Enter.
    # A saved edit draws a new grid (the editor's key follows its rows): an editor opened on the
    # old one while it is replaced closes under the typing, so open it again (up to 3 times).
    for _ in range(3):
        grid = _one(page.get_by_test_id("stDataFrame"), "fleet table")
        grid.click(position={"x": 80, "y": 35 + 17})
        if page.locator(EDITOR).count():  # the click hit a cell still selected: it is editing
            page.keyboard.press("Escape")
        page.keyboard.press("ArrowRight")
        page.keyboard.press("Enter")
        try:
            editor = _one(page.locator(EDITOR), "cell editor", 5.0)
            editor.fill(str(150 + i % 2 * 50), timeout=5000)
        except Exception:  # NotFound or playwright's TimeoutError: the grid was redrawn
            page.keyboard.press("Escape")
            continue
        return lambda: editor.press("Enter")
    raise NotFound("fleet cell editor did not stay open (tried 3 times)")


def _tab(name: str) -> Callable[[Any, int], Commit]:
    """A page view: the Market page picks it with a segmented control (older pages: a tab)."""

    def prepare(page: Any, i: int) -> Commit:
        view = page.get_by_test_id("stButtonGroup").get_by_role("radio", name=name, exact=True)
        tab = page.get_by_role("tab", name=name, exact=True)
        return _one(view.or_(tab), f"view {name!r}").click

    return prepare


def _sources(page: Any) -> Any:
    return _one(page.get_by_test_id("stMultiSelect").filter(has_text="Sources"), "Sources filter")


def _market_filter(page: Any, i: int) -> Commit:
    _sources(page).click()
    return _one(page.get_by_role("option"), "a Sources option").click


def _market_filter_undo(page: Any, i: int) -> Commit:
    page.keyboard.press("Escape")
    clear = _sources(page).locator("[aria-label*='Clear'], [title*='Clear']")
    if clear.count():
        return clear.first.click

    def backspace() -> None:
        _sources(page).click()
        page.keyboard.press("Backspace")

    return backspace


def _toggle(label: str) -> Callable[[Any, int], Commit]:
    def prepare(page: Any, i: int) -> Commit:
        return _one(page.get_by_test_id("stMain").get_by_text(label, exact=True), label).click

    return prepare


def _sql_run(page: Any, i: int) -> Commit:
    area = _one(page.get_by_test_id("stTextArea").locator("textarea"), "SQL query box")
    area.fill(f"SELECT {i % 2 + 1} AS n, count(*) AS runs FROM scrape_runs")
    return _one(page.get_by_role("button", name="Run query"), "Run query button").click


_POWER = ("Power price ($/kWh)", ("0.061", "0.062"))


def actions() -> list[Action]:
    """Every interaction the benchmark times and the browser test performs, by page."""
    power = number_input(*_POWER, sidebar=True)
    out = [
        Action("", "sidebar power price", "interaction", power),
        Action("fleet", "fleet table cell edit", "interaction", _fleet_cell),
        Action("fleet", "sidebar power price", "interaction", power),
        Action(
            "site",
            "site IT load input",
            "interaction",
            number_input("IT load (MW)", ("31.5", "32.5"), False),
        ),
        Action("timing", "sidebar power price", "interaction", power),
        Action("scenarios", "sidebar power price", "interaction", power),
        Action("market", "Rental tab", "market", _tab("Rental"), _tab("Coins")),
        Action("market", "Sources filter", "market", _market_filter, _market_filter_undo),
        Action(
            "sustainability",
            "own grid intensity toggle",
            "interaction",
            _toggle("Use my own grid intensity"),
        ),
        Action("data_health", "sidebar power price", "interaction", power),
        Action("sql", "run query", "interaction", _sql_run),
    ]
    known = {url for url, _ in app_pages()}
    return [a for a in out if a.page in known]


MEMOS = {"pdf": "Board memo (PDF)", "html": "Board memo (HTML)"}


def download(page: Any, label: str, timeout_s: float = 120.0) -> tuple[float, int]:
    """Click the download button ``label``; (seconds until the file is saved, its bytes)."""
    button = _one(page.get_by_test_id("stDownloadButton").filter(has_text=label), label)
    start = time.perf_counter()
    with page.expect_download(timeout=timeout_s * 1000) as info:
        button.locator("button").first.click()
    path = info.value.path()
    elapsed = time.perf_counter() - start
    return elapsed, Path(path).stat().st_size
