"""Is the root user still used? The answer comes from the activity log, not from a key's dates.

Deleting an access key erases its "last used" date, never the trail: CloudTrail's event history
keeps every call root made (for 90 days; a trail keeps them longer). So "root is not used for
daily tasks" (CIS AWS Foundations Benchmark v7.0.0, check 2.7; v4.0.1's 1.7) is judged from
the events whose ``userIdentity.type`` is ``Root``:

* an **administrator** is an IAM user or role holding AWS's ``AdministratorAccess`` (directly
  or through a group); the **handover** is that administrator's first successful call;
* before the handover, root had to work (somebody has to create the first administrator);
* after it, root may only look after its own credentials and sign-in (:data:`ROOT_OWN_TASKS`:
  signing in, its MFA devices, its access keys). Anything else means root is still the daily
  driver. No handover at all means the same.

>>> root_verdict([], [])[0]
False
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

__all__ = ["ROOT_OWN_TASKS", "Event", "events", "administrators", "root_verdict", "root_not_used"]

ADMIN_POLICY = "arn:aws:iam::aws:policy/AdministratorAccess"

# What root may still do after handing daily work over: sign in, and look after its own
# credentials (AWS: only root manages root's MFA devices and access keys in a standalone account).
ROOT_OWN_TASKS = frozenset({
    "ConsoleLogin", "GetCallerIdentity",
    "ListAccessKeys", "DeleteAccessKey", "UpdateAccessKey",
    "CreateVirtualMFADevice", "EnableMFADevice", "DeactivateMFADevice", "DeleteVirtualMFADevice",
    "ListMFADevices", "GetMFADevice", "ListVirtualMFADevices", "ResyncMFADevice",
})


@dataclass(frozen=True)
class Event:
    """One entry of the activity log, reduced to what the verdict needs."""

    name: str
    time: datetime
    identity_type: str
    arn: str
    error: str | None


def events(trail: Any) -> list[Event]:
    """Every event of the activity log, oldest first (``trail`` is a CloudTrail client).

    Events of the same second keep the log's own order.
    """
    found = []
    for page in trail.get_paginator("lookup_events").paginate():
        for raw in page["Events"]:
            record = json.loads(raw["CloudTrailEvent"])
            identity = record.get("userIdentity") or {}
            found.append(Event(raw["EventName"], raw["EventTime"], str(identity.get("type", "")),
                               str(identity.get("arn", "")), record.get("errorCode")))
    found.reverse()  # the log answers newest first
    return sorted(found, key=lambda e: e.time)


def administrators(iam: Any) -> list[str]:
    """ARN fragments (``:user/<name>``, ``:assumed-role/<name>/``) of identities with AdministratorAccess."""
    admins = []
    for user in iam.list_users()["Users"]:
        name = user["UserName"]
        attached = iam.list_attached_user_policies(UserName=name)["AttachedPolicies"]
        policies = [p["PolicyArn"] for p in attached]
        for group in iam.list_groups_for_user(UserName=name)["Groups"]:
            policies += [p["PolicyArn"] for p in
                         iam.list_attached_group_policies(GroupName=group["GroupName"])["AttachedPolicies"]]
        if ADMIN_POLICY in policies:
            admins.append(f":user/{name}")
    for role in iam.list_roles()["Roles"]:
        attached = iam.list_attached_role_policies(RoleName=role["RoleName"])["AttachedPolicies"]
        if any(p["PolicyArn"] == ADMIN_POLICY for p in attached):
            admins.append(f":assumed-role/{role['RoleName']}/")
    return admins


def root_verdict(log: list[Event], admins: list[str]) -> tuple[bool, str]:
    """(passed, why) for "root is not used for daily tasks", from the log and the administrators."""
    handover_at = next((i for i, e in enumerate(log) if e.identity_type in ("IAMUser", "AssumedRole")
                        and not e.error and any(a in e.arn for a in admins)), None)
    root_events = [e for e in log if e.identity_type == "Root"]
    if handover_at is None:
        if root_events:
            last = root_events[-1]
            return False, (f"no administrator other than root has worked yet; root made {len(root_events)} "
                           f"call(s), the last {last.name} at {last.time:%H:%M} UTC")
        return False, "no administrator other than root has worked in the account yet"
    handover = log[handover_at]
    who = handover.arn.rsplit(":", 1)[-1]
    after = [e for e in log[handover_at + 1:] if e.identity_type == "Root" and e.name not in ROOT_OWN_TASKS]
    if after:
        names = ", ".join(sorted({e.name for e in after}))
        return False, f"root kept working after {who} took over at {handover.time:%H:%M} UTC: {names}"
    return True, (f"since {who} took over at {handover.time:%H:%M} UTC, root only looked after its own "
                  "credentials")


def root_not_used(lab: Any, credentials: Any) -> tuple[bool, str]:
    """The verdict for ``lab``'s account, read with ``credentials`` (CloudTrail and IAM)."""
    trail = lab.client("cloudtrail", credentials=credentials)
    iam = lab.client("iam", credentials=credentials)
    return root_verdict(events(trail), administrators(iam))
