"""The mfa exercise (chapter 03): the right answer, and what a learner plausibly does instead."""

from __future__ import annotations

import json
from typing import Any

import labkit

from . import WrongAnswer
from .common import MFA_OR_NOTHING, enable_app, keys_of

ALICE = "alice-developer"
PASSWORD = "Quill-Lantern-Moat-2024!"


def solve(lab: labkit.Lab, *, rule: dict[str, Any] | None = MFA_OR_NOTHING, by_admin: bool = False,
          sign_in: str = "with-mfa", stray: bool = False) -> None:
    """The exercise's tasks. ``rule=None``: no house rule; ``by_admin``: the administrator enrols her
    device; ``sign_in``: ``with-mfa``, ``before-mfa`` or ``never``; ``stray``: an extra device left."""
    iam = lab.client("iam")
    iam.create_user(UserName=ALICE)
    iam.create_login_profile(UserName=ALICE, Password=PASSWORD)
    alice = lab.client("iam", credentials=keys_of(iam, ALICE))
    if rule is not None:
        iam.put_user_policy(UserName=ALICE, PolicyName="mfa-or-nothing", PolicyDocument=json.dumps(rule))
    console = labkit.Console(lab)
    if sign_in == "before-mfa":
        console.sign_in(lab.account_id, ALICE, PASSWORD)
    if stray:
        alice.create_virtual_mfa_device(VirtualMFADeviceName="alice-old-phone")
    phone = enable_app(iam if by_admin else alice, ALICE)
    if sign_in == "with-mfa":
        console.sign_in(lab.account_id, ALICE, PASSWORD, mfa_code=phone.code())


def _bool_not_if_exists() -> dict[str, Any]:
    rule = json.loads(json.dumps(MFA_OR_NOTHING))
    rule["Statement"][-1]["Condition"] = {"Bool": {"aws:MultiFactorAuthPresent": "false"}}
    return rule


def _without_deny() -> dict[str, Any]:
    rule = json.loads(json.dumps(MFA_OR_NOTHING))
    rule["Statement"] = [s for s in rule["Statement"] if s["Effect"] == "Allow"]
    return rule


DENY_ALL = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}


def _her_spare_then_admins_device(lab: labkit.Lab) -> None:
    """Alice creates (and deletes) a device of her own, then enables one the administrator made."""
    iam = lab.client("iam")
    iam.create_user(UserName=ALICE)
    iam.put_user_policy(UserName=ALICE, PolicyName="mfa-or-nothing",
                        PolicyDocument=json.dumps(MFA_OR_NOTHING))
    alice = lab.client("iam", credentials=keys_of(iam, ALICE))
    spare = alice.create_virtual_mfa_device(VirtualMFADeviceName="alice-spare")["VirtualMFADevice"]
    iam.delete_virtual_mfa_device(SerialNumber=spare["SerialNumber"])
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName="alice")["VirtualMFADevice"]
    code1, code2 = labkit.Authenticator(device["Base32StringSeed"]).pair()
    alice.enable_mfa_device(UserName=ALICE, SerialNumber=device["SerialNumber"],
                            AuthenticationCode1=code1, AuthenticationCode2=code2)


def _created_by_admin_enabled_by_alice(lab: labkit.Lab) -> None:
    iam = lab.client("iam")
    iam.create_user(UserName=ALICE)
    iam.create_login_profile(UserName=ALICE, Password=PASSWORD)
    iam.put_user_policy(UserName=ALICE, PolicyName="mfa-or-nothing",
                        PolicyDocument=json.dumps(MFA_OR_NOTHING))
    alice = lab.client("iam", credentials=keys_of(iam, ALICE))
    # the administrator creates it, and so sees its secret
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName="alice")["VirtualMFADevice"]
    phone = labkit.Authenticator(device["Base32StringSeed"])
    alice.enable_mfa_device(UserName=ALICE, SerialNumber=device["SerialNumber"],
                            AuthenticationCode1=phone.pair()[0], AuthenticationCode2=phone.pair()[1])
    labkit.Console(lab).sign_in(lab.account_id, ALICE, PASSWORD, mfa_code=phone.code())


WRONG = [
    WrongAnswer("admin-enrols-her-device", "the administrator's client creates and enables Alice's device",
                lambda lab: solve(lab, by_admin=True),
                {"alice-enrolled-herself": "enabled by root, not by Alice"}),
    WrongAnswer("admin-creates-she-enables",
                "the administrator creates the device (sees its secret), Alice enables it",
                _created_by_admin_enabled_by_alice,
                {"alice-enrolled-herself": "created by root, not by Alice"}),
    WrongAnswer("her-spare-admins-device",
                "Alice made a spare device herself, but enabled the one the admin made",
                _her_spare_then_admins_device, {"alice-enrolled-herself": "'alice' was created by root"}),
    WrongAnswer("no-house-rule", "self-service allowed, but the Deny of the house rule left out",
                lambda lab: solve(lab, rule=_without_deny()),
                {"house-rule": "not by a deny-unless-MFA rule"}),
    WrongAnswer("bool-not-ifexists", "Bool instead of BoolIfExists: a plain key carries no MFA key at all",
                lambda lab: solve(lab, rule=_bool_not_if_exists()), {"house-rule": "use BoolIfExists"}),
    WrongAnswer("deny-everything", "a blanket Deny * that also stops her enrolling (she cannot even begin)",
                lambda lab: solve(lab, rule=DENY_ALL, by_admin=True), {"house-rule": "self-service"}),
    WrongAnswer("signed-in-before-mfa", "she signed in, but before the device was enabled",
                lambda lab: solve(lab, sign_in="before-mfa"),
                {"alice-signed-in-with-mfa": "before MFA was enabled"}),
    WrongAnswer("never-signed-in", "partial work: the device is enabled, no sign-in with it",
                lambda lab: solve(lab, sign_in="never"),
                {"alice-signed-in-with-mfa": "never signed in"}),
    WrongAnswer("stray-device", "an extra device created and never enabled or deleted",
                lambda lab: solve(lab, stray=True), {"no-stray-devices": "1 unassigned device(s) left"}),
]
