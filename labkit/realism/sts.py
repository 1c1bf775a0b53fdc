"""STS as the course uses it: "who am I?" and MFA-protected sessions."""

from __future__ import annotations

import base64
import secrets
from datetime import timedelta

from ..clock import clock
from . import mfa
from .identity import Principal
from .state import AccountState, TempSession, new_key_id, new_secret
from .wire import AwsRequest, Response, aws_error, query_response

__all__ = ["get_caller_identity", "get_session_token"]


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
        if not serial or not code or seed is None or not mfa.code_is_valid(seed, code):
            return aws_error(req, "AccessDenied", mfa.MFA_FAILED, 403)
        with_mfa = True
    default = 3600 if principal.is_root else 43200
    try:
        duration = int(req.params.get("DurationSeconds") or default)
    except ValueError:
        duration = default
    if principal.is_root:
        duration = min(duration, 3600)
    if not 900 <= duration <= 129600:
        return aws_error(
            req, "ValidationError",
            f"1 validation error detected: Value '{duration}' at 'durationSeconds' failed to "
            "satisfy constraint: Member must have value less than or equal to 129600", 400,
        )
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
