"""Checks for the ``mfa`` exercise (chapter 03: the two-key system).

* Alice has a console password;
* the house rule is in force: signed with her plain access key, Alice is
  *explicitly* denied ordinary work (``iam:ListUsers``) but may still look
  after her own MFA (``iam:ListMFADevices`` on herself) — the check tries both
  with a temporary key it deletes again;
* a *virtual* MFA device is enabled for her (the sandbox, like AWS, enables a
  device only with two valid consecutive codes, so this proves real codes);
* **she enrolled it herself**: the activity log (CloudTrail) shows the successful
  ``CreateVirtualMFADevice`` and ``EnableMFADevice`` signed as Alice. A device the
  administrator created and enabled for her fails: the administrator has seen its secret;
* she signed in to the console with it: the activity log shows her successful
  ``ConsoleLogin`` with ``MFAUsed: Yes`` after the device was enabled
  (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-aws-console-sign-in-events.html);
* no unassigned virtual devices are left lying around.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from ._account import TemporaryKey, activity, allowed, iam, login_profile, mfa_devices, probe_client, user
from .model import Assignment, Check

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
                if _deny_uses_bool(lab):
                    return False, ("her Deny uses Bool on aws:MultiFactorAuthPresent: a plain access key "
                                   "carries no such key, so Bool never matches; use BoolIfExists")
                return False, ("her plain key is refused only because nothing allows it, "
                               "not by a deny-unless-MFA rule")
        if not allowed(lab, keys, "iam", "list_mfa_devices", UserName=ALICE):
            return False, "the rule also stops her from managing her own MFA device (self-service)"
    return True, "without MFA her key is explicitly denied, except her own MFA set-up"


def _deny_uses_bool(lab: Lab) -> bool:
    """True when one of Alice's inline policies denies with ``Bool`` (not ``BoolIfExists``) on MFA."""
    client = iam(lab)
    for name in client.list_user_policies(UserName=ALICE)["PolicyNames"]:
        document = client.get_user_policy(UserName=ALICE, PolicyName=name)["PolicyDocument"]
        text = document if isinstance(document, str) else json.dumps(document)
        if '"Bool"' in text and "aws:MultiFactorAuthPresent" in text:
            return True
    return False


def device_enabled(lab: Lab) -> tuple[bool, str]:
    """Passes when one of Alice's enabled MFA devices is a virtual MFA device."""
    devices = mfa_devices(lab, ALICE)
    virtual = {d["SerialNumber"] for d in iam(lab).list_virtual_mfa_devices(
        AssignmentStatus="Assigned")["VirtualMFADevices"]}
    mine = [d for d in devices if d["SerialNumber"] in virtual]
    return bool(mine), mine[0]["SerialNumber"] if mine else "no virtual MFA device is enabled for her"


def _signer(event: dict[str, Any]) -> str:
    """Who signed an activity-log event, in words: ``alice-developer``, ``root``, ``role x``."""
    identity = event.get("userIdentity") or {}
    kind = identity.get("type")
    if kind == "Root":
        return "root"
    if kind == "IAMUser":
        return str(identity.get("userName", "?"))
    return str(identity.get("arn", kind or "?"))


def enrolled_herself(lab: Lab) -> tuple[bool, str]:
    """Passes when the activity log shows that Alice herself enabled her device (EnableMFADevice)
    and created it (the CreateVirtualMFADevice of that device's name): nobody else saw its secret."""
    if not mfa_devices(lab, ALICE):
        return False, "enable her MFA device first"
    enabled = [e for e in activity(lab, event_name="EnableMFADevice") if not e.get("errorCode")
               and (e.get("requestParameters") or {}).get("userName") == ALICE]
    if not enabled:
        return False, "the activity log shows no EnableMFADevice for her"
    newest = enabled[0]
    by = _signer(newest)
    if by != ALICE:
        return False, (f"her device was enabled by {by}, not by Alice: the administrator has seen its "
                       "secret. Alice enrols her own device, signed in with her own key")
    name = str((newest.get("requestParameters") or {}).get("serialNumber", "")).rsplit("/", 1)[-1]
    created = [e for e in activity(lab, event_name="CreateVirtualMFADevice") if not e.get("errorCode")
               and (e.get("requestParameters") or {}).get("virtualMFADeviceName") == name]
    if not created or _signer(created[0]) != ALICE:
        who = _signer(created[0]) if created else "someone"
        return False, (f"her device {name!r} was created by {who}, not by Alice, so its secret was shown "
                       "to someone else: she creates it herself, with her own key")
    return True, f"Alice created and enabled her own device {name!r} (activity log)"


def signed_in_with_mfa(lab: Lab) -> tuple[bool, str]:
    """Passes when the activity log shows Alice's successful console sign-in with MFA,
    after her MFA device was enabled."""
    devices = mfa_devices(lab, ALICE)
    if not devices:
        return False, "enable her MFA device first"
    enabled = min(d["EnableDate"] for d in devices)
    logins = [e for e in activity(lab, event_name="ConsoleLogin")
              if (e.get("userIdentity") or {}).get("userName") == ALICE
              and (e.get("responseElements") or {}).get("ConsoleLogin") == "Success"]
    with_mfa = [e for e in logins if (e.get("additionalEventData") or {}).get("MFAUsed") == "Yes"
                and _event_time(e) >= enabled.replace(microsecond=0)]
    if with_mfa:
        return True, "she signed in with her password and a code (ConsoleLogin, MFAUsed: Yes)"
    if logins:
        return False, ("her last sign-in was before MFA was enabled (MFAUsed: No): sign her in again "
                       "with her password and the current code")
    return False, "she has never signed in to the console"


def _event_time(event: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(str(event.get("eventTime", "")).replace("Z", "+00:00"))


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
        Check("alice-enrolled-herself", 2, f"{ALICE} created and enabled her device herself",
              "Signed in as Alice (her access key, not the administrator's client), create the "
              "device and enable it: alice_iam = lab.client('iam', credentials=alice_keys)",
              enrolled_herself),
        Check("alice-signed-in-with-mfa", 3, f"{ALICE} signed in to the console with MFA",
              "After enabling the device, sign her in with labkit.Console(lab).sign_in(...) and the "
              "current code from her authenticator (mfa_code=...)",
              signed_in_with_mfa),
        Check("no-stray-devices", 1, "No unassigned virtual MFA devices are left behind",
              "Delete devices you created but did not enable (aws iam delete-virtual-mfa-device)",
              unused_devices_cleaned),
    ),
)
