"""Small steps the wrong answers share (each as a learner would type it, with boto3)."""

from __future__ import annotations

import json
from typing import Any

import labkit

MFA_OR_NOTHING = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "AllowListDevices", "Effect": "Allow", "Action": "iam:ListVirtualMFADevices",
         "Resource": "*"},
        {"Sid": "AllowCreateOwnDevice", "Effect": "Allow", "Action": "iam:CreateVirtualMFADevice",
         "Resource": "arn:aws:iam::*:mfa/*"},
        {"Sid": "AllowManageOwnMFA", "Effect": "Allow",
         "Action": ["iam:EnableMFADevice", "iam:GetUser", "iam:ListMFADevices", "iam:ResyncMFADevice"],
         "Resource": "arn:aws:iam::*:user/${aws:username}"},
        {"Sid": "DenyAllExceptListedIfNoMFA", "Effect": "Deny",
         "NotAction": ["iam:CreateVirtualMFADevice", "iam:EnableMFADevice", "iam:GetUser",
                       "iam:ListMFADevices", "iam:ListVirtualMFADevices", "iam:ResyncMFADevice",
                       "sts:GetSessionToken"],
         "Resource": "*", "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}},
    ],
}


def policy(*statements: tuple[str, str]) -> str:
    """An Allow-only policy document from (action, resource) pairs."""
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": action, "Resource": resource} for action, resource in statements]})


def read_only(bucket: str) -> str:
    """Reading one bucket: list it, get its objects."""
    return policy(("s3:ListBucket", f"arn:aws:s3:::{bucket}"), ("s3:GetObject", f"arn:aws:s3:::{bucket}/*"))


def keys_of(iam: Any, user: str) -> labkit.Credentials:
    """A new access key for ``user``, as credentials."""
    return labkit.Credentials.from_response(iam.create_access_key(UserName=user)["AccessKey"])


def enable_app(iam: Any, user: str) -> labkit.Authenticator:
    """Create and enable a virtual MFA device for ``user`` with ``iam`` (whoever signs it)."""
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName=user)["VirtualMFADevice"]
    phone = labkit.Authenticator(device["Base32StringSeed"])
    code1, code2 = phone.pair()
    iam.enable_mfa_device(UserName=user, SerialNumber=device["SerialNumber"],
                          AuthenticationCode1=code1, AuthenticationCode2=code2)
    return phone


def oidc_role(lab: labkit.Lab, name: str, sub: str | None = "repo:castle-co/app:ref:refs/heads/main") -> str:
    """An OIDC provider for GitHub's tokens and a role it may assume (``sub=None``: no sub condition)."""
    iam = lab.client("iam")
    provider = iam.create_open_id_connect_provider(
        Url="https://token.actions.githubusercontent.com", ClientIDList=["sts.amazonaws.com"],
        ThumbprintList=["6938fd4d98bab03faadb97b34396831e3780aea1"])["OpenIDConnectProviderArn"]
    condition: dict[str, Any] = {
        "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}}
    if sub:
        operator = "StringLike" if "*" in sub else "StringEquals"
        condition.setdefault(operator, {})["token.actions.githubusercontent.com:sub"] = sub
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Federated": provider}, "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": condition}]}
    return str(iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"])


def run_job(lab: labkit.Lab, role_arn: str) -> labkit.Credentials:
    """The CI job: trade its token for the role's credentials."""
    answer = lab.client("sts").assume_role_with_web_identity(
        RoleArn=role_arn, RoleSessionName="deploy", WebIdentityToken=lab.ci_token())
    return labkit.Credentials.from_response(answer["Credentials"])
