"""The one place that reads moto's IAM Identity Center (``sso-admin``, ``identitystore``) and
writes IAM in the organization's member accounts.

Like :mod:`labkit.realism.moto_bridge` (the management account's IAM), only this module knows
moto's internal classes and attribute names for these services. Tested against moto 5.2.x.
"""

from __future__ import annotations

import json
from typing import Any

from .moto_bridge import ACCOUNT_ID, PARTITION, aws_managed_data

__all__ = ["HOME_REGION", "instance", "permission_set", "account_assignments", "store_user",
           "store_user_by_name", "group_ids_of", "member_iam", "put_member_role", "delete_member_role",
           "member_role_exists", "member_role_id", "ensure_member_saml_provider", "member_iam_summary"]

# The Region of the sandbox's Identity Center instance (an organization instance lives in one Region).
HOME_REGION = "us-east-1"


def _sso_admin() -> Any:
    from moto.ssoadmin.models import ssoadmin_backends

    return ssoadmin_backends[ACCOUNT_ID][HOME_REGION]


def _identity_store() -> Any:
    from moto.identitystore.models import identitystore_backends

    return identitystore_backends[ACCOUNT_ID][HOME_REGION]


def instance() -> tuple[str, str]:
    """``(instance ARN, identity store id)`` of the organization's Identity Center instance."""
    first = _sso_admin().instances[0]
    return first.instance_arn, first.identity_store_id


def permission_set(arn: str) -> dict[str, Any] | None:
    """A permission set as provisioning reads it: name, session duration (ISO 8601), the AWS
    managed policies' ARNs and the inline policy (a JSON text, ``""`` if none)."""
    found = next((p for p in _sso_admin().permission_sets if p.permission_set_arn == arn), None)
    if found is None:
        return None
    return {"Name": found.name, "SessionDuration": found.session_duration,
            "ManagedPolicyArns": [m.arn for m in found.managed_policies],
            "InlinePolicy": found.inline_policy or ""}


def account_assignments() -> list[dict[str, str]]:
    """Every account assignment: ``TargetId``, ``PermissionSetArn``, ``PrincipalType``, ``PrincipalId``."""
    return [a.to_json() for a in _sso_admin().account_assignments]


def _store(store_id: str) -> Any | None:
    return _identity_store().identity_stores.get(store_id)


def store_user(store_id: str, user_id: str) -> dict[str, str] | None:
    """The identity store's user ``user_id``: ``UserId``, ``UserName``, ``DisplayName``."""
    store = _store(store_id)
    user = store.users.get(user_id) if store is not None else None
    if user is None:
        return None
    return {"UserId": user.UserId, "UserName": user.UserName, "DisplayName": user.DisplayName or ""}


def store_user_by_name(store_id: str, user_name: str) -> dict[str, str] | None:
    """The identity store's user called ``user_name`` (user names are unique in a store)."""
    store = _store(store_id)
    for user in (store.users.values() if store is not None else []):
        if user.UserName == user_name:
            return store_user(store_id, user.UserId)
    return None


def group_ids_of(store_id: str, user_id: str) -> list[str]:
    """The groups user ``user_id`` is a member of."""
    store = _store(store_id)
    if store is None:
        return []
    return [m["GroupId"] for m in store.group_memberships.values()
            if m.get("MemberId", {}).get("UserId") == user_id]


def member_iam(account_id: str) -> Any:
    """moto's IAM backend for (member) account ``account_id``."""
    from moto.iam.models import iam_backends

    return iam_backends[account_id][PARTITION]


def _ensure_policy(backend: Any, account_id: str, arn: str) -> bool:
    if arn in backend.managed_policies:
        return True
    name = arn.rsplit("/", 1)[-1]
    data = aws_managed_data(name)
    if data is None:
        return False
    from moto.iam.models import AWSManagedPolicy

    policy = AWSManagedPolicy.from_data(name, account_id, HOME_REGION, data)
    if policy.arn != arn:
        return False
    backend.managed_policies[policy.arn] = policy
    backend.aws_managed_policies.append(policy)
    return True


def ensure_member_saml_provider(account_id: str, name: str) -> str:
    """The SAML provider ``name`` in member account ``account_id`` (made if missing); its ARN."""
    backend = member_iam(account_id)
    arn = f"arn:aws:iam::{account_id}:saml-provider/{name}"
    if name not in backend.saml_providers:
        backend.create_saml_provider(name, "<EntityDescriptor xmlns='urn:oasis:names:tc:SAML:2.0:metadata' "
                                           "entityID='https://portal.sso.us-east-1.amazonaws.com/saml/"
                                           "assertion'/>")
    return arn


def member_role_exists(account_id: str, role_name: str) -> bool:
    return member_role_id(account_id, role_name) is not None


def member_role_id(account_id: str, role_name: str) -> str | None:
    """The role's unique id (``AROA…``) in ``account_id``, or None if there is no such role."""
    return next((r.id for r in member_iam(account_id).get_roles() if r.name == role_name), None)


def put_member_role(account_id: str, role_name: str, path: str, trust: dict[str, Any],
                    max_session: int, managed: list[str], inline: str, inline_name: str) -> None:
    """Create role ``role_name`` in ``account_id`` (or update it): trust policy, maximum session,
    exactly the managed policies ``managed`` and the inline policy ``inline`` (none if ``""``)."""
    backend = member_iam(account_id)
    role = next((r for r in backend.get_roles() if r.name == role_name), None)
    if role is None:
        role = backend.create_role(role_name, json.dumps(trust), path, None,
                                   "IAM Identity Center: do not modify (provisioned from a permission set)",
                                   [], str(max_session), None)
    role.max_session_duration = str(max_session)
    for arn in list(role.managed_policies):
        if arn not in managed:
            backend.detach_role_policy(arn, role_name)
    for arn in managed:
        if arn not in role.managed_policies and _ensure_policy(backend, account_id, arn):
            backend.attach_role_policy(arn, role_name)
    if inline:
        backend.put_role_policy(role_name, inline_name, inline)
    elif inline_name in role.policies:
        backend.delete_role_policy(role_name, inline_name)


def member_role_documents(account_id: str, role_name: str) -> list[dict[str, Any]]:
    """The permission policies of ``role_name`` in ``account_id`` (inline and managed)."""
    from .moto_bridge import managed_policy_document, policy_document

    role = next((r for r in member_iam(account_id).get_roles() if r.name == role_name), None)
    if role is None:
        return []
    inline = [policy_document(d) for d in role.policies.values()]
    return inline + [managed_policy_document(p) for p in role.managed_policies.values()]


def delete_member_role(account_id: str, role_name: str) -> None:
    """Delete ``role_name`` in ``account_id`` with its policies (as Identity Center does)."""
    backend = member_iam(account_id)
    role = next((r for r in backend.get_roles() if r.name == role_name), None)
    if role is None:
        return
    for arn in list(role.managed_policies):
        backend.detach_role_policy(arn, role_name)
    for name in list(role.policies):
        backend.delete_role_policy(role_name, name)
    backend.delete_role(role_name)


def member_iam_summary(account_id: str) -> dict[str, Any]:
    """What IAM holds in member account ``account_id``, for a check to read: ``Users`` (each
    ``UserName``, ``AccessKeys`` as ``{AccessKeyId, Status}``, ``HasPassword``) and ``Roles``
    (each ``RoleName``, ``Path``, ``ManagedPolicyArns`` and ``InlinePolicies``: name -> document)."""
    from .moto_bridge import policy_document

    backend = member_iam(account_id)
    users = [{"UserName": u.name,
              "AccessKeys": [{"AccessKeyId": k.access_key_id, "Status": k.status} for k in u.access_keys],
              "HasPassword": u.password is not None} for u in backend.users.values()]
    roles = [{"RoleName": r.name, "Path": r.path, "ManagedPolicyArns": sorted(r.managed_policies),
              "InlinePolicies": {name: policy_document(d) for name, d in r.policies.items()}}
             for r in backend.get_roles()]
    return {"Users": users, "Roles": roles}
