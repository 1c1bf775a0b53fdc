"""IAM Identity Center in the sandbox: the instance, provisioning, Alice's sign-in (portal, OIDC,
botocore's own SSO provider reading labkit.sso_login's cache), expiry, and the leaver refused.

Through boto3 and the real ``aws`` program against the TCP server (the session's sandbox), and
once end to end in a fresh process with ``labkit.start(in_process=True)`` and in-kernel ``aws``.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

import labkit
from labkit.access_portal import IdentityCenter, PortalError, cache_path
from labkit.clock import clock

# The sign-in's OIDC client and the `aws` program reach the sandbox named by the process's
# environment, which is the server's; the in-process sandbox is tested end to end in a fresh
# process of its own (test_in_process_sandbox_signs_alice_in_too).
pytestmark = pytest.mark.server_only("the sign-in reaches the sandbox the environment names")

PASSWORD = "Alice-Own-Passw0rd!"
INLINE = {"Version": "2012-10-17",
          "Statement": [{"Effect": "Deny", "Action": "iam:GetAccountSummary", "Resource": "*"}]}
ROLE = re.compile(r"AWSReservedSSO_ReadOnly_[0-9a-f]{16}")


@dataclass
class Alice:
    lab: labkit.Lab
    ic: IdentityCenter
    workloads: str
    user_id: str
    group_id: str
    ps_arn: str
    phone: labkit.Authenticator


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A home of its own: botocore's SSO cache (``~/.aws/sso/cache``) and the CLI's cache, for the
    ``aws`` program (HOME) and this process's botocore (which read HOME when it was imported)."""
    from botocore.credentials import SSOProvider
    from botocore.tokens import SSOTokenProvider

    monkeypatch.setenv("HOME", str(tmp_path))
    for provider in (SSOProvider, SSOTokenProvider):
        monkeypatch.setattr(provider, "_SSO_TOKEN_CACHE_DIR", str(tmp_path / ".aws" / "sso" / "cache"))
    return tmp_path


def _cli(lab: labkit.Lab, *args: str) -> subprocess.CompletedProcess[str]:
    exe = str(Path(sys.executable).parent / "aws")
    return subprocess.run([exe, *args], capture_output=True, text=True, env={**os.environ, **lab.env},
                          timeout=60)


def _error(call) -> str:  # noqa: ANN001
    try:
        call()
    except ClientError as err:
        return f"{err.response['Error']['Code']}: {err.response['Error']['Message']}"
    return "no error"


def _alice(lab: labkit.Lab, aws_cli=None) -> Alice:  # noqa: ANN001
    """The chapter's path: Alice in the identity store, a group, a permission set, an assignment
    (through `aws` when ``aws_cli`` is given, else boto3), her first portal sign-in, and her CLI
    profile."""
    lab.reset("identity-center")
    ic = lab.identity_center
    members = {a["Name"]: a["Id"] for a in lab.client("organizations").list_accounts()["Accounts"]}
    work = members["castle-workloads"]
    if aws_cli is not None:
        store = ("--identity-store-id", ic.identity_store_id)
        user_id = json.loads(aws_cli("identitystore", "create-user", *store, "--user-name", "alice",
                                     "--display-name", "Alice", "--name",
                                     "GivenName=Alice,FamilyName=Castle").stdout)["UserId"]
        group_id = json.loads(aws_cli("identitystore", "create-group", *store, "--display-name",
                                      "developers").stdout)["GroupId"]
        aws_cli("identitystore", "create-group-membership", *store, "--group-id", group_id,
                "--member-id", f"UserId={user_id}")
        inst = ("--instance-arn", ic.instance_arn)
        ps_arn = json.loads(aws_cli("sso-admin", "create-permission-set", *inst, "--name", "ReadOnly",
                                    "--session-duration", "PT2H").stdout)["PermissionSet"]["PermissionSetArn"]
        ps = ("--permission-set-arn", ps_arn)
        aws_cli("sso-admin", "attach-managed-policy-to-permission-set", *inst, *ps,
                "--managed-policy-arn", "arn:aws:iam::aws:policy/ReadOnlyAccess")
        aws_cli("sso-admin", "put-inline-policy-to-permission-set", *inst, *ps, "--inline-policy",
                json.dumps(INLINE))
        aws_cli("sso-admin", "create-account-assignment", *inst, *ps, "--target-id", work,
                "--target-type", "AWS_ACCOUNT", "--principal-type", "GROUP", "--principal-id", group_id)
    else:
        ids, sa = lab.client("identitystore"), lab.client("sso-admin")
        user_id = ids.create_user(IdentityStoreId=ic.identity_store_id, UserName="alice", DisplayName="Alice",
                                  Name={"GivenName": "Alice", "FamilyName": "Castle"})["UserId"]
        group_id = ids.create_group(IdentityStoreId=ic.identity_store_id, DisplayName="developers")["GroupId"]
        ids.create_group_membership(IdentityStoreId=ic.identity_store_id, GroupId=group_id,
                                    MemberId={"UserId": user_id})
        inst_ps = {"InstanceArn": ic.instance_arn}
        ps_arn = sa.create_permission_set(**inst_ps, Name="ReadOnly", SessionDuration="PT2H")[
            "PermissionSet"]["PermissionSetArn"]
        inst_ps["PermissionSetArn"] = ps_arn
        sa.attach_managed_policy_to_permission_set(**inst_ps,
                                                   ManagedPolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
        sa.put_inline_policy_to_permission_set(**inst_ps, InlinePolicy=json.dumps(INLINE))
        sa.create_account_assignment(**inst_ps, TargetId=work, TargetType="AWS_ACCOUNT",
                                     PrincipalType="GROUP", PrincipalId=group_id)
    portal = ic.portal()
    assert portal.sign_in("alice", ic.one_time_password("alice")) == "new-password-required"
    with pytest.raises(PortalError, match="8 to 64 characters"):
        portal.set_password("short")
    assert portal.set_password(PASSWORD) == "mfa-registration-required"
    phone = portal.register_authenticator()
    with pytest.raises(PortalError, match="not valid"):
        portal.confirm_authenticator("000000" if phone.code() != "000000" else "111111")
    assert portal.confirm_authenticator(phone.code()) == "signed-in"
    with open(lab.env["AWS_CONFIG_FILE"], "a", encoding="utf-8") as f:
        f.write(f"\n[profile alice-dev]\nsso_session = alice-dev\nsso_account_id = {work}\n"
                "sso_role_name = ReadOnly\nregion = us-east-1\n")
    return Alice(lab, ic, work, user_id, group_id, ps_arn, phone)


def _login(alice: Alice) -> dict[str, str]:
    return labkit.sso_login("alice-dev", user="alice", password=PASSWORD, mfa=alice.phone, quiet=True)


def _portal_client():  # noqa: ANN202
    return boto3.client("sso", region_name="us-east-1", config=Config(signature_version=UNSIGNED))


def test_the_gatehouse_and_provisioning(lab: labkit.Lab, aws_cli, home: Path) -> None:
    assert lab.client("sso-admin").list_instances()["Instances"] == []  # a standalone account: not enabled
    with pytest.raises(PortalError, match="not enabled"):
        _ = lab.identity_center
    lab.reset("organization")
    listed = json.loads(aws_cli("sso-admin", "list-instances").stdout)["Instances"]
    assert len(listed) == 1
    assert re.fullmatch(r"arn:aws:sso:::instance/ssoins-[0-9a-z]{16}", listed[0]["InstanceArn"])
    assert listed[0]["IdentityStoreId"] == lab.identity_center.identity_store_id
    alice = _alice(lab, aws_cli)
    ic = alice.ic
    assert re.fullmatch(r"d-[0-9a-z]{10}", ic.identity_store_id)
    assert ic.start_url == f"https://{ic.identity_store_id}.awsapps.com/start" and ic.region == "us-east-1"
    _login(alice)
    iam = boto3.Session(profile_name="alice-dev").client("iam")  # reads the member account's IAM
    roles = [r for r in iam.list_roles()["Roles"] if r["RoleName"].startswith("AWSReservedSSO_")]
    assert len(roles) == 1 and ROLE.fullmatch(roles[0]["RoleName"])
    role = iam.get_role(RoleName=roles[0]["RoleName"])["Role"]
    assert role["Path"] == "/aws-reserved/sso.amazonaws.com/" and role["MaxSessionDuration"] == 7200
    path = "role/aws-reserved/sso.amazonaws.com/"
    assert role["Arn"] == f"arn:aws:iam::{alice.workloads}:{path}{role['RoleName']}"
    principal = role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["Federated"]
    assert re.fullmatch(rf"arn:aws:iam::{alice.workloads}:saml-provider/AWSSSO_[0-9A-F]{{16}}_DO_NOT_DELETE",
                        principal)
    attached = iam.list_attached_role_policies(RoleName=role["RoleName"])["AttachedPolicies"]
    assert [p["PolicyArn"] for p in attached] == ["arn:aws:iam::aws:policy/ReadOnlyAccess"]
    assert iam.list_role_policies(RoleName=role["RoleName"])["PolicyNames"] == ["AwsSSOInlinePolicy"]
    # Provisioning again (the CLI's provision-permission-set) keeps the role and its suffix, and
    # carries a changed inline policy over to it.
    inst = ("--instance-arn", ic.instance_arn, "--permission-set-arn", alice.ps_arn)
    aws_cli("sso-admin", "delete-inline-policy-from-permission-set", *inst)
    aws_cli("sso-admin", "provision-permission-set", *inst, "--target-type", "AWS_ACCOUNT",
            "--target-id", alice.workloads)  # the assignment provisioned it once already
    sso_admin = lab.client("sso-admin")
    assert sso_admin.list_permission_sets_provisioned_to_account(
        InstanceArn=ic.instance_arn, AccountId=alice.workloads)["PermissionSets"] == [alice.ps_arn]
    assert sso_admin.list_accounts_for_provisioned_permission_set(
        InstanceArn=ic.instance_arn, PermissionSetArn=alice.ps_arn)["AccountIds"] == [alice.workloads]
    again = [r["RoleName"] for r in iam.list_roles()["Roles"] if r["RoleName"].startswith("AWSReservedSSO_")]
    assert again == [role["RoleName"]]
    assert iam.list_role_policies(RoleName=role["RoleName"])["PolicyNames"] == []


def test_alice_signs_in_and_botocore_uses_the_cache(lab: labkit.Lab, aws_cli, home: Path) -> None:
    alice = _alice(lab)
    portal = alice.ic.portal()
    wrong = "000000" if alice.phone.code() != "000000" else "111111"
    with pytest.raises(PortalError, match="MFA code is not valid"):
        portal.sign_in("alice", PASSWORD, wrong)
    with pytest.raises(PortalError, match="Incorrect username or password"):
        portal.sign_in("alice", "Not-Her-Passw0rd!", alice.phone.code())
    cached = _login(alice)
    on_disk = json.loads(cache_path("alice-dev").read_text())
    # The token sits in the lab's private folder, where the kernel's botocore and every `aws` the
    # lab runs (the guard plugin) look for it: never in the learner's real ~/.aws/sso/cache.
    assert cache_path("alice-dev").parent == Path(os.environ["LABKIT_SSO_CACHE"])
    assert not (home / ".aws" / "sso" / "cache").exists()
    assert cache_path("alice-dev").stat().st_mode & 0o077 == 0
    assert on_disk == cached
    assert set(on_disk) == {"startUrl", "region", "accessToken", "expiresAt", "clientId", "clientSecret",
                            "registrationExpiresAt", "refreshToken"}
    arn = f"arn:aws:sts::{alice.workloads}:assumed-role/"
    cli = aws_cli("--profile", "alice-dev", "sts", "get-caller-identity")
    assert re.fullmatch(re.escape(arn) + ROLE.pattern + "/alice", json.loads(cli.stdout)["Arn"])
    session = boto3.Session(profile_name="alice-dev")
    assert session.client("sts").get_caller_identity()["Arn"] == json.loads(cli.stdout)["Arn"]
    iam = session.client("iam")
    assert iam.list_users()["Users"] == []  # the member account's IAM: no users there
    denied = _error(lambda: iam.create_user(UserName="mallory"))
    assert denied.startswith(f"AccessDenied: User: {arn}") and "iam:CreateUser" in denied
    assert "explicit deny" in _error(iam.get_account_summary)  # the permission set's inline policy
    refused = aws_cli("--profile", "alice-dev", "iam", "create-user", "--user-name", "mallory", check=False)
    assert refused.returncode != 0 and "(AccessDenied)" in refused.stderr
    events = lab.member_event_history(alice.workloads)
    names = {e["EventName"] for e in events}
    assert {"AssumeRoleWithSAML", "GetCallerIdentity", "ListUsers", "CreateUser"} <= names
    saml = next(e for e in events if e["EventName"] == "AssumeRoleWithSAML")
    federation = json.loads(saml["CloudTrailEvent"])
    assert federation["userIdentity"]["type"] == "SAMLUser"
    assert federation["userIdentity"]["userName"] == "alice"
    assert ROLE.search(federation["requestParameters"]["roleArn"])
    record = json.loads(next(e for e in events if e["EventName"] == "CreateUser")["CloudTrailEvent"])
    assert record["userIdentity"]["type"] == "AssumedRole" and record["errorCode"] == "AccessDenied"
    assert re.fullmatch(r"AROA\w+:alice", record["userIdentity"]["principalId"])
    assert ROLE.fullmatch(record["userIdentity"]["sessionContext"]["sessionIssuer"]["userName"])
    assert all(e["Username"] == "alice" for e in events)
    management = lab.client("cloudtrail").lookup_events()["Events"]
    assert not [e for e in management if e["Username"] == "alice"]  # not in the management account's
    # botocore refreshes a token that expires within 15 minutes with the refresh token, and writes
    # the new one to the cache: the sandbox's refresh grant, driven by botocore's own provider.
    soon = (datetime.now(UTC) + timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    cache_path("alice-dev").write_text(json.dumps({**on_disk, "expiresAt": soon}))
    again = boto3.Session(profile_name="alice-dev").client("sts").get_caller_identity()
    assert again["Arn"].endswith("/alice")
    refreshed = json.loads(cache_path("alice-dev").read_text())
    assert refreshed["accessToken"] != on_disk["accessToken"]
    assert refreshed["refreshToken"] != on_disk["refreshToken"]


def test_tokens_and_credentials_expire_as_aws_s_do(lab: labkit.Lab, aws_cli, home: Path) -> None:
    alice = _alice(lab)
    oidc = boto3.client("sso-oidc", region_name="us-east-1", config=Config(signature_version=UNSIGNED))
    client = json.loads(aws_cli("sso-oidc", "register-client", "--client-name", "test", "--client-type",
                                "public").stdout)  # through `aws` as well as boto3
    assert client["clientSecretExpiresAt"] - client["clientIdIssuedAt"] == 90 * 86400
    ids = {"clientId": client["clientId"], "clientSecret": client["clientSecret"]}
    device = oidc.start_device_authorization(**ids, startUrl=alice.ic.start_url)
    assert device["expiresIn"] == 600 and re.fullmatch(r"[A-Z]{4}-[A-Z]{4}", device["userCode"])
    grant = {**ids, "grantType": "urn:ietf:params:oauth:grant-type:device_code"}
    assert _error(lambda: oidc.create_token(**grant, deviceCode=device["deviceCode"])) == \
        "AuthorizationPendingException: "  # OAuth's error_description, no message: as AWS answers
    assert _error(lambda: oidc.create_token(**grant, deviceCode="nope")).startswith("InvalidGrantException")
    assert _error(lambda: oidc.create_token(**{**grant, "clientSecret": "x"}, deviceCode=device["deviceCode"])
                  ).startswith("InvalidClientException")
    clock.freeze()
    clock.advance(601)
    assert _error(lambda: oidc.create_token(**grant, deviceCode=device["deviceCode"])).startswith(
        "ExpiredTokenException")
    cached = _login(alice)
    portal = _portal_client()
    creds = portal.get_role_credentials(accessToken=cached["accessToken"], accountId=alice.workloads,
                                        roleName="ReadOnly")["roleCredentials"]
    assert creds["expiration"] // 1000 == int(clock.now()) + 7200  # the permission set's PT2H
    keys = labkit.Credentials(creds["accessKeyId"], creds["secretAccessKey"], creds["sessionToken"])
    clock.advance(3601)  # the access token lasts an hour; a refresh token gets the next one
    assert _error(lambda: portal.list_accounts(accessToken=cached["accessToken"])) == \
        "UnauthorizedException: Session token not found or invalid"
    refreshed = oidc.create_token(clientId=cached["clientId"], clientSecret=cached["clientSecret"],
                                  grantType="refresh_token", refreshToken=cached["refreshToken"])
    accounts = portal.list_accounts(accessToken=refreshed["accessToken"])["accountList"]
    assert [(a["accountId"], a["accountName"]) for a in accounts] == [(alice.workloads, "castle-workloads")]
    assert _error(lambda: oidc.create_token(clientId=cached["clientId"], clientSecret=cached["clientSecret"],
                                            grantType="refresh_token", refreshToken=cached["refreshToken"])
                  ).startswith("InvalidGrantException")  # a refresh token is used once
    assert lab.client("sts", credentials=keys).get_caller_identity()["Account"] == alice.workloads
    clock.advance(3600)  # the role's credentials: PT2H
    expired = _error(lambda: lab.client("sts", credentials=keys).get_caller_identity())
    assert expired.startswith("ExpiredToken")
    clock.advance(6 * 3600)  # the portal session (8 hours) is over: sign in again
    assert _error(lambda: oidc.create_token(clientId=cached["clientId"], clientSecret=cached["clientSecret"],
                                            grantType="refresh_token", refreshToken=refreshed["refreshToken"])
                  ).startswith("InvalidGrantException")
    out = aws_cli("--profile", "alice-dev", "sts", "get-caller-identity", check=False)
    assert out.returncode != 0 and "sso login" in out.stderr  # botocore's own message


def test_one_place_removes_a_leaver(lab: labkit.Lab, aws_cli, home: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    alice = _alice(lab)
    token = _login(alice)["accessToken"]
    portal = _portal_client()
    get = {"accessToken": token, "accountId": alice.workloads, "roleName": "ReadOnly"}
    assert portal.list_account_roles(accessToken=token, accountId=alice.workloads)["roleList"] == [
        {"roleName": "ReadOnly", "accountId": alice.workloads}]
    assert _error(lambda: portal.get_role_credentials(**{**get, "roleName": "Admin"})) == \
        "ForbiddenException: No access"
    with pytest.raises(ClientError) as refused:
        portal.get_role_credentials(**{**get, "roleName": "Admin"})
    labkit.explain(refused.value)
    assert "AWS says: No access" in capsys.readouterr().out
    ids = lab.client("identitystore")
    described = {"IdentityStoreId": alice.ic.identity_store_id, "UserId": alice.user_id}
    assert ids.describe_user(**described)["UserStatus"] == "ENABLED"
    alice.ic.disable_user("alice")
    assert ids.describe_user(**described)["UserStatus"] == "DISABLED"
    assert _error(lambda: portal.get_role_credentials(**get)) == \
        "UnauthorizedException: Session token not found or invalid"
    out = aws_cli("--profile", "alice-dev", "sts", "get-caller-identity", check=False)
    assert out.returncode != 0 and "expired or is otherwise invalid" in out.stderr
    out = aws_cli("sso", "get-role-credentials", "--access-token", token, "--account-id", alice.workloads,
                  "--role-name", "ReadOnly", check=False)  # the portal API through `aws` (v1 has it)
    assert "(UnauthorizedException) when calling the GetRoleCredentials operation: " \
           "Session token not found or invalid" in out.stderr
    with pytest.raises(PortalError, match="disabled"):
        alice.ic.portal().sign_in("alice", PASSWORD, alice.phone.code())
    alice.ic.enable_user("alice")
    assert portal.get_role_credentials(**get)["roleCredentials"]["accessKeyId"].startswith("ASIA")
    store = ("--identity-store-id", alice.ic.identity_store_id)
    membership = json.loads(aws_cli("identitystore", "get-group-membership-id", *store, "--group-id",
                                    alice.group_id, "--member-id", f"UserId={alice.user_id}").stdout)
    aws_cli("identitystore", "delete-group-membership", *store, "--membership-id", membership["MembershipId"])
    assert _error(lambda: portal.get_role_credentials(**get)) == "ForbiddenException: No access"
    aws_cli("identitystore", "create-group-membership", *store, "--group-id", alice.group_id,
            "--member-id", f"UserId={alice.user_id}")
    creds = portal.get_role_credentials(**get)["roleCredentials"]
    keys = labkit.Credentials(creds["accessKeyId"], creds["secretAccessKey"], creds["sessionToken"])
    aws_cli("sso-admin", "delete-account-assignment", "--instance-arn", alice.ic.instance_arn,
            "--permission-set-arn", alice.ps_arn, "--target-id", alice.workloads,
            "--target-type", "AWS_ACCOUNT", "--principal-type", "GROUP", "--principal-id", alice.group_id)
    assert _error(lambda: portal.get_role_credentials(**get)) == "ForbiddenException: No access"
    # The last assignment gone, Identity Center deletes the role: its sessions stop working.
    assert _error(lambda: lab.client("sts", credentials=keys).get_caller_identity()).startswith(
        "InvalidClientTokenId")
    portal.logout(accessToken=token)
    assert _error(lambda: portal.list_accounts(accessToken=token)).startswith("UnauthorizedException")


def test_a_passkey_and_the_pkce_flow(lab: labkit.Lab, home: Path) -> None:
    """Bob registers a passkey as his MFA device and signs in to the CLI the way CLI v2 does by
    default (the authorization code grant with PKCE); a wrong verifier gets no token."""
    alice = _alice(lab)
    ids = lab.client("identitystore")
    bob = ids.create_user(IdentityStoreId=alice.ic.identity_store_id, UserName="bob", DisplayName="Bob",
                          Name={"GivenName": "Bob", "FamilyName": "Castle"})["UserId"]
    ids.create_group_membership(IdentityStoreId=alice.ic.identity_store_id, GroupId=alice.group_id,
                                MemberId={"UserId": bob})
    portal = alice.ic.portal()
    portal.sign_in("bob", alice.ic.one_time_password("bob"))
    assert portal.set_password("Bob-Own-Passw0rd!") == "mfa-registration-required"
    key = labkit.SecurityKey("bob's key")
    assert alice.ic.user("bob")["mfa_devices"] == [] and alice.ic.user("bob")["password"] == "own"
    assert portal.register_passkey(key) == "signed-in"
    assert alice.ic.user("bob")["mfa_devices"] == [{"name": "passkey", "type": "passkey"}]
    assert alice.ic.user("alice")["mfa_devices"] == [{"name": "authenticator", "type": "authenticator app"}]
    assert alice.ic.portal().sign_in("bob", "Bob-Own-Passw0rd!") == "mfa-required"  # no factor: no way in
    with pytest.raises(labkit.passkey.NoPasskeyForThisSite):  # another key has no passkey for the portal
        alice.ic.portal().sign_in("bob", "Bob-Own-Passw0rd!", passkey=labkit.SecurityKey("a stranger's"))
    labkit.sso_login("bob-dev", user="bob", password="Bob-Own-Passw0rd!", mfa=key, flow="pkce", quiet=True)
    with open(lab.env["AWS_CONFIG_FILE"], "a", encoding="utf-8") as f:
        f.write(f"\n[profile bob-dev]\nsso_session = bob-dev\nsso_account_id = {alice.workloads}\n"
                "sso_role_name = ReadOnly\n")
    oidc = boto3.client("sso-oidc", region_name="us-east-1", config=Config(signature_version=UNSIGNED))
    redirect = "http://127.0.0.1:49152/oauth/callback"
    client = oidc.register_client(clientName="x", clientType="public", redirectUris=[redirect],
                                  grantTypes=["authorization_code"])
    bob_portal = alice.ic.portal()
    bob_portal.sign_in("bob", "Bob-Own-Passw0rd!", passkey=key)
    back = bob_portal.allow_access({"client_id": client["clientId"], "redirect_uri": redirect, "state": "s1",
                                    "code_challenge_method": "S256", "code_challenge": "A" * 43})
    code = re.search(r"code=([^&]+)", back)
    assert back.startswith(redirect + "?") and "state=s1" in back and code is not None
    assert _error(lambda: oidc.create_token(clientId=client["clientId"], clientSecret=client["clientSecret"],
                                            grantType="authorization_code", code=code.group(1),
                                            redirectUri=redirect, codeVerifier="not-the-verifier")
                  ).startswith("InvalidGrantException")
    arn = boto3.Session(profile_name="bob-dev").client("sts").get_caller_identity()["Arn"]
    assert arn.startswith(f"arn:aws:sts::{alice.workloads}:assumed-role/AWSReservedSSO_ReadOnly_")
    assert arn.endswith("/bob")


def test_labkit_sso_login_in_a_shell(lab: labkit.Lab, aws_cli, home: Path) -> None:
    alice = _alice(lab)
    exe = str(Path(sys.executable).parent / "labkit")
    env = {**os.environ, **lab.env}
    for key, value in (("sso_session", "alice-shell"), ("sso_account_id", alice.workloads),
                       ("sso_role_name", "ReadOnly")):  # the profile written the CLI's way
        aws_cli("configure", "set", key, value, "--profile", "alice-shell")
    base = [exe, "sso", "login", "--profile", "alice-shell", "--user", "alice", "--password", PASSWORD]
    wrong = "000000" if alice.phone.code() != "000000" else "111111"
    refused = subprocess.run([*base, "--mfa-code", wrong], capture_output=True, text=True, env=env,
                             timeout=60)
    assert refused.returncode == 1 and "MFA code is not valid" in refused.stdout
    done = subprocess.run([*base, "--mfa-code", alice.phone.code()], capture_output=True, text=True, env=env,
                          timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Then enter the code:" in done.stdout
    assert "https://device.sso.us-east-1.amazonaws.com/" in done.stdout
    assert f"Successfully logged into Start URL: {alice.ic.start_url}" in done.stdout
    assert "[sso-session alice-shell]" in Path(lab.env["AWS_CONFIG_FILE"]).read_text()
    who = aws_cli("--profile", "alice-shell", "sts", "get-caller-identity").stdout
    assert json.loads(who)["Arn"].endswith("/alice")


IN_PROCESS = textwrap.dedent("""
    import json, os, sys, tempfile
    os.environ["HOME"] = tempfile.mkdtemp()
    connects = []
    sys.addaudithook(lambda event, args: connects.append(str(args[1])) if event == "socket.connect" else None)
    import boto3, labkit
    from labkit import aws_in_kernel
    lab = labkit.start("identity-center", in_process=True, quiet=True)
    ic = lab.identity_center
    accounts = boto3.client("organizations").list_accounts()["Accounts"]
    work = next(a["Id"] for a in accounts if a["Name"] == "castle-workloads")
    ids, sa = boto3.client("identitystore"), boto3.client("sso-admin")
    uid = ids.create_user(IdentityStoreId=ic.identity_store_id, UserName="alice", DisplayName="Alice",
                          Name={"GivenName": "Alice", "FamilyName": "Castle"})["UserId"]
    made = sa.create_permission_set(InstanceArn=ic.instance_arn, Name="ReadOnly")
    ps = made["PermissionSet"]["PermissionSetArn"]
    sa.attach_managed_policy_to_permission_set(InstanceArn=ic.instance_arn, PermissionSetArn=ps,
                                               ManagedPolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    sa.create_account_assignment(InstanceArn=ic.instance_arn, TargetId=work, TargetType="AWS_ACCOUNT",
                                 PermissionSetArn=ps, PrincipalType="USER", PrincipalId=uid)
    portal = ic.portal()
    portal.sign_in("alice", ic.one_time_password("alice"))
    portal.set_password("Alice-Own-Passw0rd!")
    phone = portal.register_authenticator()
    portal.confirm_authenticator(phone.code())
    with open(os.environ["AWS_CONFIG_FILE"], "a") as f:
        f.write(f"\\n[profile alice-dev]\\nsso_session = alice-dev\\nsso_account_id = {work}\\n"
                "sso_role_name = ReadOnly\\n")
    labkit.sso_login("alice-dev", user="alice", password="Alice-Own-Passw0rd!", mfa=phone, quiet=True)
    out = {"boto3": boto3.Session(profile_name="alice-dev").client("sts").get_caller_identity()["Arn"]}
    cli = aws_in_kernel.run(["--profile", "alice-dev", "sts", "get-caller-identity", "--query", "Arn",
                             "--output", "text"])
    out["cli"] = [cli.status, cli.output.decode().strip()]
    lab.stop()
    out["connects"] = connects
    print(json.dumps(out))
""")


def test_in_process_sandbox_signs_alice_in_too() -> None:
    bindir = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": bindir + os.pathsep + os.environ.get("PATH", "")}
    proc = subprocess.run([sys.executable, "-c", IN_PROCESS], capture_output=True, text=True, env=env,
                          timeout=180)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert re.fullmatch(r"arn:aws:sts::\d{12}:assumed-role/" + ROLE.pattern + "/alice", out["boto3"])
    assert out["cli"] == [0, out["boto3"]]
    assert out["connects"] == []
