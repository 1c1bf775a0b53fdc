"""The wrong answers, handed in: one per exercise goes through a real ``labkit grade`` run.

``test_wrong_answers.py`` applies each wrong answer in-process; this proves the same feedback
reaches a student through the grader (jailed kernels, the report and each student's feedback
page). One run grades all seven submissions: six are the official solution with one mistake
typed into it, as a student would hand it in; the seventh is the identity-center solution as it
is (its person signs in through IAM Identity Center from inside the jail).
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import nbformat
import pytest

from labkit.checks import get_assignment
from labkit.grading.gradebook import feedback_name
from tests.support.grader import labkit_grade

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.notebooks, pytest.mark.grading_run]

# exercise -> (text in its solution, what the student typed instead, check that fails, words it says)
MISTAKES: dict[str, tuple[str, str, str, str]] = {
    "users": (" --password-reset-required", "", "alice-reset-required", "does not have to be changed"),
    "mfa": ("device = alice_iam.create_virtual_mfa_device", "device = iam.create_virtual_mfa_device",
            "alice-enrolled-herself", "not by Alice"),
    "root": ('vault_key = labkit.SecurityKey("castle vault key")\n'
             'root_console.register_passkey(vault_key, name="castle-vault-key")',
             'setup = root_console.create_root_mfa_device(name="vault-app")\n'
             "root_console.activate_root_mfa_device(*labkit.Authenticator(setup.seed).pair())",
             "root-hardware-mfa", "virtual (app) device"),
    "least-privilege": ('PolicyName="armory-reader", PolicyDocument=read_only("castle-armory"))',
                        'PolicyName="armory-reader", PolicyDocument=read_only("castle-armory"))\n'
                        'iam.attach_user_policy(UserName="knight", '
                        'PolicyArn="arn:aws:iam::aws:policy/IAMFullAccess")',
                        "knight-nothing-more", "iam:*"),
    "capstone": ('iam.delete_login_profile(UserName="dave-intern")', "pass",
                 "stale-credentials", "dave-intern"),
    "identity-center": ("--principal-type GROUP --principal-id {group_id}",
                        "--principal-type USER --principal-id {bo_id}", "through-group", "assigned directly"),
}


def _handed_in(exercise: str) -> nbformat.NotebookNode:
    """The solution with the exercise's mistake typed into the one cell that holds the right text."""
    right, wrong, _, _ = MISTAKES[exercise]
    nb = nbformat.read(ROOT / "solutions" / f"{exercise}.ipynb", as_version=4)
    cells = [c for c in nb.cells if c.cell_type == "code" and right in c.source]
    assert len(cells) == 1, exercise
    cells[0].source = cells[0].source.replace(right, wrong)
    return nb


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    base = tmp_path_factory.mktemp("wrong-handed-in")
    subs, out = base / "submissions", base / "grades"
    subs.mkdir()
    for exercise in MISTAKES:
        nbformat.write(_handed_in(exercise), subs / f"{exercise}-student.ipynb")
    # and one right answer whose person signs in through IAM Identity Center from the jail
    nbformat.write(nbformat.read(ROOT / "solutions" / "identity-center.ipynb", as_version=4),
                   subs / "identity-center-right.ipynb")
    proc = labkit_grade(str(subs), "--out", str(out), tmp=base)
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = {e["student"]: e for e in json.loads((out / "results.json").read_text())["submissions"]}
    return {"out": out, "results": results}


@pytest.mark.parametrize("exercise", sorted(MISTAKES))
def test_a_handed_in_mistake_loses_points_and_its_feedback_names_it(graded: dict[str, Any],
                                                                    exercise: str) -> None:
    _, _, check_id, words = MISTAKES[exercise]
    entry = graded["results"][f"{exercise}-student"]
    assert entry["assignment"] == exercise and entry["status"] == "graded", entry
    assert int(entry["score"]) < get_assignment(exercise).max_score
    page = html.unescape((graded["out"] / "feedback" / feedback_name(f"{exercise}-student")).read_text())
    assert words in page, (check_id, page[-3000:])
    graded["seen"] = graded.get("seen", {}) | {exercise: (entry["score"], entry["max_score"])}


def test_a_jailed_kernel_signs_in_through_identity_center(graded: dict[str, Any]) -> None:
    """The solution's person signs in at the access portal and from the CLI inside the jail (the
    portal's bearer-token header crosses the jail's socket): full marks."""
    entry = graded["results"]["identity-center-right"]
    assert entry["status"] == "graded" and entry["cell_errors"] == [], entry
    assert int(entry["score"]) == get_assignment("identity-center").max_score, entry["checks"]
