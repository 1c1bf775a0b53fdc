"""Every task of every exercise counts: leave any one answer out and the score drops.

For each assignment, each solution cell in turn is replaced by its released exercise version
(``# YOUR CODE HERE`` / ``raise NotImplementedError()``), the notebook runs as the grader runs
it, and the checks grade the account. The score must fall below full every time. (A fully
blank notebook scoring 0 is ``test_solutions.py::test_released_exercise_scores_zero``.)

One kernel per assignment serves all of its cases (attached to this process's sandbox, which
each case resets): a first cell clears the kernel's names and forgets the attached sandbox, so
every run starts as a fresh kernel would, without paying for a kernel's start each time.
"""

from __future__ import annotations

import copy
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient

import labkit
from labkit.checks import ASSIGNMENTS, get_assignment, run_checks

ROOT = Path(__file__).resolve().parents[2]
BEGIN = "### BEGIN SOLUTION"

pytestmark = pytest.mark.notebooks


def _tasks(assignment_id: str) -> list[int]:
    solution = nbformat.read(ROOT / "solutions" / f"{assignment_id}.ipynb", as_version=4)
    return [i for i, cell in enumerate(solution.cells) if cell.cell_type == "code" and BEGIN in cell.source]


CASES = [(a, i) for a in sorted(ASSIGNMENTS) for i in _tasks(a)]


def _with_one_task_blank(assignment_id: str, index: int) -> nbformat.NotebookNode:
    solution = nbformat.read(ROOT / "solutions" / f"{assignment_id}.ipynb", as_version=4)
    exercise = nbformat.read(ROOT / "exercises" / f"{assignment_id}.ipynb", as_version=4)
    blanked = copy.deepcopy(solution)
    assert BEGIN not in exercise.cells[index].source
    blanked.cells[index].source = exercise.cells[index].source
    return blanked


def test_every_assignment_has_several_tasks() -> None:
    for assignment_id in ASSIGNMENTS:
        assert len(_tasks(assignment_id)) >= 3, assignment_id


FRESH_START = """%reset -f
import labkit.sandbox
labkit.sandbox.forget_running_lab()  # labkit.start() attaches again, with root as the caller"""


@pytest.fixture(scope="module")
def kernels(session_lab: labkit.Lab) -> Iterator[dict[str, KernelManager]]:
    """Started on first use, one per assignment, attached to the session's sandbox."""
    started: dict[str, KernelManager] = {}
    yield started
    for km in started.values():
        km.shutdown_kernel(now=True)


def _run_in(kernels: dict[str, KernelManager], lab: labkit.Lab, assignment_id: str,
            nb: nbformat.NotebookNode) -> None:
    lab.reset(get_assignment(assignment_id).scenario)
    if assignment_id not in kernels:
        env = dict(os.environ, LABKIT_ATTACH=json.dumps(lab.attach_spec()), LABKIT_PROGRESS=os.path.join(
            tempfile.mkdtemp(prefix="labkit-answers-"), "answers.jsonl"))
        kernels[assignment_id] = km = KernelManager(kernel_name="python3")
        km.start_kernel(env=env, cwd=str(ROOT / "solutions"))
    nb.cells.insert(0, nbformat.v4.new_code_cell(FRESH_START))
    NotebookClient(nb, km=kernels[assignment_id], timeout=120, allow_errors=True).execute()


@pytest.mark.parametrize(("assignment_id", "index"), CASES, ids=[f"{a}-cell{i}" for a, i in CASES])
def test_leaving_out_a_task_loses_points(session_lab: labkit.Lab, kernels: dict[str, KernelManager],
                                         assignment_id: str, index: int) -> None:
    assignment = get_assignment(assignment_id)
    nb = _with_one_task_blank(assignment_id, index)
    _run_in(kernels, session_lab, assignment_id, nb)
    results = run_checks(assignment_id, session_lab)
    score = sum(r.points for r in results)
    assert score < assignment.max_score, (
        f"{assignment_id}: with cell {index} left blank the notebook still scores "
        f"{score}/{assignment.max_score}; no check notices that task")
