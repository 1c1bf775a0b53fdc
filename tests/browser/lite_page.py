"""A browser tab on the browser edition (JupyterLite): the desktop tab's steps, plus what left loopback."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .lab_page import LabPage

__all__ = ["KERNEL_START_TIMEOUT", "LitePage", "is_loopback"]

KERNEL_START_TIMEOUT = 300_000  # a cold Pyodide start on a busy 2-core machine


class LitePage(LabPage):
    """A tab on the browser edition: JupyterLite, its Pyodide kernel, and what left loopback."""

    kernel = "Python (Pyodide)"

    def __init__(self, page: Any, server: Any, shots: Path) -> None:
        super().__init__(page, server, shots)
        self.external: list[str] = []

    def open_course(self) -> None:
        self.page.goto(self.server.url("/"))
        self.wait_for_notebook("00-start-here.ipynb", timeout=KERNEL_START_TIMEOUT)

    def open(self, path: str) -> None:
        """Close what is open (its kernel stops with it), then open ``path`` by its link."""
        self.close_all()
        self.page.goto(self.server.url(f"/lab/index.html?path={path}"))
        self.wait_for_notebook(Path(path).name, timeout=KERNEL_START_TIMEOUT)

    def close_all(self) -> None:
        if self.page.locator("#jp-main-dock-panel .lm-TabBar-tab").count() == 0:
            return
        self.menu("File", "application:close-all")
        discard = self.page.locator(".jp-Dialog button", has_text="Discard")
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and self.page.locator("#jp-main-dock-panel .lm-TabBar-tab").count():
            if discard.count():
                discard.first.click()
            self.page.wait_for_timeout(200)

    def refuse_other_hosts(self, context: Any) -> None:
        """Record, and abort, every request of ``context`` (pages, workers) to a host that is not loopback."""

        def watch(request: Any) -> None:
            if not is_loopback(request.url):
                self.external.append(request.url)

        def refuse(route: Any) -> None:
            self.external.append(route.request.url)
            route.abort()

        context.on("request", watch)
        context.route(re.compile(r"^(?!https?://(127\.0\.0\.1|localhost)[:/]).*"), refuse)

    def run_first_cell(self) -> list[dict[str, str]]:
        """Run the notebook's first code cell (Shift+Enter) and return its outputs once shown."""
        cell = self.panel.locator(".jp-CodeCell").first
        cell.locator(".cm-content").click()
        self.page.keyboard.press("Shift+Enter")
        cell.locator(".jp-InputArea-prompt", has_text=re.compile(r"^\[\d+\]:$")).wait_for(timeout=180_000)
        cell.locator(".jp-OutputArea-output").first.wait_for()
        return [{"text": o.text_content() or "", "mime": o.get_attribute("data-mime-type") or ""}
                for o in cell.locator(".jp-OutputArea-output").all()]

    def assert_offline(self) -> None:
        assert self.external == [], f"the site asked other hosts for: {self.external[:10]}"


def is_loopback(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("data", "blob", "about") or parts.hostname in ("127.0.0.1", "localhost")
