"""The users exercise (chapter 02): the right answer, and what a learner plausibly does instead."""

from __future__ import annotations

from botocore.exceptions import ClientError

import labkit

from . import WrongAnswer
from .common import keys_of, policy

ALICE = "alice-developer"
CHANGE = "arn:aws:iam::aws:policy/IAMUserChangePassword"


def solve(lab: labkit.Lab, *, reset_required: bool = True, may_change: bool = True, tries: bool = True,
          name: str = ALICE) -> None:
    """The exercise's tasks; the flags leave out one part of them."""
    iam = lab.client("iam")
    iam.create_user(UserName=name)
    iam.create_login_profile(UserName=name, Password="TempPassword123!", PasswordResetRequired=reset_required)
    if may_change:
        iam.attach_user_policy(UserName=name, PolicyArn=CHANGE)
    if tries:
        try:
            lab.client("iam", credentials=keys_of(iam, name)).list_users()
        except ClientError:
            pass


def _tries_as_root(lab: labkit.Lab) -> None:
    solve(lab, tries=False)
    lab.client("iam").list_users()  # the right call, by the wrong identity: root may


def _admin_for_alice(lab: labkit.Lab) -> None:
    solve(lab)
    lab.client("iam").attach_user_policy(UserName=ALICE,
                                         PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")


def _inline_iam_star(lab: labkit.Lab) -> None:
    solve(lab)
    lab.client("iam").put_user_policy(UserName=ALICE, PolicyName="self-service",
                                      PolicyDocument=policy(("iam:*", "*")))


def _group_with_read_only(lab: labkit.Lab) -> None:
    solve(lab)
    iam = lab.client("iam")
    iam.create_group(GroupName="developers")
    iam.attach_group_policy(GroupName="developers",
                            PolicyArn="arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
    iam.add_user_to_group(GroupName="developers", UserName=ALICE)


WRONG = [
    WrongAnswer("no-reset-required", "forgot --password-reset-required",
                lambda lab: solve(lab, reset_required=False),
                {"alice-reset-required": "does not have to be changed"}),
    WrongAnswer("locked-out", "reset required but she may not change her password (chapter 02's lockout)",
                lambda lab: solve(lab, may_change=False), {"alice-may-change-password": "locked out"}),
    WrongAnswer("tried-as-root", "the refused call made with root's key instead of Alice's",
                _tries_as_root, {"alice-tried": "no call signed as Alice was refused"}),
    WrongAnswer("never-tried", "partial work: Alice never tries anything",
                lambda lab: solve(lab, tries=False), {"alice-tried": "no call signed as Alice was refused"}),
    WrongAnswer("admin-for-alice", "AdministratorAccess given to Alice \"so she can change her password\"",
                _admin_for_alice,
                {"alice-no-permissions": "she may already: iam:ListUsers, s3:ListAllMyBuckets"}),
    WrongAnswer("iam-star-inline", "an inline policy iam:* on * instead of IAMUserChangePassword",
                _inline_iam_star, {"alice-no-permissions": "she may already: iam:ListUsers"}),
    WrongAnswer("group-with-s3-read", "Alice put in a group that reads every bucket",
                _group_with_read_only, {"alice-no-permissions": "s3:ListAllMyBuckets"}),
    WrongAnswer("wrong-name", "the user is called alice, not alice-developer",
                lambda lab: solve(lab, name="alice"), {"alice-exists": "no user named alice-developer"}),
]
