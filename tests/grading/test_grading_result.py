"""A grading row is a typed GradeResult on the way in and reads back the same on the way out."""

from __future__ import annotations

import pytest

from labkit.grading.gradebook import STATUSES
from labkit.grading.result import GradeResult


def test_a_row_reads_back_as_it_was_written() -> None:
    ran = GradeResult("ana", "users", "a" * 64, "graded", score=3, max_score=5, detail="", seconds=1.5,
                      cells_run=4, cells_total=4, output_bytes=120,
                      checks=[{"id": "alice", "passed": True}, {"id": "bob", "passed": False}])
    entry = ran.as_entry()
    assert "internal" not in entry and "trace" not in entry and entry["output_bytes"] == 120
    signed = {**entry, "key": "k", "signature": "s", "late_days": 0}  # what the gradebook adds
    assert GradeResult.from_entry(signed) == ran
    assert ran.passed_checks == ["alice"]


def test_the_runs_own_rows_keep_their_shape() -> None:
    invalid = GradeResult.invalid("bo", "", "b" * 64, 0, "it is not a notebook").as_entry()
    assert invalid == {"student": "bo", "assignment": "", "sha256": "b" * 64, "status": "invalid", "score": 0,
                       "max_score": 0, "detail": "it is not a notebook", "seconds": 0.0, "cells_run": 0,
                       "cells_total": 0, "cell_errors": [], "checks": []}
    lost = GradeResult.unfinished("cy", "mfa", "c" * 64, "grader-error", 9, "the worker was lost, twice", 7)
    assert (lost.status, lost.cells_total, lost.score, lost.max_score) == ("grader-error", 7, 0, 9)


def test_an_unknown_status_is_refused_and_every_known_one_is_explained() -> None:
    from labkit.grading.reports import STATUS_TEXT

    assert set(STATUS_TEXT) == set(STATUSES)  # a new status says on the feedback page what it means
    with pytest.raises(ValueError, match="unknown grading status 'done'"):
        GradeResult("ana", "users", "a" * 64, "done")  # type: ignore[arg-type]
