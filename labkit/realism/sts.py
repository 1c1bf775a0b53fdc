"""STS as the course uses it: "who am I?" and MFA-protected sessions."""

from __future__ import annotations

import base64
import secrets
from datetime import timedelta

from ..clock import clock
from . import hooks, mfa
from .errors import AccessDenied, ValidationError
from .hooks import Call
from .signature import refusal
from .state import TempSession, new_key_id, new_secret
from .wire import Response, query_response

__all__ = ["get_caller_identity", "get_session_token", "session_limits"]

# What GetSessionToken's credentials may still call in STS:
# https://docs.aws.amazon.com/STS/latest/APIReference/API_GetSessionToken.html
_STS_FOR_PLAIN_SESSIONS = {"AssumeRole", "GetCallerIdentity"}


def session_limits(call: Call) -> None:
    """The limits AWS puts on credentials from ``get-session-token``.

    * without MFA they cannot call any IAM operation: AWS answers
      ``InvalidClientTokenId`` (https://github.com/99designs/aws-vault/issues/455);
    * with or without MFA, no STS operation except AssumeRole and GetCallerIdentity
      (https://docs.aws.amazon.com/STS/latest/APIReference/API_GetSessionToken.html).
    """
    req, principal = call.req, call.principal
    if principal.made_by != "GetSessionToken":
        return
    if req.service == "iam" and not principal.mfa:
        raise refusal(req, "unknown")  # IAM's text: no final period (99designs/aws-vault#328)
    if req.service == "sts" and req.action not in _STS_FOR_PLAIN_SESSIONS:
        # AWS's wording for GetSessionToken; the same sentence for the other STS calls.
        raise AccessDenied(f"Cannot call {req.action} with session credentials")


@hooks.answer("sts:GetCallerIdentity")
def get_caller_identity(call: Call) -> Response:
    """``sts get-caller-identity``: root shows as ``arn:aws:iam::<account>:root``."""
    principal = call.principal
    return query_response("sts", "GetCallerIdentity", {
        "UserId": principal.user_id, "Account": principal.arn.split(":")[4], "Arn": principal.arn,
    })


@hooks.answer("sts:GetSessionToken")
def get_session_token(call: Call) -> Response:
    """Temporary credentials; with ``--serial-number``/``--token-code`` the code is checked
    and the session carries ``aws:MultiFactorAuthPresent = true``."""
    req, principal, state = call.req, call.principal, call.state
    if principal.temporary:
        raise AccessDenied("Cannot call GetSessionToken with session credentials")
    serial = req.params.get("SerialNumber")
    code = req.params.get("TokenCode")
    with_mfa = False
    if serial or code:
        seed = mfa.seed_for(state, principal, serial or "")
        if not serial or not code or seed is None:
            raise AccessDenied(mfa.MFA_FAILED)
        if not mfa.code_is_valid(seed, code):
            raise AccessDenied(mfa.WRONG_CODE)
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
            raise ValidationError(
                f"1 validation error detected: Value '{duration}' at 'durationSeconds' failed to "
                f"satisfy constraint: Member must have value {rule}")
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
