"""OIDC federation for CI: a GitHub-Actions-like issuer, a provider, a trust policy, STS."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

import labkit
from labkit.clock import clock
from labkit.realism import rs256
from tests.support.raw_http import send

ACCOUNT = "123456789012"
ISSUER = "https://token.actions.githubusercontent.com"
PROVIDER_ARN = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/deploy"
TRUST = {
    "Version": "2012-10-17",
    "Statement": [{
        "Effect": "Allow",
        "Principal": {"Federated": PROVIDER_ARN},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {
            "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
            "StringLike": {
                "token.actions.githubusercontent.com:sub": "repo:castle-co/app:ref:refs/heads/main"},
        },
    }],
}


def _assume(lab: labkit.Lab, token: str) -> dict:
    sts = lab.client("sts")
    return sts.assume_role_with_web_identity(RoleArn=ROLE_ARN, RoleSessionName="build-42",
                                             WebIdentityToken=token)


@pytest.fixture
def ci(lab: labkit.Lab) -> labkit.Lab:
    iam = lab.client("iam")
    iam.create_open_id_connect_provider(Url=ISSUER, ClientIDList=["sts.amazonaws.com"],
                                        ThumbprintList=["6938fd4d98bab03faadb97b34396831e3780aea1"])
    iam.create_role(RoleName="deploy", AssumeRolePolicyDocument=json.dumps(TRUST))
    iam.put_role_policy(RoleName="deploy", PolicyName="read-library", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["s3:ListBucket", "s3:GetObject"],
                       "Resource": ["arn:aws:s3:::castle-library", "arn:aws:s3:::castle-library/*"]}]}))
    lab.client("s3").create_bucket(Bucket="castle-library")
    return lab


def test_the_token_looks_like_github_actions(ci: labkit.Lab) -> None:
    token = ci.ci_token(repository="castle-co/app", ref="refs/heads/main")
    claims = rs256.decode_claims_unverified(token)
    assert claims["iss"] == ISSUER and claims["aud"] == "sts.amazonaws.com"
    assert claims["sub"] == "repo:castle-co/app:ref:refs/heads/main"
    assert claims["exp"] - claims["iat"] == 300
    header = json.loads(rs256.unb64url(token.split(".")[0]))
    assert header["alg"] == "RS256"


def test_main_branch_job_gets_the_roles_permissions(ci: labkit.Lab) -> None:
    answer = _assume(ci, ci.ci_token(repository="castle-co/app", ref="refs/heads/main"))
    assert answer["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/deploy/build-42"
    assert answer["SubjectFromWebIdentityToken"] == "repo:castle-co/app:ref:refs/heads/main"
    assert answer["Provider"] == PROVIDER_ARN and answer["Audience"] == "sts.amazonaws.com"
    creds = labkit.Credentials.from_response(answer["Credentials"])
    assert creds.access_key_id.startswith("ASIA")
    who = ci.client("sts", credentials=creds).get_caller_identity()
    assert who["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/deploy/build-42"
    s3 = ci.client("s3", credentials=creds)
    s3.list_objects_v2(Bucket="castle-library")
    with pytest.raises(ClientError) as err:  # only the role's permissions
        ci.client("iam", credentials=creds).list_users()
    assert err.value.response["Error"]["Code"] == "AccessDenied"
    assert "assumed-role/deploy/build-42 is not authorized to perform: iam:ListUsers" in str(err.value)
    # the activity log names the repository and branch that assumed the role, and the session's calls
    trail = ci.client("cloudtrail", credentials=ci.auditor())
    federated = trail.lookup_events(LookupAttributes=[
        {"AttributeKey": "EventName", "AttributeValue": "AssumeRoleWithWebIdentity"}])["Events"][0]
    assert federated["Username"] == "repo:castle-co/app:ref:refs/heads/main"
    assert json.loads(federated["CloudTrailEvent"])["userIdentity"]["type"] == "WebIdentityUser"
    by_session = trail.lookup_events(LookupAttributes=[
        {"AttributeKey": "Username", "AttributeValue": "build-42"}])["Events"]
    identity = json.loads(by_session[0]["CloudTrailEvent"])["userIdentity"]
    assert identity["type"] == "AssumedRole"
    assert identity["sessionContext"]["sessionIssuer"]["arn"] == ROLE_ARN


@pytest.mark.parametrize(("repository", "ref"), [
    ("castle-co/app", "refs/heads/feature"),     # another branch
    ("mordred/app", "refs/heads/main"),          # someone else's repository (a fork)
    ("castle-co/app-evil", "refs/heads/main"),
])
def test_the_trust_policy_conditions_are_evaluated(ci: labkit.Lab, repository: str, ref: str,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(ClientError) as err:
        _assume(ci, ci.ci_token(repository=repository, ref=ref))
    assert err.value.response["Error"]["Code"] == "AccessDenied"
    assert err.value.response["Error"]["Message"] == "Not authorized to perform sts:AssumeRoleWithWebIdentity"
    labkit.explain(err.value)  # the lesson is the trust policy's condition, not "give it a policy"
    said = capsys.readouterr().out
    assert "trust policy" in said and "`sub`" in said and "give that identity a policy" not in said


def test_string_like_wildcards_in_the_subject(ci: labkit.Lab) -> None:
    trust = json.loads(json.dumps(TRUST))
    trust["Statement"][0]["Condition"]["StringLike"]["token.actions.githubusercontent.com:sub"] = \
        "repo:castle-co/app:*"
    ci.client("iam").update_assume_role_policy(RoleName="deploy", PolicyDocument=json.dumps(trust))
    _assume(ci, ci.ci_token(repository="castle-co/app", ref="refs/heads/feature"))
    with pytest.raises(ClientError, match="AccessDenied"):
        _assume(ci, ci.ci_token(repository="castle-co/other", ref="refs/heads/main"))


def test_audience_provider_expiry_and_forgery(ci: labkit.Lab, aws_cli) -> None:
    with pytest.raises(ClientError) as err:
        _assume(ci, ci.ci_token(repository="castle-co/app", audience="sigstore"))
    assert err.value.response["Error"]["Code"] == "InvalidIdentityToken"
    assert err.value.response["Error"]["Message"] == "Incorrect token audience"
    good = ci.ci_token(repository="castle-co/app")
    header, payload, signature = good.split(".")
    claims = json.loads(rs256.unb64url(payload))
    claims["sub"] = "repo:castle-co/app:ref:refs/heads/main"
    claims["repository"] = "castle-co/app"
    forged = ".".join([header, rs256.b64url(json.dumps({**claims, "jti": "x"}).encode()), signature])
    with pytest.raises(ClientError, match="InvalidIdentityToken"):
        _assume(ci, forged)
    clock.freeze()
    old = ci.ci_token(repository="castle-co/app")
    clock.advance(301)
    with pytest.raises(ClientError, match="ExpiredTokenException|Token expired"):
        _assume(ci, old)
    clock.unfreeze()
    ci.client("iam").delete_open_id_connect_provider(OpenIDConnectProviderArn=PROVIDER_ARN)
    out = aws_cli("sts", "assume-role-with-web-identity", "--role-arn", ROLE_ARN, "--role-session-name",
                  "build-43", "--web-identity-token", ci.ci_token(repository="castle-co/app"), check=False)
    assert f"No OpenIDConnect provider found in your account for {ISSUER}" in out.stderr


def test_through_the_cli(ci: labkit.Lab, aws_cli) -> None:
    token = ci.ci_token(repository="castle-co/app")
    out = aws_cli("sts", "assume-role-with-web-identity", "--role-arn", ROLE_ARN,
                  "--role-session-name", "build-44", "--web-identity-token", token)
    answer = json.loads(out.stdout)
    assert answer["AssumedRoleUser"]["Arn"].endswith("assumed-role/deploy/build-44")


def test_only_holders_of_sandbox_credentials_get_tokens(ci: labkit.Lab) -> None:
    stranger = labkit.Credentials("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    ci.use(stranger)
    with pytest.raises(ValueError, match="credentials"):
        ci.ci_token(repository="castle-co/app")
    ci.use(None)


def _rebuilt(token: str, header: dict, claims: dict | None = None, signature: bytes = b"") -> str:
    _, payload, _ = token.split(".")
    body = rs256.b64url(json.dumps(claims).encode()) if claims is not None else payload
    return ".".join([rs256.b64url(json.dumps(header).encode()), body, rs256.b64url(signature)])


def _hs256(token: str, key: bytes) -> str:
    import hashlib
    import hmac

    header, payload, _ = token.split(".")
    head = rs256.b64url(json.dumps({"typ": "JWT", "alg": "HS256", "kid": "labkit-ci-1"}).encode())
    mac = hmac.new(key, f"{head}.{payload}".encode(), hashlib.sha256).digest()
    return f"{head}.{payload}.{rs256.b64url(mac)}"


def _signed_by(key: rs256.RSAKey, header: dict, claims: dict) -> str:
    signing_input = f"{rs256.b64url(json.dumps(header).encode())}.{rs256.b64url(json.dumps(claims).encode())}"
    return f"{signing_input}.{rs256.b64url(key.sign(signing_input.encode()))}"


def test_forged_tokens_are_refused(ci: labkit.Lab) -> None:
    """Attacks on the token itself: every one is InvalidIdentityToken, and no credentials come back."""
    from labkit.realism import oidc

    good = ci.ci_token(repository="castle-co/app")
    public = oidc.issuer_jwks()["keys"][0]
    n = rs256.unb64url(public["n"])
    mallory = rs256.RSAKey.generate(1024)
    claims = rs256.decode_claims_unverified(good)
    forgeries = {
        "alg none": _rebuilt(good, {"typ": "JWT", "alg": "none", "kid": "labkit-ci-1"}),
        "alg None, signature kept": _rebuilt(good, {"alg": "None", "kid": "labkit-ci-1"},
                                             signature=rs256.unb64url(good.split(".")[2])),
        "HS256 keyed with the public modulus": _hs256(good, n),
        "HS256 keyed with the JWKS document": _hs256(good, json.dumps(public).encode()),
        "another key": rs256.encode_jwt(claims, mallory, "labkit-ci-1"),
        "another key, its own JWK in the header": _signed_by(mallory, {
            "alg": "RS256", "kid": "labkit-ci-1", "jwk": mallory.public().jwk("labkit-ci-1")}, claims),
        "another kid": _rebuilt(good, {"alg": "RS256", "kid": "other"},
                                signature=rs256.unb64url(good.split(".")[2])),
        "signature cut short": good[:-8],
        "empty signature": good.rsplit(".", 1)[0] + ".",
    }
    for what, token in forgeries.items():
        with pytest.raises(ClientError) as err:
            _assume(ci, token)
        assert err.value.response["Error"]["Code"] == "InvalidIdentityToken", what
    # A well-signed token whose claims say another issuer (a provider the learner made for it).
    ci.client("iam").create_open_id_connect_provider(Url="https://ci.mallory.example", ClientIDList=[
        "sts.amazonaws.com"], ThumbprintList=["6938fd4d98bab03faadb97b34396831e3780aea1"])
    other_issuer = rs256.encode_jwt({**claims, "iss": "https://ci.mallory.example"}, mallory, "labkit-ci-1")
    with pytest.raises(ClientError, match="InvalidIdentityToken"):
        _assume(ci, other_issuer)
    assert _assume(ci, good)["AssumedRoleUser"]["Arn"].endswith("assumed-role/deploy/build-42")


def test_web_identity_sessions_expire_and_need_their_token(ci: labkit.Lab) -> None:
    """Attacks: use the role session after it expired; use its keys without (or with another
    session's) session token; ask for longer than the role allows."""
    clock.freeze()
    try:
        first = _assume(ci, ci.ci_token(repository="castle-co/app"))["Credentials"]
        second = _assume(ci, ci.ci_token(repository="castle-co/app"))["Credentials"]
        creds = labkit.Credentials.from_response(first)
        s3 = ci.client("s3", credentials=creds)
        assert s3.list_objects_v2(Bucket="castle-library")["KeyCount"] == 0
        for token in (None, second["SessionToken"]):
            borrowed = labkit.Credentials(first["AccessKeyId"], first["SecretAccessKey"], token)
            with pytest.raises(ClientError) as err:
                ci.client("s3", credentials=borrowed).list_objects_v2(Bucket="castle-library")
            assert err.value.response["Error"]["Code"] == "InvalidAccessKeyId"
        with pytest.raises(ClientError, match="MaxSessionDuration"):
            ci.client("sts").assume_role_with_web_identity(
                RoleArn=ROLE_ARN, RoleSessionName="build-45", DurationSeconds=3601,
                WebIdentityToken=ci.ci_token(repository="castle-co/app"))
        clock.advance(3600)
        with pytest.raises(ClientError) as err:
            s3.list_objects_v2(Bucket="castle-library")
        assert err.value.response["Error"]["Code"] == "ExpiredToken"
    finally:
        clock.unfreeze()


def test_a_signed_request_does_not_skip_the_token_check(ci: labkit.Lab) -> None:
    """Attack: send AssumeRoleWithWebIdentity *signed* with your own keys (boto3 sends it unsigned)
    and a made-up token: the token is still what is checked, never waved through."""
    from urllib.parse import urlencode

    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    body = urlencode({"Action": "AssumeRoleWithWebIdentity", "Version": "2011-06-15", "RoleArn": ROLE_ARN,
                      "RoleSessionName": "build-46", "WebIdentityToken": "made.up.token"})
    request = AWSRequest("POST", ci.endpoint_url + "/", data=body,
                         headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    root = Credentials(ci.root.access_key_id, ci.root.secret_access_key)
    SigV4Auth(root, "sts", "us-east-1").add_auth(request)
    status, text = send(ci, "POST", ci.endpoint_url + "/", body, dict(request.headers.items()))
    assert status == 400 and "<Code>InvalidIdentityToken</Code>" in text, text
