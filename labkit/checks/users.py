"""Checks for the ``users`` exercise (chapter 02: permanent residents).

* Alice (``alice-developer``) has a console password she must change at her
  first sign-in;
* the program user ``castle-build-bot`` has an access key and no password;
* Alice can do nothing yet: the check *tries* two harmless read calls signed
  as her (with a temporary key it deletes again) and expects both denied.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import Assignment, Check
from ._account import TemporaryKey, access_keys, allowed, login_profile, user

if TYPE_CHECKING:
    from ..sandbox import Lab

ALICE = "alice-developer"
BOT = "castle-build-bot"


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


def bot_has_key_no_password(lab: Lab) -> tuple[bool, str]:
    """Passes when the build bot has an active access key and no console password."""
    if user(lab, BOT) is None:
        return False, f"no user named {BOT}"
    if login_profile(lab, BOT) is not None:
        return False, f"{BOT} has a console password; programs should not"
    active = [k for k in access_keys(lab, BOT) if k["Status"] == "Active"]
    return bool(active), f"{len(active)} active access key(s)"


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
    title="Permanent residents: IAM users",
    scenario="new-account",
    checks=(
        Check("alice-exists", 2, f"The user {ALICE} exists",
              "Create her with aws iam create-user (or iam.create_user in boto3)", alice_exists),
        Check("alice-reset-required", 3, f"{ALICE} has a temporary console password she must change",
              "A console password is a 'login profile'; look at the options of "
              "aws iam create-login-profile help (or update-login-profile if she has one)",
              alice_must_reset),
        Check("bot-key-only", 3, f"{BOT} has an access key and no console password",
              "Programs get access keys (aws iam create-access-key), never a login profile",
              bot_has_key_no_password),
        Check("alice-no-permissions", 2, f"{ALICE} cannot do anything yet (least privilege)",
              "New users start with no permissions: attach no policy to her and add her to no group",
              alice_can_do_nothing_yet),
    ),
)
