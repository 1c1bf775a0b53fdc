"""IAM Identity Center, attacked: a hostile notebook, a neighbour on the same server, a proxy.

Each test is one family of attacks made with real requests (boto3 unsigned, raw HTTP to the
sandbox's port, the portal's pages) against the session's TCP sandbox; what held stays as a
regression test, what broke was fixed in the module that owns it.
"""

from __future__ import annotations

import json
import os
import stat
import urllib.request
from pathlib import Path

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

import labkit
from labkit.access_portal import PortalError, cache_path
from labkit.sso_cli import sso_login
from tests.realism.test_realism_identity_center import PASSWORD, _alice, _error, _login, _portal_client, home

__all__ = ["home"]  # the fixture, shared with the Identity Center tests

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
MALLORY_PASSWORD = "Mallory-Own-Passw0rd!"

# As in test_realism_identity_center.py: the sign-in reaches the sandbox the environment names.
pytestmark = pytest.mark.server_only("the sign-in reaches the sandbox the environment names")


def _oidc():  # noqa: ANN202
    return boto3.client("sso-oidc", region_name="us-east-1", config=Config(signature_version=UNSIGNED))


def _mallory(lab: labkit.Lab) -> labkit.Authenticator:
    """A second person of the identity store (no assignment), signed in once: her phone."""
    ic = lab.identity_center
    lab.client("identitystore").create_user(IdentityStoreId=ic.identity_store_id, UserName="mallory",
                                            DisplayName="Mallory",
                                            Name={"GivenName": "Mallory", "FamilyName": "Moat"})
    portal = ic.portal()
    portal.sign_in("mallory", ic.one_time_password("mallory"))
    portal.set_password(MALLORY_PASSWORD)
    phone = portal.register_authenticator()
    portal.confirm_authenticator(phone.code())
    return phone


def _raw(lab: labkit.Lab, method: str, path: str, body: bytes | None = None,
         headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    """One HTTP request to the sandbox's port, with no owner token and no signature."""
    req = urllib.request.Request(lab.endpoint_url + path, data=body, method=method, headers=headers or {})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(req, timeout=30) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def test_an_approved_code_cannot_be_taken_over(lab: labkit.Lab, home: Path) -> None:
    """Alice approves her CLI's code; Mallory, signed in to the same portal, approves it again
    before the CLI polls: the second approval is refused and the CLI gets Alice's token."""
    alice = _alice(lab)
    phone = _mallory(lab)
    oidc = _oidc()
    client = oidc.register_client(clientName="alice-cli", clientType="public")
    ids = {"clientId": client["clientId"], "clientSecret": client["clientSecret"]}
    device = oidc.start_device_authorization(**ids, startUrl=alice.ic.start_url)
    hers = alice.ic.portal()
    hers.sign_in("alice", PASSWORD, alice.phone.code())
    hers.approve(device["userCode"])
    theirs = alice.ic.portal()
    theirs.sign_in("mallory", MALLORY_PASSWORD, phone.code())
    with pytest.raises(PortalError, match="not valid"):
        theirs.approve(device["userCode"])
    token = oidc.create_token(**ids, grantType=DEVICE_GRANT, deviceCode=device["deviceCode"])
    accounts = _portal_client().list_accounts(accessToken=token["accessToken"])["accountList"]
    assert [a["accountId"] for a in accounts] == [alice.workloads]  # Alice's token, not Mallory's
    # The device code is spent, and another client's secret does not redeem a code.
    assert _error(lambda: oidc.create_token(**ids, grantType=DEVICE_GRANT, deviceCode=device["deviceCode"])
                  ).startswith("InvalidGrantException")
    other = oidc.register_client(clientName="other", clientType="public")
    again = oidc.start_device_authorization(**ids, startUrl=alice.ic.start_url)
    hers.approve(again["userCode"])
    assert _error(lambda: oidc.create_token(clientId=other["clientId"], clientSecret=other["clientSecret"],
                                            grantType=DEVICE_GRANT, deviceCode=again["deviceCode"])
                  ).startswith("InvalidGrantException")
    assert _error(lambda: oidc.create_token(clientId=other["clientId"], clientSecret=client["clientSecret"],
                                            grantType=DEVICE_GRANT, deviceCode=again["deviceCode"])
                  ).startswith("InvalidClientException")


def test_a_one_time_password_does_not_skip_mfa(lab: labkit.Lab, home: Path) -> None:
    """Alice has an MFA device; the administrator resets her password. Whoever holds the
    one-time password still needs her MFA device before the portal signs her in."""
    alice = _alice(lab)
    otp = alice.ic.one_time_password("alice")
    portal = alice.ic.portal()
    assert portal.sign_in("alice", otp) == "mfa-required"
    with pytest.raises(PortalError, match="Sign in"):
        portal.approve("BCDF-GHJK")
    assert portal.sign_in("alice", otp, alice.phone.code()) == "new-password-required"
    assert portal.set_password("Alice-Newer-Passw0rd!") == "signed-in"


def test_forged_replayed_and_logged_out_tokens_get_nothing(lab: labkit.Lab, home: Path) -> None:
    alice = _alice(lab)
    cached = _login(alice)
    portal, oidc = _portal_client(), _oidc()
    get = {"accountId": alice.workloads, "roleName": "ReadOnly"}
    no_session = "UnauthorizedException: Session token not found or invalid"
    for forged in ("", "aoa", cached["accessToken"][:-1] + "x", cached["refreshToken"],
                   cached["clientSecret"]):
        assert _error(lambda t=forged: portal.get_role_credentials(accessToken=t, **get)) == no_session
    refresh = {"clientId": cached["clientId"], "clientSecret": cached["clientSecret"],
               "grantType": "refresh_token"}
    assert _error(lambda: oidc.create_token(**refresh, refreshToken=cached["accessToken"])).startswith(
        "InvalidGrantException")  # an access token is no refresh token
    portal.logout(accessToken=cached["accessToken"])
    assert _error(lambda: portal.get_role_credentials(accessToken=cached["accessToken"], **get)) == no_session
    assert _error(lambda: oidc.create_token(**refresh, refreshToken=cached["refreshToken"])).startswith(
        "InvalidGrantException")  # logged out: the refresh token went with it


def test_the_moto_account_switch_is_the_sandbox_s_alone(lab: labkit.Lab, home: Path) -> None:
    """moto answers as whichever account ``x-moto-account-id`` names; a caller's header (dashed,
    underscored, or repeated) reaches the management account only."""
    alice = _alice(lab)
    _login(alice)
    member_roles = {r["RoleName"] for r in boto3.Session(profile_name="alice-dev").client("iam")
                    .list_roles()["Roles"]}
    iam = lab.client("iam")
    for header in ("x-moto-account-id", "X-Moto-Account-Id", "x_moto_account_id"):
        def add(request, header: str = header, **_: object) -> None:  # noqa: ANN001
            request.headers[header] = alice.workloads
        iam.meta.events.register("before-send.iam.*", add)  # after signing: any header goes
        mine = {r["RoleName"] for r in iam.list_roles()["Roles"]}
        iam.meta.events.unregister("before-send.iam.*", add)
        assert not any(name.startswith("AWSReservedSSO_") for name in mine), header
        assert mine != member_roles
    # Unsigned, to the portal API's paths and to a path S3 would read as a bucket: nothing.
    query = f"account_id={alice.workloads}&role_name=ReadOnly"
    status, body = _raw(lab, "GET", f"/federation/credentials?{query}",
                        headers={"x-moto-account-id": alice.workloads})
    assert status == 401 and b"UnauthorizedException" in body
    # Signed by the management account's root (scope "sso", Alice's token beside it): the portal
    # API is unsigned only, so a signed call to its paths is not it, and gets no credentials.
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest

    token = _login(alice)["accessToken"]
    signed = AWSRequest("GET", f"{lab.endpoint_url}/federation/credentials?{query}",
                        headers={"x-amz-sso_bearer_token": token})
    SigV4Auth(lab.client("sts")._request_signer._credentials, "sso", "us-east-1").add_auth(signed)
    status, body = _raw(lab, "GET", f"/federation/credentials?{query}", headers=dict(signed.headers))
    assert status == 501 and b"roleCredentials" not in body


def test_the_cache_file_is_private_and_replaces_a_broken_one(lab: labkit.Lab, home: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """botocore writes its SSO cache through a private temporary file it renames (0600 whatever
    was there before: ``JSONFileCache.__setitem__``); so does labkit.access_portal. A broken cache
    file is replaced whole. A proxy in the environment never sees her password or token (a
    proxy that is not there: the sign-in still works, so nothing went to it)."""
    alice = _alice(lab)
    path = cache_path("alice-dev")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{not json")
    os.chmod(path, 0o644)  # e.g. copied in from elsewhere, world-readable
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")  # the discard port: nothing listens
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    _login(alice)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert json.loads(path.read_text())["startUrl"] == alice.ic.start_url
    assert not list(path.parent.glob("*.tmp"))  # no temporary file left behind
    for odd in ("alice]\nsso_start_url = https://evil.example", "x\r\n[profile admin]"):
        with pytest.raises(ValueError, match="session name"):
            sso_login(odd, user="alice", password=PASSWORD, mfa=alice.phone, quiet=True)
    config = Path(lab.env["AWS_CONFIG_FILE"]).read_text()
    assert "evil.example" not in config and "[profile admin]" not in config


def test_every_portal_credential_is_in_the_member_s_history(lab: labkit.Lab, home: Path) -> None:
    """Each GetRoleCredentials leaves an AssumeRoleWithSAML by the person in the member account's
    event history, and what the session then does is recorded as the reserved role's session
    named for her."""
    alice = _alice(lab)
    token = _login(alice)["accessToken"]
    portal = _portal_client()
    keys = [portal.get_role_credentials(accessToken=token, accountId=alice.workloads, roleName="ReadOnly")
            ["roleCredentials"] for _ in range(3)]
    creds = labkit.Credentials(keys[0]["accessKeyId"], keys[0]["secretAccessKey"], keys[0]["sessionToken"])
    lab.client("iam", credentials=creds).list_roles()
    assert _error(lambda: lab.client("iam", credentials=creds).create_user(UserName="quiet")).startswith(
        "AccessDenied")  # a refused call is recorded too
    events = lab.member_event_history(alice.workloads)
    refused = json.loads(next(e for e in events if e["EventName"] == "CreateUser")["CloudTrailEvent"])
    assert refused["errorCode"] == "AccessDenied" and refused["userIdentity"]["arn"].endswith("/alice")
    saml = [e for e in events if e["EventName"] == "AssumeRoleWithSAML"]
    issued = {json.loads(e["CloudTrailEvent"])["responseElements"]["credentials"]["accessKeyId"]
              for e in saml}
    assert issued >= {k["accessKeyId"] for k in keys}
    assert all(e["Username"] == "alice" for e in saml)
    listed = next(e for e in events if e["EventName"] == "ListRoles")
    identity = json.loads(listed["CloudTrailEvent"])["userIdentity"]
    assert identity["type"] == "AssumedRole" and identity["arn"].endswith("/alice")
    assert "AWSReservedSSO_ReadOnly_" in identity["arn"] and identity["accessKeyId"] == keys[0]["accessKeyId"]


def test_a_session_cannot_rewrite_its_reserved_role(lab: labkit.Lab, home: Path) -> None:
    """Alice also holds an administrator permission set; with it she tries to widen her ReadOnly
    role (drop its inline Deny, attach a policy, trust someone else, delete it). AWS refuses
    every change to a reserved role: ``UnmodifiableEntity`` "Cannot perform the operation on the
    protected role '<name>' - this role is only modifiable by AWS" (only Identity Center changes
    it). Re-provisioning with less narrows her open session at once."""
    alice = _alice(lab)
    sa, inst = lab.client("sso-admin"), alice.ic.instance_arn
    admin = sa.create_permission_set(InstanceArn=inst, Name="Admin")["PermissionSet"]["PermissionSetArn"]
    sa.attach_managed_policy_to_permission_set(InstanceArn=inst, PermissionSetArn=admin,
                                               ManagedPolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    sa.create_account_assignment(InstanceArn=inst, PermissionSetArn=admin, TargetId=alice.workloads,
                                 TargetType="AWS_ACCOUNT", PrincipalType="USER", PrincipalId=alice.user_id)
    token = _login(alice)["accessToken"]
    portal = _portal_client()

    def keys(role: str) -> labkit.Credentials:
        c = portal.get_role_credentials(accessToken=token, accountId=alice.workloads, roleName=role)[
            "roleCredentials"]
        return labkit.Credentials(c["accessKeyId"], c["secretAccessKey"], c["sessionToken"])

    iam = lab.client("iam", credentials=keys("Admin"))
    reserved = [r["RoleName"] for r in iam.list_roles(PathPrefix="/aws-reserved/sso.amazonaws.com/")["Roles"]]
    assert len(reserved) == 2  # ReadOnly's and Admin's
    everything = json.dumps({"Version": "2012-10-17",
                             "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
    for name in reserved:
        refused = f"UnmodifiableEntity: Cannot perform the operation on the protected role '{name}' - " \
                  "this role is only modifiable by AWS"
        attempts = [
            lambda n=name: iam.put_role_policy(RoleName=n, PolicyName="mine", PolicyDocument=everything),
            lambda n=name: iam.delete_role_policy(RoleName=n, PolicyName="AwsSSOInlinePolicy"),
            lambda n=name: iam.attach_role_policy(RoleName=n,
                                                  PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess"),
            lambda n=name: iam.detach_role_policy(RoleName=n,
                                                  PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess"),
            lambda n=name: iam.update_assume_role_policy(RoleName=n, PolicyDocument=everything),
            lambda n=name: iam.update_role(RoleName=n, MaxSessionDuration=43200),
            lambda n=name: iam.delete_role(RoleName=n),
        ]
        for attempt in attempts:
            assert _error(attempt) == refused
    ro = lab.client("iam", credentials=keys("ReadOnly"))
    assert _error(ro.get_account_summary).startswith("AccessDenied")  # the inline Deny still stands
    orgs = lab.client("organizations")  # an SCP binds the administrator's session too
    orgs.enable_policy_type(RootId=orgs.list_roots()["Roots"][0]["Id"], PolicyType="SERVICE_CONTROL_POLICY")
    deny = {"Version": "2012-10-17",
            "Statement": [{"Effect": "Deny", "Action": "iam:CreateUser", "Resource": "*"}]}
    scp = orgs.create_policy(Name="no-users", Type="SERVICE_CONTROL_POLICY", Description="d",
                             Content=json.dumps(deny))["Policy"]["PolicySummary"]["Id"]
    orgs.attach_policy(PolicyId=scp, TargetId=alice.workloads)
    assert "service control policy" in _error(lambda: iam.create_user(UserName="backdoor"))
    assert ro.list_roles()["Roles"]
    sa.detach_managed_policy_from_permission_set(InstanceArn=inst, PermissionSetArn=alice.ps_arn,
                                                 ManagedPolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    sa.provision_permission_set(InstanceArn=inst, PermissionSetArn=alice.ps_arn, TargetType="AWS_ACCOUNT",
                                TargetId=alice.workloads)
    assert _error(ro.list_roles).startswith("AccessDenied")  # her open session has less at once


def test_a_portal_session_ends(lab: labkit.Lab, home: Path) -> None:
    """The access portal's sign-in session lasts 8 hours (configure-user-session.html), ends at
    Logout ("invalidate the corresponding server-side IAM Identity Center sign in session", the
    portal API's Logout), and a disabled person's open session allows nothing -- in either grant."""
    from labkit.clock import clock
    from labkit.realism.sso_oidc import s256

    alice = _alice(lab)
    oidc = _oidc()
    client = oidc.register_client(clientName="cli", clientType="public")
    ids = {"clientId": client["clientId"], "clientSecret": client["clientSecret"]}

    def code() -> str:
        return str(oidc.start_device_authorization(**ids, startUrl=alice.ic.start_url)["userCode"])

    portal = alice.ic.portal()
    portal.sign_in("alice", PASSWORD, alice.phone.code())
    clock.freeze()
    clock.advance(8 * 3600 + 1)
    with pytest.raises(PortalError, match="Sign in"):
        portal.approve(code())
    clock.unfreeze()
    browser = alice.ic.portal()
    browser.sign_in("alice", PASSWORD, alice.phone.code())
    cached = _login(alice)  # the CLI's token, from another sign-in of hers
    _portal_client().logout(accessToken=cached["accessToken"])
    with pytest.raises(PortalError, match="Sign in"):
        browser.approve(code())
    browser.sign_in("alice", PASSWORD, alice.phone.code())
    redirect = "http://127.0.0.1:43210/oauth/callback"
    pkce = oidc.register_client(clientName="cli-v2", clientType="public",
                                grantTypes=["authorization_code", "refresh_token"], redirectUris=[redirect])
    params = {"client_id": pkce["clientId"], "redirect_uri": redirect, "response_type": "code",
              "code_challenge": s256("v" * 43), "code_challenge_method": "S256", "state": "s"}
    alice.ic.disable_user("alice")
    with pytest.raises(PortalError, match="disabled"):
        browser.allow_access(params)
    with pytest.raises(PortalError, match="disabled"):
        browser.approve(code())


def test_an_account_that_left_cannot_be_used_unrecorded(lab: labkit.Lab, home: Path) -> None:
    """The management account removes the member from the organization: the sandbox can no longer
    keep that account's event history, so its Identity Center roles are no longer offered and
    sessions opened before act no more -- no call goes unrecorded."""
    alice = _alice(lab)
    token = _login(alice)["accessToken"]
    portal = _portal_client()
    get = {"accessToken": token, "accountId": alice.workloads, "roleName": "ReadOnly"}
    c = portal.get_role_credentials(**get)["roleCredentials"]
    keys = labkit.Credentials(c["accessKeyId"], c["secretAccessKey"], c["sessionToken"])
    lab.client("organizations").remove_account_from_organization(AccountId=alice.workloads)
    assert portal.list_accounts(accessToken=token)["accountList"] == []
    assert _error(lambda: portal.get_role_credentials(**get)) == "ForbiddenException: No access"
    assert _error(lambda: lab.client("iam", credentials=keys).list_roles()).startswith("InvalidClientTokenId")


NEIGHBOUR = """
import json, sys
import boto3, labkit
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

lab = labkit.start("organization", in_process=True, quiet=True)
token, account = sys.argv[1], sys.argv[2]
sso = boto3.client("sso", region_name="us-east-1", config=Config(signature_version=UNSIGNED))
answers = []
for call in (lambda: sso.list_accounts(accessToken=token),
             lambda: sso.get_role_credentials(accessToken=token, accountId=account, roleName="ReadOnly")):
    try:
        call()
        answers.append("no error")
    except ClientError as err:
        answers.append(err.response["Error"]["Code"])
print(json.dumps(answers))
"""


def test_a_neighbour_s_sandbox_does_not_take_this_one_s_token(lab: labkit.Lab, home: Path) -> None:
    """Another sandbox on the machine (its own process, its own organization and identity store)
    is handed Alice's live token: it knows nothing of it."""
    import subprocess
    import sys

    alice = _alice(lab)
    token = _login(alice)["accessToken"]
    proc = subprocess.run([sys.executable, "-c", NEIGHBOUR, token, alice.workloads], capture_output=True,
                          text=True, timeout=120, env={k: v for k, v in os.environ.items()
                                                       if not k.startswith(("LABKIT_", "AWS_"))})
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == ["UnauthorizedException"] * 2
    assert _portal_client().list_accounts(accessToken=token)["accountList"]  # still good here


def test_the_public_portal_pages_need_her_secrets(lab: labkit.Lab, home: Path) -> None:
    """Raw HTTP to ``/labkit/portal/*`` (public, no owner token), as a second learner would send
    it: no password set without the one-time password, no MFA registered for someone else, no
    code approved with a made-up or someone else's half-finished sign-in."""
    alice = _alice(lab)
    ic = alice.ic
    lab.client("identitystore").create_user(IdentityStoreId=ic.identity_store_id, UserName="bob",
                                            DisplayName="Bob", Name={"GivenName": "Bob", "FamilyName": "B"})
    otp = ic.one_time_password("bob")

    def page(name: str, data: dict[str, object]) -> tuple[int, dict[str, object]]:
        status, body = _raw(lab, "POST", f"/labkit/portal/{name}", json.dumps(data).encode(),
                            {"Content-Type": "application/json"})
        return status, json.loads(body)

    assert page("sign-in", {"user_name": "bob", "password": "Guessed-Passw0rd!"})[0] == 401
    assert page("sign-in", {"user_name": "nobody", "password": otp})[0] == 401
    for forged in ("", "x" * 32, None):
        assert page("new-password", {"session": forged, "new_password": "Bobs-New-Passw0rd!"})[0] == 401
        assert page("mfa/register", {"session": forged})[0] == 401
        assert page("approve", {"session": forged, "user_code": "BCDF-GHJK"})[0] == 401
    # Bob's own half-finished sign-in (password replaced, no MFA yet) cannot approve anything.
    status, answer = page("sign-in", {"user_name": "bob", "password": otp})
    assert answer["status"] == "new-password-required"
    bob = answer["session"]
    assert page("new-password", {"session": bob, "new_password": "Bobs-New-Passw0rd!"})[1]["status"] == \
        "mfa-registration-required"
    assert page("approve", {"session": bob, "user_code": "BCDF-GHJK"})[0] == 401
    # Alice, signed in with her MFA, cannot register a device for Bob: her session is hers.
    status, answer = page("sign-in", {"user_name": "alice", "password": PASSWORD,
                                      "mfa_code": alice.phone.code()})
    assert answer["status"] == "signed-in"
    assert page("mfa/register", {"session": answer["session"]})[0] == 401
    assert ic.user("bob")["mfa_devices"] == []


def test_her_mfa_code_cannot_be_guessed(lab: labkit.Lab, home: Path) -> None:
    """Someone who has Alice's password guesses her six-digit code: at ~400 sign-ins a second a
    million codes take minutes, so after 5 wrong codes the portal takes none for 15 minutes (the
    sandbox's rule, as Cognito's; AWS does not publish its portal's), not even the right one."""
    from labkit.clock import clock

    alice = _alice(lab)
    portal = alice.ic.portal()
    right = alice.phone.code()
    wrong = [c for c in ("000000", "111111", "222222", "333333", "444444", "555555") if c != right][:5]
    clock.freeze()
    for code in wrong:
        with pytest.raises(PortalError, match="not valid"):
            portal.sign_in("alice", PASSWORD, code)
    with pytest.raises(PortalError, match="Too many"):
        portal.sign_in("alice", PASSWORD, alice.phone.code())
    clock.advance(15 * 60)
    assert portal.sign_in("alice", PASSWORD, alice.phone.code()) == "signed-in"
    with pytest.raises(PortalError, match="not valid"):  # a success starts the count again
        portal.sign_in("alice", PASSWORD, wrong[0])
    assert portal.sign_in("alice", PASSWORD, alice.phone.code()) == "signed-in"


def test_a_scope_naming_another_service_does_not_smuggle_a_write(lab: labkit.Lab, home: Path) -> None:
    """Alice's ReadOnly keys sign IAM's ``CreateUser`` with a credential scope naming S3 (which
    her ReadOnlyAccess reads freely) or STS: the member account gets no user."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    alice = _alice(lab)
    token = _login(alice)["accessToken"]
    c = _portal_client().get_role_credentials(accessToken=token, accountId=alice.workloads,
                                              roleName="ReadOnly")["roleCredentials"]
    creds = Credentials(c["accessKeyId"], c["secretAccessKey"], c["sessionToken"])
    answers = {}
    for service in ("iam", "s3", "sts"):  # iam: the honest scope, refused by her policies
        req = AWSRequest("POST", lab.endpoint_url + "/",
                         data="Action=CreateUser&UserName=smuggled&Version=2010-05-08",
                         headers={"Content-Type": "application/x-www-form-urlencoded"})
        SigV4Auth(creds, service, "us-east-1").add_auth(req)
        body = req.body.encode() if isinstance(req.body, str) else req.body
        answers[service] = _raw(lab, "POST", "/", body, dict(req.headers))
    assert answers["iam"][0] == 403 and b"iam:CreateUser" in answers["iam"][1]  # the signature is good
    assert answers["sts"][0] == 403 and b"sts:CreateUser" in answers["sts"][1]  # judged as what it names
    assert answers["s3"][0] >= 400  # moto's S3 is handed a POST to its root (it fails there: 500)
    keys = labkit.Credentials(c["accessKeyId"], c["secretAccessKey"], c["sessionToken"])
    users = lab.client("iam", credentials=keys).list_users()["Users"]
    assert [u["UserName"] for u in users if u["UserName"] == "smuggled"] == []


def test_a_redirect_uri_is_the_loopback_address_only(lab: labkit.Lab) -> None:
    """The authorization code grant sends the code to the client's redirect URI; a URI that only
    *starts* like the loopback address (``http://127.0.0.1:1@evil.example/``, whose host is
    evil.example) is not registered."""
    lab.reset("organization")
    oidc = _oidc()
    for uri in ("http://127.0.0.1:1@evil.example/cb", "http://127.0.0.1:80.evil.example/cb",
                "http://127.0.0.1:/cb", "https://evil.example/cb"):
        assert _error(lambda u=uri: oidc.register_client(
            clientName="x", clientType="public", grantTypes=["authorization_code"], redirectUris=[u])
        ).startswith("InvalidRequestException"), uri
    ok = oidc.register_client(clientName="cli", clientType="public", grantTypes=["authorization_code"],
                              redirectUris=["http://127.0.0.1:43210/oauth/callback"])
    assert ok["clientId"]


def test_the_reserved_role_cannot_be_assumed_around_the_portal(lab: labkit.Lab, home: Path) -> None:
    """The reserved role trusts only the account's Identity Center SAML provider: the management
    account's root asking STS for it directly (AssumeRole) gets no session of it that skips the
    person, her MFA and the member account's history. (The sandbox leaves AssumeRole to moto,
    which answers with keys the sandbox does not know: they act nowhere.)"""
    alice = _alice(lab)
    _login(alice)
    member_iam = boto3.Session(profile_name="alice-dev").client("iam")
    name = next(r["RoleName"] for r in member_iam.list_roles()["Roles"]
                if r["RoleName"].startswith("AWSReservedSSO_"))
    arn = f"arn:aws:iam::{alice.workloads}:role/aws-reserved/sso.amazonaws.com/{name}"
    sts = lab.client("sts")
    try:
        got = sts.assume_role(RoleArn=arn, RoleSessionName="alice")["Credentials"]
    except ClientError:
        return
    keys = labkit.Credentials(got["AccessKeyId"], got["SecretAccessKey"], got["SessionToken"])
    for service, call in (("iam", "list_roles"), ("sts", "get_caller_identity"), ("s3", "list_buckets")):
        answer = _error(getattr(lab.client(service, credentials=keys), call))
        assert answer.startswith(("InvalidClientTokenId", "InvalidAccessKeyId")), (service, answer)


def test_a_stolen_session_is_cut_the_way_aws_says(lab: labkit.Lab, home: Path) -> None:
    """Alice's role credentials leak (disabling her does not end them). AWS's remedy: a Deny on
    ``identitystore:userId`` in an SCP or the permission set's inline policy ("Revoke access
    for deleted users", authconcept-revoke-access.html). Each cuts her open session at once; a
    Deny naming someone else does not."""
    alice = _alice(lab)
    token = _login(alice)["accessToken"]
    c = _portal_client().get_role_credentials(accessToken=token, accountId=alice.workloads,
                                              roleName="ReadOnly")["roleCredentials"]
    iam = lab.client("iam", credentials=labkit.Credentials(c["accessKeyId"], c["secretAccessKey"],
                                                           c["sessionToken"]))
    orgs = lab.client("organizations")
    orgs.enable_policy_type(RootId=orgs.list_roots()["Roots"][0]["Id"], PolicyType="SERVICE_CONTROL_POLICY")

    def deny(user_id: str) -> str:
        return json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Deny", "Action": "*", "Resource": "*",
            "Condition": {"StringEquals": {"identitystore:userId": user_id}}}]})

    scps = [orgs.create_policy(Name=f"revoke-{n}", Type="SERVICE_CONTROL_POLICY", Description="d",
                               Content=deny(who))["Policy"]["PolicySummary"]["Id"]
            for n, who in enumerate(("someone-else", alice.user_id))]
    orgs.attach_policy(PolicyId=scps[0], TargetId=alice.workloads)
    assert iam.list_roles()["Roles"]
    orgs.attach_policy(PolicyId=scps[1], TargetId=alice.workloads)
    assert "service control policy" in _error(iam.list_roles)
    orgs.detach_policy(PolicyId=scps[1], TargetId=alice.workloads)
    assert iam.list_roles()["Roles"]
    sa, inst = lab.client("sso-admin"), alice.ic.instance_arn
    sa.put_inline_policy_to_permission_set(InstanceArn=inst, PermissionSetArn=alice.ps_arn,
                                           InlinePolicy=deny(alice.user_id))
    sa.provision_permission_set(InstanceArn=inst, PermissionSetArn=alice.ps_arn, TargetType="AWS_ACCOUNT",
                                TargetId=alice.workloads)
    assert "explicit deny in an identity-based policy" in _error(iam.list_roles)


def test_labkit_sso_login_says_plainly_what_is_broken(lab: labkit.Lab, home: Path,
                                                     monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """``labkit sso login`` with a config file that is not one (a line lost its bracket) or an odd
    session name: one plain line, no traceback, and the config file untouched."""
    import argparse

    from labkit.sso_cli import cmd_sso_login

    config = home / "broken-config"
    config.write_text("[profile alice-dev\nsso_session = alice-dev\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("LABKIT_ENDPOINT", lab.endpoint_url)
    args = argparse.Namespace(sso_session=None, profile="alice-dev", user="alice", password="x", mfa_code="1")
    assert cmd_sso_login(args) == 1
    assert "labkit sso login:" in capsys.readouterr().out
    assert cmd_sso_login(argparse.Namespace(**{**vars(args), "sso_session": "a]\n[b"})) == 1
    assert "is not a session name" in capsys.readouterr().out
    assert config.read_text() == "[profile alice-dev\nsso_session = alice-dev\n"
