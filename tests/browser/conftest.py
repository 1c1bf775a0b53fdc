"""Fixtures for the browser tests: Debian's chromium, and JupyterLab started by ``labkit lab``.

The tests skip -- loudly, with the reason in the summary -- only when no chromium is installed
after ``scripts/install-chromium.sh`` ran (``make test`` runs it first). Screenshots of every
step go to ``test-artifacts/browser/`` (or ``$LABKIT_BROWSER_ARTIFACTS``); the folder is
printed at the end of the run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .lab_page import LabPage
from .server import LabServer, copy_course, start_lab

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("LABKIT_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    # Offline: no name resolves but 127.0.0.1, so a page that would fetch anything beyond the
    # machine (a CDN, a font) fails visibly; JupyterLab and the browser edition are served there.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
VIEWPORT = {"width": 1400, "height": 900}
_report: dict[str, str] = {}
_tables: dict[str, list[str]] = {}
_skips: dict[str, str] = {}


def record_table(title: str, lines: list[str]) -> None:
    """A table of measurements to print at the end of the run."""
    _tables[title] = lines


def report_skip(title: str, reason: str) -> None:
    """A part of the run that was skipped, said in the summary (e.g. audits without axe-core)."""
    _skips[title] = reason


def artifacts_dir() -> Path:
    return Path(os.environ.get("LABKIT_BROWSER_ARTIFACTS", ROOT / "test-artifacts" / "browser"))


@pytest.fixture(scope="session")
def chromium() -> Path:
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        reason = (f"browser tests need Debian's chromium at {CHROMIUM}, and scripts/install-chromium.sh "
                  "could not install it (no apt-get, no root, or no package mirror)")
        _report["skipped"] = reason
        pytest.skip(reason)
    return CHROMIUM


@pytest.fixture(scope="session")
def shots() -> Path:
    folder = artifacts_dir()
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    _report["shots"] = str(folder)
    return folder


@pytest.fixture(scope="session")
def lab_server(chromium: Path, tmp_path_factory: pytest.TempPathFactory, shots: Path) -> Iterator[LabServer]:
    """``labkit lab`` on a copy of the course, a free loopback port and a one-off token."""
    base = tmp_path_factory.mktemp("jupyterlab")
    course = copy_course(ROOT, base / "course")
    server = start_lab(course, base / "home", shots / "jupyterlab.log")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def browser(chromium: Path) -> Iterator[Any]:
    """The run's one headless chromium (offline but for 127.0.0.1); each module opens its own
    contexts in it, and each context is a new, empty profile (a first visit: no cache, no storage)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="module")
def lab(browser: Any, lab_server: LabServer, shots: Path) -> Iterator[LabPage]:
    """A browser tab on the course (shared by one module's tests, in order)."""
    context = browser.new_context(viewport=VIEWPORT)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=lab_server.base_url)
    context.set_default_timeout(30_000)
    try:
        yield LabPage(context.new_page(), lab_server, shots)
    finally:
        context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.when == "call" and report.failed:
        page = getattr(item, "funcargs", {}).get("lab")
        if isinstance(page, LabPage):
            try:
                page.shot(f"FAILED-{item.name}")
            except Exception:  # noqa: BLE001 - the page may be gone; the failure itself matters
                pass
    return report


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if "skipped" in _report:
        terminalreporter.write_sep("!", "browser tests SKIPPED", yellow=True)
        terminalreporter.write_line(_report["skipped"])
    for title, reason in _skips.items():
        terminalreporter.write_sep("!", title, yellow=True)
        terminalreporter.write_line(reason)
    if "shots" in _report:
        terminalreporter.write_sep("-", "browser test screenshots")
        terminalreporter.write_line(_report["shots"])
    for title, lines in _tables.items():
        terminalreporter.write_sep("-", title)
        for line in lines:
            terminalreporter.write_line(line)
