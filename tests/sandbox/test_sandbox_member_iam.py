"""``lab.member_iam``: the window onto a member account's IAM that the identity-center checks read."""

from __future__ import annotations

import json

import pytest

import labkit


def test_a_member_accounts_reserved_role_and_users_are_read_and_the_management_account_refused(
        lab: labkit.Lab) -> None:
    lab.reset("organization")
    sso = lab.client("sso-admin")
    arn = sso.list_instances()["Instances"][0]["InstanceArn"]
    accounts = {a["Name"]: a["Id"] for a in lab.client("organizations").list_accounts()["Accounts"]}
    workloads = accounts["castle-workloads"]
    ps = sso.create_permission_set(InstanceArn=arn, Name="Developer")["PermissionSet"]["PermissionSetArn"]
    sso.attach_managed_policy_to_permission_set(InstanceArn=arn, PermissionSetArn=ps,
                                                ManagedPolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    inline = {"Version": "2012-10-17",
              "Statement": [{"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::b/*"}]}
    sso.put_inline_policy_to_permission_set(InstanceArn=arn, PermissionSetArn=ps,
                                            InlinePolicy=json.dumps(inline))
    before = lab.member_iam(workloads)
    assert before["Users"] == []
    assert [r["RoleName"] for r in before["Roles"]] == ["OrganizationAccountAccessRole"]
    sso.provision_permission_set(InstanceArn=arn, PermissionSetArn=ps, TargetId=workloads,
                                 TargetType="AWS_ACCOUNT")
    roles = lab.member_iam(workloads)["Roles"]
    [role] = [r for r in roles if r["RoleName"] != "OrganizationAccountAccessRole"]
    assert role["RoleName"].startswith("AWSReservedSSO_Developer_")
    assert role["Path"] == "/aws-reserved/sso.amazonaws.com/"
    assert role["ManagedPolicyArns"] == ["arn:aws:iam::aws:policy/ReadOnlyAccess"]
    assert list(role["InlinePolicies"].values()) == [inline]
    management = lab.client("organizations").describe_organization()["Organization"]["MasterAccountId"]
    with pytest.raises(ValueError, match="is not a member account"):
        lab.member_iam(management)
