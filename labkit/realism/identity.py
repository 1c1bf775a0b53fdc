"""Who signed this request? Root, an IAM user, or a temporary session of either.

The signature itself is checked first, against the secret the account stores
for the key (:mod:`labkit.realism.signature`): a key id alone identifies no one.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..clock import clock
from . import moto_bridge as mb
from .signature import refusal, verify
from .state import ROOT_ARN, AccountState
from .wire import AwsRequest, Response, aws_error

__all__ = ["Principal", "identify"]


@dataclass(frozen=True)
class Principal:
    """The caller of one request."""

    kind: str  # "root", "user" or "role" (an assumed-role session)
    name: str  # "root", the IAM user name, or the role name
    arn: str
    user_id: str
    mfa: bool | None  # aws:MultiFactorAuthPresent; None when the key is absent (long-term keys)
    temporary: bool = False
    made_by: str = ""  # the STS operation that issued temporary credentials ("GetSessionToken")

    @property
    def is_root(self) -> bool:
        return self.kind == "root"


def root_principal(mfa: bool | None = None, temporary: bool = False, made_by: str = "") -> Principal:
    return Principal("root", "root", ROOT_ARN, mb.ACCOUNT_ID, mfa, temporary, made_by)


def user_principal(name: str, mfa: bool | None = None, temporary: bool = False,
                   made_by: str = "") -> Principal:
    u = mb.user(name)
    user_id = u.id if u is not None else ""
    arn = u.arn if u is not None else f"arn:aws:iam::{mb.ACCOUNT_ID}:user/{name}"
    return Principal("user", name, arn, user_id, mfa, temporary, made_by)


def role_principal(role_name: str, session_name: str, made_by: str) -> Principal:
    """A session of role ``role_name`` (``arn:aws:sts::<acct>:assumed-role/<role>/<session>``)."""
    r = mb.role(role_name)
    role_id = r.id if r is not None else "AROA"
    arn = f"arn:aws:sts::{mb.ACCOUNT_ID}:assumed-role/{role_name}/{session_name}"
    return Principal("role", role_name, arn, f"{role_id}:{session_name}", None, True, made_by)


def identify(state: AccountState, req: AwsRequest) -> Principal | Response:
    """The principal behind ``req``, or the error AWS answers for bad credentials."""
    key_id = req.access_key
    if not key_id:
        return aws_error(req, "MissingAuthenticationToken", "Request is missing Authentication Token", 403)
    refused = verify(state, req)
    if refused is not None:
        return refused
    if key_id == state.auditor.access_key_id:  # the checks' read-only view of the account
        return root_principal()
    root_key = state.root.key(key_id)
    if root_key is not None:
        if root_key.status != "Active":
            return refusal(req, "unknown")
        root_key.last_used = clock.utcnow()
        root_key.last_used_service = req.service or "iam"
        root_key.last_used_region = req.region
        return root_principal()
    session = state.sessions.get(key_id)
    if session is not None:
        if req.session_token != session.session_token:
            return refusal(req, "unknown")
        if session.expires <= clock.utcnow():
            return refusal(req, "expired")
        if session.made_by == "GetRoleCredentials":  # Identity Center: a member account's reserved role
            from .identity_center import sso_principal
            from .moto_bridge_sso import member_role_id

            role_id = member_role_id(session.account_id or "", session.principal)
            if role_id is None:  # the last assignment went: Identity Center deleted the role
                return refusal(req, "unknown")
            return sso_principal(session.account_id or "", session.principal, session.role_session or "",
                                 role_id)
        if session.made_by == "AssumeRoot":  # a member account's root, limited to one task
            member = session.account_id or ""
            return Principal("root", "root", f"arn:aws:iam::{member}:root", member, None, True, "AssumeRoot")
        if session.principal == "root":
            return root_principal(mfa=session.mfa, temporary=True, made_by=session.made_by)
        if session.role_session:
            if mb.role(session.principal) is None:
                return refusal(req, "unknown")
            return role_principal(session.principal, session.role_session, session.made_by)
        if mb.user(session.principal) is None:
            return refusal(req, "unknown")
        return user_principal(session.principal, mfa=session.mfa, temporary=True,
                              made_by=session.made_by)
    found = mb.user_for_access_key(key_id)
    if found is None:
        return refusal(req, "unknown")
    owner, key = found
    if key.status != "Active":
        return refusal(req, "unknown")
    return user_principal(owner.name)
