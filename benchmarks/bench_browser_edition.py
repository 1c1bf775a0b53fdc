"""The browser edition next to the desktop course, measured side by side in one run.

Run: ``make bench`` (or ``.venv/bin/python benchmarks/bench_browser_edition.py [--rounds N]``).
Needs Debian's chromium (``make test`` installs it) and builds ``site/`` if it is stale.
Prints medians over the rounds and the browser/desktop ratio; nothing here asserts a time.

Each round, in one headless chromium that cannot resolve any host but loopback:

* a first visit (new profile: empty cache and storage) to the site served on 127.0.0.1 with
  gzip: site open -> kernel ready, and -> chapter 00's first cell done (``labkit.start()``),
  with the bytes sent until then;
* chapter 03 top to bottom (Run All) in the browser edition, and the same chapter in JupyterLab
  with the desktop kernel (``labkit lab``).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, VIEWPORT  # noqa: E402
from tests.browser.lab_page import LabPage  # noqa: E402
from tests.browser.lite_page import LitePage  # noqa: E402
from tests.browser.server import copy_course, start_lab  # noqa: E402
from tests.browser.site_server import SiteServer, build_site, site_dir  # noqa: E402

CHAPTER_03 = "notebooks/03-the-two-key-system-mfa.ipynb"
OFFLINE_ARGS = [*CHROMIUM_ARGS, "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]


def _browser_round(browser: object, site: SiteServer, shots: Path) -> dict[str, float]:
    site.served.requests.clear()
    context = browser.new_context(viewport=VIEWPORT)  # type: ignore[attr-defined]
    try:
        lab = LitePage(context.new_page(), site, shots)
        lab.refuse_other_hosts(context)
        opened = time.monotonic()
        lab.open_course()
        kernel = time.monotonic() - opened
        lab.run_first_cell()
        first_cell = time.monotonic() - opened
        sent = site.served.total() / 1e6
        lab.open(CHAPTER_03)
        started = time.monotonic()
        lab.run_all(timeout=600_000)
        chapter = time.monotonic() - started
        lab.assert_offline()
    finally:
        context.close()
    return {"kernel": kernel, "first_cell": first_cell, "mb": sent, "chapter_browser": chapter}


def _desktop_round(browser: object, server: object, shots: Path) -> float:
    context = browser.new_context(viewport=VIEWPORT)  # type: ignore[attr-defined]
    try:
        desktop = LabPage(context.new_page(), server, shots)  # type: ignore[arg-type]
        desktop.open(CHAPTER_03)
        started = time.monotonic()
        desktop.run_all(timeout=600_000)
        return time.monotonic() - started
    finally:
        context.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="also print the rows as JSON (last line)")
    args = parser.parse_args(argv)
    if not CHROMIUM.exists():
        print(f"needs Debian's chromium at {CHROMIUM} (make test installs it)")
        return 1
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="bench-browser-") as tmp:
        base = Path(tmp)
        site = SiteServer(build_site(site_dir(), base / "make-site.log")).start()
        server = start_lab(copy_course(ROOT, base / "course"), base / "home", base / "jupyterlab.log")
        samples: dict[str, list[float]] = {"kernel": [], "first_cell": [], "mb": [], "chapter_browser": [],
                                           "chapter_desktop": []}
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=OFFLINE_ARGS)
                for _ in range(args.rounds):
                    for key, value in _browser_round(browser, site, base).items():
                        samples[key].append(value)
                    samples["chapter_desktop"].append(_desktop_round(browser, server, base))
                browser.close()
        finally:
            server.stop()
            site.stop()
    med = {key: statistics.median(values) for key, values in samples.items()}
    rows = [
        ["site open -> kernel ready, first visit (s)", med["kernel"], None],
        ["site open -> chapter 00's first cell done (s)", med["first_cell"], None],
        ["first visit transfer before that cell ran (MB, gzip)", med["mb"], None],
        ["chapter 03 top to bottom (s)", med["chapter_browser"], med["chapter_desktop"]],
    ]
    print(f"browser edition vs desktop course, median of {args.rounds} rounds")
    print(f"{'measurement':<56} {'browser':>9} {'desktop':>9} {'ratio':>7}")
    for name, browser_value, desktop_value in rows:
        desktop_text = f"{desktop_value:9.1f}" if desktop_value else f"{'-':>9}"
        ratio = f"{browser_value / desktop_value:7.2f}" if desktop_value else f"{'-':>7}"
        print(f"{name:<56} {browser_value:9.1f} {desktop_text} {ratio}")
    if args.json:
        print(json.dumps(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
