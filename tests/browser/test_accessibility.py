"""Accessibility (WCAG 2.2 AA) of what the course renders outside the notebooks, and keyboard-only use.

The grader's class report and a feedback page, rendered by :mod:`labkit.grading.reports` for a small
class, are audited with axe-core in chromium (every element of those pages is the course's). The
audits of the notebooks themselves run where the notebooks run: after *Run All* in
``test_browser_edition.py`` and after *Check my work* in ``test_course_in_browser.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from labkit.grading.reports import feedback_html, report_html

from .accessibility import WHOLE_PAGE, assert_accessible, axe_missing
from .conftest import VIEWPORT

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
