"""What a learner does in JupyterLab, as Playwright steps that wait for the page, never sleep.

Everything goes through JupyterLab's own user interface (menus, links, keyboard, buttons).
Cell text is read with ``textContent``: JupyterLab skips *painting* cells that are off-screen
(``content-visibility``), but their text is in the page all the same.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

from playwright.sync_api import Locator, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from .server import LabServer

__all__ = ["LabPage"]

PANEL = "#jp-main-dock-panel .jp-NotebookPanel:not(.lm-mod-hidden)"
CURRENT_TAB = "#jp-main-dock-panel .lm-TabBar-tab.jp-mod-current"
# A JavaScript helper shared by the wait conditions below: the notebook in front.
_JS_PANEL = "document.querySelector('#jp-main-dock-panel .jp-NotebookPanel:not(.lm-mod-hidden)')"

_PROMPT_COUNTS = f"""() => [...{_JS_PANEL}.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')]
    .map(p => /^\\[(\\d+)\\]:$/.exec(p.textContent.trim()))
    .map(m => (m ? Number(m[1]) : null))"""

# After Run All: "done" when every code cell shows an execution count newer than ``after`` and
# the kernel is idle; "stopped" when nothing is queued any more but some cells did not run (a
# cell failed and Run All stopped there); false while still running.
_RUN_ALL_STATE = f"""(after) => {{
    const panel = {_JS_PANEL};
    if (!panel) return false;
    const indicator = panel.querySelector('.jp-Notebook-ExecutionIndicator');
    if (!indicator || indicator.dataset.status !== 'idle') return false;
    const prompts = [...panel.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')];
    if (prompts.some(p => p.textContent.includes('*'))) return false;
    const counts = ({_PROMPT_COUNTS})();
    const fresh = counts.filter(n => n !== null && n > after).length;
    if (counts.length > 0 && fresh === counts.length) return 'done';
    return fresh > 0 ? 'stopped' : false;
}}"""


# The notebook in front has loaded, shows kernel ``name`` (from its kernelspec) and is idle.
_NOTEBOOK_READY = f"""(name) => {{
    const panel = {_JS_PANEL};
    if (!panel || panel.querySelector('.jp-Spinner') || !panel.querySelector('.jp-Cell')) return false;
    const kernel = panel.querySelector('[data-jp-item-name="kernelName"]');
    const indicator = panel.querySelector('.jp-Notebook-ExecutionIndicator');
    return !!kernel && kernel.textContent.trim() === name && !!indicator
        && indicator.dataset.status === 'idle' && /Idle/.test(indicator.textContent);
}}"""
KERNEL = "Python 3 (ipykernel)"  # the display name in every notebook's kernelspec


class LabPage:
    """One browser tab on the course's JupyterLab."""

    kernel = KERNEL  # the kernel's display name once a notebook is ready

    def __init__(self, page: Page, server: LabServer, shots: Path) -> None:
        self.page = page
        self.server = server
        self.shots = shots

    # -- getting around -------------------------------------------------------------------
    def open_course(self) -> None:
        """Open the server's front door, as the link ``labkit lab`` prints."""
        self.page.goto(self.server.url("/"))
        self.wait_for_notebook()

    def open(self, path: str) -> None:
        """Open ``path`` (relative to the course folder) in a fresh workspace."""
        self.page.goto(self.server.url(f"/lab/tree/{path}?reset"))
        self.wait_for_notebook(Path(path).name)

    def wait_for_notebook(self, name: str | None = None, timeout: float = 60_000) -> Locator:
        """Wait until notebook ``name`` is in front, loaded, with its own kernel started and idle."""
        try:
            if name:
                self.page.locator(CURRENT_TAB, has_text=name).wait_for(timeout=timeout)
            self.page.wait_for_function(_NOTEBOOK_READY, arg=self.kernel, timeout=timeout)
        except PlaywrightTimeoutError:
            self.shot("FAILED-notebook-not-ready")
            what = name or "the notebook"
            raise AssertionError(f"{what} did not open with an idle {self.kernel!r} kernel; "
                                 f"in front of it: {self.blocking_things()}") from None
        return self.panel

    @property
    def panel(self) -> Locator:
        return self.page.locator(PANEL)

    @property
    def current_tab_title(self) -> str:
        return self.page.locator(CURRENT_TAB).inner_text().strip()

    @property
    def current_tab_unsaved(self) -> bool:
        """True when the front tab shows JupyterLab's "unsaved changes" dot."""
        return "jp-mod-dirty" in (self.page.locator(CURRENT_TAB).get_attribute("class") or "")

    def cell(self, index: int) -> Locator:
        return self.panel.locator(".jp-Notebook .jp-Cell").nth(index)

    def menu(self, menu: str, command: str) -> None:
        """Click ``menu`` in the menu bar, then the item running ``command``."""
        self.page.locator(".lm-MenuBar-item", has_text=re.compile(rf"^{menu}$")).click()
        self.page.locator(f".lm-Menu-item[data-command='{command}']").click()

    # -- running --------------------------------------------------------------------------
    def run_all(self, timeout: float = 120_000) -> float:
        """Run > Run All Cells, wait until every code cell has run and the kernel is idle; returns
        the seconds it took."""
        started = time.monotonic()
        before = max((n for n in self.page.evaluate(_PROMPT_COUNTS) if n is not None), default=0)
        self.menu("Run", "runmenu:run-all")
        try:
            state = self.page.wait_for_function(_RUN_ALL_STATE, arg=before, timeout=timeout).json_value()
        except PlaywrightTimeoutError:
            state = "still running"
        if state != "done":
            self.shot("FAILED-run-all")
            errors = [o["text"][:500] for outs in self.outputs() for o in outs
                      if o["mime"] == "application/vnd.jupyter.stderr"]
            raise AssertionError(f"Run All did not finish ({state}); errors shown: {errors}")
        return time.monotonic() - started

    def save(self) -> None:
        """Ctrl+S, then wait until the tab no longer shows unsaved changes."""
        self.page.keyboard.press("Control+s")
        self.page.locator(f"{CURRENT_TAB}:not(.jp-mod-dirty)").wait_for()

    def set_cell_source(self, index: int, text: str) -> None:
        """Replace a code cell's text by pasting ``text`` into its editor (Ctrl+A, Ctrl+V)."""
        editor = self.cell(index).locator(".cm-content")
        editor.scroll_into_view_if_needed()
        editor.click()
        self.page.keyboard.press("Control+a")
        self.page.evaluate("text => navigator.clipboard.writeText(text)", text)
        self.page.keyboard.press("Control+v")
        self.page.keyboard.press("Escape")

    def cell_source(self, index: int) -> str:
        lines = self.cell(index).locator(".cm-content .cm-line").all_text_contents()
        return "\n".join(lines)

    # -- what the learner sees ------------------------------------------------------------
    def outputs(self) -> list[list[dict[str, str]]]:
        """Per cell, its outputs: MIME type and text."""
        return self.page.evaluate(f"""() => [...{_JS_PANEL}.querySelectorAll('.jp-Notebook .jp-Cell')]
            .map(cell => [...cell.querySelectorAll('.jp-OutputArea-output')].map(out => ({{
                mime: out.getAttribute('data-mime-type') || '',
                text: out.textContent || '',
            }})))""")

    def blocking_things(self) -> list[str]:
        """Dialogs and pop-up notifications in front of the page (there should be none)."""
        return self.page.evaluate("""() => [
            ...document.querySelectorAll('.jp-Dialog'),
            ...document.querySelectorAll('.Toastify__toast'),
        ].filter(el => el.getClientRects().length > 0).map(el => el.innerText.trim())""")

    def shot(self, name: str, target: Locator | None = None) -> Path:
        """Save a screenshot of the page (showing ``target``, if given) as ``name``.png."""
        path = self.shots / f"{name}.png"
        if target is not None:
            target.scroll_into_view_if_needed()
        self.page.screenshot(path=str(path))
        return path
