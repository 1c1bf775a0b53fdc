"""Behaviours 8-9: MFA-protected sessions and policy enforcement with conditions."""

from __future__ import annotations

import json
from datetime import UTC

import pytest
from botocore.exceptions import ClientError

import labkit
from labkit.realism.policy import evaluate

MFA_FAILED = ("MultiFactorAuthentication failed, unable to validate MFA code.  "
              "Please verify your MFA serial number is valid and associated with this user.")
WRONG_CODE = "MultiFactorAuthentication failed with invalid MFA one time pass code."
INVALID_TOKEN = "The security token included in the request is invalid"  # IAM's: no period

# AWS's documented "manage your own MFA; deny everything else without MFA" policy.
SELF_MANAGE_MFA = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "AllowViewAccountInfo", "Effect": "Allow", "Action": "iam:ListVirtualMFADevices",
         "Resource": "*"},
        {"Sid": "AllowManageOwnVirtualMFADevice", "Effect": "Allow",
         "Action": ["iam:CreateVirtualMFADevice"], "Resource": "arn:aws:iam::*:mfa/*"},
        {"Sid": "AllowManageOwnUserMFA", "Effect": "Allow",
         "Action": ["iam:DeactivateMFADevice", "iam:EnableMFADevice", "iam:GetUser",
                    "iam:GetMFADevice", "iam:ListMFADevices", "iam:ResyncMFADevice"],
         "Resource": "arn:aws:iam::*:user/${aws:username}"},
        {"Sid": "DenyAllExceptListedIfNoMFA", "Effect": "Deny",
         "NotAction": ["iam:CreateVirtualMFADevice", "iam:EnableMFADevice", "iam:GetUser",
                       "iam:GetMFADevice", "iam:ListMFADevices", "iam:ListVirtualMFADevices",
                       "iam:ResyncMFADevice", "sts:GetSessionToken"],
         "Resource": "*", "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}},
        {"Sid": "AllowListUsersWithMFA", "Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*"},
    ],
}


def _user_with_key(lab: labkit.Lab, name: str = "alice-developer") -> labkit.Credentials:
    iam = lab.client("iam")
    iam.create_user(UserName=name)
    return labkit.Credentials.from_response(iam.create_access_key(UserName=name)["AccessKey"])


def _device_for(lab: labkit.Lab, name: str) -> tuple[str, labkit.Authenticator]:
    iam = lab.client("iam")
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName=name)["VirtualMFADevice"]
    phone = labkit.Authenticator(device["Base32StringSeed"])
    code1, code2 = phone.pair()
    iam.enable_mfa_device(UserName=name, SerialNumber=device["SerialNumber"],
                          AuthenticationCode1=code1, AuthenticationCode2=code2)
    return device["SerialNumber"], phone


def test_a_new_user_can_do_nothing(lab: labkit.Lab, aws_cli) -> None:
    alice = lab.client("iam", credentials=_user_with_key(lab))
    with pytest.raises(ClientError) as err:
        alice.list_users()
    assert err.value.response["Error"]["Code"] == "AccessDenied"
    assert err.value.response["Error"]["Message"] == (
        "User: arn:aws:iam::123456789012:user/alice-developer is not authorized to perform: "
        "iam:ListUsers on resource: arn:aws:iam::123456789012:user/ because no identity-based "
        "policy allows the iam:ListUsers action")
    with pytest.raises(ClientError, match="iam:CreateUser on resource: arn:aws:iam::123456789012:user/bob"):
        alice.create_user(UserName="bob")
    # but she may always ask who she is
    who = lab.client("sts", credentials=_creds(lab, "alice-developer")).get_caller_identity()
    assert who["Arn"] == "arn:aws:iam::123456789012:user/alice-developer"


def _creds(lab: labkit.Lab, name: str) -> labkit.Credentials:
    return labkit.Credentials.from_response(lab.client("iam").create_access_key(UserName=name)["AccessKey"])


def test_attaching_a_policy_turns_denied_into_allowed(lab: labkit.Lab) -> None:
    alice = lab.client("iam", credentials=_user_with_key(lab))
    lab.client("iam").attach_user_policy(UserName="alice-developer",
                                         PolicyArn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")
    assert [u["UserName"] for u in alice.list_users()["Users"]] == ["alice-developer"]
    with pytest.raises(ClientError, match="AccessDenied"):
        alice.create_user(UserName="bob")


def test_enforcement_can_be_switched_off(lab: labkit.Lab) -> None:
    alice = lab.client("iam", credentials=_user_with_key(lab))
    lab.enforce(False)
    alice.list_users()
    lab.enforce(True)
    with pytest.raises(ClientError, match="AccessDenied"):
        alice.list_users()


def test_s3_least_privilege(lab: labkit.Lab) -> None:
    root_s3 = lab.client("s3")
    for bucket in ("castle-library", "castle-armory"):
        root_s3.create_bucket(Bucket=bucket)
        root_s3.put_object(Bucket=bucket, Key="index.txt", Body=bucket.encode())
    scribe = _user_with_key(lab, "scribe")
    lab.client("iam").put_user_policy(UserName="scribe", PolicyName="library", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["s3:ListBucket", "s3:GetObject"],
                       "Resource": ["arn:aws:s3:::castle-library", "arn:aws:s3:::castle-library/*"]}],
    }))
    s3 = lab.client("s3", credentials=scribe)
    assert s3.get_object(Bucket="castle-library", Key="index.txt")["Body"].read() == b"castle-library"
    assert [o["Key"] for o in s3.list_objects_v2(Bucket="castle-library")["Contents"]] == ["index.txt"]
    with pytest.raises(ClientError) as err:
        s3.get_object(Bucket="castle-armory", Key="index.txt")
    assert err.value.response["Error"]["Code"] == "AccessDenied"
    assert "s3:GetObject on resource: arn:aws:s3:::castle-armory/index.txt" in str(err.value)
    with pytest.raises(ClientError, match="AccessDenied"):
        s3.put_object(Bucket="castle-library", Key="graffiti.txt", Body=b"!")


def test_get_session_token_checks_the_code(lab: labkit.Lab, aws_cli) -> None:
    keys = _user_with_key(lab)
    serial, phone = _device_for(lab, "alice-developer")
    sts = lab.client("sts", credentials=keys)
    lab.client("iam").create_user(UserName="bob")
    bobs_serial, bobs_phone = _device_for(lab, "bob")
    wrong = str((int(phone.code()) + 1) % 1_000_000).zfill(6)
    for serial_number, code, message in ((serial, wrong, WRONG_CODE),
                                         ("arn:aws:iam::123456789012:mfa/other", phone.code(), MFA_FAILED),
                                         (bobs_serial, bobs_phone.code(), MFA_FAILED)):
        with pytest.raises(ClientError) as err:
            sts.get_session_token(SerialNumber=serial_number, TokenCode=code)
        assert err.value.response["Error"]["Code"] == "AccessDenied"
        assert err.value.response["Error"]["Message"] == message
    lab.use(keys)
    out = aws_cli("sts", "get-session-token", "--serial-number", serial, "--token-code", wrong, check=False)
    assert out.returncode != 0 and WRONG_CODE in out.stderr
    creds = sts.get_session_token(SerialNumber=serial, TokenCode=phone.code())["Credentials"]
    assert creds["AccessKeyId"].startswith("ASIA")
    temp = labkit.Credentials.from_response(creds)
    assert lab.client("sts", credentials=temp).get_caller_identity()["Arn"].endswith("user/alice-developer")
    with pytest.raises(ClientError, match="session credentials"):
        lab.client("sts", credentials=temp).get_session_token()
    bad = labkit.Credentials(temp.access_key_id, temp.secret_access_key, "forged-token")
    with pytest.raises(ClientError, match="InvalidClientTokenId"):
        lab.client("sts", credentials=bad).get_caller_identity()


def test_mfa_session_lifts_a_deny_unless_mfa_policy(lab: labkit.Lab, aws_cli) -> None:
    keys = _user_with_key(lab)
    lab.client("iam").put_user_policy(UserName="alice-developer", PolicyName="mfa-or-nothing",
                                      PolicyDocument=json.dumps(SELF_MANAGE_MFA))
    alice = lab.client("iam", credentials=keys)
    # without MFA she may set up her own device, but nothing else
    device = alice.create_virtual_mfa_device(VirtualMFADeviceName="alice-developer")["VirtualMFADevice"]
    phone = labkit.Authenticator(device["Base32StringSeed"])
    code1, code2 = phone.pair()
    alice.enable_mfa_device(UserName="alice-developer", SerialNumber=device["SerialNumber"],
                            AuthenticationCode1=code1, AuthenticationCode2=code2)
    with pytest.raises(ClientError, match="explicit deny"):
        alice.list_users()
    with pytest.raises(ClientError, match="AccessDenied"):  # ${aws:username}: not someone else's
        alice.list_mfa_devices(UserName="bob")
    assert alice.get_user()["User"]["UserName"] == "alice-developer"
    # an MFA session through the CLI, exactly as a learner would
    lab.use(keys)
    out = json.loads(aws_cli("sts", "get-session-token", "--serial-number", device["SerialNumber"],
                             "--token-code", phone.code()).stdout)["Credentials"]
    lab.use(labkit.Credentials.from_response(out))
    users = json.loads(aws_cli("iam", "list-users").stdout)["Users"]
    assert [u["UserName"] for u in users] == ["alice-developer"]
    # a session without MFA cannot call IAM at all (AWS: InvalidClientTokenId)
    lab.use(keys)
    plain = json.loads(aws_cli("sts", "get-session-token").stdout)["Credentials"]
    plain_iam = lab.client("iam", credentials=labkit.Credentials.from_response(plain))
    with pytest.raises(ClientError, match="InvalidClientTokenId"):
        plain_iam.list_users()


def test_self_service_enrolment_through_the_cli_under_deny_unless_mfa(lab: labkit.Lab, aws_cli,
                                                                       tmp_path) -> None:
    """Alice enrols her own device with her own keys: the admin never sees the seed."""
    keys = _user_with_key(lab)
    lab.client("iam").put_user_policy(UserName="alice-developer", PolicyName="mfa-or-nothing",
                                      PolicyDocument=json.dumps(SELF_MANAGE_MFA))
    lab.use(keys)
    seed_file = tmp_path / "seed.txt"
    made = json.loads(aws_cli("iam", "create-virtual-mfa-device", "--virtual-mfa-device-name",
                              "alice-phone", "--outfile", str(seed_file),
                              "--bootstrap-method", "Base32StringSeed").stdout)
    serial = made["VirtualMFADevice"]["SerialNumber"]
    assert serial == "arn:aws:iam::123456789012:mfa/alice-phone"
    phone = labkit.Authenticator(seed_file.read_text().strip())
    code1, code2 = phone.pair()
    aws_cli("iam", "enable-mfa-device", "--user-name", "alice-developer", "--serial-number", serial,
            "--authentication-code1", code1, "--authentication-code2", code2)
    denied = aws_cli("iam", "list-users", check=False)
    assert denied.returncode != 0 and "explicit deny" in denied.stderr
    out = json.loads(aws_cli("sts", "get-session-token", "--serial-number", serial,
                             "--token-code", phone.code()).stdout)["Credentials"]
    lab.use(labkit.Credentials.from_response(out))
    assert json.loads(aws_cli("iam", "list-users").stdout)["Users"]


def test_plain_session_tokens_keep_only_two_sts_calls(lab: labkit.Lab) -> None:
    """Root's (or an admin's) session without MFA: no IAM at all, STS only AssumeRole and
    GetCallerIdentity; other services as the principal's permissions allow."""
    creds = lab.client("sts").get_session_token()["Credentials"]
    temp = labkit.Credentials.from_response(creds)
    with pytest.raises(ClientError) as err:
        lab.client("iam", credentials=temp).list_users()
    assert err.value.response["Error"]["Code"] == "InvalidClientTokenId"
    assert err.value.response["Error"]["Message"] == INVALID_TOKEN
    sts = lab.client("sts", credentials=temp)
    assert sts.get_caller_identity()["Arn"] == "arn:aws:iam::123456789012:root"
    with pytest.raises(ClientError, match="Cannot call GetSessionToken with session credentials"):
        sts.get_session_token()
    with pytest.raises(ClientError, match="Cannot call GetFederationToken with session credentials"):
        sts.get_federation_token(Name="visitor")
    lab.client("s3", credentials=temp).list_buckets()


@pytest.mark.parametrize(("who", "asked", "lasts"), [
    ("user", None, 43200), ("user", 900, 900), ("user", 129600, 129600),
    ("root", None, 3600), ("root", 129600, 3600), ("root", 1800, 1800),
])
def test_session_durations(lab: labkit.Lab, who: str, asked: int | None, lasts: int) -> None:
    from datetime import datetime

    creds = _user_with_key(lab) if who == "user" else None
    sts = lab.client("sts", credentials=creds)
    kwargs = {"DurationSeconds": asked} if asked else {}
    before = datetime.now(UTC)
    expires = sts.get_session_token(**kwargs)["Credentials"]["Expiration"]
    assert abs((expires - before).total_seconds() - lasts) < 120


def test_out_of_range_durations_are_validation_errors(lab: labkit.Lab, aws_cli) -> None:
    out = aws_cli("sts", "get-session-token", "--duration-seconds", "129601", check=False)
    assert "Member must have value less than or equal to 129600" in out.stderr


@pytest.mark.parametrize(("condition", "context", "expected"), [
    ({"Bool": {"aws:MultiFactorAuthPresent": "true"}}, {}, "implicit-deny"),
    ({"Bool": {"aws:MultiFactorAuthPresent": "true"}}, {"aws:MultiFactorAuthPresent": "true"}, "allow"),
    ({"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}}, {}, "allow"),
    ({"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}},
     {"aws:MultiFactorAuthPresent": "false"}, "implicit-deny"),
    ({"StringEquals": {"aws:username": "alice"}}, {"aws:username": "alice"}, "allow"),
    ({"StringLike": {"aws:username": "al*"}}, {"aws:username": "bob"}, "implicit-deny"),
    ({"UnknownOperator": {"aws:username": "alice"}}, {"aws:username": "alice"}, "implicit-deny"),
])
def test_condition_operators(condition: dict, context: dict, expected: str) -> None:
    doc = {"Statement": [{"Effect": "Allow", "Action": "iam:*", "Resource": "*", "Condition": condition}]}
    assert evaluate([doc], "iam:ListUsers", "*", context) == expected


def test_resource_variables() -> None:
    doc = {"Statement": [{"Effect": "Allow", "Action": "iam:GetUser",
                          "Resource": "arn:aws:iam::*:user/${aws:username}"}]}
    ctx = {"aws:username": "alice"}
    assert evaluate([doc], "iam:GetUser", "arn:aws:iam::123456789012:user/alice", ctx) == "allow"
    assert evaluate([doc], "iam:GetUser", "arn:aws:iam::123456789012:user/bob", ctx) == "implicit-deny"


def test_an_explicit_deny_names_the_managed_policy_that_denied(lab: labkit.Lab, aws_cli) -> None:
    """Since January 2026 an explicit deny ends with the denying policy's ARN (AWS Security Blog,
    "Enhanced access denied error messages with policy ARNs"); an inline policy has no ARN, and
    an implicit deny names no policy."""
    iam = lab.client("iam")
    iam.create_user(UserName="bob")
    iam.attach_user_policy(UserName="bob", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    deny = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Action": "iam:ListUsers", "Resource": "*"}]})
    arn = iam.create_policy(PolicyName="NoLists", PolicyDocument=deny)["Policy"]["Arn"]
    iam.attach_user_policy(UserName="bob", PolicyArn=arn)
    bob = labkit.Credentials.from_response(iam.create_access_key(UserName="bob")["AccessKey"])
    with pytest.raises(ClientError) as err:
        lab.client("iam", credentials=bob).list_users()
    assert err.value.response["Error"]["Message"].endswith(
        f"with an explicit deny in an identity-based policy: {arn}")
    lab.use(bob)
    assert f"identity-based policy: {arn}" in aws_cli("iam", "list-users", check=False).stderr
    lab.use(None)
    iam.detach_user_policy(UserName="bob", PolicyArn=arn)
    iam.put_user_policy(UserName="bob", PolicyName="no-lists", PolicyDocument=deny)
    with pytest.raises(ClientError) as err:
        lab.client("iam", credentials=bob).list_users()
    inline = err.value.response["Error"]["Message"]
    assert inline.endswith("with an explicit deny in an identity-based policy")  # no ARN to name
