"""The simulated AWS Management Console, and the sandbox's control endpoints.

The console is not an AWS API, so the sandbox serves its own small JSON API
under ``/labkit/console/`` (used by :mod:`labkit.console`):

* ``sign-in``: account id or alias + user name + password (+ MFA code);
* ``sign-in-root``: e-mail + password (+ MFA code);
* ``change-password``: the forced first-sign-in password change;
* ``root-mfa/create`` and ``root-mfa/activate``: assign root's MFA device,
  which real AWS only allows in the console.

Every ``/labkit/`` endpoint needs a secret that only the sandbox's owner holds,
so a neighbour on the same machine who finds the port gets nothing:

* ``health`` and ``console/...`` need the owner token (header ``X-Labkit-Token``),
  held by the owner's :class:`labkit.Lab` (and by a graded notebook, for its own
  sandbox);
* ``admin/...`` (reset, enforcement on/off, back-dating for scenarios) needs the
  admin token (header ``X-Labkit-Admin``), which a graded notebook never receives.
"""

from __future__ import annotations

import base64
import secrets
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..clock import clock
from . import mfa
from . import moto_bridge as mb
from .passwords import check_new_password
from .state import ROOT_MFA_SERIAL, AccountState, ConsoleSession
from .wire import AwsRequest, Response, json_response

if TYPE_CHECKING:
    from . import RealismLayer

__all__ = ["handle"]

SIGN_IN_FAILED = "Your authentication information is incorrect. Please try again."


def _fail(message: str = SIGN_IN_FAILED, status: int = 401) -> Response:
    return json_response({"error": message}, status)


def _signed_in(state: AccountState, principal: str, must_change: bool, with_mfa: bool) -> Response:
    session = ConsoleSession(secrets.token_urlsafe(16), principal, must_change, with_mfa)
    state.console[session.session_id] = session
    arn = f"arn:aws:iam::{mb.ACCOUNT_ID}:root" if principal == "root" else mb.user(principal).arn
    status = "password-change-required" if must_change else "signed-in"
    return json_response({"status": status, "session": session.session_id, "arn": arn, "mfa": with_mfa})


def sign_in(state: AccountState, data: dict[str, Any]) -> Response:
    account = str(data.get("account", ""))
    if account not in (mb.ACCOUNT_ID, *mb.iam().account_aliases):
        return _fail()
    name = str(data.get("user", ""))
    owner = mb.user(name)
    if owner is None or mb.user_password(owner) is None or mb.user_password(owner) != data.get("password"):
        return _fail()
    seed = mfa.user_mfa_seed(name)
    if seed is not None:
        code = data.get("mfa_code")
        if not code:
            return json_response({"status": "mfa-required"})
        if not mfa.code_is_valid(seed, str(code)):
            return _fail()
    mb.set_password_last_used(owner, clock.utcnow())
    return _signed_in(state, name, mb.reset_required(owner), seed is not None)


def sign_in_root(state: AccountState, data: dict[str, Any]) -> Response:
    root = state.root
    if str(data.get("email", "")).lower() != root.email.lower() or data.get("password") != root.password:
        return _fail()
    if root.mfa_seed:
        code = data.get("mfa_code")
        if not code:
            return json_response({"status": "mfa-required"})
        if not mfa.code_is_valid(root.mfa_seed, str(code)):
            return _fail()
    root.password_last_used = clock.utcnow()
    return _signed_in(state, "root", False, bool(root.mfa_seed))


def _session(state: AccountState, data: dict[str, Any]) -> ConsoleSession | None:
    return state.console.get(str(data.get("session", "")))


def change_password(state: AccountState, data: dict[str, Any]) -> Response:
    session = _session(state, data)
    if session is None or session.principal == "root":
        return _fail("Your console session has expired. Please sign in again.")
    owner = mb.user(session.principal)
    if owner is None or data.get("old_password") != mb.user_password(owner):
        return _fail("The old password is incorrect.", 400)
    new = str(data.get("new_password", ""))
    if new == data.get("old_password"):
        return _fail("The new password must be different from the old password.", 400)
    refused = check_new_password(None, new, state, session.principal)
    if refused is not None:
        message = refused.text.split("<Message>")[1].split("</Message>")[0]
        return json_response({"error": message, "code": "PasswordPolicyViolation"}, 400)
    mb.set_user_password(owner, new, reset_required=False)
    state.remember_password(session.principal, new)
    session.must_change_password = False
    return json_response({"status": "signed-in", "session": session.session_id, "arn": owner.arn})


def root_mfa_create(state: AccountState, data: dict[str, Any]) -> Response:
    session = _session(state, data)
    if session is None or session.principal != "root":
        return _fail("Only the root user can assign an MFA device to the root user.", 403)
    if state.root.mfa_seed:
        return _fail("The root user already has an MFA device assigned.", 409)
    import pyotp

    seed = pyotp.random_base32(64)
    state.root.pending_mfa_seed = seed
    uri = mfa.otpauth_uri("root-account-mfa-device", mb.ACCOUNT_ID, seed)
    return json_response({
        "serial": ROOT_MFA_SERIAL, "seed": seed, "uri": uri,
        "qr_png": base64.b64encode(mfa.qr_png(uri)).decode(),
    })


def root_mfa_activate(state: AccountState, data: dict[str, Any]) -> Response:
    session = _session(state, data)
    if session is None or session.principal != "root":
        return _fail("Only the root user can assign an MFA device to the root user.", 403)
    seed = state.root.pending_mfa_seed
    if not seed:
        return _fail("Create the MFA device first.", 400)
    if not mfa.codes_are_consecutive(seed, str(data.get("code1", "")), str(data.get("code2", ""))):
        return json_response({"error": mfa.INVALID_CODE, "code": "InvalidAuthenticationCode"}, 400)
    state.root.mfa_seed = seed
    state.root.pending_mfa_seed = None
    state.root.mfa_enabled_at = clock.utcnow()
    return json_response({"status": "assigned", "serial": ROOT_MFA_SERIAL})


CONSOLE = {
    "sign-in": sign_in,
    "sign-in-root": sign_in_root,
    "change-password": change_password,
    "root-mfa/create": root_mfa_create,
    "root-mfa/activate": root_mfa_activate,
}


def _when(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def admin_reset(layer: RealismLayer, data: dict[str, Any]) -> Response:
    """A brand-new account: moto emptied, a root user with one access key."""
    root = layer.reset(
        data.get("root_access_key_id"), data.get("root_secret_access_key"), bool(data.get("enforce", True))
    )
    return json_response({"root": root})


def admin_describe(layer: RealismLayer, data: dict[str, Any]) -> Response:
    root = layer.state.root
    return json_response({
        "account_id": mb.ACCOUNT_ID,
        "enforce": layer.state.enforce,
        "root": {
            "email": root.email, "mfa": bool(root.mfa_seed),
            "password_last_used": root.password_last_used,
            "keys": [{"id": k.access_key_id, "status": k.status, "last_used": k.last_used}
                     for k in root.keys],
        },
    })


def admin_enforce(layer: RealismLayer, data: dict[str, Any]) -> Response:
    layer.state.enforce = bool(data.get("on", True))
    return json_response({"enforce": layer.state.enforce})


def admin_backdate(layer: RealismLayer, data: dict[str, Any]) -> Response:
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
    else:
        owner = mb.user(str(data.get("principal")))
        if owner is None:
            return json_response({"error": "no such user"}, 404)
        if data.get("password_last_used"):
            mb.set_password_last_used(owner, _when(data["password_last_used"]))
    return json_response({"status": "ok"})


def admin_set_root_password(layer: RealismLayer, data: dict[str, Any]) -> Response:
    layer.state.root.password = str(data["password"])
    return json_response({"status": "ok"})


def admin_castle(layer: RealismLayer, data: dict[str, Any]) -> Response:
    """Who holds which keys: one row for root and one per IAM user."""
    root = layer.state.root
    rows = [{
        "who": "root", "arn": f"arn:aws:iam::{mb.ACCOUNT_ID}:root", "password": True,
        "reset_required": False, "mfa": bool(root.mfa_seed),
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


def admin_auditor(layer: RealismLayer, data: dict[str, Any]) -> Response:
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
}


def handle(layer: RealismLayer, req: AwsRequest) -> Response:
    """Route ``/labkit/...`` requests."""
    path = req.path[len("/labkit/"):].strip("/")
    if path.startswith("admin/"):
        if not secrets.compare_digest(req.header("X-Labkit-Admin") or "", layer.state.admin_token):
            return json_response({"error": "the admin token is missing or wrong"}, 403)
    elif not secrets.compare_digest(req.header("X-Labkit-Token") or "", layer.state.owner_token):
        return json_response({"error": "this sandbox belongs to someone else: its owner token is "
                                       "missing or wrong"}, 403)
    data = req.json()
    if path == "health":
        return json_response({"ok": True, "account_id": mb.ACCOUNT_ID})
    if path.startswith("console/") and path[len("console/"):] in CONSOLE:
        return CONSOLE[path[len("console/"):]](layer.state, data)
    if path.startswith("admin/") and path[len("admin/"):] in ADMIN:
        return ADMIN[path[len("admin/"):]](layer, data)
    return json_response({"error": f"unknown labkit endpoint /labkit/{path}"}, 404)
