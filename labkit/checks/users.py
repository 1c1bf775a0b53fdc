"""Checks for the ``users`` exercise (chapter 02: permanent residents, and a role for the build job).

* Alice (``alice-developer``) has a console password she must change at her
  first sign-in, and she is *allowed* to change it (the check tries
  ``iam:ChangePassword`` as her, with a wrong old password, which changes nothing);
* the build job uses a **role** through OIDC federation: the check asks the
  sandbox's CI issuer for tokens and tries ``AssumeRoleWithWebIdentity`` on the
  role ``castle-build`` — a job of ``castle-co/app`` on ``main`` must get in, a
  job of another repository or another branch must not;
* the build job really ran: the activity log shows an
  ``AssumeRoleWithWebIdentity`` of ``castle-build`` (the learner's, not the check's);
* Alice was tried and refused: the activity log shows a call signed as her that
  AWS answered with ``AccessDenied``;
* Alice can do nothing yet: the check *tries* two harmless read calls signed as
  her (with a temporary key it deletes again) and expects both denied.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from . import Assignment, Check
from ._account import TemporaryKey, activity, allowed, login_profile, probe_client, user

if TYPE_CHECKING:
    from ..sandbox import Lab

ALICE = "alice-developer"
ROLE = "castle-build"
REPOSITORY, BRANCH = "castle-co/app", "refs/heads/main"


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


def _assume(lab: Lab, token: str) -> bool:
    role_arn = f"arn:aws:iam::{lab.account_id}:role/{ROLE}"
    try:
        probe_client(lab, "sts").assume_role_with_web_identity(
            RoleArn=role_arn, RoleSessionName="labkit-check", WebIdentityToken=token)
        return True
    except ClientError:
        return False


def build_role_trusts_only_main(lab: Lab) -> tuple[bool, str]:
    """Passes when castle-co/app on main may assume the role, and another repository or branch may not."""
    if not _assume(lab, lab.ci_token(repository=REPOSITORY, ref=BRANCH)):
        return False, (f"a job of {REPOSITORY} on main cannot assume the role {ROLE} (is there an "
                       "OIDC provider for token.actions.githubusercontent.com, and does the trust "
                       "policy name it?)")
    if _assume(lab, lab.ci_token(repository="mordred/castle-fork", ref=BRANCH)):
        return False, "a job of ANY repository may assume the role: add a condition on the token's sub claim"
    if _assume(lab, lab.ci_token(repository=REPOSITORY, ref="refs/heads/untested-feature")):
        return False, "a job on any branch may assume the role: the sub condition should name refs/heads/main"
    if _assume(lab, lab.ci_token(repository=REPOSITORY, ref=BRANCH, audience="https://example.com")):
        return False, "a token meant for another audience is accepted: check aud too"
    return True, f"only {REPOSITORY} on main gets in"


def build_job_ran(lab: Lab) -> tuple[bool, str]:
    """Passes when the activity log shows the learner's job as the role: its
    AssumeRoleWithWebIdentity, or a call made with the role session's credentials."""
    for e in activity(lab):
        params = e.get("requestParameters") or {}
        assumed = (e.get("eventName") == "AssumeRoleWithWebIdentity" and not e.get("errorCode")
                   and f":role/{ROLE}" in str(params.get("roleArn", "")))
        identity = e.get("userIdentity") or {}
        as_role = (identity.get("type") == "AssumedRole"
                   and f":assumed-role/{ROLE}/" in str(identity.get("arn", "")))
        if assumed or as_role:
            return True, f"the build job worked as {ROLE} ({e.get('eventName')})"
    return False, f"nobody assumed {ROLE} with a CI token yet (assume-role-with-web-identity)"


def alice_was_refused(lab: Lab) -> tuple[bool, str]:
    """Passes when the activity log shows a call signed as Alice that AWS refused with AccessDenied."""
    refused = [e for e in activity(lab, username=ALICE) if e.get("errorCode") == "AccessDenied"]
    if not refused:
        return False, "no call signed as Alice was refused yet: try one with her access key"
    return True, f"she tried {refused[0]['eventName']} and AWS said AccessDenied"


def alice_can_do_nothing_yet(lab: Lab) -> tuple[bool, str]:
    """Passes when calls signed as Alice are denied (she has no permissions)."""
    if user(lab, ALICE) is None:
        return False, f"no user named {ALICE}"
    with TemporaryKey(lab, ALICE) as keys:
        tried = {
            "iam:ListUsers": allowed(lab, keys, "iam", "list_users"),
            "s3:ListAllMyBuckets": allowed(lab, keys, "s3", "list_buckets"),
        }
    granted = [action for action, ok in tried.items() if ok]
    return not granted, "every call was denied" if not granted else "she may already: " + ", ".join(granted)


ASSIGNMENT = Assignment(
    id="users",
    title="Permanent residents: IAM users (and a role for the build job)",
    scenario="new-account",
    checks=(
        Check("alice-exists", 1, f"The user {ALICE} exists",
              "Create her with aws iam create-user (or iam.create_user in boto3)", alice_exists),
        Check("alice-reset-required", 2, f"{ALICE} has a temporary console password she must change",
              "A console password is a 'login profile'; look at the options of "
              "aws iam create-login-profile help (or update-login-profile if she has one)",
              alice_must_reset),
        Check("alice-may-change-password", 1, f"{ALICE} is allowed to change her password",
              "Changing a password needs iam:ChangePassword: attach the AWS managed policy "
              "IAMUserChangePassword to her (or let all users change theirs in the password policy)",
              alice_may_change_password),
        Check("build-role-trust", 3, f"The build job's role {ROLE} trusts only {REPOSITORY} on main",
              "create-open-id-connect-provider for https://token.actions.githubusercontent.com "
              "(audience sts.amazonaws.com), then a role whose trust policy names that provider, "
              "allows sts:AssumeRoleWithWebIdentity and has conditions on the token's aud and sub",
              build_role_trusts_only_main),
        Check("build-job-ran", 1, f"The build job assumed {ROLE} with a CI token",
              "sts assume-role-with-web-identity with WebIdentityToken=lab.ci_token(...)", build_job_ran),
        Check("alice-tried", 1, f"{ALICE} tried a call and was refused",
              "Give her an access key and call list-users signed as her", alice_was_refused),
        Check("alice-no-permissions", 1, f"{ALICE} cannot do anything yet (least privilege)",
              "New users start with no permissions: give her no policy beyond IAMUserChangePassword "
              "and add her to no group",
              alice_can_do_nothing_yet),
    ),
)
