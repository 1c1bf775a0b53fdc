"""Checks for the ``root`` exercise (chapter 04: lock the master key away).

Most checks are rows of the scorecard (:mod:`labkit.checks.scorecard`). The administrator
check follows current practice: permissions through a group, a console password with MFA, and
no long-term key that works without MFA — the check tries a temporary key of the administrator
(deleted again) and expects an explicit deny.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from ._account import TemporaryKey, iam, login_profile, mfa_devices, probe_client
from .model import Assignment, Check, once_per_run
from .scorecard import scorecard

if TYPE_CHECKING:
    from ..sandbox import Lab

ADMIN_POLICY = "arn:aws:iam::aws:policy/AdministratorAccess"


def scorecard_rows(*row_ids: str, cite: bool = False):  # noqa: ANN201 - returns a check function
    """A check that passes when every scorecard row ``row_ids`` passes; its detail is the failed
    rows' details (all rows' when none failed), each after ``CIS <number>:`` with ``cite=True``."""
    def test(lab: Lab) -> tuple[bool, str]:
        card = once_per_run("scorecard", lambda: scorecard(lab))
        rows = [card.row(r) for r in row_ids]
        failed = [r for r in rows if not r.passed]
        return not failed, "; ".join(f"CIS {r.cis}: {r.detail}" if cite else r.detail for r in failed or rows)

    return test



def admin_groups(lab: Lab, name: str) -> list[str]:
    """The groups of user ``name`` that carry AdministratorAccess."""
    groups = iam(lab).list_groups_for_user(UserName=name)["Groups"]
    return [g["GroupName"] for g in groups
            if ADMIN_POLICY in [p["PolicyArn"] for p in
                                iam(lab).list_attached_group_policies(GroupName=g["GroupName"])["AttachedPolicies"]]]


def _key_needs_mfa(lab: Lab, name: str) -> bool:
    with TemporaryKey(lab, name) as keys:
        try:
            probe_client(lab, "iam", keys).list_users()
            return False
        except ClientError as err:
            return "explicit deny" in err.response["Error"]["Message"]


def admin_for_daily_work(lab: Lab) -> tuple[bool, str]:
    """Passes when some IAM user gets AdministratorAccess through a group, has a console password
    and MFA, and whose access keys are explicitly denied without MFA."""
    reasons = []
    for u in iam(lab).list_users()["Users"]:
        name = u["UserName"]
        groups = admin_groups(lab, name)
        if not groups:
            continue
        if not (login_profile(lab, name) and mfa_devices(lab, name)):
            reasons.append(f"{name} needs a console password and MFA")
        elif not _key_needs_mfa(lab, name):
            reasons.append(f"{name}'s access key works without MFA "
                           f"(put a deny-unless-MFA policy on {groups[0]})")
        else:
            return True, f"{name} administers through {groups[0]}, with MFA, and a key useless without it"
    return False, "; ".join(reasons) or "no user gets AdministratorAccess through a group"


ASSIGNMENT = Assignment(
    id="root",
    title="The master key in the vault: root",
    scenario="inherited-account",
    checks=(
        Check("root-mfa", 2, "The root user has MFA",
              "Sign in as root in labkit.Console and register a security key "
              "(root_console.register_passkey(labkit.SecurityKey(...), name=...))",
              scorecard_rows("root-mfa")),
        Check("root-hardware-mfa", 1, "Root's MFA is a security key (hardware), not an app",
              "For the master key choose hardware, as chapter 04 does: register_passkey with a "
              "labkit.SecurityKey; an authenticator app leaves CIS 2.6 red",
              scorecard_rows("root-hardware-mfa")),
        Check("no-root-access-keys", 2, "The root user has no access keys",
              "Switch to an admin user first, then delete root's key with root's own credentials",
              scorecard_rows("no-root-access-keys")),
        Check("root-not-used", 1, "Root is not used for daily work (activity log)",
              "Once the administrator has taken over, use root only for its own credentials",
              scorecard_rows("root-not-used")),
        Check("password-length", 1, "Password policy: at least 14 characters",
              "aws iam update-account-password-policy --minimum-password-length 14 ...",
              scorecard_rows("password-length")),
        Check("password-reuse", 1, "Password policy: the last 24 passwords cannot be reused",
              "--password-reuse-prevention 24", scorecard_rows("password-reuse")),
        Check("console-users-mfa", 2, "Every user with a console password has MFA",
              "Look for mfa_active=false in the credential report", scorecard_rows("console-users-mfa")),
        Check("admin-user", 2,
              "An administrator for daily work: through a group, with MFA, no key without MFA",
              "A group with AdministratorAccess and MFA_OR_NOTHING; a user in it with a password and MFA",
              admin_for_daily_work),
    ),
)
