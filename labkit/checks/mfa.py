"""Checks for the ``mfa`` exercise (chapter 03: the two-key system).

* Alice has a console password;
* the house rule is in force: signed with her plain access key, Alice is
  *explicitly* denied ordinary work (``iam:ListUsers``) but may still look
  after her own MFA (``iam:ListMFADevices`` on herself) — the check tries both
  with a temporary key it deletes again;
* a *virtual* MFA device is enabled for her (the sandbox, like AWS, enables a
  device only with two valid consecutive codes, so this proves real codes);
* she signed in to the console after the device was enabled (``get-user``'s
  ``PasswordLastUsed`` is later than the device's ``EnableDate``); with MFA
  enabled, the console refuses a sign-in without a valid code;
* no unassigned virtual devices are left lying around.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from . import Assignment, Check
from ._account import TemporaryKey, allowed, iam, login_profile, mfa_devices, probe_client, user

if TYPE_CHECKING:
    from ..sandbox import Lab

ALICE = "alice-developer"


def alice_has_password(lab: Lab) -> tuple[bool, str]:
    """Passes when Alice exists and has a login profile."""
    if user(lab, ALICE) is None:
        return False, f"no user named {ALICE}"
    if login_profile(lab, ALICE) is None:
        return False, "she has no console password, so she cannot sign in"
    return True, "she has a console password"


def house_rule(lab: Lab) -> tuple[bool, str]:
    """Passes when Alice's plain key is explicitly denied iam:ListUsers but may list her own MFA devices."""
    if user(lab, ALICE) is None:
        return False, f"no user named {ALICE}"
    with TemporaryKey(lab, ALICE) as keys:
        try:
            probe_client(lab, "iam", keys).list_users()
            return False, "with her plain access key Alice may list users: nothing demands MFA"
        except ClientError as err:
            if "explicit deny" not in err.response["Error"]["Message"]:
                return False, ("her plain key is refused only because nothing allows it, "
                               "not by a deny-unless-MFA rule")
        if not allowed(lab, keys, "iam", "list_mfa_devices", UserName=ALICE):
            return False, "the rule also stops her from managing her own MFA device (self-service)"
    return True, "without MFA her key is explicitly denied, except her own MFA set-up"


def device_enabled(lab: Lab) -> tuple[bool, str]:
    """Passes when one of Alice's enabled MFA devices is a virtual MFA device."""
    devices = mfa_devices(lab, ALICE)
    virtual = {d["SerialNumber"] for d in iam(lab).list_virtual_mfa_devices(
        AssignmentStatus="Assigned")["VirtualMFADevices"]}
    mine = [d for d in devices if d["SerialNumber"] in virtual]
    return bool(mine), mine[0]["SerialNumber"] if mine else "no virtual MFA device is enabled for her"


def signed_in_with_mfa(lab: Lab) -> tuple[bool, str]:
    """Passes when Alice's last console sign-in is later than the enabling of her MFA device."""
    devices = mfa_devices(lab, ALICE)
    found = user(lab, ALICE)
    if not devices or found is None:
        return False, "enable her MFA device first"
    used = found.get("PasswordLastUsed")
    enabled = min(d["EnableDate"] for d in devices)
    if used is None:
        return False, "she has never signed in to the console"
    return used >= enabled, "signed in after MFA was enabled" if used >= enabled else (
        "her last sign-in was before MFA was enabled")


def unused_devices_cleaned(lab: Lab) -> tuple[bool, str]:
    """Passes when Alice has MFA and no virtual device is left unassigned."""
    if not mfa_devices(lab, ALICE):
        return False, "enable Alice's device first"
    loose = iam(lab).list_virtual_mfa_devices(AssignmentStatus="Unassigned")["VirtualMFADevices"]
    return not loose, "no unassigned devices" if not loose else f"{len(loose)} unassigned device(s) left"


ASSIGNMENT = Assignment(
    id="mfa",
    title="The two-key system: MFA",
    scenario="new-account",
    checks=(
        Check("alice-password", 2, f"{ALICE} exists and has a console password",
              "aws iam create-user and aws iam create-login-profile", alice_has_password),
        Check("house-rule", 2, f"A deny-unless-MFA policy applies to {ALICE}",
              "put-user-policy with MFA_OR_NOTHING (a Deny with NotAction and "
              "BoolIfExists aws:MultiFactorAuthPresent false)", house_rule),
        Check("alice-mfa-enabled", 2, f"A virtual MFA device is enabled for {ALICE}",
              "create-virtual-mfa-device, then enable-mfa-device with two consecutive codes "
              "from the authenticator (made-up codes are refused)", device_enabled),
        Check("alice-signed-in-with-mfa", 3, f"{ALICE} signed in to the console with MFA",
              "After enabling the device, sign her in with labkit.Console(lab).sign_in(...) and the "
              "current code from her authenticator (mfa_code=...)",
              signed_in_with_mfa),
        Check("no-stray-devices", 1, "No unassigned virtual MFA devices are left behind",
              "Delete devices you created but did not enable (aws iam delete-virtual-mfa-device)",
              unused_devices_cleaned),
    ),
)
