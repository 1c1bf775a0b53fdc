"""Behaviour 6: login profiles and password policies, through boto3 and the CLI."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

import labkit

POLICY = dict(MinimumPasswordLength=14, RequireSymbols=True, RequireNumbers=True,
              RequireUppercaseCharacters=True, RequireLowercaseCharacters=True,
              AllowUsersToChangePassword=True, PasswordReusePrevention=24)


def test_password_reset_required_is_honoured(lab: labkit.Lab) -> None:
    iam = lab.client("iam")
    iam.create_user(UserName="alice-developer")
    created = iam.create_login_profile(UserName="alice-developer", Password="TempPassword123!",
                                       PasswordResetRequired=True)["LoginProfile"]
    assert created["PasswordResetRequired"] is True
    assert iam.get_login_profile(UserName="alice-developer")["LoginProfile"]["PasswordResetRequired"]


def test_book_commands_through_the_cli(lab: labkit.Lab, aws_cli) -> None:
    aws_cli("iam", "create-user", "--user-name", "alice-developer")
    out = aws_cli("iam", "create-login-profile", "--user-name", "alice-developer",
                  "--password", "TempPassword123!", "--password-reset-required")
    assert json.loads(out.stdout)["LoginProfile"]["PasswordResetRequired"] is True
    aws_cli("iam", "update-account-password-policy", "--minimum-password-length", "14",
            "--require-symbols", "--password-reuse-prevention", "24")
    aws_cli("iam", "create-user", "--user-name", "bob")
    bad = aws_cli("iam", "create-login-profile", "--user-name", "bob", "--password", "Short1!", check=False)
    assert bad.returncode != 0
    assert "(PasswordPolicyViolation)" in bad.stderr
    assert "Password should have a minimum length of 14" in bad.stderr
    assert aws_cli("iam", "get-login-profile", "--user-name", "bob", check=False).returncode != 0


@pytest.mark.parametrize(("password", "message"), [
    ("Sh0rt!", "Password should have a minimum length of 14"),
    ("all-lowercase-words-42", "Password should have at least one uppercase letter"),
    ("ALL-UPPERCASE-WORDS-42", "Password should have at least one lowercase letter"),
    ("No-Numbers-In-This-One", "Password should have at least one number"),
    ("NoSymbolsInThisOne42x", "Password should have at least one symbol"),
])
def test_policy_is_enforced_on_create_and_update(lab: labkit.Lab, password: str, message: str) -> None:
    iam = lab.client("iam")
    iam.update_account_password_policy(**POLICY)
    iam.create_user(UserName="alice-developer")
    with pytest.raises(ClientError) as err:
        iam.create_login_profile(UserName="alice-developer", Password=password)
    assert err.value.response["Error"] == {**err.value.response["Error"],
                                           "Code": "PasswordPolicyViolation", "Message": message}
    iam.create_login_profile(UserName="alice-developer", Password="A-Long-Enough-Passphrase-1")
    with pytest.raises(ClientError, match="PasswordPolicyViolation"):
        iam.update_login_profile(UserName="alice-developer", Password=password)


def test_default_policy_applies_without_a_custom_one(lab: labkit.Lab) -> None:
    iam = lab.client("iam")
    iam.create_user(UserName="alice-developer")
    with pytest.raises(ClientError, match="PasswordPolicyViolation"):
        iam.create_login_profile(UserName="alice-developer", Password="password")
    iam.create_login_profile(UserName="alice-developer", Password="TempPassword123!")


def test_update_login_profile_without_password_keeps_it(lab: labkit.Lab) -> None:
    iam = lab.client("iam")
    iam.create_user(UserName="alice-developer")
    iam.create_login_profile(UserName="alice-developer", Password="TempPassword123!")
    iam.update_login_profile(UserName="alice-developer", PasswordResetRequired=True)
    profile = iam.get_login_profile(UserName="alice-developer")["LoginProfile"]
    assert profile["PasswordResetRequired"] is True
    labkit.Console(lab).sign_in("123456789012", "alice-developer", "TempPassword123!")


def _alice_with_key(lab: labkit.Lab) -> labkit.Credentials:
    iam = lab.client("iam")
    iam.update_account_password_policy(**POLICY)
    iam.create_user(UserName="alice-developer")
    iam.create_login_profile(UserName="alice-developer", Password="Temporary-Passw0rd!",
                             PasswordResetRequired=True)
    return labkit.Credentials.from_response(iam.create_access_key(UserName="alice-developer")["AccessKey"])


def test_change_password_works_for_the_signed_in_user(lab: labkit.Lab) -> None:
    alice = lab.client("iam", credentials=_alice_with_key(lab))
    with pytest.raises(ClientError, match="PasswordPolicyViolation"):
        alice.change_password(OldPassword="Temporary-Passw0rd!", NewPassword="short")
    with pytest.raises(ClientError, match="InvalidUserType"):
        alice.change_password(OldPassword="not-her-password", NewPassword="Her-Own-Passphrase-2024")
    alice.change_password(OldPassword="Temporary-Passw0rd!", NewPassword="Her-Own-Passphrase-2024")
    profile = lab.client("iam").get_login_profile(UserName="alice-developer")["LoginProfile"]
    assert profile["PasswordResetRequired"] is False
    with pytest.raises(ClientError, match="PasswordPolicyViolation"):  # reuse prevention: 24
        alice.change_password(OldPassword="Her-Own-Passphrase-2024", NewPassword="Temporary-Passw0rd!")
    session = labkit.Console(lab).sign_in("123456789012", "alice-developer", "Her-Own-Passphrase-2024")
    assert not session.must_change_password


def test_change_password_through_the_cli(lab: labkit.Lab, aws_cli) -> None:
    lab.use(_alice_with_key(lab))
    aws_cli("iam", "change-password", "--old-password", "Temporary-Passw0rd!",
            "--new-password", "Her-Own-Passphrase-2024")
    lab.use(None)
    assert not lab.client("iam").get_login_profile(UserName="alice-developer")["LoginProfile"][
        "PasswordResetRequired"]


def test_root_cannot_use_change_password(lab: labkit.Lab) -> None:
    with pytest.raises(ClientError, match="InvalidUserType"):
        lab.client("iam").change_password(OldPassword=lab.root_password, NewPassword="Anything-Else-123!")
