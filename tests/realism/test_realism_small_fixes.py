"""Smaller 2026 fixes: missing user names, password limits, AccountPasswordPresent,
the inherited account as of 2026, and root changing its password and e-mail."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

import labkit
from labkit import Console

NO_CLIENT_CHECKS = Config(parameter_validation=False)


def test_root_without_a_user_name_does_not_leak_moto(lab: labkit.Lab, aws_cli) -> None:
    for args in (("create-login-profile", "--password", "Some-Long-Passw0rd!"),
                 ("deactivate-mfa-device", "--serial-number", "arn:aws:iam::123456789012:mfa/x")):
        out = aws_cli("iam", *args, check=False)
        assert out.returncode != 0
        assert "None" not in out.stderr and "ValidationError" in out.stderr
        assert "AssumeRoot session" in out.stderr


def test_a_user_without_a_user_name_acts_on_herself(lab: labkit.Lab) -> None:
    iam = lab.client("iam")
    iam.create_user(UserName="alice-developer")
    iam.put_user_policy(UserName="alice-developer", PolicyName="own-password", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:*LoginProfile",
                                                "Resource": "arn:aws:iam::*:user/${aws:username}"}]}))
    keys = labkit.Credentials.from_response(iam.create_access_key(UserName="alice-developer")["AccessKey"])
    alice = lab.client("iam", credentials=keys)
    profile = alice.create_login_profile(Password="Alice-Chose-This-2024!")["LoginProfile"]
    assert profile["UserName"] == "alice-developer"
    alice.delete_login_profile()
    with pytest.raises(ClientError, match="NoSuchEntity"):
        iam.get_login_profile(UserName="alice-developer")


@pytest.mark.parametrize("password", ["A1-" + "x" * 126, "castle-co", "ROOT-EMAIL"])
def test_passwords_aws_refuses(lab: labkit.Lab, password: str) -> None:
    password = lab.root_email if password == "ROOT-EMAIL" else password
    iam = lab.client("iam", config=NO_CLIENT_CHECKS)
    iam.create_user(UserName="alice-developer")
    with pytest.raises(ClientError) as err:
        iam.create_login_profile(UserName="alice-developer", Password=password)
    code = err.value.response["Error"]["Code"]
    if len(password) > 128:
        assert code == "ValidationError"
        assert "Member must have length less than or equal to 128" in err.value.response["Error"]["Message"]
    else:
        assert code == "PasswordPolicyViolation"


def test_the_default_policy_refuses_the_account_name_and_email() -> None:
    from labkit.realism.passwords import violations

    names = ("Castle-Co-2024", "owner-1a2b@castle.example")
    for password in names:
        assert violations(password, None, account_names=names)
    assert violations("Castle-Co-2025", None, account_names=names) == []


def test_the_console_refuses_over_long_passwords(lab: labkit.Lab) -> None:
    iam = lab.client("iam")
    iam.create_user(UserName="alice-developer")
    iam.create_login_profile(UserName="alice-developer", Password="TempPassword123!",
                             PasswordResetRequired=True)
    iam.attach_user_policy(UserName="alice-developer",
                           PolicyArn="arn:aws:iam::aws:policy/IAMUserChangePassword")
    session = Console(lab).sign_in(lab.account_id, "alice-developer", "TempPassword123!")
    with pytest.raises(labkit.ConsoleError, match="128"):
        session.change_password("TempPassword123!", "Aa1!" * 40)


def test_account_summary_says_root_has_a_password(lab: labkit.Lab) -> None:
    summary = lab.client("iam").get_account_summary()["SummaryMap"]
    assert summary["AccountPasswordPresent"] == 1


def test_inherited_account_as_of_2026(lab: labkit.Lab) -> None:
    lab.reset("inherited-account")
    auditor = lab.client("iam", credentials=lab.auditor())
    auditor.generate_credential_report()
    rows = list(csv.DictReader(io.StringIO(auditor.get_credential_report()["Content"].decode())))
    root = rows[0]
    created = datetime.fromisoformat(root["user_creation_time"])
    used = datetime.fromisoformat(root["password_last_used"])
    key_used = datetime.fromisoformat(root["access_key_1_last_used_date"])
    now = datetime.now(UTC)
    assert created < now - timedelta(days=365)
    assert now - timedelta(days=1) < used < now - timedelta(hours=12)
    assert now - timedelta(days=1) < key_used < now - timedelta(hours=12)
    assert root["mfa_active"] == "false"
    trail = lab.client("cloudtrail", credentials=lab.auditor()).lookup_events(
        LookupAttributes=[{"AttributeKey": "Username", "AttributeValue": "root"}])["Events"]
    assert "ConsoleLogin" in [e["EventName"] for e in trail]
    assert all(e["EventTime"] < now - timedelta(hours=12) for e in trail)
    # root's grace period for MFA ran out long ago: the console insists on a device first
    session = Console(lab).sign_in_root(lab.root_email, lab.root_password)
    assert session.must_register_mfa
    with pytest.raises(labkit.ConsoleError, match="MFA"):
        session.change_root_password(lab.root_password, "A-New-Vault-Passphrase-2026!")


def test_root_changes_the_password_and_email_the_predecessor_knew(lab: labkit.Lab) -> None:
    console = Console(lab)
    old_password, old_email = lab.root_password, lab.root_email
    session = console.sign_in_root(old_email, old_password)
    phone = labkit.Authenticator(session.create_root_mfa_device().uri)
    session.activate_root_mfa_device(*phone.pair())
    with pytest.raises(labkit.ConsoleError, match="incorrect"):
        session.change_root_password("a-guess", "A-New-Vault-Passphrase-2026!")
    session.change_root_password(old_password, "A-New-Vault-Passphrase-2026!")
    session.change_root_email("vault@castle.example", "A-New-Vault-Passphrase-2026!")
    assert lab.root_password == "A-New-Vault-Passphrase-2026!" and lab.root_email == "vault@castle.example"
    for email, password in ((old_email, "A-New-Vault-Passphrase-2026!"),
                            ("vault@castle.example", old_password)):
        with pytest.raises(labkit.SignInFailed):
            console.sign_in_root(email, password, mfa_code=phone.code())
    assert console.sign_in_root("vault@castle.example", "A-New-Vault-Passphrase-2026!",
                                mfa_code=phone.code()).mfa
