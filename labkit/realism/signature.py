"""Is this request really signed with its key's secret? AWS Signature Version 4, checked.

Every AWS request carries an access key id *and* a signature made with the
key's secret access key (boto3 and ``aws`` compute it for you). AWS recomputes
the signature with the secret it stores and refuses the request when the two
differ, so a key id alone is worth nothing -- and so does the sandbox:

* a wrong secret (a badly pasted key, a neighbour guessing) gets
  ``SignatureDoesNotMatch``;
* a key id the account does not know gets ``InvalidClientTokenId``
  (S3: ``InvalidAccessKeyId``);
* an expired session token gets ``ExpiredToken`` (answered by
  :mod:`labkit.realism.identity` once the signature is known to be right);
* a request signed more than 15 minutes before (or after) the time it arrives
  is refused -- a captured request cannot be replayed later -- and an S3
  presigned URL stops working when its ``X-Amz-Expires`` runs out
  (:func:`check_time`).

The time a request is checked against is the machine's own clock
(:meth:`labkit.clock.Clock.machine_now`), the one boto3 and ``aws`` sign with --
not the sandbox's clock, which tests and lessons move to expire sessions.

The texts are AWS's own; :data:`ERRORS` cites where each was checked.

Secrets are looked up through :func:`secret_for` only, which asks each entry of
:data:`SECRET_LOOKUPS` in turn (the auditor's key, root's keys, temporary
session credentials, IAM users' keys). A new kind of credential (for example
from ``AssumeRoleWithWebIdentity``) plugs in by adding one lookup; until it
does, its requests are refused, never waved through.

>>> sorted(ERRORS)
['expired', 'mismatch', 'unknown']
>>> _stamp(datetime(2022, 1, 27, 1, 59, 28, tzinfo=UTC))
'20220127T015928Z'
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from urllib.parse import quote, unquote

from ..clock import clock
from . import moto_bridge as mb
from .errors import AccessDenied, AwsError, SignatureDoesNotMatch
from .state import AccountState
from .wire import AwsRequest

__all__ = ["ERRORS", "SECRET_LOOKUPS", "MAX_SKEW", "check_time", "secret_for", "verify", "refusal"]

ALGORITHM = "AWS4-HMAC-SHA256"

IAM_INVALID_TOKEN = "The security token included in the request is invalid"
"""IAM's ``InvalidClientTokenId`` text, which (unlike STS's) ends without a period."""

# (code, message) per kind of refusal: the query/JSON services' wording, then S3's.
ERRORS: dict[str, dict[str, tuple[str, str]]] = {
    # aws/aws-cli#135, aws/aws-sdk-ruby#374 (IAM/EC2/SQS); S3: s3tools/s3cmd#1053, aws/aws-sdk-js#508.
    "mismatch": {
        "default": ("SignatureDoesNotMatch",
                    "The request signature we calculated does not match the signature you provided. "
                    "Check your AWS Secret Access Key and signing method. "
                    "Consult the service documentation for details."),
        "s3": ("SignatureDoesNotMatch",
               "The request signature we calculated does not match the signature you provided. "
               "Check your key and signing method."),
    },
    # STS GetCallerIdentity: jamesls/aws-creds-test#1, jrl84/amazon-sp-api#218 (full XML body);
    # IAM says it without the final period: "(InvalidClientTokenId) when calling the ListUsers
    # operation: The security token included in the request is invalid" (99designs/aws-vault#328);
    # S3: brefphp/laravel-bridge#67 (full XML body).
    "unknown": {
        "default": ("InvalidClientTokenId", "The security token included in the request is invalid."),
        "iam": ("InvalidClientTokenId", IAM_INVALID_TOKEN),
        "s3": ("InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records."),
    },
    # AWS Knowledge Center "sts-iam-token-expired" (title; S3 ListBuckets: "The provided token has
    # expired."), devopsaitoolkit.com/blog/aws-error-expired-token.
    "expired": {
        "default": ("ExpiredToken", "The security token included in the request is expired"),
        "s3": ("ExpiredToken", "The provided token has expired."),
    },
}


def refusal(req: AwsRequest, kind: str) -> AwsError:
    """AWS's 403 refusal of ``kind`` (``mismatch``, ``unknown``, ``expired``) for ``req``'s service,
    to raise."""
    texts = ERRORS[kind]
    code, message = texts.get(req.service, texts["default"])
    return AwsError(message, code=code, status=403)


# -- where secrets are kept ---------------------------------------------------------------------
SecretLookup = Callable[[AccountState, str], str | None]


def _auditor(state: AccountState, key_id: str) -> str | None:
    return state.auditor.secret_access_key if key_id == state.auditor.access_key_id else None


def _root_key(state: AccountState, key_id: str) -> str | None:
    key = state.root.key(key_id)
    return key.secret_access_key if key is not None else None


def _session(state: AccountState, key_id: str) -> str | None:
    session = state.sessions.get(key_id)
    return session.secret_access_key if session is not None else None


def _user_key(state: AccountState, key_id: str) -> str | None:
    found = mb.user_for_access_key(key_id)
    return mb.access_key_secret(found[1]) if found is not None else None


# Every kind of credential the account can issue. Add one lookup per new kind.
SECRET_LOOKUPS: list[SecretLookup] = [_auditor, _root_key, _session, _user_key]


def secret_for(state: AccountState, key_id: str) -> str | None:
    """The secret access key the account stores for ``key_id`` (None: no such key)."""
    for lookup in SECRET_LOOKUPS:
        secret = lookup(state, key_id)
        if secret is not None:
            return secret
    return None


# -- reading the signature ------------------------------------------------------------------------
@dataclass(frozen=True)
class _Signed:
    key_id: str
    date: str  # YYYYMMDD of the credential scope
    region: str
    service: str
    signed_headers: tuple[str, ...]
    signature: str
    amz_date: str
    presigned: bool


_FIELDS = ("Credential", "SignedHeaders", "Signature")


def _from_header(auth: str, environ: dict) -> _Signed | None:
    """The header's three fields, in AWS's order, each once -- anything else is unreadable.

    Strict on purpose: the sandbox's AWS picks the service by the header's first field, so a
    look-alike field before ``Credential`` could make it answer another service than the one
    the signature (and the permission check) is for.
    """
    algorithm, _, rest = auth.strip().partition(" ")
    if algorithm != ALGORITHM:
        return None
    fields = [field.strip().partition("=") for field in rest.split(",")]
    if tuple(name for name, _, _ in fields) != _FIELDS:
        return None
    if any(len(value.split()) != 1 for _, _, value in fields):  # one word each
        return None
    parts = {name: value for name, _, value in fields}
    scope = parts.get("Credential", "").split("/")
    if len(scope) != 5 or scope[4] != "aws4_request" or "Signature" not in parts:
        return None
    headers = tuple(h for h in parts.get("SignedHeaders", "").split(";") if h)
    amz_date = environ.get("HTTP_X_AMZ_DATE", "")
    return _Signed(scope[0], scope[1], scope[2], scope[3], headers, parts["Signature"], amz_date, False)


def _from_query(query: dict[str, str]) -> _Signed | None:
    if query.get("X-Amz-Algorithm") != ALGORITHM:
        return None
    scope = query.get("X-Amz-Credential", "").split("/")
    if len(scope) != 5 or scope[4] != "aws4_request" or "X-Amz-Signature" not in query:
        return None
    headers = tuple(h for h in query.get("X-Amz-SignedHeaders", "").split(";") if h)
    return _Signed(scope[0], scope[1], scope[2], scope[3], headers, query["X-Amz-Signature"],
                   query.get("X-Amz-Date", ""), True)


def _query_pairs(raw: str) -> list[tuple[str, str]]:
    pairs = []
    for pair in raw.split("&"):
        if pair:
            key, _, value = pair.partition("=")
            pairs.append((unquote(key), unquote(value)))
    return pairs


# -- the canonical request (AWS's "Create a canonical request" steps) ------------------------------
def _canonical_uri(environ: dict, service: str) -> str:
    raw = (environ.get("RAW_URI") or environ.get("REQUEST_URI") or "").split("?", 1)[0]
    if not raw:
        raw = quote(environ.get("PATH_INFO") or "/", safe="/~")
    if raw.startswith(("http://", "https://")):  # absolute-form request target
        raw = "/" + raw.split("://", 1)[1].partition("/")[2]
    if service == "s3":  # S3 signs the path as sent
        return raw or "/"
    from botocore.utils import normalize_url_path

    return quote(normalize_url_path(raw or "/"), safe="/~")


def _header(environ: dict, name: str) -> str:
    if name == "content-type":
        value = environ.get("CONTENT_TYPE", "")
    elif name == "content-length":
        value = environ.get("CONTENT_LENGTH", "")
    else:
        value = environ.get("HTTP_" + name.upper().replace("-", "_"), "")
    return " ".join(str(value).split())


def _canonical_request(req: AwsRequest, signed: _Signed, pairs: list[tuple[str, str]]) -> str:
    env = req.environ
    query = "&".join(sorted(
        f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in pairs
        if not (signed.presigned and k == "X-Amz-Signature")
    ))
    headers = "".join(f"{name}:{_header(env, name)}\n" for name in signed.signed_headers)
    if signed.service == "s3":  # S3 says how its body is signed (presigned URLs: not at all)
        payload = env.get("HTTP_X_AMZ_CONTENT_SHA256") or (
            "UNSIGNED-PAYLOAD" if signed.presigned else hashlib.sha256(req.body).hexdigest()
        )
    else:  # every other service signs the body itself, whatever a header claims
        payload = hashlib.sha256(req.body).hexdigest()
    return "\n".join([
        req.method.upper(), _canonical_uri(env, signed.service), query, headers,
        ";".join(signed.signed_headers), payload,
    ])


@lru_cache(maxsize=256)
def _signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    key = ("AWS4" + secret).encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def expected_signature(secret: str, req: AwsRequest) -> str | None:
    """The signature ``req`` should carry if signed with ``secret`` (None: not a SigV4 request)."""
    pairs = _query_pairs(req.query)
    signed = _signed(req, pairs)
    if signed is None:
        return None
    return _sign(secret, req, signed, pairs)


def _signed(req: AwsRequest, pairs: list[tuple[str, str]]) -> _Signed | None:
    auth = req.environ.get("HTTP_AUTHORIZATION")
    if auth:
        return _from_header(auth, req.environ)
    return _from_query(dict(pairs))


def _sign(secret: str, req: AwsRequest, signed: _Signed, pairs: list[tuple[str, str]]) -> str:
    canonical = _canonical_request(req, signed, pairs)
    scope = f"{signed.date}/{signed.region}/{signed.service}/aws4_request"
    to_sign = "\n".join([ALGORITHM, signed.amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = _signing_key(secret, signed.date, signed.region, signed.service)
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


def verify(state: AccountState, req: AwsRequest) -> None:
    """Return when ``req`` is signed with the stored secret of its key; else raise AWS's refusal.

    A request that names a key but whose signature cannot be read (not
    Signature Version 4, or missing parts) is refused as a mismatch, and so is
    one whose signature is right for one key while the request names another
    (two ``Credential`` fields, or one in the header and one in the URL).
    """
    pairs = _query_pairs(req.query)
    signed = _signed(req, pairs)
    key_id = signed.key_id if signed is not None else req.access_key
    if not key_id:
        return  # no credentials at all: identify() answers MissingAuthenticationToken
    secret = secret_for(state, key_id)
    if secret is None:
        raise refusal(req, "unknown")
    if signed is None or not hmac.compare_digest(_sign(secret, req, signed, pairs), signed.signature):
        raise refusal(req, "mismatch")
    if (signed.key_id, signed.region, signed.service) != (req.access_key, req.region, req.service):
        # The request would act as (or for) another key or service than the one whose secret
        # signed it, e.g. a second ``Credential=`` field naming root's key id: refused.
        raise refusal(req, "mismatch")
    check_time(req, signed, datetime.fromtimestamp(clock.machine_now(), tz=UTC))


# -- when a signature is valid ----------------------------------------------------------------------
# A signed request is good for 15 minutes either side of its X-Amz-Date. IAM/STS's query API says
# so in SignatureDoesNotMatch: "Signature expired: 20220127T001427Z is now earlier than
# 20220127T014428Z (20220127T015928Z - 15 min.)" (STS GetCallerIdentity, aws/aws-cli#6676; AssumeRole,
# devsecops/bootcamp#101; SNS, aws/aws-sdk-go#884) and, for a clock that runs ahead, "Signature not
# yet current: 20190305T002809Z is still later than 20190304T214315Z (20190304T212815Z + 15 min.)"
# (aws/aws-sdk-js#2565, aws-amplify/aws-sdk-android#88). No report shows IAM's own endpoint; IAM is
# served like STS here. STS ignores X-Amz-Expires on a presigned URL (aws/aws-sdk-go#2167,
# aws/aws-sdk-ruby#2887): the same 15 minutes apply to it.
# S3 answers a skewed header-signed request with RequestTimeTooSkewed, "The difference between the
# request time and the current time is too large.", plus RequestTime, ServerTime and
# MaxAllowedSkewMilliseconds 900000 (aws/aws-sdk-php#612, versity/versitygw#1514); a presigned URL
# past its X-Amz-Expires with AccessDenied "Request has expired" plus X-Amz-Expires, Expires and
# ServerTime (aws/aws-sdk-php#1333, aws/aws-sdk-js#3493); one dated in the future with AccessDenied
# "Request is not yet valid" plus X-Amz-Date (in milliseconds, as S3 writes it), Expires and
# ServerTime (minio/minio#2638, dmjio/s3-signer#16); X-Amz-Expires above a week with
# AuthorizationQueryParametersError (bryanjos/aws_auth#31, aws/aws-cli#5464).
MAX_SKEW = timedelta(minutes=15)
MAX_PRESIGNED = 604800  # seconds: "The minimum value you can set is 1, and the maximum is 604800"
TOO_LONG = ("X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be "
            "less than 604800 seconds")


def _stamp(when: datetime) -> str:
    return when.strftime("%Y%m%dT%H%M%SZ")


def _iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_stamp(text: str) -> datetime | None:
    try:
        return datetime.strptime(text, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        return None


def check_time(req: AwsRequest, signed: _Signed, now: datetime) -> None:
    """Return when a correctly signed request is still valid at ``now``; else raise AWS's refusal.

    A request without a readable ``X-Amz-Date`` is refused as a mismatch (the SDKs always send one).
    """
    when = _parse_stamp(signed.amz_date)
    if when is None:
        raise refusal(req, "mismatch")
    if req.service == "s3":
        if signed.presigned:
            _s3_presigned_time(req, when, now)
        else:
            _s3_header_time(when, now)
        return
    if when < now - MAX_SKEW:
        raise SignatureDoesNotMatch(f"Signature expired: {_stamp(when)} is now earlier "
                                    f"than {_stamp(now - MAX_SKEW)} ({_stamp(now)} - 15 min.)")
    if when > now + MAX_SKEW:
        raise SignatureDoesNotMatch(f"Signature not yet current: {_stamp(when)} is still "
                                    f"later than {_stamp(now + MAX_SKEW)} ({_stamp(now)} + 15 min.)")


def _s3_header_time(when: datetime, now: datetime) -> None:
    if abs(when - now) <= MAX_SKEW:
        return
    raise AwsError("The difference between the request time and the current time is too large.",
                   code="RequestTimeTooSkewed", status=403,
                   s3_details={"RequestTime": _stamp(when), "ServerTime": _iso(now),
                               "MaxAllowedSkewMilliseconds": "900000"})


def _s3_presigned_time(req: AwsRequest, when: datetime, now: datetime) -> None:
    text = dict(_query_pairs(req.query)).get("X-Amz-Expires", "")
    if not text.isdigit() or not 1 <= int(text) <= MAX_PRESIGNED:
        own_words = "X-Amz-Expires must be a number of seconds from 1 to 604800 (the sandbox's wording)."
        raise AwsError(TOO_LONG if text.isdigit() and int(text) else own_words,
                       code="AuthorizationQueryParametersError", status=400)
    expires = when + timedelta(seconds=int(text))
    if when > now + MAX_SKEW:
        raise AccessDenied("Request is not yet valid", s3_details={
            "X-Amz-Date": str(int(when.timestamp() * 1000)), "Expires": _iso(expires),
            "ServerTime": _iso(now)})
    if now > expires:
        raise AccessDenied("Request has expired", s3_details={
            "X-Amz-Expires": text, "Expires": _iso(expires), "ServerTime": _iso(now)})
