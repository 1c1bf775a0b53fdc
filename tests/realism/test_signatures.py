"""Signatures are checked against the stored secret, as AWS checks them.

Every kind of credential (root's keys, an IAM user's keys, temporary session
credentials, the checks' auditor keys) through every door (boto3, the ``aws``
command, S3 and presigned URLs, raw HTTP, the in-process sandbox), with AWS's
error codes and texts for a wrong secret, an unknown key and an expired token.
"""

from __future__ import annotations

import hashlib
import json

import pytest
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials as BotoCredentials
from botocore.exceptions import ClientError

import labkit
from labkit.clock import clock
from tests.support.raw_http import send

MISMATCH = ("The request signature we calculated does not match the signature you provided. Check your AWS "
            "Secret Access Key and signing method. Consult the service documentation for details.")
INVALID = "The security token included in the request is invalid."
ROOT = "arn:aws:iam::123456789012:root"
WRONG_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def _error(call) -> tuple[str, str]:  # noqa: ANN001
    with pytest.raises(ClientError) as info:
        call()
    return info.value.response["Error"]["Code"], info.value.response["Error"]["Message"]


def _send(lab: labkit.Lab, body: str, headers: dict[str, str]) -> tuple[int, str]:
    return send(lab, "POST", lab.endpoint_url + "/", body, headers)


def _signed(lab: labkit.Lab, body: str, key_id: str, secret: str, token: str | None = None) -> dict[str, str]:
    """The headers botocore's own signer puts on an IAM query request."""
    request = AWSRequest("POST", lab.endpoint_url + "/", data=body,
                         headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    SigV4Auth(BotoCredentials(key_id, secret, token), "iam", "us-east-1").add_auth(request)
    return dict(request.headers.items())


# -- root's keys ----------------------------------------------------------------------------------

def test_the_right_secret_works_and_a_wrong_one_gets_signature_does_not_match(lab) -> None:  # noqa: ANN001
    assert lab.client("sts").get_caller_identity()["Arn"] == ROOT
    wrong = labkit.Credentials(lab.root.access_key_id, WRONG_SECRET)
    assert _error(lambda: lab.client("sts", credentials=wrong).get_caller_identity()) == (
        "SignatureDoesNotMatch", MISMATCH)
    assert _error(lambda: lab.client("iam", credentials=wrong).create_user(UserName="mallory"))[0] == (
        "SignatureDoesNotMatch")
    assert lab.client("iam").list_users()["Users"] == []  # nothing happened


def test_a_badly_pasted_secret_is_a_mismatch_too(lab) -> None:  # noqa: ANN001
    """The usual learner mistake: one character lost when copying the secret."""
    pasted = labkit.Credentials(lab.root.access_key_id, lab.root.secret_access_key[:-1])
    assert _error(lambda: lab.client("iam", credentials=pasted).list_users())[0] == "SignatureDoesNotMatch"


def test_an_unknown_key_gets_invalid_client_token_id(lab) -> None:  # noqa: ANN001
    stranger = labkit.Credentials("AKIAIOSFODNN7EXAMPLE", WRONG_SECRET)
    assert _error(lambda: lab.client("sts", credentials=stranger).get_caller_identity()) == (
        "InvalidClientTokenId", INVALID)


# -- IAM users' keys, sessions, the auditor --------------------------------------------------------

def test_iam_user_keys_are_checked_against_their_secret(lab, iam) -> None:  # noqa: ANN001
    iam.create_user(UserName="alice-developer")
    keys = labkit.Credentials.from_response(iam.create_access_key(UserName="alice-developer")["AccessKey"])
    assert lab.client("sts", credentials=keys).get_caller_identity()["Arn"].endswith(":user/alice-developer")
    wrong = labkit.Credentials(keys.access_key_id, lab.root.secret_access_key)  # root's secret, alice's id
    assert _error(lambda: lab.client("sts", credentials=wrong).get_caller_identity())[0] == (
        "SignatureDoesNotMatch")
    iam.delete_access_key(UserName="alice-developer", AccessKeyId=keys.access_key_id)
    assert _error(lambda: lab.client("sts", credentials=keys).get_caller_identity()) == (
        "InvalidClientTokenId", INVALID)


def test_session_credentials_need_their_secret_and_token_and_expire(lab) -> None:  # noqa: ANN001
    creds = labkit.Credentials.from_response(
        lab.client("sts").get_session_token(DurationSeconds=900)["Credentials"])
    assert lab.client("sts", credentials=creds).get_caller_identity()["Arn"] == ROOT
    wrong_secret = labkit.Credentials(creds.access_key_id, WRONG_SECRET, creds.session_token)
    assert _error(lambda: lab.client("sts", credentials=wrong_secret).get_caller_identity())[0] == (
        "SignatureDoesNotMatch")
    wrong_token = labkit.Credentials(creds.access_key_id, creds.secret_access_key, "forged-token")
    assert _error(lambda: lab.client("sts", credentials=wrong_token).get_caller_identity()) == (
        "InvalidClientTokenId", INVALID)
    clock.freeze()
    clock.advance(901)
    assert _error(lambda: lab.client("sts", credentials=creds).get_caller_identity()) == (
        "ExpiredToken", "The security token included in the request is expired")
    assert _error(lambda: lab.client("s3", credentials=creds).list_buckets()) == (
        "ExpiredToken", "The provided token has expired.")


def test_the_auditor_keys_are_verified_too(lab) -> None:  # noqa: ANN001
    auditor = lab.auditor()
    assert lab.client("iam", credentials=auditor).list_users()["Users"] == []
    forged = labkit.Credentials(auditor.access_key_id, WRONG_SECRET)
    assert _error(lambda: lab.client("iam", credentials=forged).list_users())[0] == "SignatureDoesNotMatch"


# -- S3 (its own wording), presigned URLs ----------------------------------------------------------

def test_s3_uses_its_own_wording(lab) -> None:  # noqa: ANN001
    wrong = labkit.Credentials(lab.root.access_key_id, WRONG_SECRET)
    assert _error(lambda: lab.client("s3", credentials=wrong).list_buckets()) == (
        "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature you provided. "
        "Check your key and signing method.")
    stranger = labkit.Credentials("AKIAIOSFODNN7EXAMPLE", WRONG_SECRET)
    assert _error(lambda: lab.client("s3", credentials=stranger).list_buckets()) == (
        "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.")


def test_s3_objects_with_awkward_names_and_presigned_urls(lab) -> None:  # noqa: ANN001
    s3 = lab.client("s3", config=Config(signature_version="s3v4"))
    s3.create_bucket(Bucket="castle-archive")
    key = "plans/east wing+moat%draft=~1 (final).txt"
    s3.put_object(Bucket="castle-archive", Key=key, Body=b"drawbridge")
    assert s3.get_object(Bucket="castle-archive", Key=key)["Body"].read() == b"drawbridge"
    url = s3.generate_presigned_url("get_object", Params={"Bucket": "castle-archive", "Key": key})
    assert send(lab, "GET", url) == (200, "drawbridge")
    tampered = url.replace("X-Amz-Signature=", "X-Amz-Signature=0")
    status, text = send(lab, "GET", tampered)
    assert status == 403 and "<Code>SignatureDoesNotMatch</Code>" in text
    other_object = url.replace("final", "draft")
    assert send(lab, "GET", other_object)[0] >= 400


# -- raw requests: tampering, replay with a changed body, malformed signatures ----------------------

def test_a_signed_request_cannot_be_changed_after_signing(lab) -> None:  # noqa: ANN001
    body = "Action=CreateUser&UserName=alice-developer&Version=2010-05-08"
    headers = _signed(lab, body, lab.root.access_key_id, lab.root.secret_access_key)
    forged_body = body.replace("alice-developer", "mallory")
    status, text = _send(lab, forged_body, headers)
    assert status == 403 and "<Code>SignatureDoesNotMatch</Code>" in text
    forged_date = {**headers, "X-Amz-Date": "20300101T000000Z"}
    assert _send(lab, body, forged_date)[0] == 403
    assert _send(lab, body, headers)[0] == 200  # the untouched request is fine
    assert [u["UserName"] for u in lab.client("iam").list_users()["Users"]] == ["alice-developer"]


@pytest.mark.parametrize("authorization", [
    "AWS4-HMAC-SHA256 Credential={key}/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=00",
    "AWS4-HMAC-SHA256 Credential={key}/20260101/us-east-1/iam/aws4_request, SignedHeaders=host",
    "AWS4-HMAC-SHA1 Credential={key}/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=00",
    "Credential={key}/20260101/us-east-1/iam/",
])
def test_a_known_key_id_alone_gets_nothing(lab, authorization: str) -> None:  # noqa: ANN001
    headers = {"Content-Type": "application/x-www-form-urlencoded",
               "Authorization": authorization.format(key=lab.root.access_key_id)}
    status, text = _send(lab, "Action=ListUsers&Version=2010-05-08", headers)
    assert status == 403 and "<Code>SignatureDoesNotMatch</Code>" in text, text


def test_no_credentials_at_all_is_missing_authentication_token(lab) -> None:  # noqa: ANN001
    status, text = _send(lab, "Action=ListUsers&Version=2010-05-08",
                         {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 403 and "<Code>MissingAuthenticationToken</Code>" in text


# -- the aws command ---------------------------------------------------------------------------------

def test_aws_cli_with_a_wrong_secret(lab, aws_cli) -> None:  # noqa: ANN001
    assert json.loads(aws_cli("sts", "get-caller-identity").stdout)["Arn"] == ROOT
    lab.use(labkit.Credentials(lab.root.access_key_id, WRONG_SECRET))
    done = aws_cli("iam", "create-user", "--user-name", "mallory", check=False)
    assert done.returncode != 0
    assert f"An error occurred (SignatureDoesNotMatch) when calling the CreateUser operation: {MISMATCH}" in (
        done.stderr)
    lab.use(None)
    assert lab.client("iam").list_users()["Users"] == []


def test_new_credential_kinds_plug_into_one_lookup(lab) -> None:  # noqa: ANN001
    """A credential kind the verifier does not know is refused, and works once it has a lookup."""
    from labkit.realism import signature

    layer = lab.sandbox.layer
    secret = "k" * 40
    creds = labkit.Credentials("ASIAWEBIDENTITY00001", secret)
    assert _error(lambda: lab.client("sts", credentials=creds).get_caller_identity())[0] == (
        "InvalidClientTokenId")
    lookup = lambda state, key_id: secret if key_id == creds.access_key_id else None  # noqa: E731
    signature.SECRET_LOOKUPS.append(lookup)
    try:
        assert signature.secret_for(layer.state, creds.access_key_id) == secret
        # The signature now passes; identify() still decides who that is (here: nobody it knows).
        assert _error(lambda: lab.client("sts", credentials=creds).get_caller_identity()) == (
            "InvalidClientTokenId", INVALID)
        wrong = labkit.Credentials(creds.access_key_id, WRONG_SECRET)
        assert _error(lambda: lab.client("sts", credentials=wrong).get_caller_identity())[0] == (
            "SignatureDoesNotMatch")
    finally:
        signature.SECRET_LOOKUPS.remove(lookup)


@pytest.mark.parametrize("smuggle", [
    "XCredential={victim}/20260101/us-east-1/iam/aws4_request, {rest}",  # a look-alike field first
    "Credential={victim}/20260101/us-east-1/iam/aws4_request, {rest}",  # the field twice
])
def test_a_second_credential_field_cannot_borrow_another_key(lab, iam, smuggle: str) -> None:  # noqa: ANN001
    """Attack: sign with your own low-privilege key, but name root's key id in the header too.

    The key whose secret checked out must be the key the request acts as.
    """
    iam.create_user(UserName="intern")
    keys = labkit.Credentials.from_response(iam.create_access_key(UserName="intern")["AccessKey"])
    body = "Action=CreateUser&UserName=mallory&Version=2010-05-08"
    headers = _signed(lab, body, keys.access_key_id, keys.secret_access_key)
    algorithm, _, rest = headers["Authorization"].partition(" ")
    headers["Authorization"] = f"{algorithm} " + smuggle.format(victim=lab.root.access_key_id, rest=rest)
    status, text = _send(lab, body, headers)
    assert status == 403, text
    assert [u["UserName"] for u in iam.list_users()["Users"]] == ["intern"]


class _NoDateScope(SigV4Auth):
    """botocore's signer with an empty date in the credential scope (a hand-made header)."""

    def credential_scope(self, request) -> str:  # noqa: ANN001
        return f"/{self._region_name}/{self._service_name}/aws4_request"

    def signature(self, string_to_sign: str, request) -> str:  # noqa: ANN001
        key = self._sign(f"AWS4{self.credentials.secret_key}".encode(), "")
        for part in (self._region_name, self._service_name, "aws4_request"):
            key = self._sign(key, part)
        return self._sign(key, string_to_sign, hex=True)


def test_a_query_credential_cannot_name_another_key_than_the_header(lab, iam) -> None:  # noqa: ANN001
    """Attack: a header signed with your own key that the router cannot read, root's key id in the URL."""
    iam.create_user(UserName="intern")
    keys = labkit.Credentials.from_response(iam.create_access_key(UserName="intern")["AccessKey"])
    body = "Action=CreateUser&UserName=mallory&Version=2010-05-08"
    url = (f"{lab.endpoint_url}/?X-Amz-Credential={lab.root.access_key_id}"
           "%2F20260101%2Fus-east-1%2Fiam%2Faws4_request")
    request = AWSRequest("POST", url, data=body,
                         headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    intern = BotoCredentials(keys.access_key_id, keys.secret_access_key)
    _NoDateScope(intern, "iam", "us-east-1").add_auth(request)
    headers = dict(request.headers.items())
    headers["Authorization"] = headers["Authorization"].replace(f"/{headers['X-Amz-Date'][:8]}/", "//")
    status, text = send(lab, "POST", url, body, headers)
    assert status == 403, text
    assert [u["UserName"] for u in iam.list_users()["Users"]] == ["intern"]


POWER_USER = json.dumps({"Version": "2012-10-17", "Statement": [  # the shape of AWS's PowerUserAccess
    {"Effect": "Allow", "NotAction": ["iam:*", "organizations:*", "account:*"], "Resource": "*"}]})


@pytest.mark.parametrize("prefix", [
    "Scope=x/20260101/us-east-1/iam/aws4_request, ",  # a first field moto would read as the scope
    "Credential=x/20260101/us-east-1/iam/aws4_request ",  # the scope twice, the first without a comma
])
def test_the_service_that_answers_is_the_service_that_was_signed_for(lab, iam, prefix: str) -> None:  # noqa: ANN001
    """Attack: a power user (everything but IAM) signs an IAM call as if for STS, then adds a field
    that makes the sandbox's AWS answer it as IAM -- creating users is still refused."""
    iam.create_user(UserName="power")
    iam.put_user_policy(UserName="power", PolicyName="power-user", PolicyDocument=POWER_USER)
    keys = labkit.Credentials.from_response(iam.create_access_key(UserName="power")["AccessKey"])
    body = "Action=CreateUser&UserName=mallory&Version=2010-05-08"
    request = AWSRequest("POST", lab.endpoint_url + "/", data=body,
                         headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    power = BotoCredentials(keys.access_key_id, keys.secret_access_key)
    SigV4Auth(power, "sts", "us-east-1").add_auth(request)
    headers = dict(request.headers.items())
    algorithm, _, rest = headers["Authorization"].partition(" ")
    headers["Authorization"] = f"{algorithm} {prefix}{rest}"
    status, text = _send(lab, body, headers)
    assert status == 403, text
    assert [u["UserName"] for u in iam.list_users()["Users"]] == ["power"]


def test_a_presigned_sts_url_works_and_its_body_cannot_be_swapped(lab, iam) -> None:  # noqa: ANN001
    """A presigned GetCallerIdentity URL proves who you are (how EKS and Vault use it). Attack:
    send it with a form body asking for something else -- outside S3, the body is signed too."""
    url = lab.client("sts").generate_presigned_url("get_caller_identity", ExpiresIn=900, HttpMethod="GET")
    status, text = _fetch(lab, url, "GET")
    assert status == 200 and f"<Arn>{ROOT}</Arn>" in text, text
    swapped = "Action=CreateUser&UserName=mallory&Version=2010-05-08"
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    status, text = _fetch(lab, url, "GET", swapped, form)
    assert status == 403 and "<Code>SignatureDoesNotMatch</Code>" in text, text
    empty_body = hashlib.sha256(b"").hexdigest()  # what the signer signed, claimed for the new body
    for claimed in (empty_body, "UNSIGNED-PAYLOAD"):
        status, text = _fetch(lab, url, "GET", swapped, {**form, "X-Amz-Content-Sha256": claimed})
        assert status == 403 and "<Code>SignatureDoesNotMatch</Code>" in text, text
    assert iam.list_users()["Users"] == []


def _fetch(lab: labkit.Lab, url: str, method: str, body: str | None = None,
           headers: dict[str, str] | None = None) -> tuple[int, str]:
    return send(lab, method, url, body, headers)


def test_a_presigned_request_is_answered_by_the_service_it_was_signed_for(lab, iam) -> None:  # noqa: ANN001
    """Attack: an IAM read-only user (``iam:Get*``, ``iam:List*``) presigns a GET of an S3 object
    with an *IAM* credential scope. The permission check sees ``iam:GET``; the answer must still
    not be the object, because the request was signed for IAM."""
    s3 = lab.client("s3")
    s3.create_bucket(Bucket="castle-vault")
    s3.put_object(Bucket="castle-vault", Key="crown-jewels.txt", Body=b"the crown jewels")
    iam.create_user(UserName="auditor")
    iam.put_user_policy(UserName="auditor", PolicyName="iam-read-only", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["iam:Get*", "iam:List*"], "Resource": "*"}]}))
    keys = labkit.Credentials.from_response(iam.create_access_key(UserName="auditor")["AccessKey"])
    request = AWSRequest("GET", lab.endpoint_url + "/castle-vault/crown-jewels.txt")
    reader = BotoCredentials(keys.access_key_id, keys.secret_access_key)
    SigV4QueryAuth(reader, "iam", "us-east-1").add_auth(request)
    status, text = _fetch(lab, request.url, "GET")
    assert "crown jewels" not in text, (status, text)
    s3_as_reader = lab.client("s3", credentials=keys)
    denied = _error(lambda: s3_as_reader.get_object(Bucket="castle-vault", Key="crown-jewels.txt"))
    assert denied[0] == "AccessDenied"
