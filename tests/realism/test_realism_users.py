"""Users' lifecycle as in IAM: DeleteConflict, login profiles' own dates and AWS's NoSuchEntity wording."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from botocore.exceptions import ClientError

import labkit
from labkit.authenticator import Authenticator
from labkit.clock import clock

T0 = 2_000_000_000.0  # a fixed moment (in 2033, after any real "now"), so dates compare exactly


@pytest.fixture
def frozen() -> Iterator[None]:
    clock.freeze(T0)
    yield
    clock.unfreeze()


def _error(call) -> dict:  # noqa: ANN001
    with pytest.raises(ClientError) as caught:
        call()
    response = caught.value.response
    return {**response["Error"], "Status": response["ResponseMetadata"]["HTTPStatusCode"]}


def test_delete_user_refuses_until_everything_is_removed(lab: labkit.Lab, frozen: None) -> None:
    iam = lab.client("iam")
    iam.create_user(UserName="leaver")
    iam.create_login_profile(UserName="leaver", Password="Leaving-The-Castle-1!")
    key = iam.create_access_key(UserName="leaver")["AccessKey"]["AccessKeyId"]
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName="leaver")["VirtualMFADevice"]
    phone = Authenticator(device["Base32StringSeed"])
    iam.enable_mfa_device(UserName="leaver", SerialNumber=device["SerialNumber"],
                          AuthenticationCode1=phone.code_at(T0 - 30), AuthenticationCode2=phone.code_at(T0))
    statement = '{"Effect": "Allow", "Action": "iam:GetUser", "Resource": "*"}'
    iam.put_user_policy(UserName="leaver", PolicyName="inline",
                        PolicyDocument=f'{{"Version": "2012-10-17", "Statement": [{statement}]}}')
    iam.attach_user_policy(UserName="leaver", PolicyArn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")
    iam.create_group(GroupName="scribes")
    iam.add_user_to_group(GroupName="scribes", UserName="leaver")

    removals = [
        ("login profile", lambda: iam.delete_login_profile(UserName="leaver")),
        ("access keys", lambda: iam.delete_access_key(UserName="leaver", AccessKeyId=key)),
        ("MFA device", lambda: iam.deactivate_mfa_device(UserName="leaver",
                                                         SerialNumber=device["SerialNumber"])),
        ("policies", lambda: iam.delete_user_policy(UserName="leaver", PolicyName="inline")),
        ("all policies", lambda: iam.detach_user_policy(
            UserName="leaver", PolicyArn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")),
        ("users from group", lambda: iam.remove_user_from_group(GroupName="scribes", UserName="leaver")),
    ]
    for what, remove in removals:
        refused = _error(lambda: iam.delete_user(UserName="leaver"))
        verb = {"all policies": "must detach", "users from group": "must remove"}.get(what, "must delete")
        assert refused == {**refused, "Code": "DeleteConflict", "Status": 409,
                           "Message": f"Cannot delete entity, {verb} {what} first."}
        remove()
    assert iam.get_user(UserName="leaver")["User"]["UserName"] == "leaver"  # nothing was deleted early
    iam.delete_user(UserName="leaver")
    assert _error(lambda: iam.get_user(UserName="leaver"))["Code"] == "NoSuchEntity"


def test_delete_user_conflict_through_the_cli(lab: labkit.Lab, aws_cli) -> None:  # noqa: ANN001
    aws_cli("iam", "create-user", "--user-name", "alice-developer")
    aws_cli("iam", "create-access-key", "--user-name", "alice-developer")
    refused = aws_cli("iam", "delete-user", "--user-name", "alice-developer", check=False)
    assert refused.returncode != 0
    assert "(DeleteConflict) when calling the DeleteUser operation: " \
           "Cannot delete entity, must delete access keys first." in refused.stderr


def test_login_profile_has_its_own_create_date(lab: labkit.Lab, frozen: None) -> None:
    iam = lab.client("iam")
    iam.create_user(UserName="alice-developer")
    clock.advance(3600)
    created = iam.create_login_profile(UserName="alice-developer",
                                       Password="TempPassword123!")["LoginProfile"]
    user_created = iam.get_user(UserName="alice-developer")["User"]["CreateDate"]
    assert created["CreateDate"].timestamp() == T0 + 3600
    assert user_created.timestamp() < T0 + 3600  # moto would report the user's date for both
    fetched = iam.get_login_profile(UserName="alice-developer")["LoginProfile"]
    assert fetched["CreateDate"] == created["CreateDate"]
    iam.delete_login_profile(UserName="alice-developer")
    clock.advance(60)
    again = iam.create_login_profile(UserName="alice-developer", Password="TempPassword123!")["LoginProfile"]
    assert again["CreateDate"].timestamp() == T0 + 3660


def test_missing_login_profile_gets_aws_wording(lab: labkit.Lab, aws_cli) -> None:  # noqa: ANN001
    iam = lab.client("iam")
    iam.create_user(UserName="bot")
    for call in (lambda: iam.get_login_profile(UserName="bot"),
                 lambda: iam.delete_login_profile(UserName="bot"),
                 lambda: iam.update_login_profile(UserName="bot", PasswordResetRequired=True)):
        error = _error(call)
        assert (error["Code"], error["Message"], error["Status"]) == \
            ("NoSuchEntity", "Login Profile for User bot cannot be found.", 404)
    out = aws_cli("iam", "get-login-profile", "--user-name", "bot", check=False)
    assert "(NoSuchEntity) when calling the GetLoginProfile operation: " \
           "Login Profile for User bot cannot be found." in out.stderr
    # a user that does not exist at all is a different error
    assert _error(lambda: iam.get_login_profile(UserName="nobody"))["Message"] == \
        "The user with name nobody cannot be found."
