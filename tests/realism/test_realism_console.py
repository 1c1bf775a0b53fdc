"""Behaviour 7: console sign-in, forced password change, MFA, root MFA."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

import labkit
from labkit import Console, MFACodeRequired, SignInFailed

ACCOUNT = "123456789012"
GENERIC = "Your authentication information is incorrect. Please try again."


@pytest.fixture
def alice(lab: labkit.Lab) -> labkit.Lab:
    iam = lab.client("iam")
    iam.create_user(UserName="alice-developer")
    iam.create_login_profile(UserName="alice-developer", Password="TempPassword123!",
                             PasswordResetRequired=True)
    iam.attach_user_policy(UserName="alice-developer", PolicyArn=CHANGE_OWN_PASSWORD)
    return lab


CHANGE_OWN_PASSWORD = "arn:aws:iam::aws:policy/IAMUserChangePassword"
REFUSED = ("Either user is not authorized to perform iam:ChangePassword or entered password does "
           "not comply with account password policy set by administrator.")


@pytest.fixture
def locked_out(lab: labkit.Lab) -> labkit.Lab:
    """The book's two commands only: a temporary password, no iam:ChangePassword."""
    iam = lab.client("iam")
    iam.create_user(UserName="alice-developer")
    iam.create_login_profile(UserName="alice-developer", Password="TempPassword123!",
                             PasswordResetRequired=True)
    return lab


def test_reset_required_without_change_password_permission_locks_alice_out(
        locked_out: labkit.Lab, capsys: pytest.CaptureFixture[str]) -> None:
    session = Console(locked_out).sign_in(ACCOUNT, "alice-developer", "TempPassword123!")
    assert session.must_change_password
    with pytest.raises(labkit.ConsoleError) as err:
        session.change_password("TempPassword123!", "Alice-Chose-This-2024!")
    assert str(err.value) == REFUSED and err.value.said_by == "AWS"
    labkit.explain(err.value)
    assert "AWS says: Either user" in capsys.readouterr().out
    assert session.must_change_password  # still locked out, nothing changed
    Console(locked_out).sign_in(ACCOUNT, "alice-developer", "TempPassword123!")


def test_the_managed_policy_lets_alice_change_her_password(locked_out: labkit.Lab, aws_cli) -> None:
    aws_cli("iam", "attach-user-policy", "--user-name", "alice-developer", "--policy-arn",
            CHANGE_OWN_PASSWORD)
    session = Console(locked_out).sign_in(ACCOUNT, "alice-developer", "TempPassword123!")
    session.change_password("TempPassword123!", "Alice-Chose-This-2024!")
    assert not session.must_change_password


def test_the_password_policy_switch_lets_every_user_change_it(locked_out: labkit.Lab) -> None:
    locked_out.client("iam").update_account_password_policy(AllowUsersToChangePassword=True)
    session = Console(locked_out).sign_in(ACCOUNT, "alice-developer", "TempPassword123!")
    session.change_password("TempPassword123!", "Alice-Chose-This-2024!")
    assert not session.must_change_password


def test_a_deny_wins_over_the_managed_policy(locked_out: labkit.Lab) -> None:
    iam = locked_out.client("iam")
    iam.attach_user_policy(UserName="alice-developer", PolicyArn=CHANGE_OWN_PASSWORD)
    iam.put_user_policy(UserName="alice-developer", PolicyName="no-changes", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "iam:ChangePassword",
                                                "Resource": "*"}]}))
    session = Console(locked_out).sign_in(ACCOUNT, "alice-developer", "TempPassword123!")
    with pytest.raises(labkit.ConsoleError, match="not authorized to perform iam:ChangePassword"):
        session.change_password("TempPassword123!", "Alice-Chose-This-2024!")


def test_the_consoles_own_sentences_are_not_attributed_to_aws(
        alice: labkit.Lab, capsys: pytest.CaptureFixture[str]) -> None:
    session = Console(alice).sign_in(ACCOUNT, "alice-developer", "TempPassword123!")
    with pytest.raises(labkit.ConsoleError) as err:
        session.change_password("TempPassword123!", "TempPassword123!")
    labkit.explain(err.value)
    out = capsys.readouterr().out
    assert "labkit's console says:" in out and "AWS says" not in out


@pytest.mark.parametrize(("account", "user", "password"), [
    (ACCOUNT, "alice-developer", "wrong-password"),
    (ACCOUNT, "nobody", "TempPassword123!"),
    ("999999999999", "alice-developer", "TempPassword123!"),
])
def test_wrong_credentials_get_one_generic_failure(alice: labkit.Lab, account: str, user: str,
                                                   password: str) -> None:
    with pytest.raises(SignInFailed) as err:
        Console(alice).sign_in(account, user, password)
    assert str(err.value) == GENERIC


def test_a_user_without_a_login_profile_cannot_sign_in(lab: labkit.Lab) -> None:
    lab.client("iam").create_user(UserName="build-bot")
    with pytest.raises(SignInFailed):
        Console(lab).sign_in(ACCOUNT, "build-bot", "")


def test_reset_required_forces_a_new_password_first(alice: labkit.Lab) -> None:
    session = Console(alice).sign_in(ACCOUNT, "alice-developer", "TempPassword123!")
    assert session.must_change_password
    with pytest.raises(labkit.ConsoleError, match="policy|conform"):
        session.change_password("TempPassword123!", "weak")
    session.change_password("TempPassword123!", "Alice-Chose-This-2024!")
    assert not session.must_change_password
    again = Console(alice).sign_in(ACCOUNT, "alice-developer", "Alice-Chose-This-2024!")
    assert not again.must_change_password
    with pytest.raises(SignInFailed):
        Console(alice).sign_in(ACCOUNT, "alice-developer", "TempPassword123!")


def test_sign_in_updates_password_last_used(alice: labkit.Lab) -> None:
    iam = alice.client("iam")
    assert "PasswordLastUsed" not in iam.get_user(UserName="alice-developer")["User"]
    Console(alice).sign_in(ACCOUNT, "alice-developer", "TempPassword123!")
    used = iam.get_user(UserName="alice-developer")["User"]["PasswordLastUsed"]
    assert abs(used - datetime.now(UTC)) < timedelta(minutes=1)


def test_mfa_user_needs_a_valid_code(alice: labkit.Lab) -> None:
    iam = alice.client("iam")
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName="alice")["VirtualMFADevice"]
    phone = labkit.Authenticator(device["Base32StringSeed"])
    code1, code2 = phone.pair()
    iam.enable_mfa_device(UserName="alice-developer", SerialNumber=device["SerialNumber"],
                          AuthenticationCode1=code1, AuthenticationCode2=code2)
    console = Console(alice)
    with pytest.raises(MFACodeRequired):  # the stolen password alone is not enough
        console.sign_in(ACCOUNT, "alice-developer", "TempPassword123!")
    with pytest.raises(SignInFailed, match="incorrect"):
        console.sign_in(ACCOUNT, "alice-developer", "TempPassword123!", mfa_code="123456")
    session = console.sign_in(ACCOUNT, "alice-developer", "TempPassword123!", mfa_code=phone.code())
    assert session.mfa


def test_root_signs_in_by_email_and_assigns_mfa_in_the_console(lab: labkit.Lab) -> None:
    console = Console(lab)
    with pytest.raises(SignInFailed):
        console.sign_in_root(lab.root_email, "not-the-password")
    with pytest.raises(SignInFailed):  # root cannot use the IAM-user form
        console.sign_in(ACCOUNT, "root", lab.root_password)
    session = console.sign_in_root(lab.root_email.upper(), lab.root_password)
    assert session.is_root
    setup = session.create_root_mfa_device()
    assert setup.qr_png.startswith(b"\x89PNG")
    phone = labkit.Authenticator(setup.uri)
    with pytest.raises(labkit.ConsoleError, match="not valid"):
        session.activate_root_mfa_device("123456", "789012")
    session.activate_root_mfa_device(*phone.pair())
    auditor = lab.client("iam", credentials=lab.auditor())
    assert auditor.get_account_summary()["SummaryMap"]["AccountMFAEnabled"] == 1
    with pytest.raises(MFACodeRequired):
        console.sign_in_root(lab.root_email, lab.root_password)
    assert console.sign_in_root(lab.root_email, lab.root_password, mfa_code=phone.code()).mfa


def test_root_mfa_cannot_be_assigned_through_the_api(lab: labkit.Lab) -> None:
    """As in AWS: EnableMFADevice needs an IAM user name; root is not one."""
    from botocore.exceptions import ClientError

    iam = lab.client("iam")
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName="root-try")["VirtualMFADevice"]
    code1, code2 = labkit.Authenticator(device["Base32StringSeed"]).pair()
    with pytest.raises(ClientError, match="NoSuchEntity"):
        iam.enable_mfa_device(UserName="root", SerialNumber=device["SerialNumber"],
                              AuthenticationCode1=code1, AuthenticationCode2=code2)
    assert iam.get_account_summary()["SummaryMap"]["AccountMFAEnabled"] == 0
