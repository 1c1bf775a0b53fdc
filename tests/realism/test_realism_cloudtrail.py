"""The activity log: CloudTrail event history of the sandbox's management events."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from botocore.exceptions import ClientError

import labkit
from labkit import Console
from labkit.clock import clock

ACCOUNT = "123456789012"


def _events(lab: labkit.Lab, **kwargs) -> list[dict]:
    return lab.client("cloudtrail", credentials=lab.auditor()).lookup_events(**kwargs)["Events"]


def _detail(event: dict) -> dict:
    return json.loads(event["CloudTrailEvent"])


def test_root_calls_are_recorded_even_after_its_key_is_deleted(lab: labkit.Lab) -> None:
    iam = lab.client("iam")
    iam.create_user(UserName="warden")
    iam.list_users()
    root_key = lab.root.access_key_id
    lab.use(labkit.Credentials.from_response(iam.create_access_key(UserName="warden")["AccessKey"]))
    lab.client("iam", credentials=lab.auditor()).attach_user_policy(
        UserName="warden", PolicyArn="arn:aws:iam::aws:policy/IAMFullAccess")
    lab.client("iam", credentials=lab.root).delete_access_key(AccessKeyId=root_key)
    by_root = _events(lab, LookupAttributes=[{"AttributeKey": "Username", "AttributeValue": "root"}])
    names = [e["EventName"] for e in by_root]
    assert names[:4] == ["DeleteAccessKey", "CreateAccessKey", "ListUsers", "CreateUser"]
    created = _detail(by_root[-1])
    assert created["userIdentity"]["type"] == "Root"
    assert created["userIdentity"]["arn"] == f"arn:aws:iam::{ACCOUNT}:root"
    assert created["userIdentity"]["accessKeyId"] == root_key
    assert created["eventSource"] == "iam.amazonaws.com" and created["awsRegion"] == "us-east-1"
    assert created["sourceIPAddress"] == "127.0.0.1"
    assert created["requestParameters"] == {"userName": "warden"}
    assert all(e["AccessKeyId"] == root_key for e in by_root)
    # the checks' auditor view leaves no trace
    assert "AttachUserPolicy" not in [e["EventName"] for e in _events(lab)]


def test_refused_calls_carry_error_code_and_message(lab: labkit.Lab) -> None:
    iam = lab.client("iam")
    iam.create_user(UserName="alice-developer")
    keys = labkit.Credentials.from_response(iam.create_access_key(UserName="alice-developer")["AccessKey"])
    with pytest.raises(ClientError):
        lab.client("iam", credentials=keys).create_user(UserName="mordred")
    event = _events(lab, LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "CreateUser"}])[0]
    detail = _detail(event)
    assert event["Username"] == "alice-developer"
    assert detail["userIdentity"]["type"] == "IAMUser"
    assert detail["userIdentity"]["userName"] == "alice-developer"
    assert detail["errorCode"] == "AccessDenied"
    assert "not authorized to perform: iam:CreateUser" in detail["errorMessage"]


def test_read_only_events_and_the_readonly_attribute(lab: labkit.Lab) -> None:
    lab.client("iam").list_users()
    lab.client("sts").get_caller_identity()
    lab.client("iam").create_group(GroupName="wardens")
    reads = _events(lab, LookupAttributes=[{"AttributeKey": "ReadOnly", "AttributeValue": "true"}])
    writes = _events(lab, LookupAttributes=[{"AttributeKey": "ReadOnly", "AttributeValue": "false"}])
    assert {"ListUsers", "GetCallerIdentity"} <= {e["EventName"] for e in reads}
    assert [e["EventName"] for e in writes] == ["CreateGroup"]
    sts = _events(lab, LookupAttributes=[{"AttributeKey": "EventSource",
                                          "AttributeValue": "sts.amazonaws.com"}])
    assert [e["EventName"] for e in sts] == ["GetCallerIdentity"]


def test_s3_object_reads_are_data_events_not_in_event_history(lab: labkit.Lab) -> None:
    s3 = lab.client("s3")
    s3.create_bucket(Bucket="castle-library")
    s3.put_object(Bucket="castle-library", Key="map.txt", Body=b"x")
    s3.get_object(Bucket="castle-library", Key="map.txt")
    names = [e["EventName"] for e in _events(lab)]
    assert "CreateBucket" in names
    assert not {"PutObject", "GetObject"} & set(names)


def test_time_range_and_one_attribute_only(lab: labkit.Lab) -> None:
    clock.freeze(datetime(2026, 3, 1, 12, tzinfo=UTC).timestamp())
    lab.client("iam").create_user(UserName="early")
    clock.advance(3600)
    lab.client("iam").create_user(UserName="late")
    start = datetime(2026, 3, 1, 12, 30, tzinfo=UTC)
    late = _events(lab, StartTime=start, LookupAttributes=[{"AttributeKey": "EventName",
                                                            "AttributeValue": "CreateUser"}])
    assert [_detail(e)["requestParameters"]["userName"] for e in late] == ["late"]
    early = _events(lab, EndTime=start)
    assert [e["EventName"] for e in early] == ["CreateUser"]
    ct = lab.client("cloudtrail", credentials=lab.auditor())
    with pytest.raises(ClientError) as err:
        ct.lookup_events(StartTime=start, EndTime=start - timedelta(hours=1))
    assert err.value.response["Error"]["Code"] == "InvalidTimeRangeException"
    with pytest.raises(ClientError) as err:
        ct.lookup_events(LookupAttributes=[{"AttributeKey": "Username", "AttributeValue": "root"},
                                           {"AttributeKey": "EventName", "AttributeValue": "CreateUser"}])
    assert err.value.response["Error"]["Code"] == "InvalidLookupAttributesException"
    clock.advance(91 * 86400)  # event history keeps 90 days
    assert _events(lab) == []


def test_pages_of_at_most_fifty(lab: labkit.Lab) -> None:
    iam = lab.client("iam")
    for _ in range(7):
        iam.list_users()
    ct = lab.client("cloudtrail", credentials=lab.auditor())
    first = ct.lookup_events(MaxResults=5)
    assert len(first["Events"]) == 5 and first["NextToken"]
    rest = ct.lookup_events(MaxResults=5, NextToken=first["NextToken"])
    assert len(rest["Events"]) == 2 and "NextToken" not in rest
    pages = ct.get_paginator("lookup_events").paginate()
    assert sum(len(p["Events"]) for p in pages) == 7


def test_console_sign_ins_are_console_login_events(lab: labkit.Lab) -> None:
    iam = lab.client("iam")
    iam.create_user(UserName="alice-developer")
    iam.create_login_profile(UserName="alice-developer", Password="Alice-Chose-This-2024!")
    console = Console(lab)
    console.sign_in(ACCOUNT, "alice-developer", "Alice-Chose-This-2024!")
    for user, password in (("alice-developer", "a-guess"), ("nobody", "a-guess")):
        with pytest.raises(labkit.SignInFailed):
            console.sign_in(ACCOUNT, user, password)
    console.sign_in_root(lab.root_email, lab.root_password)
    logins = _events(lab, LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "ConsoleLogin"}])
    details = [_detail(e) for e in logins]
    outcomes = [d["responseElements"]["ConsoleLogin"] for d in details]
    assert outcomes == ["Success", "Failure", "Failure", "Success"]
    assert details[0]["userIdentity"]["type"] == "Root"
    assert details[0]["additionalEventData"]["MFAUsed"] == "No"
    assert details[1]["userIdentity"]["userName"] == "HIDDEN_DUE_TO_SECURITY_REASONS"
    assert details[2]["errorMessage"] == "Failed authentication"
    assert all(d["eventSource"] == "signin.amazonaws.com" for d in details)


def test_lookup_events_through_the_cli(lab: labkit.Lab, aws_cli) -> None:
    lab.client("iam").create_user(UserName="warden")
    out = aws_cli("cloudtrail", "lookup-events", "--lookup-attributes",
                  "AttributeKey=Username,AttributeValue=root", "--max-results", "5")
    events = json.loads(out.stdout)["Events"]
    assert events[0]["EventName"] == "CreateUser"
    assert json.loads(events[0]["CloudTrailEvent"])["userIdentity"]["type"] == "Root"


def test_users_need_permission_to_read_the_trail(lab: labkit.Lab) -> None:
    iam = lab.client("iam")
    iam.create_user(UserName="auditor")
    keys = labkit.Credentials.from_response(iam.create_access_key(UserName="auditor")["AccessKey"])
    with pytest.raises(ClientError, match="cloudtrail:LookupEvents"):
        lab.client("cloudtrail", credentials=keys).lookup_events()
    iam.put_user_policy(UserName="auditor", PolicyName="read-trail", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "cloudtrail:LookupEvents", "Resource": "*"}]}))
    assert lab.client("cloudtrail", credentials=keys).lookup_events()["Events"]
