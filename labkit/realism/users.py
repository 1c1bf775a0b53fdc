"""IAM users' lifecycle rules that moto skips.

* ``DeleteUser`` refuses, with AWS's ``DeleteConflict``, while the user still
  has a console password, access keys, an MFA device, SSH keys, signing
  certificates, policies or groups (moto deletes a user with a password, keys
  and devices without a word).
"""

from __future__ import annotations

from . import moto_bridge as mb
from . import passkeys
from .state import AccountState
from .wire import AwsRequest, Response, aws_error

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


def before_delete_user(req: AwsRequest, state: AccountState) -> Response | None:
    """``DeleteConflict`` if the user still holds anything AWS wants removed first
    (passkeys / security keys count as MFA devices)."""
    owner = mb.user(req.params.get("UserName", ""))
    if owner is None:
        return None  # moto answers NoSuchEntity
    held = mb.user_attachments(owner)
    held["mfa_devices"] += len(passkeys.of(state, owner.name))
    for thing, words in _MUST_REMOVE_FIRST:
        if held[thing]:
            return aws_error(req, "DeleteConflict", f"Cannot delete entity, {words}.", 409)
    return None
