"""The "Check my work" button at the end of each exercise.

Click it and the assignment's checks run against your sandbox account right
now: each shows as passed or failed, with its points and — when it fails — a
hint. Checks look only at the account (through the AWS API), so you may
experiment freely and click again.
"""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as w

from ..checks import CheckResult, get_assignment, run_checks
from ..sandbox import running_lab
from .focus_style import FOCUS_STYLE

__all__ = ["CheckMyWork", "check_my_work", "results_html"]


def results_html(title: str, results: list[CheckResult]) -> str:
    """A table of check results (what the widget shows)."""
    total = sum(r.points for r in results)
    top = sum(r.max_points for r in results)
    rows = []
    for r in results:
        # In words (a screen reader skips the glyph, and colour alone says nothing: WCAG 1.1.1, 1.4.1).
        mark = ('<span aria-hidden="true">&#x2705;</span> passed' if r.passed
                else '<span aria-hidden="true">&#x274C;</span> not yet')
        hint = "" if r.passed else f"<br><i>Hint:</i> {html.escape(r.hint)}"
        detail = f" <small>({html.escape(r.detail)})</small>" if r.detail else ""
        cls = "labkit-check-pass" if r.passed else "labkit-check-fail"
        rows.append(f'<tr class="{cls}"><td>{mark}</td><td>{html.escape(r.description)}{detail}{hint}</td>'
                    f"<td>{r.points}/{r.max_points}</td></tr>")
    verdict = "All checks pass. Well done!" if total == top else "Not yet: see the hints."
    # The score line is a status message: said by a screen reader without moving the focus (WCAG 4.1.3).
    return (f'<div class="labkit-check-results"><p role="status" style="margin:0">'
            f"<b>{html.escape(title)}: {total}/{top} points</b> &#x2014; {verdict}</p>"
            '<table><thead><tr><th scope="col">result</th><th scope="col">check</th>'
            f'<th scope="col">points</th></tr></thead><tbody>{"".join(rows)}</tbody></table></div>')


class CheckMyWork(w.VBox):
    """A "Check my work" button and the results of the last check."""

    def __init__(self, assignment_id: str, lab: Any = None) -> None:
        self.assignment = get_assignment(assignment_id)
        self._lab = lab
        self.button = w.Button(description="Check my work", button_style="primary", icon="check")
        self.button.add_class("labkit-check")
        self.output = w.HTML("<i>Click to check your sandbox account against this exercise.</i>")
        self.output.add_class("labkit-check-output")
        self.button.on_click(lambda _: self.check())
        super().__init__([w.HTML(FOCUS_STYLE), self.button, self.output])
        self.add_class("labkit-check-my-work")
        self.results: list[CheckResult] = []

    def check(self) -> list[CheckResult]:
        """Run the checks now and show the results (also returns them)."""
        lab = self._lab or running_lab()
        if lab is None:
            self.output.value = ("<i>No sandbox is running in this kernel (was it restarted?). Run the "
                                 "notebook from the top (first cell: <code>labkit.start(...)</code>), "
                                 "then click again.</i>")
            return []
        try:
            lab.auditor()
        except PermissionError:
            self.output.value = ("<i>This notebook is attached to a grader's sandbox: your work is "
                                 "checked by the grader, not here.</i>")
            return []
        except OSError as err:  # the sandbox was stopped
            self.output.value = f"<i>The sandbox does not answer ({html.escape(str(err))}). " \
                                "Run the notebook from the top, then click again.</i>"
            return []
        self.results = run_checks(self.assignment.id, lab)
        self.output.value = results_html(self.assignment.title, self.results)
        return self.results


def check_my_work(assignment_id: str, lab: Any = None) -> CheckMyWork:
    """Show the "Check my work" button for ``assignment_id`` (e.g. ``"users"``).

    Clicking it checks the sandbox this notebook started with ``labkit.start``
    (or ``lab``, if you pass one). Results are also in ``.results``.
    """
    return CheckMyWork(assignment_id, lab)
