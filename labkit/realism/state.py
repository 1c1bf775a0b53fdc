"""What real IAM knows and moto does not: the root user, sessions, console logins.

One :class:`AccountState` lives beside moto's backend in the sandbox process
and is reset together with it.
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..clock import clock
from .moto_bridge import ACCOUNT_ID

__all__ = ["AccessKeyRecord", "RootUser", "TempSession", "ConsoleSession", "AccountState"]

ROOT_ARN = f"arn:aws:iam::{ACCOUNT_ID}:root"
ROOT_MFA_NAME = "root-account-mfa-device"  # the console's suggestion; root may choose others
_UPPER_DIGITS = string.ascii_uppercase + string.digits
_ALNUM = string.ascii_letters + string.digits


def new_key_id(prefix: str = "AKIA") -> str:
    return prefix + "".join(secrets.choice(_UPPER_DIGITS) for _ in range(16))


def new_secret() -> str:
    return "".join(secrets.choice(_ALNUM + "+/") for _ in range(40))


def new_root_password() -> str:
    """A fresh root password for each sandbox (it meets AWS's root password rules)."""
    return "Root-" + secrets.token_urlsafe(12) + "-9a!"


def new_root_email() -> str:
    """A fresh sign-in e-mail for each sandbox's root user."""
    return f"owner-{secrets.token_hex(4)}@castle.example"


@dataclass
class AccessKeyRecord:
    """One of root's access keys (IAM users' keys live in moto)."""

    access_key_id: str
    secret_access_key: str
    status: str = "Active"
    created: datetime = field(default_factory=clock.utcnow)
    last_used: datetime | None = None
    last_used_service: str | None = None
    last_used_region: str | None = None


@dataclass
class RootUser:
    """The account's root user: e-mail sign-in, a password, maybe MFA and keys."""

    email: str = field(default_factory=new_root_email)
    account_name: str = "castle-co"  # the AWS account name chosen at sign-up
    password: str = field(default_factory=new_root_password)
    created: datetime = field(default_factory=clock.utcnow)
    password_last_used: datetime | None = None
    keys: list[AccessKeyRecord] = field(default_factory=list)
    # Root's MFA devices are virtual devices in moto's table (so list-virtual-mfa-devices shows
    # them, assigned to root); these are the serials of the active ones, oldest first.
    mfa_serials: list[str] = field(default_factory=list)
    first_sign_in_without_mfa: datetime | None = None  # starts AWS's 35-day grace period

    @property
    def has_mfa(self) -> bool:
        return bool(self.mfa_serials)

    def key(self, access_key_id: str) -> AccessKeyRecord | None:
        return next((k for k in self.keys if k.access_key_id == access_key_id), None)


@dataclass
class TempSession:
    """Temporary credentials from ``sts get-session-token``."""

    access_key_id: str
    secret_access_key: str
    session_token: str
    principal: str  # "root", an IAM user name, or a role name (with ``role_session``)
    expires: datetime
    mfa: bool
    made_by: str = "GetSessionToken"
    role_session: str | None = None  # RoleSessionName of an assumed-role session
    account_id: str | None = None  # AssumeRoot: the member account whose root this session is
    task_policy: str | None = None  # AssumeRoot: the root-task policy that limits it


@dataclass
class ConsoleSession:
    """A (simulated) Management Console session."""

    session_id: str
    principal: str  # "root" or an IAM user name
    must_change_password: bool = False
    mfa: bool = False
    must_register_mfa: bool = False  # root past AWS's 35-day grace period without MFA


@dataclass
class AccountState:
    """All of the account that moto does not model."""

    root: RootUser = field(default_factory=RootUser)
    sessions: dict[str, TempSession] = field(default_factory=dict)
    console: dict[str, ConsoleSession] = field(default_factory=dict)
    password_history: dict[str, list[str]] = field(default_factory=dict)
    password_changed: dict[str, datetime] = field(default_factory=dict)
    login_profile_created: dict[str, datetime] = field(default_factory=dict)
    used_codes: set[tuple[str, int]] = field(default_factory=set)
    trail: list[Any] = field(default_factory=list)  # cloudtrail.TrailEvent, oldest first
    members: dict[str, Any] = field(default_factory=dict)  # organizations.MemberRoot by account id
    passkeys: dict[str, list[Any]] = field(default_factory=dict)  # "root"/user -> PasskeyCredential
    passkey_challenges: dict[str, tuple[str, str, datetime]] = field(default_factory=dict)
    org_features: set[str] = field(default_factory=set)  # RootCredentialsManagement, RootSessions
    identity_center: Any = None  # identity_center.Directory: the portal's users, tokens, sessions
    report_generated: datetime | None = None
    report_csv: str | None = None
    enforce: bool = True
    # Root-equivalent keys for the graders' checks: never listed, never "last used".
    auditor: AccessKeyRecord = field(default_factory=lambda: AccessKeyRecord(new_key_id(), new_secret()))
    # The sandbox's own endpoints (/labkit/...): the console and health need the owner's token,
    # the control endpoints (reset, back-dating...) the admin token. Both live as long as the server.
    admin_token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    owner_token: str = field(default_factory=lambda: secrets.token_urlsafe(24))

    def remember_password(self, user: str, password: str) -> None:
        self.password_history.setdefault(user, []).append(password)
        self.password_changed[user] = clock.utcnow()
