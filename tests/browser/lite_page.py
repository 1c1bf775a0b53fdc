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
        """``path`` in a fresh kernel: what is open is shut down and closed, then File > Open from Path.

        The site stays loaded (a page load is needed only the first time): JupyterLite starts the
        notebook's own new kernel, as it does for a learner opening one chapter after another.
        """
        if not self.page.locator("#jp-main-dock-panel").count():
            self.page.goto(self.server.url(f"/lab/index.html?path={path}"))
        else:
            self.close_all()
            self.menu("File", "filebrowser:open-path")
            dialog = self.page.locator(".jp-Dialog")
            dialog.locator("input").fill(path)
            dialog.locator("button.jp-mod-accept").click()
        self.wait_for_notebook(Path(path).name, timeout=KERNEL_START_TIMEOUT)

    def close_all(self) -> None:
        """Close every notebook with File > Close and Shut Down (its kernel stops), discarding changes."""
        notebooks = self.page.locator("#jp-main-dock-panel .jp-NotebookPanel")
        dialog = self.page.locator(".jp-Dialog")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and notebooks.count():
            if dialog.count():  # "Shut down the notebook?" (Ok), or unsaved changes (Discard)
                discard = dialog.locator("button", has_text="Discard")
                (discard if discard.count() else dialog.locator("button.jp-mod-accept")).first.click()
                dialog.first.wait_for(state="detached")
                continue
            if not self.panel.count():  # a notebook behind another tab: bring it to the front
                self.page.locator("#jp-main-dock-panel .lm-TabBar-tab", has_text=".ipynb").first.click()
            self.menu("File", "filemenu:close-and-cleanup")
            self.page.wait_for_function(
                "n => document.querySelector('.jp-Dialog') || "
                "document.querySelectorAll('#jp-main-dock-panel .jp-NotebookPanel').length < n",
                arg=notebooks.count())
        assert not notebooks.count(), "a notebook would not close"

    def upload(self, file: Path, name: str) -> str:
        """Bring ``file`` into the browser's storage as ``name``, in the top folder, with the file
        browser's Upload button (as an instructor brings a notebook into the site); returns its path."""
        self.page.locator("#filebrowser .jp-BreadCrumbs-home").click()
        with self.page.expect_file_chooser() as chooser:
            self.page.locator("#filebrowser [data-jp-item-name='uploader'] jp-button").click()
        chooser.value.set_files(files=[{"name": name, "mimeType": "application/x-ipynb+json",
                                        "buffer": file.read_bytes()}])
        self.page.locator("#filebrowser .jp-DirListing-item", has_text=name).wait_for()
        return name

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
