"""The composed your-turn tasks and the predictions of chapters 02 to 05b: each check refuses the
plausible wrong answers its chapter warns against (with a reason that names the mistake), and
accepts the model answer; each prediction reads its outcome from the activity log.

One in-process sandbox, reset per test; no kernel (the chapters' own runs are in test_notebooks.py).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

import labkit
from labkit.checks.predictions import PREDICTIONS
from labkit.checks.your_turn_tasks import TASKS

ALICE = "alice-developer"


def _check(task_id: str, lab: labkit.Lab) -> tuple[bool, str]:
    return TASKS[task_id].test(lab)


def _alice(iam: Any, lab: labkit.Lab) -> labkit.Credentials:
    iam.create_user(UserName=ALICE)
    return labkit.Credentials.from_response(
        iam.create_access_key(UserName=ALICE)["AccessKey"])


def test_reset_alice_wants_update_login_profile_and_a_forced_change(lab: labkit.Lab, iam: Any) -> None:
    _alice(iam, lab)
    iam.create_login_profile(UserName=ALICE, Password="Quill-Lantern-Moat-2024!")
    assert _check("users-reset-alice", lab) == (
        False, "the activity log shows no successful UpdateLoginProfile for Alice yet")
    iam.update_login_profile(UserName=ALICE, Password="Lantern-Reset-2026!")
    passed, why = _check("users-reset-alice", lab)  # new password, but she need not change it
    assert not passed and "next sign-in" in why
    iam.update_login_profile(UserName=ALICE, PasswordResetRequired=True)
    assert _check("users-reset-alice", lab)[0]


def test_list_groups_refuses_a_wildcard_and_accepts_one_action(lab: labkit.Lab, iam: Any) -> None:
    _alice(iam, lab)
    assert _check("policies-list-groups", lab) == (False, "Alice still gets AccessDenied for iam:ListGroups")
    wide = {"Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "iam:List*", "Resource": "*"}]}
    iam.put_user_policy(UserName=ALICE, PolicyName="read-groups",
                        PolicyDocument=json.dumps(wide))
    passed, why = _check("policies-list-groups", lab)
    assert not passed and "more than iam:ListGroups" in why
    exec(TASKS["policies-list-groups"].answer, {"iam": iam, "json": json})  # the model answer, as typed
    assert _check("policies-list-groups", lab)[0]


def test_list_devices_needs_alices_own_successful_call(lab: labkit.Lab, iam: Any) -> None:
    keys = _alice(iam, lab)
    iam.list_mfa_devices(UserName=ALICE)  # root's call: not hers
    assert not _check("mfa-list-devices", lab)[0]
    with pytest.raises(ClientError):  # no policy yet: refused, and the check says so
        lab.client("iam", credentials=keys).list_mfa_devices(UserName=ALICE)
    passed, why = _check("mfa-list-devices", lab)
    assert not passed and "refused (AccessDenied)" in why
    iam.put_user_policy(UserName=ALICE, PolicyName="own-mfa", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:ListMFADevices",
                                                 "Resource": "arn:aws:iam::*:user/${aws:username}"}]}))
    lab.client("iam", credentials=keys).list_mfa_devices(UserName=ALICE)
    assert _check("mfa-list-devices", lab)[0]


def test_hour_session_needs_mfa_and_3600_seconds(lab: labkit.Lab, iam: Any) -> None:
    keys = _alice(iam, lab)
    sts = lab.client("sts", credentials=keys)
    sts.get_session_token(DurationSeconds=3600)  # an hour, but no MFA
    assert not _check("mfa-session-hour", lab)[0]
    device = lab.client("iam", credentials=lab.root).create_virtual_mfa_device(
        VirtualMFADeviceName="alice")["VirtualMFADevice"]
    phone = labkit.Authenticator(device["Base32StringSeed"])
    code1, code2 = phone.pair()
    iam.enable_mfa_device(UserName=ALICE, SerialNumber=device["SerialNumber"],
                          AuthenticationCode1=code1, AuthenticationCode2=code2)
    sts.get_session_token(SerialNumber=device["SerialNumber"], TokenCode=phone.code())  # MFA, 12 hours
    assert not _check("mfa-session-hour", lab)[0]
    sts.get_session_token(SerialNumber=device["SerialNumber"], TokenCode=phone.code(), DurationSeconds=3600)
    assert _check("mfa-session-hour", lab)[0]


def test_build_permissions_refuse_wildcards_and_accept_one_bucket(lab: labkit.Lab, iam: Any) -> None:
    assert not _check("oidc-build-permissions", lab)[0]  # no role yet
    provider = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity", "Principal": {"Federated": provider}}]}
    iam.create_role(RoleName="castle-build", AssumeRolePolicyDocument=json.dumps(trust))
    for name, action, resource, mistake in (
            ("all-s3", "s3:*", "arn:aws:s3:::castle-artifacts/*", "'s3:*'"),
            ("every-bucket", "s3:GetObject", "*", "'*'")):
        iam.put_role_policy(RoleName="castle-build", PolicyName=name,
                            PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
                                {"Effect": "Allow", "Action": action, "Resource": resource}]}))
        passed, why = _check("oidc-build-permissions", lab)
        assert not passed and mistake in why
        iam.delete_role_policy(RoleName="castle-build", PolicyName=name)
    exec(TASKS["oidc-build-permissions"].answer, {"iam": iam, "json": json})
    assert _check("oidc-build-permissions", lab)[0]


def test_password_policy_checks_every_requirement_the_chapter_names(lab: labkit.Lab, iam: Any) -> None:
    iam.update_account_password_policy(MinimumPasswordLength=14,
                                       PasswordReusePrevention=24)
    passed, why = _check("root-password-policy", lab)
    assert not passed and "uppercase letters" in why
    iam.update_account_password_policy(
        MinimumPasswordLength=14, PasswordReusePrevention=24, RequireUppercaseCharacters=True,
        RequireLowercaseCharacters=True, RequireNumbers=True, RequireSymbols=True)
    passed, why = _check("root-password-policy", lab)
    assert not passed and "change their own" in why


def test_console_predictions_read_the_sign_in_page_from_the_log(lab: labkit.Lab, iam: Any) -> None:
    _alice(iam, lab)
    iam.create_login_profile(UserName=ALICE, Password="Quill-Lantern-Moat-2024!")
    console = labkit.Console(lab)
    console.sign_in(lab.account_id, ALICE, "Quill-Lantern-Moat-2024!")
    assert PREDICTIONS["users-old-password"].outcome(lab) == "Signed in"
    with pytest.raises(labkit.SignInFailed):
        console.sign_in(lab.account_id, ALICE, "TempPassword123!")
    assert PREDICTIONS["users-old-password"].outcome(lab) == "Refused"
