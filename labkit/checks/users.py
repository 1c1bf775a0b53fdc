"""Checks for the ``users`` exercise (chapter 02: permanent residents)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import Assignment, Check
from ._account import TemporaryKey, access_keys, allowed, login_profile, user

if TYPE_CHECKING:
    from ..sandbox import Lab

ALICE = "alice-developer"
BOT = "castle-build-bot"


def alice_exists(lab: Lab) -> tuple[bool, str]:
    return (user(lab, ALICE) is not None, "" if user(lab, ALICE) else f"no user named {ALICE}")


def alice_must_reset(lab: Lab) -> tuple[bool, str]:
    profile = login_profile(lab, ALICE)
    if profile is None:
        return False, f"{ALICE} has no console password (login profile)"
    return bool(profile.get("PasswordResetRequired")), "reset required" if profile.get(
        "PasswordResetRequired") else "her password does not have to be changed at first sign-in"


def bot_has_key_no_password(lab: Lab) -> tuple[bool, str]:
    if user(lab, BOT) is None:
        return False, f"no user named {BOT}"
    if login_profile(lab, BOT) is not None:
        return False, f"{BOT} has a console password; programs should not"
    active = [k for k in access_keys(lab, BOT) if k["Status"] == "Active"]
    return bool(active), f"{len(active)} active access key(s)"


def alice_can_do_nothing_yet(lab: Lab) -> tuple[bool, str]:
    if user(lab, ALICE) is None:
        return False, f"no user named {ALICE}"
    with TemporaryKey(lab, ALICE) as keys:
        tried = {
            "iam:ListUsers": allowed(lab, keys, lambda s: s.client("iam").list_users()),
            "s3:ListAllMyBuckets": allowed(lab, keys, lambda s: s.client("s3").list_buckets()),
        }
    granted = [action for action, ok in tried.items() if ok]
    return not granted, "all denied" if not granted else "she may already: " + ", ".join(granted)


ASSIGNMENT = Assignment(
    id="users",
    title="Permanent residents: IAM users",
    scenario="new-account",
    checks=(
        Check("alice-exists", 2, f"The user {ALICE} exists",
              f"Create her: aws iam create-user --user-name {ALICE}", alice_exists),
        Check("alice-reset-required", 3, f"{ALICE} has a temporary console password she must change",
              "aws iam create-login-profile ... --password-reset-required", alice_must_reset),
        Check("bot-key-only", 3, f"{BOT} has an access key and no console password",
              "Programs get access keys (aws iam create-access-key), never a login profile",
              bot_has_key_no_password),
        Check("alice-no-permissions", 2, f"{ALICE} cannot do anything yet (least privilege)",
              "Do not attach policies to her yet: new users start with no permissions",
              alice_can_do_nothing_yet),
    ),
)
