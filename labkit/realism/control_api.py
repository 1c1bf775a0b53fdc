"""The sandbox's control endpoints: what a scenario, a grader or the castle map asks the sandbox
itself, under ``/labkit/admin/`` (routed by :mod:`labkit.realism.endpoints`, which asks for the
admin token a graded notebook never receives).

* ``reset``: a brand-new account; ``enforce``: policy enforcement on or off;
* ``backdate``, ``history``, ``member-root``, ``root-password``: the past a scenario needs
  ("root was used yesterday");
* ``describe``, ``castle``: what the account holds; ``auditor``: the checks' read-only keys.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from ..clock import clock
from . import cloudtrail
from . import moto_bridge as mb
from .identity import root_principal, user_principal
from .organizations import member_root
from .state import AccessKeyRecord, AccountState, new_key_id, new_secret
from .wire import Response, json_response

__all__ = ["ADMIN", "Layer"]


class Layer(Protocol):
    """What the control endpoints need of the realism layer: its state, and a reset."""

    state: AccountState

    def reset(self, root_key_id: str | None = None, root_secret: str | None = None,
              enforce: bool = True) -> dict[str, str]: ...


def _when(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def admin_reset(layer: Layer, data: dict[str, Any]) -> Response:
    """A brand-new account: moto emptied, a root user with one access key."""
    root = layer.reset(
        data.get("root_access_key_id"), data.get("root_secret_access_key"), bool(data.get("enforce", True))
    )
    return json_response({"root": root})


def admin_describe(layer: Layer, data: dict[str, Any]) -> Response:
    root = layer.state.root
    return json_response({
        "account_id": mb.ACCOUNT_ID,
        "enforce": layer.state.enforce,
        "root": {
            "email": root.email, "mfa": root.has_mfa,
            "password_last_used": root.password_last_used,
            "keys": [{"id": k.access_key_id, "status": k.status, "last_used": k.last_used}
                     for k in root.keys],
        },
    })


def admin_enforce(layer: Layer, data: dict[str, Any]) -> Response:
    layer.state.enforce = bool(data.get("on", True))
    return json_response({"enforce": layer.state.enforce})


def admin_backdate(layer: Layer, data: dict[str, Any]) -> Response:
    """Set "last used" facts a scenario needs ("root was used yesterday")."""
    root = layer.state.root
    if data.get("principal") == "root":
        if "password_last_used" in data:
            root.password_last_used = _when(data["password_last_used"])
        for k in root.keys:
            if "key_last_used" in data:
                k.last_used = _when(data["key_last_used"])
                k.last_used_service, k.last_used_region = "iam", "us-east-1"
        if "created" in data:
            root.created = _when(data["created"]) or root.created
        if "first_sign_in_without_mfa" in data:
            root.first_sign_in_without_mfa = _when(data["first_sign_in_without_mfa"])
    else:
        owner = mb.user(str(data.get("principal")))
        if owner is None:
            return json_response({"error": "no such user"}, 404)
        if (last_used := _when(data.get("password_last_used"))) is not None:
            mb.set_password_last_used(owner, last_used)
    return json_response({"status": "ok"})


def admin_history(layer: Layer, data: dict[str, Any]) -> Response:
    """Past activity for a scenario's trail: ``{"events": [{"principal": "root",
    "event_name": "CreateUser", "service": "iam", "when": iso}, ...]}``; event name
    ``ConsoleLogin`` records a successful console sign-in without MFA."""
    trail = layer.state.trail
    for item in data.get("events", []):
        who = str(item.get("principal", "root"))
        principal = root_principal() if who == "root" else user_principal(who)
        when = _when(item.get("when")) or clock.utcnow()
        if item.get("event_name") == "ConsoleLogin":
            cloudtrail.record_console_login(trail, principal, who, True, bool(item.get("mfa")), when=when)
            continue
        key = layer.state.root.keys[0].access_key_id if who == "root" and layer.state.root.keys else None
        trail.append(cloudtrail.api_event(principal, str(item["event_name"]), str(item.get("service", "iam")),
                                          when, access_key_id=key, user_agent="aws-cli/1.44"))
    trail.sort(key=lambda e: e.event_time)
    return json_response({"recorded": len(trail)})


def admin_member_root(layer: Layer, data: dict[str, Any]) -> Response:
    """Give a member account's root user what a predecessor left: an access key, an MFA device."""
    root = member_root(layer.state, str(data.get("account_id", "")))
    if root is None:
        return json_response({"error": "not a member account of the organization"}, 404)
    if data.get("access_key"):
        root.keys.append(AccessKeyRecord(new_key_id(), new_secret()))
    if data.get("mfa"):
        root.mfa_devices[f"arn:aws:iam::{root.account_id}:mfa/root-account-mfa-device"] = clock.utcnow()
    return json_response({"account_id": root.account_id, "email": root.email,
                          "keys": [k.access_key_id for k in root.keys], "mfa": list(root.mfa_devices)})


def admin_set_root_password(layer: Layer, data: dict[str, Any]) -> Response:
    layer.state.root.password = str(data["password"])
    return json_response({"status": "ok"})


def admin_castle(layer: Layer, data: dict[str, Any]) -> Response:
    """Who holds which keys: one row for root and one per IAM user."""
    root = layer.state.root
    rows = [{
        "who": "root", "arn": f"arn:aws:iam::{mb.ACCOUNT_ID}:root", "password": True,
        "reset_required": False, "mfa": root.has_mfa,
        "keys": sum(k.status == "Active" for k in root.keys),
        "last_used": max([t for t in [root.password_last_used, *[k.last_used for k in root.keys]] if t],
                         default=None),
    }]
    for u in mb.users():
        used = [mb.password_last_used(u), *[mb.key_last_used(k)[0] for k in mb.access_keys(u)]]
        rows.append({
            "who": u.name, "arn": u.arn, "password": mb.user_password(u) is not None,
            "reset_required": mb.reset_required(u), "mfa": bool(mb.user_mfa_serials(u)),
            "keys": sum(k.status == "Active" for k in mb.access_keys(u)),
            "last_used": max([t for t in used if t], default=None),
        })
    return json_response({"rows": rows, "enforce": layer.state.enforce})


def admin_auditor(layer: Layer, data: dict[str, Any]) -> Response:
    """Keys that read the account as root would, for checks and graders only."""
    key = layer.state.auditor
    return json_response({"access_key_id": key.access_key_id, "secret_access_key": key.secret_access_key})


ADMIN = {
    "auditor": admin_auditor,
    "castle": admin_castle,
    "reset": admin_reset,
    "describe": admin_describe,
    "enforce": admin_enforce,
    "backdate": admin_backdate,
    "root-password": admin_set_root_password,
    "history": admin_history,
    "member-root": admin_member_root,
}
