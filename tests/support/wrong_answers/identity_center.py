"""The identity-center exercise (chapter 07): the right answer as steps, and wrong answers that
change one step (boto3 as the learner types it, against the organization scenario)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.exceptions import ClientError

import labkit

from . import WrongAnswer

DEVELOPER_INLINE = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::castle-artifacts/*"}]})
READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
EVERYTHING = json.dumps({"Version": "2012-10-17",
                         "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})


@dataclass
class Work:
    """What the learner holds between steps: the instance, the store, Bo, his group, the set."""

    lab: labkit.Lab
    instance_arn: str = ""
    store_id: str = ""
    user_id: str = ""
    group_id: str = ""
    permission_set_arn: str = ""

    @property
    def sso(self) -> Any:
        return self.lab.client("sso-admin")

    @property
    def store(self) -> Any:
        return self.lab.client("identitystore")

    def account(self, name: str) -> str:
        return next(a["Id"] for a in self.lab.client("organizations").list_accounts()["Accounts"]
                    if a["Name"] == name)


def person(w: Work) -> None:
    instance = w.sso.list_instances()["Instances"][0]
    w.instance_arn, w.store_id = instance["InstanceArn"], instance["IdentityStoreId"]
    w.user_id = w.store.create_user(
        IdentityStoreId=w.store_id, UserName="bo", DisplayName="Bo Lindqvist",
        Name={"GivenName": "Bo", "FamilyName": "Lindqvist"},
        Emails=[{"Value": "bo@castle.example", "Type": "work", "Primary": True}])["UserId"]


def group(w: Work) -> None:
    w.group_id = w.store.create_group(IdentityStoreId=w.store_id, DisplayName="castle-developers")["GroupId"]
    w.store.create_group_membership(IdentityStoreId=w.store_id, GroupId=w.group_id,
                                    MemberId={"UserId": w.user_id})


def permission_set(w: Work, managed: str = READ_ONLY, inline: str = DEVELOPER_INLINE) -> None:
    made = w.sso.create_permission_set(InstanceArn=w.instance_arn, Name="Developer", SessionDuration="PT4H")
    w.permission_set_arn = made["PermissionSet"]["PermissionSetArn"]
    where = {"InstanceArn": w.instance_arn, "PermissionSetArn": w.permission_set_arn}
    w.sso.attach_managed_policy_to_permission_set(**where, ManagedPolicyArn=managed)
    if inline:
        w.sso.put_inline_policy_to_permission_set(**where, InlinePolicy=inline)


def assign(w: Work, accounts: tuple[str, ...] = ("castle-workloads",), principal: str = "GROUP") -> None:
    for name in accounts:
        w.sso.create_account_assignment(
            InstanceArn=w.instance_arn, TargetId=w.account(name), TargetType="AWS_ACCOUNT",
            PermissionSetArn=w.permission_set_arn, PrincipalType=principal,
            PrincipalId=w.group_id if principal == "GROUP" else w.user_id)


def first_sign_in(w: Work, user: str = "bo", password: str = "Bo-Own-Passw0rd!") -> labkit.Authenticator:
    """The person's first sign-in at the access portal: a password of their own, an authenticator."""
    ic = w.lab.identity_center
    portal = ic.portal()
    portal.sign_in(user, ic.one_time_password(user))
    portal.set_password(password)
    phone = portal.register_authenticator()
    portal.confirm_authenticator(phone.code())
    return phone


def sign_in(w: Work, user: str = "bo", account: str = "castle-workloads") -> None:
    """First sign-in, then the CLI's: a profile for ``account``, labkit.sso_login, one call with it."""
    password = f"{user.capitalize()}-Own-Passw0rd!"
    phone = first_sign_in(w, user, password)
    with open(os.environ["AWS_CONFIG_FILE"], "a", encoding="utf-8") as f:
        f.write(f"\n[profile {user}-dev]\nsso_session = {user}-dev\nsso_account_id = "
                f"{w.account(account)}\nsso_role_name = Developer\n")
    labkit.sso_login(f"{user}-dev", user=user, password=password, mfa=phone, lab=w.lab, quiet=True)
    try:  # refused (ForbiddenException) when the person has no role in castle-workloads
        boto3.Session(profile_name=f"{user}-dev").client("sts").get_caller_identity()
    except ClientError:
        pass


STEPS: dict[str, Callable[[Work], None]] = {
    "person": person, "group": group, "permission_set": permission_set, "assign": assign,
    "sign_in": sign_in,
}


def solve(lab: labkit.Lab, **instead: Callable[[Work], None] | None) -> Work:
    """Every step of the right answer; ``instead`` replaces a step (None leaves it out)."""
    work = Work(lab)
    for name, step in STEPS.items():
        chosen = instead.get(name, step)
        if chosen is not None:
            chosen(work)
    return work


def _changed_after_assigning(lab: labkit.Lab) -> None:
    """The inline policy is put on the set after the assignment, and never provisioned again."""
    def late_inline(w: Work) -> None:
        assign(w)
        w.sso.put_inline_policy_to_permission_set(
            InstanceArn=w.instance_arn, PermissionSetArn=w.permission_set_arn,
            InlinePolicy=json.dumps({"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::castle-artifacts/*"}]}))

    solve(lab, assign=late_inline)


def _iam_user_too(lab: labkit.Lab) -> None:
    solve(lab)
    iam = lab.client("iam")
    iam.create_user(UserName="bo")
    iam.create_login_profile(UserName="bo", Password="Bo-Joins-The-Castle-2026!", PasswordResetRequired=True)


def _alice_signs_in(lab: labkit.Lab) -> None:
    """A colleague already in the group signs in and uses the account; Bo never does."""
    def colleague(w: Work) -> None:
        alice = w.store.create_user(IdentityStoreId=w.store_id, UserName="alice", DisplayName="Alice D.",
                                    Name={"GivenName": "Alice", "FamilyName": "D."})["UserId"]
        w.store.create_group_membership(IdentityStoreId=w.store_id, GroupId=w.group_id,
                                        MemberId={"UserId": alice})
        sign_in(w, "alice")

    solve(lab, sign_in=colleague)


def _admin_then_narrowed(lab: labkit.Lab, provision: bool, in_the_meantime: Callable[[Work], None]) -> None:
    """The set carries AdministratorAccess at first; Bo signs in and works with it; then the set is
    narrowed back to ReadOnlyAccess (and provisioned again only if ``provision``)."""
    def admin_first(w: Work) -> None:
        sign_in(w)
        in_the_meantime(w)
        where = {"InstanceArn": w.instance_arn, "PermissionSetArn": w.permission_set_arn}
        w.sso.detach_managed_policy_from_permission_set(**where, ManagedPolicyArn=ADMIN)
        w.sso.attach_managed_policy_to_permission_set(**where, ManagedPolicyArn=READ_ONLY)
        if provision:
            w.sso.provision_permission_set(**where, TargetId=w.account("castle-workloads"),
                                           TargetType="AWS_ACCOUNT")

    solve(lab, permission_set=lambda w: permission_set(w, managed=ADMIN), sign_in=admin_first)


def _bo_makes_himself_a_user(w: Work) -> None:
    """In his session (AdministratorAccess in castle-workloads): an IAM user bo with an access key."""
    iam = boto3.Session(profile_name="bo-dev").client("iam")
    iam.create_user(UserName="bo")
    iam.create_access_key(UserName="bo")


def _no_mfa(w: Work) -> None:
    """The first sign-in stops at "register an MFA device": a password of his own, no device."""
    ic = w.lab.identity_center
    portal = ic.portal()
    portal.sign_in("bo", ic.one_time_password("bo"))
    portal.set_password("Bo-Own-Passw0rd!")


WRONG = [
    WrongAnswer("user-assigned-directly", "Bo assigned to the account himself, the group left unassigned",
                lambda lab: solve(lab, assign=lambda w: assign(w, principal="USER")),
                {"through-group": "assigned directly to castle-workloads"}),
    WrongAnswer("administrator-access", "the permission set carries AdministratorAccess",
                lambda lab: solve(lab, permission_set=lambda w: permission_set(w, managed=ADMIN)),
                {"narrow-permission-set": "Developer carries AdministratorAccess"}),
    WrongAnswer("star-inline", "the inline policy allows every action",
                lambda lab: solve(lab, permission_set=lambda w: permission_set(w, inline=EVERYTHING)),
                {"narrow-permission-set": "allows * on *"}),
    WrongAnswer("extra-account", "the group assigned to castle-archive as well",
                lambda lab: solve(lab, assign=lambda w: assign(w, ("castle-workloads", "castle-archive"))),
                {"one-account": "also assigned to castle-archive"}),
    WrongAnswer("wrong-account", "the group assigned to castle-archive instead of castle-workloads",
                lambda lab: solve(lab, assign=lambda w: assign(w, ("castle-archive",))),
                {"one-account": "not to castle-workloads", "provisioned": "nothing is assigned",
                 "signed-in-with-mfa": "no assignment gives him access"}),
    WrongAnswer("not-provisioned", "the permission set changed after the assignment, not provisioned again",
                _changed_after_assigning, {"provisioned": "provision-permission-set"}),
    WrongAnswer("iam-user-too", "an IAM user with a password made for Bo as well",
                _iam_user_too, {"no-iam-user": "an IAM user exists: bo"}),
    WrongAnswer("no-group", "Bo never put in a group (the group is assigned, without him)",
                lambda lab: solve(lab, group=lambda w: setattr(w, "group_id", w.store.create_group(
                    IdentityStoreId=w.store_id, DisplayName="castle-developers")["GroupId"])),
                {"through-group": "belongs to no group"}),
    WrongAnswer("never-signed-in", "partial work: Bo never signs in",
                lambda lab: solve(lab, sign_in=None),
                {"mfa-registered": "has not signed in to the access portal",
                 "signed-in-with-mfa": "no session of bo"}),
    WrongAnswer("no-mfa-registered", "Bo's first sign-in stops before he registers an MFA device",
                lambda lab: solve(lab, sign_in=_no_mfa), {"mfa-registered": "registered no MFA device"}),
    WrongAnswer("wrong-person-signs-in", "Alice, in the group too, signs in and uses the account; Bo never",
                _alice_signs_in, {"signed-in-with-mfa": "are alice's, not bo's"}),
    WrongAnswer("s3-star-inline", "the inline policy allows s3:* on every resource (not s3:PutObject on "
                "the files)",
                lambda lab: solve(lab, permission_set=lambda w: permission_set(w, inline=json.dumps({
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))),
                {"narrow-permission-set": "s3:* on *"}),
    WrongAnswer("no-inline", "the permission set has ReadOnlyAccess and no inline policy",
                lambda lab: solve(lab, permission_set=lambda w: permission_set(w, inline="")),
                {"narrow-permission-set": "has no inline policy"}),
    WrongAnswer("iam-user-in-member-account", "Bo, while his set had AdministratorAccess, made himself an "
                "IAM user with an access key in castle-workloads (the set narrowed and provisioned since)",
                lambda lab: _admin_then_narrowed(lab, True, _bo_makes_himself_a_user),
                {"no-iam-user": "bo in castle-workloads, with an active access key"}),
    WrongAnswer("narrowed-not-provisioned", "the set narrowed from AdministratorAccess to ReadOnlyAccess, "
                "not provisioned again: the role in castle-workloads still has AdministratorAccess",
                lambda lab: _admin_then_narrowed(lab, False, lambda w: None),
                {"narrow-permission-set": "in castle-workloads still carries AdministratorAccess",
                 "provisioned": "still has AdministratorAccess"}),
    WrongAnswer("signed-in-to-wrong-account", "the group assigned to castle-archive, and Bo signs in and "
                "works there", lambda lab: solve(lab, assign=lambda w: assign(w, ("castle-archive",)),
                                           sign_in=lambda w: sign_in(w, account="castle-archive")),
                {"one-account": "not to castle-workloads",
                 "signed-in-with-mfa": "castle-archive (as AWSReservedSSO_Developer_"}),
]
