"""IAM users' lifecycle rules that moto skips.

* ``DeleteUser`` refuses, with AWS's ``DeleteConflict``, while the user still
  has a console password, access keys, an MFA device, SSH keys, signing
  certificates, policies or groups (moto deletes a user with a password, keys
  and devices without a word).
* ``CreateUser`` refuses a name that differs from a taken one only in case.
* Calls about "me" (``aws iam list-access-keys`` without ``--user-name``) act on
  the caller; a role's session must name the user.
"""

from __future__ import annotations

from . import hooks, passkeys
from . import moto_bridge as mb
from .errors import DeleteConflict, EntityAlreadyExists, ValidationError
from .hooks import Call

__all__ = ["SELF_SERVICE", "name_the_caller", "before_delete_user", "unique_name"]

# Calls that act on "me" when no UserName is given: "If the UserName is not specified, the user name
# is determined implicitly based on the AWS access key ID used to sign the request"
# (https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListAccessKeys.html; likewise the others).
SELF_SERVICE = frozenset({
    "GetUser", "ListAccessKeys", "CreateAccessKey", "UpdateAccessKey", "DeleteAccessKey",
    "ListMFADevices", "GetLoginProfile", "ListSigningCertificates", "ListSSHPublicKeys",
    "CreateLoginProfile", "DeleteLoginProfile", "DeactivateMFADevice", "GetMFADevice",
})


def name_the_caller(call: Call) -> None:
    """An IAM call about "me" without a ``UserName``: the signing user's own name is filled in; an
    assumed-role session has no user name to fill in, so AWS refuses the call."""
    req = call.req
    if req.service != "iam" or req.action not in SELF_SERVICE or "UserName" in req.params:
        return
    if call.principal.is_role:
        raise ValidationError("Must specify userName when calling with non-User credentials")
    if not call.principal.is_root:
        req.set_params(UserName=call.principal.name)

# What to remove first, in the order the checks run, with AWS's words for each.
_MUST_REMOVE_FIRST = (
    ("login_profile", "must delete login profile first"),
    ("access_keys", "must delete access keys first"),
    ("mfa_devices", "must delete MFA device first"),
    ("ssh_public_keys", "must delete SSH public keys first"),
    ("signing_certificates", "must delete signing certificates first"),
    ("inline_policies", "must delete policies first"),
    ("managed_policies", "must detach all policies first"),
    ("groups", "must remove users from group first"),
)


@hooks.before("iam:DeleteUser")
def before_delete_user(call: Call) -> None:
    """``DeleteConflict`` if the user still holds anything AWS wants removed first
    (passkeys / security keys count as MFA devices)."""
    owner = mb.user(call.req.params.get("UserName", ""))
    if owner is None:
        return  # moto answers NoSuchEntity
    held = mb.user_attachments(owner)
    held["mfa_devices"] += len(passkeys.of(call.state, owner.name))
    for thing, words in _MUST_REMOVE_FIRST:
        if held[thing]:
            raise DeleteConflict(f"Cannot delete entity, {words}.")


@hooks.before("iam:CreateUser")
def unique_name(call: Call) -> None:
    """IAM names are unique regardless of case: ``alice`` is taken once ``Alice`` exists."""
    taken = mb.user_name_taken(call.req.params.get("UserName", ""))
    if taken:
        raise EntityAlreadyExists(f"User with name {taken} already exists.")
