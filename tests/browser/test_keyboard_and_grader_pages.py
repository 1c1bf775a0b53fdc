"""Accessibility (WCAG 2.2 AA) of what the course renders outside the notebooks, and keyboard-only use.

The grader's class report and a feedback page, rendered by :mod:`labkit.grading.reports` for a small
class, are audited with axe-core in chromium (every element of those pages is the course's). The
audits of the notebooks themselves run where the notebooks run: after *Run All* in
``test_browser_edition.py`` and after *Check my work* in ``test_course_in_browser.py``.

This module runs after those two (its name sorts after theirs): ``test_browser_edition.py`` starts
Playwright of its own, which cannot start while the session's browser (``conftest.browser``) is
open, and ``test_course_in_browser.py`` expects the session's JupyterLab page as it starts.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from labkit.grading.reports import feedback_html, report_html

from .accessibility import WHOLE_PAGE, assert_accessible, axe_missing
from .conftest import ROOT, VIEWPORT

pytestmark = pytest.mark.browser


def _entry(student: str, passed: list[bool], **extra: Any) -> dict[str, Any]:
    checks = [{"id": f"check-{i}", "description": f"check number {i}", "passed": ok, "points": 5 if ok else 0,
               "max_points": 5, **({} if ok else {"hint": "Look at the user's login profile."})}
              for i, ok in enumerate(passed)]
    score = sum(c["points"] for c in checks)
    return {"student": student, "assignment": "users", "status": "graded", "score": score,
            "max_score": 5 * len(checks), "checks": checks, "cells_total": 6, "cells_run": 6,
            "seconds": 3.2, **extra}


CLASS = [
    _entry("ana", [True, True, True]),
    _entry("ben", [True, False, True], late_days=1, late_penalty=2, final=8, adjustment=0,
           time_source="the file's upload time"),
    _entry("cy", [False, False, True], flags=["also handed in 'users (1).ipynb' (not graded)"],
           cell_errors=[{"cell": 3, "ename": "ClientError", "evalue": "AccessDenied"}]),
]


@pytest.fixture(scope="module")
def page(browser: Any) -> Iterator[Any]:
    if axe_missing():
        pytest.skip(axe_missing())
    context = browser.new_context(viewport=VIEWPORT)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.mark.parametrize("name", ["report.html", "feedback/ben.html", "feedback/cy.html"])
def test_the_graders_pages_have_no_serious_accessibility_findings(page: Any, name: str) -> None:
    html = {"report.html": report_html(CLASS, names={"ana": "Ana Lima"}, missing=[("Dee Dee", "dee")]),
            "feedback/ben.html": feedback_html(CLASS[1]),
            "feedback/cy.html": feedback_html(CLASS[2], "Cy Young")}[name]
    page.set_content(html)
    assert_accessible(page, name, owned=WHOLE_PAGE)
    if name == "report.html":  # the columns sort with the keyboard alone
        page.locator("table.sortable th button", has_text="final").focus()
        page.keyboard.press("Enter")
        assert page.locator("table.sortable th[aria-sort]").inner_text() == "final"
        assert page.locator("table.chart-data caption").count() == 1, "the histogram has no data table"


# -- the keyboard alone ----------------------------------------------------------------------------
CHAPTER_03 = "notebooks/03-the-two-key-system-mfa.ipynb"
MAX_PRESSES = 60  # Tab presses to reach anything: more means it cannot be reached (or focus is stuck)

# Where the focus is, and whether the learner can see it (an outline of 2 px or more around it).
_FOCUS = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return {tag: 'body', visible: false, text: '', cls: '', inQuiz: false};
    const style = getComputedStyle(el);
    const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
    const label = el.closest('label');
    const card = el.closest('.labkit-quiz-question');  // the quiz's first child is its header
    return {tag: el.tagName.toLowerCase(), type: el.type || '', visible: outline,
            text: ((label || el).textContent || '').trim().slice(0, 200), cls: String(el.className),
            inQuiz: !!el.closest('.labkit-quiz'), course: !!el.closest('[class*="labkit-"]'),
            inEditor: !!el.closest('.cm-content'),
            card: card ? [...card.parentElement.children].indexOf(card) - 1 : -1};
}"""


def _focus(lab: Any) -> dict[str, Any]:
    return dict(lab.page.evaluate(_FOCUS))


def _press(lab: Any, key: str, seen: list[dict[str, Any]]) -> dict[str, Any]:
    lab.page.keyboard.press(key)
    now = _focus(lab)
    seen.append(now)
    if now["tag"] in ("input", "button") and now["course"]:  # a control of the course's: focus must show
        assert now["visible"], f"focus on {now} is not visible (no outline)"
    return now


def test_chapter_03_with_the_keyboard_alone(lab: Any) -> None:
    """Open chapter 03, run each cell with Shift+Enter (typing the your-turn command and the prediction
    in the cells that ask for them), then answer its knowledge check with Tab, Space and Enter only.
    Every control the course draws shows its focus, and Tab and Escape always lead out again."""
    from labkit.question_bank import question

    from .course_notebooks import prediction_cells, your_turn_cells
    from .lab_page import _RUN_ALL_STATE
    from .test_course_in_browser import _quiz_ids

    path = ROOT / CHAPTER_03
    lab.open(CHAPTER_03)
    cells = json.loads(path.read_text())["cells"]
    typed, predicted = your_turn_cells(path), prediction_cells(path)
    keys = lab.page.keyboard
    seen: list[dict[str, Any]] = []
    if not lab.page.evaluate("() => !!document.activeElement.closest('.jp-Notebook')"):
        lab.cell(0).locator(".jp-InputPrompt").click()  # only if opening it left the focus elsewhere
    keys.press("Escape")  # command mode, on the first cell
    for index, cell in enumerate(cells):
        if cell["cell_type"] != "code":
            keys.press("ArrowDown")  # command mode: the next cell
            continue
        if index in typed or index in predicted:
            keys.press("Enter")  # edit mode
            assert _focus(lab)["inEditor"], "Enter did not put the cursor in the cell"
            keys.press("Control+Home")
            if index in predicted:
                for _ in range(predicted[index][0]):
                    keys.press("ArrowDown")
                keys.press("Home")
            keys.press("Shift+End")
            keys.type(typed[index] if index in typed else predicted[index][1])
            keys.press("Escape")  # out of the editor again: no keyboard trap
            assert not _focus(lab)["inEditor"], "Escape did not leave the cell's editor"
        keys.press("Shift+Enter")  # run it, and go to the next cell
    state = lab.page.wait_for_function(_RUN_ALL_STATE, arg=0, timeout=180_000).json_value()
    assert state == "done", f"not every cell ran ({state})"
    outputs = lab.outputs()
    for index in typed:
        assert "✅" in "".join(o["text"] for o in outputs[index]), outputs[index]

    # The knowledge check: Shift+Tab from the cell after it (the active one now) walks back into it.
    ids = _quiz_ids(path)
    quiz = lab.panel.locator(".labkit-quiz").last
    cards = quiz.locator(".labkit-quiz-question")
    presses = 0

    def press(key: str) -> dict[str, Any]:
        nonlocal presses
        presses += 1
        assert presses < MAX_PRESSES * len(ids), f"too many key presses; the last places: {seen[-6:]}"
        return _press(lab, key, seen)

    for card_index in reversed(range(len(ids))):
        q = question(ids[card_index])
        right = {q.options[i].text for i in q.correct}
        while press("Shift+Tab")["card"] != card_index:  # into this question (its Check button first)
            pass
        chosen: set[str] = set()
        now = _focus(lab)
        while now["card"] == card_index:  # back through its options: Space on each right one
            if now["tag"] == "input" and now["text"] in right:
                keys.press("Space")
                chosen.add(now["text"])
            now = press("Shift+Tab")
        assert chosen == right, f"question {card_index + 1}: reached {chosen}, meant {right}"
        while not (_focus(lab)["card"] == card_index and _focus(lab)["tag"] == "button"):
            press("Tab")  # forwards again, to its Check button
        keys.press("Enter")
        cards.nth(card_index).locator(".labkit-quiz-feedback", has_text="Right!").wait_for()
    lab.shot("a11y-keyboard-only-chapter-03-quiz", quiz)
    # Out of the knowledge check entirely: focus leaves the course's widgets (nothing traps it there).
    for _ in range(MAX_PRESSES):
        if not _press(lab, "Shift+Tab", seen)["inQuiz"]:
            break
    else:
        raise AssertionError(f"focus never left the knowledge check: {seen[-5:]}")


def _use_theme(lab: Any, theme: str) -> None:
    """Switch JupyterLab's theme from the command palette, and wait until the page shows it."""
    lab.page.keyboard.press("Control+Shift+c")
    lab.page.keyboard.type(f"Use Theme: {theme}")
    lab.page.keyboard.press("Enter")
    light = "false" if "Dark" in theme else "true"
    lab.page.locator(f"body[data-jp-theme-light='{light}']").wait_for(state="attached", timeout=30_000)
    lab.page.wait_for_timeout(500)  # let the new theme's colours paint before measuring contrast


def test_chapter_03_in_the_dark_theme(lab: Any) -> None:
    """The same chapter, as the keyboard test left it (run, knowledge check answered), audited again
    in JupyterLab's dark theme: the course's colours must meet AA contrast there too."""
    if not lab.current_tab_title.startswith("03-the-two-key-system-mfa.ipynb"):
        pytest.skip("runs after the keyboard test, on the chapter it ran")
    try:
        _use_theme(lab, "JupyterLab Dark")
        lab.shot("a11y-chapter-03-dark-theme", lab.panel.locator(".labkit-quiz").last)
        assert_accessible(lab.page, "desktop: chapter 03, dark theme")
    finally:
        _use_theme(lab, "JupyterLab Light")
