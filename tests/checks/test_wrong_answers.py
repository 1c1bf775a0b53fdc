"""Checks that cannot be fooled: every plausible wrong answer loses points, and says which mistake it saw.

The corpora live in ``tests/support/wrong_answers/<exercise>.py`` (data: the mistake, how to make it,
the words each failing check's feedback must contain). Each answer is applied in-process to the
session's sandbox (reset to the exercise's scenario) and the checks run directly — no kernel.
``test_solutions.py`` and ``test_grading.py`` cover the path through notebooks and ``labkit grade``.
"""

from __future__ import annotations

import pytest

import labkit
from labkit.checks import get_assignment, run_checks
from tests.support.transports import start_lab
from tests.support.wrong_answers import (
    WrongAnswer,
    capstone,
    identity_center,
    least_privilege,
    mfa,
    root,
    users,
)

CORPORA = {"users": users, "mfa": mfa, "root": root, "least-privilege": least_privilege, "capstone": capstone,
           "identity-center": identity_center}
CASES = [(a, w) for a, module in CORPORA.items() for w in module.WRONG]


@pytest.fixture
def fresh(_labs: dict[str, labkit.Lab]):  # noqa: ANN201 - the lab, reset per case by the test
    """The in-process sandbox: the checks read the account the same way on either transport, and
    without HTTP the 58 cases take about a fifth less time (the server's path: test_solutions.py)."""
    if "in_process" not in _labs:
        _labs["in_process"] = start_lab("in_process")
    yield _labs["in_process"]
    _labs["in_process"].use(None)
    _labs["server"].use(None)  # the process's environment (AWS_ENDPOINT_URL...) back on the server


def test_every_corpus_has_five_wrong_answers_or_more() -> None:
    assert {a: len(m.WRONG) >= 5 for a, m in CORPORA.items()} == dict.fromkeys(CORPORA, True)
    for module in CORPORA.values():
        assert len({w.id for w in module.WRONG}) == len(module.WRONG)


@pytest.mark.parametrize("assignment_id", sorted(CORPORA))
def test_the_right_answer_scores_full_marks(fresh: labkit.Lab, assignment_id: str) -> None:
    """The corpus's baseline is right, so each wrong answer's lost points are its mistake's."""
    fresh.reset(get_assignment(assignment_id).scenario)
    CORPORA[assignment_id].solve(fresh)
    assert [(r.id, r.detail) for r in run_checks(assignment_id, fresh) if not r.passed] == []


@pytest.mark.parametrize(("assignment_id", "wrong"), CASES, ids=[f"{a}-{w.id}" for a, w in CASES])
def test_a_wrong_answer_loses_points_and_names_the_mistake(fresh: labkit.Lab, assignment_id: str,
                                                           wrong: WrongAnswer) -> None:
    assignment = get_assignment(assignment_id)
    fresh.reset(assignment.scenario)
    wrong.apply(fresh)
    results = {r.id: r for r in run_checks(assignment_id, fresh)}
    assert sum(r.points for r in results.values()) < assignment.max_score, wrong.mistake
    for check_id, words in wrong.says.items():
        result = results[check_id]
        assert not result.passed, f"{check_id} passed: {result.detail}"
        assert words in result.detail, f"{check_id} said {result.detail!r}, not {words!r}"
