""""Check my work": results from the live sandbox, with hints on failure."""

from __future__ import annotations

import labkit
from labkit.widgets.check import check_my_work
from tests.checks.test_checks import users_done_right


def test_check_my_work_shows_hints_then_full_marks(lab: labkit.Lab) -> None:
    widget = check_my_work("users", lab)
    assert "labkit-check" in widget.button._dom_classes
    results = widget.check()
    assert sum(r.points for r in results) == 0
    assert "Hint:" in widget.output.value and "create-user" in widget.output.value
    users_done_right(lab)
    widget.button.click()
    assert all(r.passed for r in widget.results)
    assert "All checks pass" in widget.output.value


def test_attached_notebooks_are_told_the_grader_checks(lab: labkit.Lab) -> None:
    attached = labkit.Lab(lab.endpoint_url, admin_token=None)
    widget = check_my_work("users", attached)
    assert widget.check() == []
    assert "grader" in widget.output.value


def test_a_restarted_kernel_is_told_to_run_from_the_top(monkeypatch) -> None:  # noqa: ANN001
    from labkit import sandbox

    monkeypatch.setattr(sandbox, "_lab", None)  # as in a fresh kernel: nothing started yet
    monkeypatch.delenv("LABKIT_ATTACH", raising=False)
    widget = check_my_work("mfa")
    assert widget.check() == []
    assert "No sandbox is running" in widget.output.value
    assert sandbox._lab is None  # it did not start an empty account to check
