"""Checks for the ``users`` exercise (chapter 02: permanent residents).

* Alice (``alice-developer``) has a console password she must change at her
  first sign-in, and she is *allowed* to change it (the check tries
  ``iam:ChangePassword`` as her, with a wrong old password, which changes nothing);
* Alice was tried and refused: the activity log shows a call signed as her that
  AWS answered with ``AccessDenied``;
* Alice can do nothing yet: the check *tries* harmless read calls signed as her (with a
  temporary key it deletes again) and expects them denied, and reads every policy that reaches
  her (inline, attached, through groups): nothing but ``IAMUserChangePassword`` (or an inline
  policy allowing only ``iam:ChangePassword``/``iam:GetAccountPasswordPolicy``).

(The build job's role, through OIDC federation, needs policies first: it is a task of the
``capstone`` exercise.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from ._account import (
    TemporaryKey,
    activity,
    allowed,
    beyond_the_task,
    granted_statements,
    in_words,
    login_profile,
    probe_client,
    user,
)
from .model import Assignment, Check

if TYPE_CHECKING:
    from ..sandbox import Lab

ALICE = "alice-developer"
CHANGE_PASSWORD = "arn:aws:iam::aws:policy/IAMUserChangePassword"


def alice_exists(lab: Lab) -> tuple[bool, str]:
    """Passes when the IAM user ``alice-developer`` exists."""
    found = user(lab, ALICE)
    return found is not None, found["Arn"] if found else f"no user named {ALICE}"


def alice_must_reset(lab: Lab) -> tuple[bool, str]:
    """Passes when Alice has a login profile with ``PasswordResetRequired``."""
    if user(lab, ALICE) is None:
        return False, f"no user named {ALICE}"
    profile = login_profile(lab, ALICE)
    if profile is None:
        return False, f"{ALICE} has no console password (login profile)"
    if profile.get("PasswordResetRequired"):
        return True, "she must choose a new password at her first sign-in"
    return False, "her password does not have to be changed at her first sign-in"


def alice_may_change_password(lab: Lab) -> tuple[bool, str]:
    """Passes when a ChangePassword signed as Alice is not refused for lack of permission."""
    if user(lab, ALICE) is None:
        return False, f"no user named {ALICE}"
    with TemporaryKey(lab, ALICE) as keys:
        try:
            probe_client(lab, "iam", keys).change_password(
                OldPassword="not-her-password (labkit check)", NewPassword="Probe-Only-Never-Set-42!")
        except ClientError as err:
            if err.response["Error"]["Code"] in ("AccessDenied", "AccessDeniedException"):
                return False, "she may not call iam:ChangePassword, so she is locked out at her first sign-in"
    return True, "she may change her own password"


def alice_was_refused(lab: Lab) -> tuple[bool, str]:
    """Passes when the activity log shows a call signed as Alice that AWS refused with AccessDenied."""
    refused = [e for e in activity(lab, username=ALICE) if e.get("errorCode") == "AccessDenied"]
    if not refused:
        return False, "no call signed as Alice was refused yet: try one with her access key"
    return True, f"she tried {refused[0]['eventName']} and AWS said AccessDenied"


def alice_can_do_nothing_yet(lab: Lab) -> tuple[bool, str]:
    """Passes when calls signed as Alice are denied and no policy gives her more than
    changing her own password."""
    if user(lab, ALICE) is None:
        return False, f"no user named {ALICE}"
    with TemporaryKey(lab, ALICE) as keys:
        tried = {
            "iam:ListUsers": allowed(lab, keys, "iam", "list_users"),
            "s3:ListAllMyBuckets": allowed(lab, keys, "s3", "list_buckets"),
        }
    granted = [action for action, ok in tried.items() if ok]
    if granted:
        return False, "she may already: " + ", ".join(granted)
    own_password = (f"arn:aws:iam::{lab.account_id}:user/{ALICE}", "arn:aws:iam::*:user/${aws:username}",
                    "arn:aws:iam::*:user/*/${aws:username}")  # the forms AWS's IAMUserChangePassword uses
    extra = beyond_the_task(granted_statements(lab, ALICE), {
        "iam:ChangePassword": own_password, "iam:GetAccountPasswordPolicy": ("*",)})
    if extra:
        return False, f"she can also do {in_words(extra)}: that is more than a new user needs"
    return True, "every call was denied"


ASSIGNMENT = Assignment(
    id="users",
    title="Permanent residents: IAM users",
    scenario="new-account",
    checks=(
        Check("alice-exists", 1, f"The user {ALICE} exists",
              "Create her with aws iam create-user (or iam.create_user in boto3)", alice_exists),
        Check("alice-reset-required", 3, f"{ALICE} has a temporary console password she must change",
              "A console password is a 'login profile'; look at the options of "
              "aws iam create-login-profile help (or update-login-profile if she has one)",
              alice_must_reset),
        Check("alice-may-change-password", 2, f"{ALICE} is allowed to change her password",
              "Changing a password needs iam:ChangePassword: attach the AWS managed policy "
              "IAMUserChangePassword to her (or let all users change theirs in the password policy)",
              alice_may_change_password),
        Check("alice-tried", 2, f"{ALICE} tried a call and was refused",
              "Give her an access key and call list-users signed as her", alice_was_refused),
        Check("alice-no-permissions", 2, f"{ALICE} cannot do anything yet (least privilege)",
              "New users start with no permissions: give her no policy beyond IAMUserChangePassword "
              "and add her to no group",
              alice_can_do_nothing_yet),
    ),
)
