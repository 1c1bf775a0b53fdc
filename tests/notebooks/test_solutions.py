"""Solutions earn full marks, released exercises score 0 — graded as the grader does it.

Each notebook runs in a fresh kernel *attached* to a sandbox owned by this test
process (the kernel gets only the endpoint and credentials); the checks then
run here, outside the kernel.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

import labkit
from labkit.checks import ASSIGNMENTS, get_assignment, run_checks
from tests.support.attached_run import errors, run_attached

ROOT = Path(__file__).resolve().parents[2]


def _run_attached(lab: labkit.Lab, path: Path, scenario: str) -> nbformat.NotebookNode:
    return run_attached(lab, nbformat.read(path, as_version=4), scenario, path.parent)


def _errors(nb: nbformat.NotebookNode) -> list[str]:
    return errors(nb)


def test_every_assignment_has_a_solution_and_an_exercise() -> None:
    assert {p.stem for p in (ROOT / "solutions").glob("*.ipynb")} == set(ASSIGNMENTS)
    assert {p.stem for p in (ROOT / "exercises").glob("*.ipynb")} == set(ASSIGNMENTS)


@pytest.mark.notebooks
@pytest.mark.parametrize("assignment_id", sorted(ASSIGNMENTS))
def test_solution_earns_full_marks(session_lab: labkit.Lab, assignment_id: str) -> None:
    assignment = get_assignment(assignment_id)
    nb = _run_attached(session_lab, ROOT / "solutions" / f"{assignment_id}.ipynb", assignment.scenario)
    assert _errors(nb) == []
    results = run_checks(assignment_id, session_lab)
    failed = [(r.id, r.detail) for r in results if not r.passed]
    assert failed == []
    assert sum(r.points for r in results) == assignment.max_score


@pytest.mark.notebooks
@pytest.mark.parametrize("assignment_id", sorted(ASSIGNMENTS))
def test_released_exercise_scores_zero(session_lab: labkit.Lab, assignment_id: str) -> None:
    assignment = get_assignment(assignment_id)
    nb = _run_attached(session_lab, ROOT / "exercises" / f"{assignment_id}.ipynb", assignment.scenario)
    assert any("NotImplementedError" in e for e in _errors(nb))
    results = run_checks(assignment_id, session_lab)
    assert sum(r.points for r in results) == 0, [(r.id, r.detail) for r in results if r.passed]


def test_checks_never_change_what_they_check(session_lab: labkit.Lab) -> None:
    """Probing permissions leaves no keys behind and no trace in the credential report."""
    session_lab.reset()
    iam = session_lab.client("iam")
    iam.create_user(UserName="alice-developer")
    before = iam.list_access_keys(UserName="alice-developer")["AccessKeyMetadata"]
    run_checks("users", session_lab)
    run_checks("least-privilege", session_lab)
    assert iam.list_access_keys(UserName="alice-developer")["AccessKeyMetadata"] == before
