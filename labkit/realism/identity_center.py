"""IAM Identity Center in the sandbox: the organization instance and what provisioning does.

The organization's management account has Identity Center enabled as an *organization
instance* (``aws sso-admin list-instances``): an instance ARN ``arn:aws:sso:::instance/ssoins-…``,
an identity store ``d-…`` (people and groups: ``aws identitystore …``) and an AWS access portal
``https://d-….awsapps.com/start``. moto answers the ``sso-admin`` and ``identitystore`` APIs; this
module adds what AWS does beside them:

* **Provisioning.** Assigning a permission set to a member account (``create-account-assignment``,
  and ``provision-permission-set`` after a change) makes IAM Identity Center create, in that
  account, the role ``AWSReservedSSO_<permission set name>_<16 hex digits>`` under the path
  ``/aws-reserved/sso.amazonaws.com/`` (the instance is in us-east-1: no Region in the path),
  with the permission set's AWS managed policies, its inline policy (``AwsSSOInlinePolicy``)
  and its session duration as the role's maximum session; the role trusts the account's SAML
  provider ``AWSSSO_<16 hex>_DO_NOT_DELETE``. Deleting the last assignment of a permission set
  to an account deletes the role; a new assignment later makes a role with a new suffix
  (https://docs.aws.amazon.com/singlesignon/latest/userguide/referencingpermissionsets.html,
  https://docs.aws.amazon.com/singlesignon/latest/userguide/identity-center-and-iam-roles.html).
* **Sessions of that role** (from the portal's ``GetRoleCredentials``, :mod:`.sso_portal`) act in
  the member account as ``arn:aws:sts::<member>:assumed-role/AWSReservedSSO_…/<user name>``,
  are authorized by the role's policies (and the organization's SCPs), and are recorded in the
  member account's event history (``lab.member_event_history(...)``).
* **The people's sign-in** (:class:`PortalUser`): what the identity store API does not show --
  password, MFA devices, whether the user is disabled (the console's "Disable user access";
  the identity store API has no call for it, only ``UserStatus`` in ``DescribeUser``).
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from . import hooks, organizations, policy
from . import moto_bridge as mb
from . import moto_bridge_sso as sso_mb
from .errors import AccessDenied, AwsError
from .signature import refusal
from .wire import Response, not_available, query_response

if TYPE_CHECKING:
    from .identity import Principal
    from .state import AccountState

__all__ = ["PortalUser", "Directory", "directory", "facts", "RESERVED_PATH", "reserved_role_name",
           "assigned_roles", "in_member_account", "session_seconds"]

RESERVED_PATH = "/aws-reserved/sso.amazonaws.com/"
INLINE_POLICY_NAME = "AwsSSOInlinePolicy"
SAML_AUDIENCE = "https://signin.aws.amazon.com/saml"
PROVISIONING_EVENTS = ("sso:CreateAccountAssignment", "sso:ProvisionPermissionSet",
                       "sso:DeleteAccountAssignment")


@dataclass
class PortalUser:
    """One identity store user's sign-in to the AWS access portal."""

    user_id: str
    password: str | None = None
    password_is_one_time: bool = True  # a one-time password must be replaced at first sign-in
    mfa_seeds: dict[str, str] = field(default_factory=dict)  # device name -> base32 seed
    passkeys: list[Any] = field(default_factory=list)
    enabled: bool = True
    mfa_failures: int = 0  # wrong MFA answers in a row (portal_pages: a lockout after a few)
    mfa_locked_until: datetime | None = None


@dataclass
class Directory:
    """The sandbox's Identity Center state that moto does not model."""

    users: dict[str, PortalUser] = field(default_factory=dict)  # by identity store user id
    roles: dict[tuple[str, str], str] = field(default_factory=dict)  # (account, ps ARN) -> role name
    saml_suffix: dict[str, str] = field(default_factory=dict)  # account -> provider's hex suffix
    # The OIDC service and the portal (sso_oidc.py, sso_portal.py, portal_pages.py) keep their tables here.
    clients: dict[str, Any] = field(default_factory=dict)
    devices: dict[str, Any] = field(default_factory=dict)
    codes: dict[str, Any] = field(default_factory=dict)  # PKCE authorization codes
    tokens: dict[str, Any] = field(default_factory=dict)
    refresh_tokens: dict[str, Any] = field(default_factory=dict)
    portal_sessions: dict[str, Any] = field(default_factory=dict)
    session_people: dict[str, str] = field(default_factory=dict)  # role session key id -> user id

    def user(self, user_id: str) -> PortalUser:
        if user_id not in self.users:
            self.users[user_id] = PortalUser(user_id)
        return self.users[user_id]


def directory(state: AccountState) -> Directory:
    """The account's :class:`Directory` (made on first use, forgotten at reset)."""
    if state.identity_center is None:
        state.identity_center = Directory()
    found: Directory = state.identity_center
    return found


def facts() -> dict[str, str]:
    """What the learner needs to know about the instance: ARN, identity store, portal, Region."""
    instance_arn, store_id = sso_mb.instance()
    return {"instance_arn": instance_arn, "identity_store_id": store_id,
            "start_url": f"https://{store_id}.awsapps.com/start", "region": sso_mb.HOME_REGION}


# -- provisioning -----------------------------------------------------------------------------------

def session_seconds(iso: str | int | None) -> int:
    """A permission set's ``SessionDuration`` (ISO 8601, ``PT1H`` … ``PT12H``; AWS's default is
    ``PT1H``) in seconds.

    >>> session_seconds("PT1H"), session_seconds("PT8H30M"), session_seconds("PT900S"), session_seconds(None)
    (3600, 30600, 900, 3600)
    """
    if isinstance(iso, int):
        return iso
    match = re.fullmatch(r"PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?", iso or "PT1H")
    if match is None or not any(match.groups()):
        return 3600
    hours, minutes, seconds = (int(g or 0) for g in match.groups())
    return hours * 3600 + minutes * 60 + seconds


def reserved_role_name(permission_set_name: str) -> str:
    """A new reserved role name: ``AWSReservedSSO_<name>_<16 lowercase hex digits>``."""
    return f"AWSReservedSSO_{permission_set_name}_{secrets.token_hex(8)}"


def _trust_policy(provider_arn: str) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Federated": provider_arn},
        "Action": ["sts:AssumeRoleWithSAML", "sts:TagSession"],
        "Condition": {"StringEquals": {"SAML:aud": SAML_AUDIENCE}}}]}


def provision(state: AccountState, account_id: str, ps_arn: str) -> str | None:
    """Create or update the reserved role of permission set ``ps_arn`` in ``account_id``; its name.

    Idempotent: provisioning again keeps the role (and its suffix) and sets its policies and
    maximum session to what the permission set says now.
    """
    from .organizations import member_root

    ps = sso_mb.permission_set(ps_arn)
    if ps is None or member_root(state, account_id) is None:
        return None
    d = directory(state)
    role_name = d.roles.get((account_id, ps_arn))
    if role_name is None or not sso_mb.member_role_exists(account_id, role_name):
        role_name = reserved_role_name(ps["Name"])
    suffix = d.saml_suffix.setdefault(account_id, secrets.token_hex(8).upper())
    provider = sso_mb.ensure_member_saml_provider(account_id, f"AWSSSO_{suffix}_DO_NOT_DELETE")
    sso_mb.put_member_role(account_id, role_name, RESERVED_PATH, _trust_policy(provider),
                           session_seconds(ps["SessionDuration"]), ps["ManagedPolicyArns"],
                           ps["InlinePolicy"], INLINE_POLICY_NAME)
    d.roles[(account_id, ps_arn)] = role_name
    return role_name


def _params(call: hooks.Call) -> dict[str, Any]:
    return call.req.json()


@hooks.after(*PROVISIONING_EVENTS)
def after_provisioning_call(call: hooks.Call) -> Response | None:
    """After moto stored an assignment (or was asked to provision): what IAM Identity Center does
    in the member account -- the reserved role made, updated, or (last assignment gone) deleted."""
    if call.response is None or call.response.status >= 300:
        return None
    p = _params(call)
    ps_arn, action = str(p.get("PermissionSetArn", "")), call.req.operation
    if action == "DeleteAccountAssignment":
        account = str(p.get("TargetId", ""))
        left = [a for a in sso_mb.account_assignments()
                if a["TargetId"] == account and a["PermissionSetArn"] == ps_arn]
        role_name = directory(call.state).roles.pop((account, ps_arn), None) if not left else None
        if role_name is not None:
            sso_mb.delete_member_role(account, role_name)
        return None
    if action == "ProvisionPermissionSet" and p.get("TargetType") == "ALL_PROVISIONED_ACCOUNTS":
        accounts = sorted({acct for (acct, arn) in directory(call.state).roles if arn == ps_arn})
    else:
        accounts = [str(p.get("TargetId", ""))]
    for account in accounts:
        provision(call.state, account, ps_arn)
    return None


@hooks.after("identitystore:DescribeUser", "identitystore:ListUsers")
def user_status(call: hooks.Call) -> Response | None:
    """``UserStatus`` (``ENABLED`` / ``DISABLED``), which moto leaves out of the identity store's
    users (the ``User`` and ``DescribeUserResponse`` shapes of botocore's identitystore model)."""
    resp = call.response
    if resp is None or resp.status != 200:
        return None
    data = json.loads(resp.body or b"{}")
    d = directory(call.state)
    for user in [data, *data.get("Users", [])]:
        if "UserId" in user:
            found = d.users.get(user["UserId"])
            user["UserStatus"] = "DISABLED" if found is not None and not found.enabled else "ENABLED"
    return resp.with_body(json.dumps(data).encode())


@hooks.after("sso:CreatePermissionSet", "sso:DescribePermissionSet")
def iso_session_duration(call: hooks.Call) -> Response | None:
    """A permission set's ``SessionDuration`` as AWS writes it (ISO 8601, ``PT1H`` by default);
    moto answers a number of seconds when none was given."""
    resp = call.response
    if resp is None or resp.status != 200:
        return None
    data = json.loads(resp.body or b"{}")
    ps = data.get("PermissionSet", {})
    if isinstance(ps.get("SessionDuration"), int):
        ps["SessionDuration"] = f"PT{ps['SessionDuration'] // 3600}H" if ps["SessionDuration"] % 3600 == 0 \
            else f"PT{ps['SessionDuration']}S"
        return resp.with_body(json.dumps(data).encode())
    return None


def enabled() -> bool:
    """Whether the organization instance exists: the sandbox enables Identity Center in an
    organization's management account (moto would show an instance in every account)."""
    return mb.organizations().org is not None


@hooks.after("sso:ListInstances")
def no_instance_without_an_organization(call: hooks.Call) -> Response | None:
    """A standalone account (no organization) has not enabled Identity Center: no instance."""
    if call.response is None or call.response.status != 200 or enabled():
        return None
    return call.response.with_body(json.dumps({"Instances": []}).encode())


@hooks.answer("sso:ListPermissionSetsProvisionedToAccount", "sso:ListAccountsForProvisionedPermissionSet")
def provisioned(call: hooks.Call) -> Response:
    """Which permission sets are provisioned to which accounts, from what provisioning made
    (moto keeps one list per instance and ignores the account)."""
    from .wire import json_response

    p = call.req.json()
    roles = directory(call.state).roles
    if call.req.operation == "ListPermissionSetsProvisionedToAccount":
        account = str(p.get("AccountId", ""))
        return json_response({"PermissionSets": sorted({ps for (acct, ps) in roles if acct == account})})
    ps_arn = str(p.get("PermissionSetArn", ""))
    return json_response({"AccountIds": sorted({acct for (acct, ps) in roles if ps == ps_arn})})


# -- who may use which role -------------------------------------------------------------------------

def assigned_roles(state: AccountState, user_id: str) -> list[tuple[str, str]]:
    """``(account id, reserved role name)`` pairs user ``user_id`` may use: assignments to her
    or to a group she is in, whose permission set is provisioned there, in accounts still in the
    organization (an account that left is no longer the organization instance's to offer, and
    the sandbox keeps no event history for it)."""
    _, store_id = sso_mb.instance()
    principals = {("USER", user_id), *(("GROUP", g) for g in sso_mb.group_ids_of(store_id, user_id))}
    d = directory(state)
    found: list[tuple[str, str]] = []
    for a in sso_mb.account_assignments():
        if (a["PrincipalType"], a["PrincipalId"]) not in principals:
            continue
        role_name = d.roles.get((a["TargetId"], a["PermissionSetArn"]))
        if organizations.member_root(state, a["TargetId"]) is None:
            continue
        if role_name is not None and (a["TargetId"], role_name) not in found:
            found.append((a["TargetId"], role_name))
    return found


def permission_set_name(role_name: str) -> str:
    """``AWSReservedSSO_ReadOnly_0123456789abcdef`` -> ``ReadOnly`` (the portal's role name)."""
    return role_name.removeprefix("AWSReservedSSO_").rsplit("_", 1)[0]


# -- sessions in the member account ---------------------------------------------------------------

ROLE_CHANGES = frozenset({
    "PutRolePolicy", "DeleteRolePolicy", "AttachRolePolicy", "DetachRolePolicy", "UpdateAssumeRolePolicy",
    "UpdateRole", "UpdateRoleDescription", "DeleteRole", "PutRolePermissionsBoundary",
    "DeleteRolePermissionsBoundary"})
"""The IAM calls that change a role, refused for a reserved role whoever is allowed them."""


def _refuse_changing_a_reserved_role(req: Any, account: str) -> None:
    """Only IAM Identity Center changes its reserved roles: anyone else, even an administrator of
    the account, gets ``UnmodifiableEntity`` (HTTP 400), "Cannot perform the operation on the
    protected role '<name>' - this role is only modifiable by AWS" -- as AWS answers it (e.g.
    rebuy-de/aws-nuke issue 441 and pull request 1028, for PutRolePolicy, DetachRolePolicy and
    DeleteRole on ``AWSReservedSSO_…`` roles). Without this a session could widen its own role
    (drop the permission set's inline Deny, attach AdministratorAccess)."""
    if req.service != "iam" or req.action not in ROLE_CHANGES:
        return
    name = str(req.params.get("RoleName", ""))
    role = next((r for r in sso_mb.member_iam(account).get_roles() if r.name == name), None)
    if role is not None and getattr(role, "path", "") == RESERVED_PATH:
        raise AwsError(f"Cannot perform the operation on the protected role '{name}' - "
                       "this role is only modifiable by AWS", code="UnmodifiableEntity", status=400)

def in_member_account(call: hooks.Call) -> Response | None:
    """A request signed with portal credentials (None: not such a session): authorized by the
    reserved role's policies in the member account (and the organization's SCPs), answered by
    that account."""
    principal: Principal = call.principal
    if principal.made_by != "GetRoleCredentials":
        return None
    req, account = call.req, principal.account_id
    if organizations.member_root(call.state, account) is None:
        # The account left the organization: no history to record the call in, so no call
        # (refused as a session whose role is gone is, signature.refusal's "unknown").
        raise refusal(req, "unknown")
    if req.service == "sts" and req.action == "GetCallerIdentity":  # needs no permission
        return query_response("sts", req.action, {"UserId": principal.user_id, "Account": account,
                                                  "Arn": principal.arn})
    action, resource = policy.action_and_resource(req, principal.arn)
    resource = resource.replace(f":{mb.ACCOUNT_ID}:", f":{account}:")
    role_arn = f"arn:aws:iam::{account}:role{RESERVED_PATH}{principal.name}"
    context = {"aws:userid": principal.user_id, "aws:PrincipalType": "AssumedRole",
               "aws:PrincipalArn": role_arn, "aws:PrincipalAccount": account}
    person = directory(call.state).session_people.get(req.access_key or "")
    if person is not None:
        # The person behind the session: what AWS's "Revoke access for deleted users" denies on
        # (https://docs.aws.amazon.com/singlesignon/latest/userguide/authconcept-revoke-access.html).
        context["identitystore:UserId"] = person
    scps, denier = organizations.scp_decision(account, action, resource, role_arn, context)
    if scps != "allow":
        raise AccessDenied(policy.denied_message(principal.arn, action, resource, scps, denier,
                                                 "service control"))
    documents = sso_mb.member_role_documents(account, principal.name)
    verdict = policy.evaluate(documents, action, resource, context) if call.state.enforce else "allow"
    if verdict != "allow":
        denier = policy.denying_policy_arn(documents, action, resource, context) \
            if verdict == "explicit-deny" else None
        raise AccessDenied(policy.denied_message(principal.arn, action, resource, verdict, denier))
    _refuse_changing_a_reserved_role(req, account)
    if req.service in ("sts", "organizations", "sso", "identitystore", "cloudtrail"):
        # The sandbox models the member account's IAM and S3 (moto's, in that account); these
        # services' member-side answers it does not model.
        return not_available(req)
    req.environ = {**req.environ, "HTTP_X_MOTO_ACCOUNT_ID": account}  # moto: answer as that account
    return call.moto(req)

