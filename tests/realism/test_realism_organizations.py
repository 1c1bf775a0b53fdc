"""Organizations and centralized root access: features, AssumeRoot, task policies."""

from __future__ import annotations

import json
import time

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

import labkit

AUDIT = "arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials"
DELETE = "arn:aws:iam::aws:policy/root-task/IAMDeleteRootUserCredentials"


@pytest.fixture
def org(lab: labkit.Lab) -> labkit.Lab:
    lab.reset("organization")
    return lab


@pytest.fixture
def admin(org: labkit.Lab) -> labkit.Credentials:
    """An administrator of the management account (AssumeRoot refuses root's own keys)."""
    iam = org.client("iam")
    iam.create_user(UserName="castle-admin")
    iam.attach_user_policy(UserName="castle-admin", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    return labkit.Credentials.from_response(iam.create_access_key(UserName="castle-admin")["AccessKey"])


def _members(lab: labkit.Lab) -> dict[str, str]:
    accounts = lab.client("organizations").list_accounts()["Accounts"]
    return {a["Name"]: a["Id"] for a in accounts if a["Id"] != lab.account_id}


def _enable_everything(lab: labkit.Lab, aws_cli) -> None:
    aws_cli("organizations", "enable-aws-service-access", "--service-principal", "iam.amazonaws.com")
    aws_cli("iam", "enable-organizations-root-credentials-management")
    aws_cli("iam", "enable-organizations-root-sessions")


def test_the_scenario_has_members_with_their_own_root(org: labkit.Lab) -> None:
    members = _members(org)
    assert set(members) == {"castle-workloads", "castle-archive"}
    description = org.client("organizations").describe_organization()["Organization"]
    assert description["MasterAccountId"] == "123456789012" and description["FeatureSet"] == "ALL"


def test_features_need_trusted_access_first(org: labkit.Lab, aws_cli) -> None:
    out = aws_cli("iam", "enable-organizations-root-credentials-management", check=False)
    assert "(ServiceAccessNotEnabledException)" in out.stderr
    assert "trusted access is not enabled for IAM in Organizations" in out.stderr
    _enable_everything(org, aws_cli)
    features = json.loads(aws_cli("iam", "list-organizations-features").stdout)
    assert sorted(features["EnabledFeatures"]) == ["RootCredentialsManagement", "RootSessions"]
    assert features["OrganizationId"].startswith("o-")


def test_without_an_organization(lab: labkit.Lab) -> None:
    with pytest.raises(ClientError) as err:
        lab.client("iam").list_organizations_features()
    assert err.value.response["Error"]["Code"] == "OrganizationNotFoundException"


def test_assume_root_audits_and_deletes_a_members_root_key(org: labkit.Lab, admin: labkit.Credentials,
                                                         aws_cli) -> None:
    _enable_everything(org, aws_cli)
    workloads = _members(org)["castle-workloads"]
    sts = org.client("sts", credentials=admin)
    audit = sts.assume_root(TargetPrincipal=workloads, TaskPolicyArn={"arn": AUDIT}, DurationSeconds=900)
    creds = labkit.Credentials.from_response(audit["Credentials"])
    as_member_root = org.client("iam", credentials=creds)
    who = org.client("sts", credentials=creds).get_caller_identity()
    assert who["Arn"] == f"arn:aws:iam::{workloads}:root"
    keys = as_member_root.list_access_keys()["AccessKeyMetadata"]
    assert len(keys) == 1
    assert as_member_root.get_login_profile()["LoginProfile"]
    assert as_member_root.list_mfa_devices()["MFADevices"] == []
    with pytest.raises(ClientError) as err:  # the audit task cannot delete
        as_member_root.delete_access_key(AccessKeyId=keys[0]["AccessKeyId"])
    assert err.value.response["Error"]["Code"] == "AccessDenied"
    with pytest.raises(ClientError, match="AccessDenied"):  # nor reach anything else
        as_member_root.list_users()
    # the delete task, through the CLI as the chapter does it
    org.use(admin)
    out = json.loads(aws_cli("sts", "assume-root", "--target-principal", workloads,
                             "--task-policy-arn", f"arn={DELETE}").stdout)
    org.use(labkit.Credentials.from_response(out["Credentials"]))
    aws_cli("iam", "delete-access-key", "--access-key-id", keys[0]["AccessKeyId"])
    aws_cli("iam", "delete-login-profile")
    assert json.loads(aws_cli("iam", "list-access-keys").stdout)["AccessKeyMetadata"] == []
    denied = aws_cli("iam", "get-account-summary", check=False)  # not part of the delete task
    assert "AccessDenied" in denied.stderr
    gone = aws_cli("iam", "get-login-profile", check=False)
    assert "NoSuchEntity" in gone.stderr
    # the session never touched the management account
    org.use(None)
    assert org.client("iam").get_account_summary()["SummaryMap"]["Users"] == 1


def test_assume_root_rules(org: labkit.Lab, admin: labkit.Credentials, aws_cli) -> None:
    workloads = _members(org)["castle-workloads"]
    sts = org.client("sts", credentials=admin)
    with pytest.raises(ClientError, match="RootSessions"):  # not enabled yet
        sts.assume_root(TargetPrincipal=workloads, TaskPolicyArn={"arn": AUDIT})
    _enable_everything(org, aws_cli)
    with pytest.raises(ClientError, match="root user credentials"):  # root may not
        org.client("sts").assume_root(TargetPrincipal=workloads, TaskPolicyArn={"arn": AUDIT})
    with pytest.raises(ClientError, match="not a root task policy"):
        sts.assume_root(TargetPrincipal=workloads,
                        TaskPolicyArn={"arn": "arn:aws:iam::aws:policy/AdministratorAccess"})
    with pytest.raises(ClientError, match="not a member account"):
        sts.assume_root(TargetPrincipal="123456789012", TaskPolicyArn={"arn": AUDIT})
    answer = sts.assume_root(TargetPrincipal=workloads, TaskPolicyArn={"arn": AUDIT})
    left = answer["Credentials"]["Expiration"].timestamp() - time.time()
    assert 800 < left <= 901
    org.use(admin)
    too_long = aws_cli("sts", "assume-root", "--target-principal", workloads, "--task-policy-arn",
                       f"arn={AUDIT}", "--duration-seconds", "1800", check=False)
    assert too_long.returncode != 0
    # AssumeRoot is recorded in the management account's trail
    trail = org.client("cloudtrail", credentials=org.auditor()).lookup_events(
        LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "AssumeRoot"}])["Events"]
    assert trail and trail[0]["Username"] == "castle-admin"


def test_calls_the_sandbox_cannot_serve_answer_at_once(lab: labkit.Lab) -> None:
    ec2 = lab.client("ec2", config=Config(retries={"mode": "standard", "max_attempts": 5}))
    started = time.monotonic()
    with pytest.raises(ClientError) as err:
        ec2.describe_instance_connect_endpoints()
    assert err.value.response["Error"]["Code"] == "NotImplemented"
    assert "not available in the IAM castle sandbox" in err.value.response["Error"]["Message"]
    assert err.value.response["ResponseMetadata"]["RetryAttempts"] == 0
    assert time.monotonic() - started < 30
    with pytest.raises(ClientError) as err:  # a service moto does not have at all (REST-JSON)
        lab.client("account").get_contact_information()
    assert err.value.response["Error"]["Code"] == "NotImplemented"
    assert "account:" in err.value.response["Error"]["Message"]


def test_a_root_session_ends_after_900_seconds_and_cannot_renew_itself(org: labkit.Lab,
                                                                        admin: labkit.Credentials,
                                                                        aws_cli) -> None:
    """Attacks: keep using an AssumeRoot session after it expired; renew it from inside; step
    outside its task (the audit task deletes nothing, wherever the request says it goes)."""
    from labkit.clock import clock

    _enable_everything(org, aws_cli)
    workloads = _members(org)["castle-workloads"]
    clock.freeze()
    try:
        answer = org.client("sts", credentials=admin).assume_root(
            TargetPrincipal=workloads, TaskPolicyArn={"arn": AUDIT}, DurationSeconds=900)
        creds = labkit.Credentials.from_response(answer["Credentials"])
        member_sts, member_iam = org.client("sts", credentials=creds), org.client("iam", credentials=creds)
        delete_task = {"arn": DELETE}
        for renew in (lambda: member_sts.get_session_token(),
                      lambda: member_sts.assume_root(TargetPrincipal=workloads, TaskPolicyArn=delete_task)):
            with pytest.raises(ClientError) as err:
                renew()
            assert err.value.response["Error"]["Code"] in ("AccessDenied", "NotImplemented")
        key = member_iam.list_access_keys()["AccessKeyMetadata"][0]["AccessKeyId"]
        with pytest.raises(ClientError, match="AccessDenied"):
            member_iam.delete_access_key(AccessKeyId=key, UserName="castle-admin")
        clock.advance(899)
        assert member_sts.get_caller_identity()["Arn"] == f"arn:aws:iam::{workloads}:root"
        clock.advance(2)
        with pytest.raises(ClientError) as err:
            member_sts.get_caller_identity()
        assert err.value.response["Error"]["Code"] == "ExpiredToken"
    finally:
        clock.unfreeze()
    assert len(org.client("iam").list_users()["Users"]) == 1  # the management account untouched


def test_an_scp_limits_a_member_accounts_root_once_enabled(org: labkit.Lab, admin: labkit.Credentials,
                                                           aws_cli) -> None:
    """SCPs cap every principal of a member account, its root included (AWS: "SCPs affect ... the
    root user"), never the management account; they apply once enabled on the organization's root."""
    _enable_everything(org, aws_cli)
    members, orgs = _members(org), org.client("organizations")
    deny = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Action": "iam:CreateLoginProfile", "Resource": "*"}]})
    summary = orgs.create_policy(Name="no-root-password", Type="SERVICE_CONTROL_POLICY", Description="d",
                                 Content=deny)["Policy"]["PolicySummary"]
    scp = summary["Id"]
    orgs.attach_policy(PolicyId=scp, TargetId=members["castle-archive"])

    def create_root_password(account: str) -> str:
        task = {"arn": "arn:aws:iam::aws:policy/root-task/IAMCreateRootUserPassword"}
        sts = org.client("sts", credentials=admin)
        session = sts.assume_root(TargetPrincipal=account, TaskPolicyArn=task)
        iam = org.client("iam", credentials=labkit.Credentials.from_response(session["Credentials"]))
        try:
            iam.create_login_profile()
            return "created"
        except ClientError as err:
            return f'{err.response["Error"]["Code"]}: {err.response["Error"]["Message"]}'

    assert create_root_password(members["castle-archive"]).startswith("EntityAlreadyExists")  # not enabled
    orgs.enable_policy_type(RootId=orgs.list_roots()["Roots"][0]["Id"], PolicyType="SERVICE_CONTROL_POLICY")
    refused = create_root_password(members["castle-archive"])
    assert refused.startswith("AccessDenied")
    # since January 2026 the message ends with the denying SCP's ARN (same organization)
    assert refused.endswith(f"with an explicit deny in a service control policy: {summary['Arn']}")
    assert create_root_password(members["castle-workloads"]).startswith("EntityAlreadyExists")  # no SCP there
    org.client("iam").create_user(UserName="still-free")  # the management account is never limited


def test_a_root_sessions_actions_are_in_the_members_event_history(org: labkit.Lab, admin: labkit.Credentials,
                                                                  aws_cli) -> None:
    """AssumeRoot is logged in the management account; what the session does, in the member
    account as its root ("Track privileged tasks in AWS CloudTrail", IAM User Guide)."""
    _enable_everything(org, aws_cli)
    workloads = _members(org)["castle-workloads"]
    audit = org.client("sts", credentials=admin).assume_root(
        TargetPrincipal=workloads, TaskPolicyArn={"arn": AUDIT})
    creds = labkit.Credentials.from_response(audit["Credentials"])
    org.client("iam", credentials=creds).list_access_keys()
    mine = [e["EventName"] for e in org.client("cloudtrail").lookup_events()["Events"]]
    assert "AssumeRoot" in mine and "ListAccessKeys" not in mine
    theirs = org.member_event_history(workloads)
    assert [e["EventName"] for e in theirs] == ["ListAccessKeys"]
    detail = json.loads(theirs[0]["CloudTrailEvent"])
    assert detail["userIdentity"]["type"] == "Root"
    assert detail["userIdentity"]["arn"] == f"arn:aws:iam::{workloads}:root"
    assert theirs[0]["AccessKeyId"] == creds.access_key_id and detail["recipientAccountId"] == workloads
    assert org.member_event_history(_members(org)["castle-archive"]) == []
    with pytest.raises(ValueError, match="not a member account"):
        org.member_event_history("123456789012")
