"""Checks for the ``root`` exercise (chapter 04: lock the master key away)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import Assignment, Check
from ._account import attached_policy_arns, iam, login_profile, mfa_devices
from .scorecard import scorecard

if TYPE_CHECKING:
    from ..sandbox import Lab

ADMIN_POLICY = "arn:aws:iam::aws:policy/AdministratorAccess"


def _row(check_id: str):  # noqa: ANN202 - returns a check function
    def test(lab: Lab) -> tuple[bool, str]:
        row = scorecard(lab).row(check_id)
        return row.passed, row.detail

    return test


def admin_for_daily_work(lab: Lab) -> tuple[bool, str]:
    """Passes when some IAM user has AdministratorAccess, a console password and MFA."""
    for u in iam(lab).list_users()["Users"]:
        name = u["UserName"]
        admin = ADMIN_POLICY in attached_policy_arns(lab, name)
        if admin and login_profile(lab, name) and mfa_devices(lab, name):
            return True, f"{name} is an administrator with a password and MFA"
    return False, "no user has AdministratorAccess, a console password and MFA"


ASSIGNMENT = Assignment(
    id="root",
    title="The master key in the vault: root",
    scenario="inherited-account",
    checks=(
        Check("root-mfa", 2, "The root user has MFA",
              "Sign in as root in labkit.Console and assign a virtual MFA device", _row("root-mfa")),
        Check("no-root-access-keys", 2, "The root user has no access keys",
              "Switch to an admin user first, then delete root's key with root's own credentials",
              _row("no-root-access-keys")),
        Check("root-not-used", 1, "Root is not used for daily work",
              "After setting up root's MFA, do everything else as an IAM user", _row("root-not-used")),
        Check("password-length", 1, "Password policy: at least 14 characters",
              "aws iam update-account-password-policy --minimum-password-length 14 ...",
              _row("password-length")),
        Check("password-reuse", 1, "Password policy: the last 24 passwords cannot be reused",
              "--password-reuse-prevention 24", _row("password-reuse")),
        Check("console-users-mfa", 2, "Every user with a console password has MFA",
              "Look for mfa_active=false in the credential report", _row("console-users-mfa")),
        Check("admin-user", 1, "An administrator IAM user with MFA exists for daily work",
              "Create a user, attach AdministratorAccess, give it a password and MFA",
              admin_for_daily_work),
    ),
)
