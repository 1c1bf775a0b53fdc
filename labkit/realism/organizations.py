"""AWS Organizations and centralized root access (November 2024).

In an organization, the management account can take root credentials away from member
accounts and perform the few root-only tasks itself, in short sessions:

1. ``aws organizations enable-aws-service-access --service-principal iam.amazonaws.com``
   (trusted access for IAM), then
2. ``aws iam enable-organizations-root-credentials-management`` and
   ``aws iam enable-organizations-root-sessions`` (check with
   ``aws iam list-organizations-features``), then
3. ``aws sts assume-root --target-principal <member account id> --task-policy-arn
   arn=arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials`` (at most 900 s):
   a session that acts as the member account's root user, limited by the task policy, in
   which ``list-access-keys``, ``get-login-profile``, ``list-mfa-devices``... without a user
   name act on the member's root.

Sources: https://docs.aws.amazon.com/IAM/latest/UserGuide/id_root-user.html#id_root-user-access-management,
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_root-enable-root-access.html,
https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoot.html ("You cannot use root
user credentials to make this call"; DurationSeconds at most 900), the task policies' documents
(AWS managed policies under ``/root-task/``, as moto ships them), and the error shapes of the
IAM API model in botocore (each message is that shape's documented sentence).

``organizations`` calls themselves (create-organization, create-account, list-accounts...)
are moto's. Member accounts' root users (e-mail, password, access keys, MFA) live here: the
sandbox has one full IAM account (the management account, 123456789012); in a member account
only what a root session's task policies reach is modelled.
"""

from __future__ import annotations

import base64
import json
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from ..clock import clock
from . import hooks, policy
from . import moto_bridge as mb
from .errors import AccessDenied, AwsError, EntityAlreadyExists, NoSuchEntity, ValidationError
from .hooks import Call
from .signature import refusal
from .state import AccessKeyRecord, AccountState, TempSession, new_key_id, new_secret
from .wire import NAMESPACES, AwsRequest, Response, not_available, query_response

if TYPE_CHECKING:
    from .cloudtrail import TrailEvent
    from .identity import Principal

__all__ = ["MemberRoot", "FEATURE_ACTIONS", "iam_feature_call", "assume_root", "member_root_call",
           "member_root", "in_member_account", "trail_of"]

TASK_POLICIES = ("IAMAuditRootUserCredentials", "IAMCreateRootUserPassword",
                 "IAMDeleteRootUserCredentials", "S3UnlockBucketPolicy", "SQSUnlockQueuePolicy")
MAX_ROOT_SESSION = 900
FEATURE_ACTIONS = {
    "EnableOrganizationsRootCredentialsManagement": ("enable", "RootCredentialsManagement"),
    "DisableOrganizationsRootCredentialsManagement": ("disable", "RootCredentialsManagement"),
    "EnableOrganizationsRootSessions": ("enable", "RootSessions"),
    "DisableOrganizationsRootSessions": ("disable", "RootSessions"),
    "ListOrganizationsFeatures": ("list", ""),
}
# Each message is the documented sentence of that error shape in the IAM API model.
_NO_ORG = ("OrganizationNotFoundException",
           "The request was rejected because no organization is associated with your account.")
_NO_TRUST = ("ServiceAccessNotEnabledException",
             "The request was rejected because trusted access is not enabled for IAM in Organizations.")
_NOT_ALL = ("OrganizationNotInAllFeaturesModeException",
            "The request was rejected because your organization does not have All features enabled.")


@dataclass
class MemberRoot:
    """A member account's root user, as far as centralized root access reaches it."""

    account_id: str
    email: str
    password: str | None = field(default_factory=lambda: secrets.token_urlsafe(12))
    password_created: datetime = field(default_factory=clock.utcnow)
    keys: list[AccessKeyRecord] = field(default_factory=list)
    mfa_devices: dict[str, datetime] = field(default_factory=dict)  # serial -> enabled at
    # The member account's own event history: what AssumeRoot sessions did there, recorded as
    # that account's root. The AssumeRoot call itself stays in the management account's
    # ("Track privileged tasks in AWS CloudTrail",
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/cloudtrail-track-privileged-tasks.html).
    trail: list[TrailEvent] = field(default_factory=list)

    @property
    def arn(self) -> str:
        return f"arn:aws:iam::{self.account_id}:root"


def member_root(state: AccountState, account_id: str) -> MemberRoot | None:
    """The root user of member account ``account_id`` (None if it is not a member)."""
    if mb.organizations().org is None or account_id == mb.ACCOUNT_ID:
        return None
    account = mb.org_account(account_id)
    if account is None:
        return None
    if account_id not in state.members:
        state.members[account_id] = MemberRoot(account_id, account.email)
    found: MemberRoot = state.members[account_id]
    return found


def _check_org() -> None:
    backend = mb.organizations()
    if backend.org is None:
        raise AwsError(_NO_ORG[1], code=_NO_ORG[0])
    if backend.org.feature_set != "ALL":
        raise AwsError(_NOT_ALL[1], code=_NOT_ALL[0])
    if not any(s.get("ServicePrincipal") == "iam.amazonaws.com" for s in backend.services):
        raise AwsError(_NO_TRUST[1], code=_NO_TRUST[0])


@hooks.answer(*(f"iam:{action}" for action in FEATURE_ACTIONS))
def iam_feature_call(call: Call) -> Response:
    """Enable/Disable ``RootCredentialsManagement`` / ``RootSessions``; list what is on."""
    req, state = call.req, call.state
    _check_org()
    verb, feature = FEATURE_ACTIONS[req.action]
    if verb == "enable":
        state.org_features.add(feature)
    elif verb == "disable":
        state.org_features.discard(feature)
    enabled = sorted(state.org_features)
    return query_response("iam", req.action, {"OrganizationId": mb.organizations().org.id,
                                              "EnabledFeatures": enabled})


@hooks.answer("sts:AssumeRoot")
def assume_root(call: Call) -> Response:
    """``sts assume-root``: a task-limited session as a member account's root user."""
    req, principal, state = call.req, call.principal, call.state
    if principal.is_root:  # "You cannot use root user credentials to make this call."
        raise AccessDenied("Cannot call AssumeRoot with root user credentials")
    p = req.params
    target = p.get("TargetPrincipal", "")
    arn = p.get("TaskPolicyArn.arn", "")
    try:
        duration = int(p.get("DurationSeconds") or MAX_ROOT_SESSION)
    except ValueError:
        duration = MAX_ROOT_SESSION
    if duration > MAX_ROOT_SESSION:
        raise ValidationError(f"1 validation error detected: Value '{duration}' at 'durationSeconds' "
                              "failed to satisfy constraint: Member must have value less than or equal to "
                              f"{MAX_ROOT_SESSION}")
    name = arn.removeprefix("arn:aws:iam::aws:policy/root-task/")
    if name not in TASK_POLICIES or not arn.startswith("arn:aws:iam::aws:policy/root-task/"):
        raise ValidationError(f"{arn} is not a root task policy.")
    if "RootSessions" not in state.org_features:
        raise AccessDenied("Centralized root access (RootSessions) is not enabled for this organization.")
    if member_root(state, target) is None:
        raise AccessDenied(f"{target} is not a member account of your organization.")
    session = TempSession(
        access_key_id=new_key_id("ASIA"), secret_access_key=new_secret(),
        session_token=base64.b64encode(b"labkit-root:" + secrets.token_bytes(96)).decode(),
        principal="root", expires=clock.utcnow() + timedelta(seconds=duration), mfa=False,
        made_by="AssumeRoot", account_id=target, task_policy=name,
    )
    state.sessions[session.access_key_id] = session
    return query_response("sts", "AssumeRoot", {
        "Credentials": {"AccessKeyId": session.access_key_id, "SecretAccessKey": session.secret_access_key,
                        "SessionToken": session.session_token,
                        "Expiration": session.expires.strftime("%Y-%m-%dT%H:%M:%SZ")},
        "SourceIdentity": principal.name,
    })


def _task_allows(task: str, action: str, resource: str, principal_arn: str) -> bool:
    mb.ensure_aws_managed_policy(f"arn:aws:iam::aws:policy/root-task/{task}")
    doc = mb.aws_managed_document(task)
    context = {"aws:PrincipalArn": principal_arn}
    # Root may do everything; the task policy's Deny statements are the only limit.
    return policy.evaluate([doc, {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}],
                           action, resource, context) == "allow"


SCP = "SERVICE_CONTROL_POLICY"


def scp_verdict(account_id: str, action: str, resource: str, principal_arn: str) -> str:
    """What the organization's SCPs say to a request by a member account's principal (its root
    included): ``'allow'``, ``'explicit-deny'`` or ``'implicit-deny'``."""
    return scp_decision(account_id, action, resource, principal_arn)[0]


def scp_decision(account_id: str, action: str, resource: str, principal_arn: str,
                 context: dict[str, Any] | None = None) -> tuple[str, str | None]:
    """:func:`scp_verdict`, and the ARN of the SCP whose ``Deny`` applies (or None). ``context``:
    the request's condition keys beyond ``aws:PrincipalArn`` (an Identity Center session's
    ``identitystore:UserId``, for instance).

    Once SCPs are enabled on the organization's root, every level from the account up to the
    root must allow the action (``FullAWSAccess`` does, by default) and no SCP may deny it; the
    management account is never limited
    (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_evaluation.html).
    """
    backend = mb.organizations()
    if backend.org is None or account_id == mb.ACCOUNT_ID:
        return "allow", None
    root = next((ou for ou in backend.ou if getattr(ou, "type", "") == "ROOT"), None)
    enabled = [t for t in (root.policy_types if root else []) if t.get("Type") == SCP]
    if root is None or not any(t.get("Status") == "ENABLED" for t in enabled):
        return "allow", None
    context = {**(context or {}), "aws:PrincipalArn": principal_arn}
    verdicts = []
    denier: str | None = None
    target = account_id
    while target:
        node = next((n for n in [*backend.accounts, *backend.ou] if n.id == target), None)
        docs = [{**json.loads(p.content), mb.POLICY_ARN_KEY: p.arn}
                for p in getattr(node, "attached_policies", []) if p.type == SCP and p.content]
        verdicts.append(policy.evaluate(docs, action, resource, context))
        denier = denier or policy.denying_policy_arn(docs, action, resource, context)
        parents = backend.list_parents(ChildId=target)["Parents"] if target != root.id else []
        target = parents[0]["Id"] if parents else ""
    if "explicit-deny" in verdicts:
        return "explicit-deny", denier
    return ("implicit-deny" if "implicit-deny" in verdicts else "allow"), None


def _iso(when: datetime | None) -> str | None:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ") if when else None


def in_member_account(call: Call) -> Response | None:
    """An AssumeRoot session's call is served in the member account (None: not such a session)."""
    if call.principal.made_by != "AssumeRoot":
        return None
    return member_root_call(call.req, call.state.sessions[call.req.access_key or ""], call.state)


def trail_of(state: AccountState, principal: Principal) -> list[TrailEvent] | None:
    """The event history a call of ``principal`` goes to: an AssumeRoot session's calls are
    recorded in the member account's own, as its root, and a person's Identity Center session's
    as the reserved role (None: that member is gone)."""
    if principal.made_by not in ("AssumeRoot", "GetRoleCredentials"):  # member-account sessions
        return state.trail
    member = member_root(state, principal.account_id)
    return member.trail if member is not None else None


def member_root_call(req: AwsRequest, session: TempSession, state: AccountState) -> Response:
    """A request in an AssumeRoot session: the member's root user, within the task policy."""
    root = member_root(state, session.account_id or "")
    if root is None:
        raise refusal(req, "unknown")
    service, action = req.service, req.action
    if service == "sts" and action == "GetCallerIdentity":
        return query_response("sts", action, {"UserId": root.account_id, "Account": root.account_id,
                                              "Arn": root.arn})
    resource = root.arn if "UserName" not in req.params else \
        f"arn:aws:iam::{root.account_id}:user/{req.params['UserName']}"
    iam_action = f"{service}:{action}"
    scps, denier = scp_decision(root.account_id, iam_action, resource, root.arn)
    if scps != "allow":  # since January 2026 an explicit deny names the SCP (policy.denied_message)
        raise AccessDenied(policy.denied_message(root.arn, iam_action, resource, scps, denier,
                                                 "service control"))
    if not _task_allows(session.task_policy or "", iam_action, resource, root.arn):
        # The task policy is the session's policy; since January 2026 a session policy's deny names
        # its ARN. AWS's text for root sessions is not published: labkit.sandbox_wording lists it.
        task_arn = f"arn:aws:iam::aws:policy/root-task/{session.task_policy}"
        raise AccessDenied(policy.denied_message(root.arn, iam_action, resource, "explicit-deny", task_arn,
                                                 "session"))
    handler = _MEMBER_ROOT_ACTIONS.get(action) if service == "iam" else None
    if handler is None:
        return not_available(req)
    return handler(req, root)


def _list_keys(req: AwsRequest, root: MemberRoot) -> Response:
    members = [{"AccessKeyId": k.access_key_id, "Status": k.status, "CreateDate": _iso(k.created)}
               for k in root.keys]
    return query_response("iam", req.action, {"AccessKeyMetadata": members, "IsTruncated": False})


def _delete_key(req: AwsRequest, root: MemberRoot) -> Response:
    key_id = req.params.get("AccessKeyId", "")
    record = next((k for k in root.keys if k.access_key_id == key_id), None)
    if record is None:
        raise NoSuchEntity(f"The Access Key with id {key_id} cannot be found")
    root.keys.remove(record)
    return query_response("iam", req.action, None)


def _get_login_profile(req: AwsRequest, root: MemberRoot) -> Response:
    if root.password is None:
        raise NoSuchEntity("Login Profile for User root cannot be found.")
    return query_response("iam", req.action, {"LoginProfile": {
        "UserName": root.account_id, "CreateDate": _iso(root.password_created),
        "PasswordResetRequired": False}})


def _delete_login_profile(req: AwsRequest, root: MemberRoot) -> Response:
    if root.password is None:
        raise NoSuchEntity("Login Profile for User root cannot be found.")
    root.password = None
    return query_response("iam", req.action, None)


def _create_login_profile(req: AwsRequest, root: MemberRoot) -> Response:
    """IAMCreateRootUserPassword: the Password parameter must be omitted; the root user then
    sets one through "Forgot password?" (the CreateLoginProfile API reference)."""
    if "Password" in req.params:
        raise ValidationError("Password must be omitted when the request is made with an AssumeRoot session.")
    if root.password is not None:
        raise EntityAlreadyExists("Login Profile for user root already exists.")
    root.password, root.password_created = secrets.token_urlsafe(12), clock.utcnow()
    return query_response("iam", req.action, {"LoginProfile": {
        "UserName": root.account_id, "CreateDate": _iso(root.password_created),
        "PasswordResetRequired": True}})


def _list_mfa(req: AwsRequest, root: MemberRoot) -> Response:
    devices = [{"UserName": root.account_id, "SerialNumber": s, "EnableDate": _iso(t)}
               for s, t in root.mfa_devices.items()]
    return query_response("iam", req.action, {"MFADevices": devices, "IsTruncated": False})


def _deactivate_mfa(req: AwsRequest, root: MemberRoot) -> Response:
    serial = req.params.get("SerialNumber", "")
    if root.mfa_devices.pop(serial, None) is None:
        raise NoSuchEntity(f"MFA Device with serial number {serial} does not exist.")
    return query_response("iam", req.action, None)


def _get_user(req: AwsRequest, root: MemberRoot) -> Response:
    return query_response("iam", req.action, {"User": {
        "UserId": root.account_id, "Arn": root.arn, "CreateDate": _iso(root.password_created)}})


def _summary(req: AwsRequest, root: MemberRoot) -> Response:
    facts = {"AccountMFAEnabled": int(bool(root.mfa_devices)),
             "AccountAccessKeysPresent": int(bool(root.keys)),
             "AccountPasswordPresent": int(root.password is not None)}
    entries = "".join(f"<entry><key>{k}</key><value>{v}</value></entry>" for k, v in facts.items())
    body = (f'<GetAccountSummaryResponse xmlns="{NAMESPACES["iam"]}"><GetAccountSummaryResult>'
            f"<SummaryMap>{entries}</SummaryMap></GetAccountSummaryResult><ResponseMetadata>"
            f"<RequestId>{secrets.token_hex(8)}</RequestId></ResponseMetadata></GetAccountSummaryResponse>")
    return Response(200, body.encode(), [("Content-Type", "text/xml")])


def _empty_certificates(req: AwsRequest, root: MemberRoot) -> Response:
    return query_response("iam", req.action, {"Certificates": [], "IsTruncated": False})


_MEMBER_ROOT_ACTIONS = {
    "ListAccessKeys": _list_keys, "DeleteAccessKey": _delete_key,
    "GetLoginProfile": _get_login_profile, "DeleteLoginProfile": _delete_login_profile,
    "CreateLoginProfile": _create_login_profile, "ListMFADevices": _list_mfa,
    "DeactivateMFADevice": _deactivate_mfa, "GetUser": _get_user, "GetAccountSummary": _summary,
    "ListSigningCertificates": _empty_certificates,
}
