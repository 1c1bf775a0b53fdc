"""Who signed this request? Root, an IAM user, or a temporary session of either.

The signature itself is checked first, against the secret the account stores
for the key (:mod:`labkit.realism.signature`): a key id alone identifies no one.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from ..clock import clock
from . import moto_bridge as mb
from .errors import MissingAuthenticationToken
from .moto_bridge_sso import member_role_id
from .signature import refusal, verify
from .state import ROOT_ARN, AccountState
from .wire import AwsRequest

__all__ = ["Principal", "PrincipalKind", "identify"]


class PrincipalKind(Enum):
    """Who can sign a request: the account's root user, an IAM user, or a role's session."""

    ROOT = "root"
    USER = "user"
    ROLE = "role"  # an assumed-role session


@dataclass(frozen=True, kw_only=True)
class Principal:
    """The caller of one request.

    >>> Principal(kind=PrincipalKind.USER, name="alice", arn="arn:aws:iam::123456789012:user/alice",
    ...           user_id="AIDA...", mfa=None).is_root
    False
    """

    kind: PrincipalKind
    name: str  # "root", the IAM user name, or the role name
    arn: str
    user_id: str
    mfa: bool | None  # aws:MultiFactorAuthPresent; None when the key is absent (long-term keys)
    temporary: bool = False
    made_by: str = ""  # the STS operation that issued temporary credentials ("GetSessionToken")

    @property
    def is_root(self) -> bool:
        return self.kind is PrincipalKind.ROOT

    @property
    def is_role(self) -> bool:
        """An assumed-role session (its policies are the role's)."""
        return self.kind is PrincipalKind.ROLE

    @property
    def account_id(self) -> str:
        """The account the caller belongs to (a member account's, for an AssumeRoot session)."""
        return self.arn.split(":")[4]


def root_principal(mfa: bool | None = None, temporary: bool = False, made_by: str = "") -> Principal:
    return Principal(kind=PrincipalKind.ROOT, name="root", arn=ROOT_ARN, user_id=mb.ACCOUNT_ID, mfa=mfa,
                     temporary=temporary, made_by=made_by)


def user_principal(name: str, mfa: bool | None = None, temporary: bool = False,
                   made_by: str = "") -> Principal:
    u = mb.user(name)
    user_id = u.id if u is not None else ""
    arn = u.arn if u is not None else f"arn:aws:iam::{mb.ACCOUNT_ID}:user/{name}"
    return Principal(kind=PrincipalKind.USER, name=name, arn=arn, user_id=user_id, mfa=mfa,
                     temporary=temporary, made_by=made_by)


def role_principal(role_name: str, session_name: str, made_by: str) -> Principal:
    """A session of role ``role_name`` (``arn:aws:sts::<acct>:assumed-role/<role>/<session>``)."""
    r = mb.role(role_name)
    role_id = r.id if r is not None else "AROA"
    arn = f"arn:aws:sts::{mb.ACCOUNT_ID}:assumed-role/{role_name}/{session_name}"
    return Principal(kind=PrincipalKind.ROLE, name=role_name, arn=arn, user_id=f"{role_id}:{session_name}",
                     mfa=None, temporary=True, made_by=made_by)


def sso_role_principal(account_id: str, role_name: str, user_name: str, role_id: str = "AROA") -> Principal:
    """A person's session of an IAM Identity Center reserved role in member account ``account_id``
    (``arn:aws:sts::<member>:assumed-role/AWSReservedSSO_<set>_<hex>/<user name>``), whose
    credentials came from the access portal's GetRoleCredentials."""
    arn = f"arn:aws:sts::{account_id}:assumed-role/{role_name}/{user_name}"
    return Principal(kind=PrincipalKind.ROLE, name=role_name, arn=arn, user_id=f"{role_id}:{user_name}",
                     mfa=None, temporary=True, made_by="GetRoleCredentials")


def identify(state: AccountState, req: AwsRequest) -> Principal:
    """The principal behind ``req``; bad credentials raise the error AWS answers."""
    key_id = req.access_key
    if not key_id:
        raise MissingAuthenticationToken("Request is missing Authentication Token")
    verify(state, req)
    if key_id == state.auditor.access_key_id:  # the checks' read-only view of the account
        return root_principal()
    root_key = state.root.key(key_id)
    if root_key is not None:
        if root_key.status != "Active":
            raise refusal(req, "unknown")
        root_key.last_used = clock.utcnow()
        root_key.last_used_service = req.service or "iam"
        root_key.last_used_region = req.region
        return root_principal()
    session = state.sessions.get(key_id)
    if session is not None:
        if req.session_token != session.session_token:
            raise refusal(req, "unknown")
        if session.expires <= clock.utcnow():
            raise refusal(req, "expired")
        if session.made_by == "GetRoleCredentials":  # Identity Center: a member account's reserved role
            role_id = member_role_id(session.account_id or "", session.principal)
            if role_id is None:  # the last assignment went: Identity Center deleted the role
                raise refusal(req, "unknown")
            return sso_role_principal(session.account_id or "", session.principal,
                                      session.role_session or "", role_id)
        if session.made_by == "AssumeRoot":  # a member account's root, limited to one task
            member = session.account_id or ""
            return Principal(kind=PrincipalKind.ROOT, name="root", arn=f"arn:aws:iam::{member}:root",
                             user_id=member, mfa=None, temporary=True, made_by="AssumeRoot")
        if session.principal == "root":
            return root_principal(mfa=session.mfa, temporary=True, made_by=session.made_by)
        if session.role_session:
            if mb.role(session.principal) is None:
                raise refusal(req, "unknown")
            return role_principal(session.principal, session.role_session, session.made_by)
        if mb.user(session.principal) is None:
            raise refusal(req, "unknown")
        return user_principal(session.principal, mfa=session.mfa, temporary=True,
                              made_by=session.made_by)
    found = mb.user_for_access_key(key_id)
    if found is None:
        raise refusal(req, "unknown")
    owner, key = found
    if key.status != "Active":
        raise refusal(req, "unknown")
    return user_principal(owner.name)
