"""Web client latency: page load, and a simulated incoming call to the visible pop-up.

Run: ``.venv/bin/python bench/client_popup.py [--calls 20]`` (needs Debian's chromium).
Starts the demo company on the simulator and a real server (``tests/e2e`` rig), logs a person
in through the client, reloads the page 10 times reading the client's performance marks
(page shown after ``GET /users/me``; live = WebSocket hello and every list loaded, which
includes reading the forwarding from the PBX), then for each call records the wall-clock time before
``POST /sim/v1/calls`` and, in the page, the moment a MutationObserver sees the pop-up in the
DOM; prints medians. Target (issue 11): pop-up ≤ 300 ms. Not a test.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.sync_api import sync_playwright
from tests.e2e.e2e_rig import ANNA, BEN
from tests.ui.client_pages import client_site, open_client
from tests.ui.conftest import CHROMIUM, CHROMIUM_ARGS

_WATCH = """() => {
  window.__shown = null;
  const observer = new MutationObserver(() => {
    if (document.querySelector('#popup .incoming')) {
      observer.disconnect();
      window.__shown = Date.now();
    }
  });
  observer.observe(document.body, {childList: true, subtree: true});
}"""


_MARKS = """() => ({
  shell: performance.getEntriesByName('cloudcti-shell')[0].startTime,
  live: performance.getEntriesByName('cloudcti-live')[0].startTime,
})"""


def _summary(name: str, values: list[float]) -> str:
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))]
    return (
        f"{name}: median {statistics.median(values):.0f} ms, p90 {p90:.0f} ms, "
        f"max {ordered[-1]:.0f} ms (n={len(values)})"
    )


def main() -> None:
    """Measure and print page load and pop-up latency."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=20)
    args = parser.parse_args()
    with (
        sync_playwright() as driver,
        client_site(Path(tempfile.mkdtemp(prefix="bench-client-"))) as site,
    ):
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(locale="de-DE", viewport={"width": 1280, "height": 720})
        page = open_client(context, site, "anna.schmidt")
        shell: list[float] = []
        live: list[float] = []
        for _ in range(10):
            page.reload()
            page.wait_for_selector("#app[data-connection=live]")
            marks = page.evaluate(_MARKS)
            shell.append(marks["shell"])
            live.append(marks["live"])
        popups: list[float] = []
        for _ in range(args.calls):
            page.evaluate(_WATCH)
            started_ms = time.time() * 1000
            call = site.sim_call(BEN, ANNA)
            shown_ms = float(page.wait_for_function("() => window.__shown").json_value())
            popups.append(shown_ms - started_ms)
            site.sim.post(f"/sim/v1/calls/{call}/hangup", json={"side": "caller"})
            page.wait_for_selector("#popup", state="detached")
        browser.close()
    print(_summary("page load: navigation → page shown (logged in)", shell))
    print(_summary("page load: navigation → live (calls, journal, forwarding, contacts)", live))
    print(_summary("sim call → pop-up visible", popups))


if __name__ == "__main__":
    main()
