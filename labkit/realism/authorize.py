"""May this caller make this request? IAM's policy evaluation, as one step of the pipeline.

The root user is never limited by identity policies (a bucket policy's Deny still binds it:
:mod:`labkit.realism.bucket_policy`); IAM users are judged by their own and their groups'
policies, an assumed-role session by its role's. With enforcement off (``Lab(enforce=False)``)
every call is allowed.
"""

from __future__ import annotations

from typing import Any

from . import moto_bridge as mb
from . import policy
from .errors import AccessDenied
from .hooks import Call
from .identity import Principal

__all__ = ["NO_PERMISSION_NEEDED", "authorize", "known_managed_policy"]

# Calls AWS allows without any permission: "No permissions are required to perform this operation"
# (STS API reference, GetCallerIdentity); "No permissions are required for users to perform this
# operation" (https://docs.aws.amazon.com/STS/latest/APIReference/API_GetSessionToken.html).
NO_PERMISSION_NEEDED = frozenset({"sts:GetCallerIdentity", "sts:GetSessionToken"})


def _context(principal: Principal) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The condition keys IAM sets for ``principal``, and the policies that apply to it."""
    if principal.is_role:  # an assumed-role session: the role's policies
        role_arn = f"arn:aws:iam::{mb.ACCOUNT_ID}:role/{principal.name}"
        context: dict[str, Any] = {"aws:userid": principal.user_id, "aws:PrincipalType": "AssumedRole",
                                   "aws:PrincipalArn": role_arn}
        return context, mb.policy_documents_for_role(principal.name)
    context = {"aws:username": principal.name, "aws:userid": principal.user_id,
               "aws:PrincipalType": "User", "aws:PrincipalArn": principal.arn}
    return context, mb.policy_documents_for_user(principal.name)


def authorize(call: Call) -> None:
    """Raise AccessDenied, in IAM's words, unless the caller's policies allow this request."""
    principal: Principal = call.principal
    if principal.is_root or not call.state.enforce:
        return
    action, resource = policy.action_and_resource(call.req, principal.arn)
    if action in NO_PERMISSION_NEEDED:
        return
    # With AllowUsersToChangePassword every IAM user may change her own password
    # (sources: passwords.may_change_own_password).
    if action == "iam:ChangePassword" and (mb.password_policy() or {}).get("AllowUsersToChangePassword"):
        return
    context, documents = _context(principal)
    if principal.mfa is not None:
        context["aws:MultiFactorAuthPresent"] = "true" if principal.mfa else "false"
    verdict = policy.evaluate(documents, action, resource, context)
    if verdict == "allow":
        return
    denier = policy.denying_policy_arn(documents, action, resource, context) \
        if verdict == "explicit-deny" else None
    raise AccessDenied(policy.denied_message(principal.arn, action, resource, verdict, denier))


def known_managed_policy(call: Call) -> None:
    """An AWS managed policy (``arn:aws:iam::aws:policy/...``) named in an IAM call exists in the
    sandbox from then on, as it always exists in AWS (moto ships only some of them)."""
    policy_arn = call.req.params.get("PolicyArn", "")
    if call.req.service == "iam" and policy_arn.startswith("arn:aws:iam::aws:policy/"):
        mb.ensure_aws_managed_policy(policy_arn)
