"""OIDC federation for CI: a simulated GitHub Actions token issuer, and STS's
``AssumeRoleWithWebIdentity`` that trusts it only as far as the role's trust policy says.

A CI job needs AWS credentials without a stored access key. The CI service (here, a
simulation of GitHub Actions at ``https://token.actions.githubusercontent.com``) gives each
job a short-lived **OIDC token**, a JWT it signs with its private key, whose claims say which
repository, branch and workflow the job runs for. STS accepts the token when

1. the account has an **IAM OIDC identity provider** for that issuer
   (``aws iam create-open-id-connect-provider``) whose client-ID list holds the token's
   ``aud`` (``sts.amazonaws.com``);
2. the signature verifies with the issuer's public key and the token has not expired;
3. the role's **trust policy** allows ``sts:AssumeRoleWithWebIdentity`` for
   ``Federated: arn:aws:iam::<acct>:oidc-provider/token.actions.githubusercontent.com`` with
   its conditions on the claims, e.g. ``StringEquals`` on
   ``token.actions.githubusercontent.com:aud`` and ``StringLike`` on ``...:sub``.

The answer is temporary credentials of an assumed-role session
(``arn:aws:sts::<acct>:assumed-role/<role>/<session>``) with the role's permissions.

Sources: https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/configuring-openid-connect-in-amazon-web-services,
https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html,
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_oidc.html.
Error texts: see each constant.

The issuer's RSA key is made when the first token is asked for (pure Python,
:mod:`labkit.realism.rs256`) and lives only in this process's memory.
"""

from __future__ import annotations

import base64
import secrets
import threading
from datetime import timedelta
from typing import Any

from ..clock import clock
from . import hooks, policy, rs256
from . import moto_bridge as mb
from .errors import AccessDenied, ExpiredTokenException, InvalidIdentityToken, ValidationError
from .hooks import Call
from .state import TempSession, new_key_id, new_secret
from .wire import Response, query_response

__all__ = ["GITHUB_ISSUER", "issue_token", "assume_role_with_web_identity", "issuer_jwks", "use_issuer_key"]

GITHUB_ISSUER = "https://token.actions.githubusercontent.com"
GITHUB_AUDIENCE = "sts.amazonaws.com"  # what aws-actions/configure-aws-credentials asks for
TOKEN_LIFETIME = timedelta(minutes=5)
_KID = "labkit-ci-1"

# https://github.com/aws-actions/configure-aws-credentials/issues/721
NO_PROVIDER = "No OpenIDConnect provider found in your account for {issuer}"
# https://github.com/awslabs/amazon-eks-irsa-cfn/pull/18
WRONG_AUDIENCE = "Incorrect token audience"
# https://github.com/aws-actions/configure-aws-credentials/issues/1446
NOT_TRUSTED = "Not authorized to perform sts:AssumeRoleWithWebIdentity"
# The sandbox's wording (AWS's exact texts for these two are not published; docs/differences.md).
BAD_SIGNATURE = "The web identity token signature could not be verified"
EXPIRED = "Token expired: current date/time {now} must be before the expiration date/time {exp}"

_lock = threading.Lock()
_key: rs256.RSAKey | None = None


def use_issuer_key(key: rs256.RSAKey) -> None:
    """Sign this process's CI tokens with ``key``, made beforehand (for tests: making a 2048-bit key
    in pure Python costs about a second). Tokens already issued no longer verify."""
    global _key
    with _lock:
        _key = key


def _issuer_key() -> rs256.RSAKey:
    global _key
    with _lock:
        if _key is None:
            _key = rs256.RSAKey.generate(2048)
        return _key


def issuer_jwks() -> dict[str, Any]:
    """The issuer's public keys, as its ``/.well-known/jwks`` document would list them."""
    return {"keys": [_issuer_key().public().jwk(_KID)]}


def issue_token(repository: str, ref: str = "refs/heads/main", audience: str = GITHUB_AUDIENCE,
                event_name: str = "push", environment: str | None = None) -> str:
    """A GitHub-Actions-style OIDC token for a job of ``repository`` (``owner/name``) on ``ref``.

    Its ``sub`` is ``repo:<owner>/<name>:ref:<ref>`` (or ``...:environment:<env>`` for a job
    that names an environment), as GitHub documents.
    """
    if repository.count("/") != 1 or not all(repository.split("/")):
        raise ValueError(f"repository must look like 'owner/name', not {repository!r}")
    now = int(clock.now())
    owner = repository.split("/")[0]
    subject = (f"repo:{repository}:environment:{environment}" if environment
               else f"repo:{repository}:ref:{ref}")
    claims = {
        "jti": secrets.token_hex(16), "sub": subject, "aud": audience, "ref": ref,
        "ref_type": "branch" if ref.startswith("refs/heads/") else "tag",
        "repository": repository, "repository_owner": owner, "event_name": event_name,
        "workflow_ref": f"{repository}/.github/workflows/deploy.yml@{ref}",
        "job_workflow_ref": f"{repository}/.github/workflows/deploy.yml@{ref}",
        "runner_environment": "github-hosted", "iss": GITHUB_ISSUER,
        "nbf": now - 5, "iat": now, "exp": now + int(TOKEN_LIFETIME.total_seconds()),
    }
    if environment:
        claims["environment"] = environment
    return rs256.encode_jwt(claims, _issuer_key(), _KID)


@hooks.unsigned("sts:AssumeRoleWithWebIdentity")
def assume_role_with_web_identity(call: Call) -> Response:
    """``sts assume-role-with-web-identity``: no AWS credentials, only the CI's token (signed or not,
    the token is the credential)."""
    req, state = call.req, call.state
    p = req.params
    token, role_arn = p.get("WebIdentityToken", ""), p.get("RoleArn", "")
    session_name = p.get("RoleSessionName", "")
    try:
        unverified = rs256.decode_claims_unverified(token)
    except rs256.JWTError:
        raise InvalidIdentityToken("Token is not a valid JWT") from None
    issuer = str(unverified.get("iss", ""))
    provider = mb.oidc_provider(issuer)
    if provider is None:
        raise InvalidIdentityToken(NO_PROVIDER.format(issuer=issuer))
    try:
        if issuer != GITHUB_ISSUER:
            raise rs256.JWTError("unknown issuer")
        claims = rs256.decode_jwt(token, {_KID: _issuer_key().public()})
    except rs256.JWTError:
        raise InvalidIdentityToken(BAD_SIGNATURE) from None
    now = int(clock.now())
    if int(claims.get("exp", 0)) <= now:
        raise ExpiredTokenException(EXPIRED.format(now=now, exp=claims.get("exp")))
    audiences = rs256.as_list(claims.get("aud"))
    if not set(audiences) & set(provider.client_id_list):
        raise InvalidIdentityToken(WRONG_AUDIENCE)
    role_name = role_arn.rsplit("/", 1)[-1]
    r = mb.role(role_name)
    if r is None or r.arn != role_arn:
        raise AccessDenied(NOT_TRUSTED)
    host = provider.url.rstrip("/")
    context = {f"{host}:{claim}": value for claim, value in claims.items() if isinstance(value, str)}
    context[f"{host}:aud"] = audiences[0] if audiences else ""
    provider_arn = f"arn:aws:iam::{mb.ACCOUNT_ID}:oidc-provider/{host}"
    if not policy.trust_allows(mb.role_trust_policy(r), "Federated", provider_arn,
                               "sts:AssumeRoleWithWebIdentity", context):
        raise AccessDenied(NOT_TRUSTED)
    try:
        duration = int(p.get("DurationSeconds") or 3600)
    except ValueError:
        duration = 3600
    longest = int(getattr(r, "max_session_duration", 3600) or 3600)
    if not 900 <= duration <= longest:
        too_long = "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
        raise ValidationError(too_long)
    session = TempSession(
        access_key_id=new_key_id("ASIA"), secret_access_key=new_secret(),
        session_token=base64.b64encode(b"labkit-role:" + secrets.token_bytes(96)).decode(),
        principal=role_name, expires=clock.utcnow() + timedelta(seconds=duration), mfa=False,
        made_by="AssumeRoleWithWebIdentity", role_session=session_name,
    )
    state.sessions[session.access_key_id] = session
    return query_response("sts", "AssumeRoleWithWebIdentity", {
        "Credentials": {
            "AccessKeyId": session.access_key_id, "SecretAccessKey": session.secret_access_key,
            "SessionToken": session.session_token,
            "Expiration": session.expires.strftime("%Y-%m-%dT%H:%M:%SZ"),
        },
        "SubjectFromWebIdentityToken": claims.get("sub"),
        "AssumedRoleUser": {
            "AssumedRoleId": f"{r.id}:{session_name}",
            "Arn": f"arn:aws:sts::{mb.ACCOUNT_ID}:assumed-role/{role_name}/{session_name}",
        },
        "Provider": provider_arn,
        "Audience": audiences[0] if audiences else None,
    })
