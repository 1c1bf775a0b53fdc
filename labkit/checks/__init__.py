"""Checks: what each exercise asks for, as facts about your sandbox account.

Every check reads the account through the AWS API (with auditor credentials
that leave no trace) — never your printed output, never your code. So the
only way to pass is to make the account right::

    from labkit.checks import run_checks
    for result in run_checks("users", lab):
        print(result.passed, result.description, result.hint)

Assignments: ``users``, ``mfa``, ``root``, ``least-privilege``, ``capstone``, ``identity-center``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .model import Assignment, Check, CheckResult, once_per_run, run_cache

if TYPE_CHECKING:
    from ..sandbox import Lab

__all__ = ["Check", "Assignment", "CheckResult", "ASSIGNMENTS", "get_assignment", "run_checks", "report",
           "once_per_run"]


def _registry() -> dict[str, Assignment]:
    from . import capstone, identity_center, least_privilege, mfa, root, users

    return {a.id: a for a in (users.ASSIGNMENT, mfa.ASSIGNMENT, root.ASSIGNMENT, least_privilege.ASSIGNMENT,
                              capstone.ASSIGNMENT, identity_center.ASSIGNMENT)}


ASSIGNMENTS: dict[str, Assignment] = _registry()


def get_assignment(assignment_id: str) -> Assignment:
    """The assignment called ``assignment_id`` (ValueError names the known ones)."""
    try:
        return ASSIGNMENTS[assignment_id]
    except KeyError:
        known = ", ".join(sorted(ASSIGNMENTS))
        raise ValueError(f"Unknown assignment {assignment_id!r}; known assignments: {known}") from None


def run_checks(assignment_id: str, lab: Lab) -> list[CheckResult]:
    """Run every check of an assignment against ``lab``, in order.

    Each check reads the account with ``lab.auditor()`` credentials. A check
    that raises counts as failed (with the error in ``detail``); only an
    unknown ``assignment_id`` raises (ValueError).
    """
    from ._account import CannotProbe

    checks = get_assignment(assignment_id).checks
    token = run_cache.set({})
    try:
        return _run(checks, lab, CannotProbe)
    finally:
        run_cache.reset(token)


def _run(checks: tuple[Check, ...], lab: Lab, cannot_probe: type[Exception]) -> list[CheckResult]:
    results = []
    for check in checks:
        try:
            outcome = check.test(lab)
            passed, detail = outcome if isinstance(outcome, tuple) else (bool(outcome), "")
        except cannot_probe as exc:  # the account is in a state the check cannot try: say what to do
            passed, detail = False, str(exc)
        except Exception as exc:  # a broken account state is a failed check, not a crash
            passed, detail = False, f"{type(exc).__name__}: {exc}"
        results.append(CheckResult(check.id, check.description, check.points if passed else 0,
                                   check.points, bool(passed), check.hint, detail))
    return results


def report(assignment_id: str, lab: Lab) -> str:
    """The check results as printable text: ``print(report("users", lab))``."""
    results = run_checks(assignment_id, lab)
    total = sum(r.points for r in results)
    top = sum(r.max_points for r in results)
    lines = [f"{get_assignment(assignment_id).title}: {total}/{top} points"]
    for r in results:
        lines.append(f"  {'PASS' if r.passed else 'FAIL'} [{r.points}/{r.max_points}] {r.description}")
        if not r.passed:
            lines.append(f"        hint: {r.hint}" + (f" ({r.detail})" if r.detail else ""))
    return "\n".join(lines)
