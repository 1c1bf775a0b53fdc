"""The root exercise (chapter 04): the right answer as steps, and wrong answers that change one step."""

from __future__ import annotations

import json
from collections.abc import Callable

import labkit

from . import WrongAnswer
from .capstone import (
    ADMIN,
    Work,
    handover,
    password_policy,
    root_app,
    root_keeps_working,
    root_key,
    solve_steps,
)
from .common import MFA_OR_NOTHING, enable_app, keys_of


def console_users(w: Work) -> None:
    enable_app(w.iam, "carol-finance")


def warden(w: Work, through_group: bool = True, house_rule: bool = True) -> None:
    iam = w.iam
    iam.create_user(UserName="warden")
    if through_group:
        iam.create_group(GroupName="castle-admins")
        iam.attach_group_policy(GroupName="castle-admins", PolicyArn=ADMIN)
        if house_rule:
            iam.put_group_policy(GroupName="castle-admins", PolicyName="mfa-or-nothing",
                                 PolicyDocument=json.dumps(MFA_OR_NOTHING))
        iam.add_user_to_group(GroupName="castle-admins", UserName="warden")
    else:
        iam.attach_user_policy(UserName="warden", PolicyArn=ADMIN)
    iam.create_login_profile(UserName="warden", Password="Vault-Keeper-Lantern-42!")
    w.warden_phone = enable_app(iam, "warden")
    w.warden_keys = keys_of(iam, "warden")


STEPS: dict[str, Callable[[Work], None]] = {
    "root-key": root_key, "password-policy": password_policy, "console-users": console_users,
    "warden": warden, "handover": handover,
}


def solve(lab: labkit.Lab, **instead: Callable[[Work], None] | None) -> Work:
    """Every step of the root exercise's right answer; ``instead`` replaces a step (None leaves it out)."""
    return solve_steps(lab, STEPS, instead)


def _short_policy(w: Work) -> None:
    w.iam.update_account_password_policy(MinimumPasswordLength=8, PasswordReusePrevention=24)


def _deactivated_only(w: Work) -> None:
    assert w.warden_keys and w.warden_phone
    session = w.lab.client("sts", credentials=w.warden_keys).get_session_token(
        SerialNumber=f"arn:aws:iam::{w.lab.account_id}:mfa/warden", TokenCode=w.warden_phone.code())
    w.lab.use(labkit.Credentials.from_response(session["Credentials"]))
    root_iam = w.lab.client("iam", credentials=w.lab.root)
    for key in root_iam.list_access_keys()["AccessKeyMetadata"]:
        root_iam.update_access_key(AccessKeyId=key["AccessKeyId"], Status="Inactive")


WRONG = [
    WrongAnswer("root-app-device", "root's MFA is an authenticator app (the path chapter 04 does not take)",
                lambda lab: solve(lab, root_key=root_app), {"root-hardware-mfa": "virtual (app) device"}),
    WrongAnswer("no-root-mfa", "partial work: root never gets MFA",
                lambda lab: solve(lab, root_key=None), {"root-mfa": "assign an MFA device"}),
    WrongAnswer("short-passwords", "a password policy of 8 characters",
                lambda lab: solve(lab, password_policy=_short_policy),
                {"password-length": "minimum length is 8"}),
    WrongAnswer("carol-without-mfa", "the credential report's console user without MFA left as she was",
                lambda lab: solve(lab, console_users=None), {"console-users-mfa": "carol-finance"}),
    WrongAnswer("admin-attached-directly", "AdministratorAccess attached to the warden, no group",
                lambda lab: solve(lab, warden=lambda w: warden(w, through_group=False)),
                {"admin-user": "no user gets AdministratorAccess through a group"}),
    WrongAnswer("admin-key-without-mfa", "the admins' group without the deny-unless-MFA policy",
                lambda lab: solve(lab, warden=lambda w: warden(w, house_rule=False)),
                {"admin-user": "works without MFA"}),
    WrongAnswer("root-keeps-working", "root creates a user after the warden took over",
                lambda lab: solve(lab, handover=root_keeps_working("apprentice")),
                {"root-not-used": "CreateUser"}),
    WrongAnswer("root-key-deactivated", "root's key made inactive instead of deleted",
                lambda lab: solve(lab, handover=_deactivated_only),
                {"no-root-access-keys": "root still has an access key"}),
]
