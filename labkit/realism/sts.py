"""STS as the course uses it: "who am I?" and MFA-protected sessions."""

from __future__ import annotations

import base64
import secrets
from datetime import timedelta

from ..clock import clock
from . import mfa
from .identity import Principal
from .signature import refusal
from .state import AccountState, TempSession, new_key_id, new_secret
from .wire import AwsRequest, Response, aws_error, query_response

__all__ = ["get_caller_identity", "get_session_token", "session_limits"]

# What GetSessionToken's credentials may still call in STS:
# https://docs.aws.amazon.com/STS/latest/APIReference/API_GetSessionToken.html
_STS_FOR_PLAIN_SESSIONS = {"AssumeRole", "GetCallerIdentity"}


def session_limits(req: AwsRequest, principal: Principal) -> Response | None:
    """The limits AWS puts on credentials from ``get-session-token``.

    * without MFA they cannot call any IAM operation: AWS answers
      ``InvalidClientTokenId`` (https://github.com/99designs/aws-vault/issues/455);
    * with or without MFA, no STS operation except AssumeRole and GetCallerIdentity
      (https://docs.aws.amazon.com/STS/latest/APIReference/API_GetSessionToken.html).
    """
    if principal.made_by != "GetSessionToken":
        return None
    if req.service == "iam" and not principal.mfa:
        return refusal(req, "unknown")  # IAM's text: no final period (99designs/aws-vault#328)
    if req.service == "sts" and req.action not in _STS_FOR_PLAIN_SESSIONS:
        # AWS's wording for GetSessionToken; the same sentence for the other STS calls.
        return aws_error(req, "AccessDenied", f"Cannot call {req.action} with session credentials", 403)
    return None


def get_caller_identity(principal: Principal) -> Response:
    """``sts get-caller-identity``: root shows as ``arn:aws:iam::<account>:root``."""
    return query_response("sts", "GetCallerIdentity", {
        "UserId": principal.user_id, "Account": principal.arn.split(":")[4], "Arn": principal.arn,
    })


def get_session_token(req: AwsRequest, principal: Principal, state: AccountState) -> Response:
    """Temporary credentials; with ``--serial-number``/``--token-code`` the code is checked
    and the session carries ``aws:MultiFactorAuthPresent = true``."""
    if principal.temporary:
        return aws_error(req, "AccessDenied", "Cannot call GetSessionToken with session credentials", 403)
    serial = req.params.get("SerialNumber")
    code = req.params.get("TokenCode")
    with_mfa = False
    if serial or code:
        seed = mfa.seed_for(state, principal, serial or "")
        if not serial or not code or seed is None:
            return aws_error(req, "AccessDenied", mfa.MFA_FAILED, 403)
        if not mfa.code_is_valid(seed, code):
            return aws_error(req, "AccessDenied", mfa.WRONG_CODE, 403)
        with_mfa = True
    try:
        duration = int(req.params.get("DurationSeconds") or 43200)
    except ValueError:
        duration = 43200
    # 900-129,600 s, default 43,200; root's sessions last at most an hour: "If the duration is
    # longer than one hour, the session for AWS account owners defaults to one hour."
    # https://docs.aws.amazon.com/STS/latest/APIReference/API_GetSessionToken.html
    for bad, rule in ((duration < 900, "greater than or equal to 900"),
                      (duration > 129600, "less than or equal to 129600")):
        if bad:
            return aws_error(
                req, "ValidationError",
                f"1 validation error detected: Value '{duration}' at 'durationSeconds' failed to "
                f"satisfy constraint: Member must have value {rule}", 400,
            )
    if principal.is_root:
        duration = min(duration, 3600)
    session = TempSession(
        access_key_id=new_key_id("ASIA"),
        secret_access_key=new_secret(),
        session_token=base64.b64encode(b"labkit-session:" + secrets.token_bytes(96)).decode(),
        principal=principal.name,
        expires=clock.utcnow() + timedelta(seconds=duration),
        mfa=with_mfa,
    )
    state.sessions[session.access_key_id] = session
    return query_response("sts", "GetSessionToken", {"Credentials": {
        "AccessKeyId": session.access_key_id,
        "SecretAccessKey": session.secret_access_key,
        "SessionToken": session.session_token,
        "Expiration": session.expires.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }})
