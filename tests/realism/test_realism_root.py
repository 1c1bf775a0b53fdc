"""Behaviours 1-2: the root user, and the account facts auditors read."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from botocore.exceptions import ClientError

import labkit

ROOT_ARN = "arn:aws:iam::123456789012:root"


def test_default_caller_is_root(lab: labkit.Lab, aws_cli) -> None:
    ident = lab.client("sts").get_caller_identity()
    assert ident["Arn"] == ROOT_ARN
    assert ident["Account"] == ident["UserId"] == "123456789012"
    assert json.loads(aws_cli("sts", "get-caller-identity").stdout)["Arn"] == ROOT_ARN


def test_root_may_do_everything_with_enforcement_on(lab: labkit.Lab) -> None:
    lab.enforce(True)
    iam = lab.client("iam")
    iam.create_user(UserName="alice-developer")
    iam.attach_user_policy(UserName="alice-developer",
                           PolicyArn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")
    s3 = lab.client("s3")
    s3.create_bucket(Bucket="castle-treasury")
    s3.put_object(Bucket="castle-treasury", Key="gold.txt", Body=b"100")
    assert s3.get_object(Bucket="castle-treasury", Key="gold.txt")["Body"].read() == b"100"


def test_root_get_user_is_the_root_user(lab: labkit.Lab) -> None:
    user = lab.client("iam").get_user()["User"]
    assert user["Arn"] == ROOT_ARN and user["UserId"] == "123456789012"
    assert "UserName" not in user


def test_root_manages_its_own_access_keys(lab: labkit.Lab) -> None:
    iam = lab.client("iam")
    keys = iam.list_access_keys()["AccessKeyMetadata"]
    assert [k["AccessKeyId"] for k in keys] == [lab.root.access_key_id]
    second = iam.create_access_key()["AccessKey"]
    assert second["AccessKeyId"].startswith("AKIA") and len(second["SecretAccessKey"]) == 40
    with pytest.raises(ClientError, match="LimitExceeded"):
        iam.create_access_key()
    iam.update_access_key(AccessKeyId=second["AccessKeyId"], Status="Inactive")
    inactive = labkit.Credentials.from_response(second)
    with pytest.raises(ClientError, match="InvalidClientTokenId"):
        lab.client("sts", credentials=inactive).get_caller_identity()
    iam.delete_access_key(AccessKeyId=second["AccessKeyId"])
    assert len(iam.list_access_keys()["AccessKeyMetadata"]) == 1
    with pytest.raises(ClientError, match="NoSuchEntity"):
        iam.delete_access_key(AccessKeyId="AKIADOESNOTEXIST0000")


def test_root_keys_through_the_cli(lab: labkit.Lab, aws_cli) -> None:
    listed = json.loads(aws_cli("iam", "list-access-keys").stdout)["AccessKeyMetadata"]
    assert listed[0]["AccessKeyId"] == lab.root.access_key_id
    created = json.loads(aws_cli("iam", "create-access-key").stdout)["AccessKey"]
    aws_cli("iam", "delete-access-key", "--access-key-id", created["AccessKeyId"])
    assert len(json.loads(aws_cli("iam", "list-access-keys").stdout)["AccessKeyMetadata"]) == 1


def test_unknown_keys_are_invalid(lab: labkit.Lab) -> None:
    stranger = labkit.Credentials("AKIAIOSFODNN7EXAMPLE", "x" * 40)
    with pytest.raises(ClientError) as err:
        lab.client("iam", credentials=stranger).list_users()
    assert err.value.response["Error"]["Code"] == "InvalidClientTokenId"
    # IAM's text has no final period (STS's has one): 99designs/aws-vault#328
    assert err.value.response["Error"]["Message"] == "The security token included in the request is invalid"


def test_account_summary_tells_the_truth_about_root(lab: labkit.Lab) -> None:
    auditor = lab.client("iam", credentials=lab.auditor())
    summary = auditor.get_account_summary()["SummaryMap"]
    assert summary["AccountAccessKeysPresent"] == 1
    assert summary["AccountMFAEnabled"] == 0
    session = labkit.Console(lab).sign_in_root(lab.root_email, lab.root_password)
    device = session.create_root_mfa_device()
    session.activate_root_mfa_device(*labkit.Authenticator(device.seed).pair())
    lab.client("iam").delete_access_key(AccessKeyId=lab.root.access_key_id)
    summary = auditor.get_account_summary()["SummaryMap"]
    assert summary["AccountAccessKeysPresent"] == 0
    assert summary["AccountMFAEnabled"] == 1


def _report(iam) -> tuple[list[dict[str, str]], datetime]:  # noqa: ANN001
    iam.generate_credential_report()
    got = iam.get_credential_report()
    rows = list(csv.DictReader(io.StringIO(got["Content"].decode())))
    return rows, got["GeneratedTime"]


def test_credential_report_has_roots_row_first(lab: labkit.Lab) -> None:
    iam = lab.client("iam")
    iam.create_user(UserName="alice-developer")
    iam.create_login_profile(UserName="alice-developer", Password="TempPassword123!")
    rows, generated = _report(iam)
    assert abs(generated - datetime.now(UTC)) < timedelta(minutes=1)  # not moto's fixed 2015 date
    root, alice = rows[0], rows[1]
    assert root["user"] == "<root_account>" and root["arn"] == ROOT_ARN
    assert root["password_enabled"] == "not_supported"
    assert root["password_next_rotation"] == "not_supported"
    assert root["password_last_changed"] == "not_supported"
    assert root["mfa_active"] == "false"
    assert root["access_key_1_active"] == "true"
    assert root["access_key_1_last_used_date"] != "N/A"  # this very call used it
    assert root["access_key_2_active"] == "false"
    assert alice["user"] == "alice-developer" and alice["password_enabled"] == "true"
    assert alice["password_last_used"] == "no_information"


def test_credential_report_is_a_snapshot_and_reports_real_sign_ins(lab: labkit.Lab) -> None:
    iam = lab.client("iam")
    with pytest.raises(ClientError, match="ReportNotPresent"):
        iam.get_credential_report()
    labkit.Console(lab).sign_in_root(lab.root_email, lab.root_password)
    rows, _ = _report(iam)
    used = datetime.fromisoformat(rows[0]["password_last_used"])
    assert abs(used - datetime.now(UTC)) < timedelta(minutes=1)


def test_user_names_are_unique_regardless_of_case(lab: labkit.Lab) -> None:
    iam = lab.client("iam")
    iam.create_user(UserName="alice-developer")
    with pytest.raises(ClientError) as err:
        iam.create_user(UserName="Alice-Developer")
    assert err.value.response["Error"]["Code"] == "EntityAlreadyExists"
    assert err.value.response["Error"]["Message"] == "User with name alice-developer already exists."


def test_a_bucket_policy_that_denies_everyone_denies_root_but_for_the_policy_itself(lab: labkit.Lab,
                                                                                    aws_cli) -> None:
    """Resource-based policies bind root: a bucket policy denying everyone refuses root too, and
    root keeps only GetBucketPolicy, PutBucketPolicy and DeleteBucketPolicy (S3 API reference,
    DeleteBucketPolicy). An IAM user named in the Deny is refused as well, even as an admin."""
    s3 = lab.client("s3")
    s3.create_bucket(Bucket="castle-treasury")
    s3.put_object(Bucket="castle-treasury", Key="gold.txt", Body=b"42")
    bucket = "arn:aws:s3:::castle-treasury"
    deny = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": [bucket, f"{bucket}/*"]}]}
    s3.put_bucket_policy(Bucket="castle-treasury", Policy=json.dumps(deny))
    with pytest.raises(ClientError) as err:
        s3.get_object(Bucket="castle-treasury", Key="gold.txt")
    assert err.value.response["Error"]["Message"] == (
        f'User: {ROOT_ARN} is not authorized to perform: s3:GetObject on resource: "{bucket}/gold.txt" '
        "with an explicit deny in a resource-based policy")
    listed = aws_cli("s3api", "list-objects-v2", "--bucket", "castle-treasury", check=False)
    assert "(AccessDenied)" in listed.stderr and "s3:ListBucket" in listed.stderr
    iam = lab.client("iam")
    iam.create_user(UserName="warden")
    iam.attach_user_policy(UserName="warden", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    warden = labkit.Credentials.from_response(iam.create_access_key(UserName="warden")["AccessKey"])
    with pytest.raises(ClientError, match="resource-based policy"):  # no root privilege for an admin
        lab.client("s3", credentials=warden).delete_bucket_policy(Bucket="castle-treasury")
    assert json.loads(s3.get_bucket_policy(Bucket="castle-treasury")["Policy"]) == deny  # root reads it
    aws_cli("s3api", "delete-bucket-policy", "--bucket", "castle-treasury")  # and unlocks the bucket
    assert s3.get_object(Bucket="castle-treasury", Key="gold.txt")["Body"].read() == b"42"
