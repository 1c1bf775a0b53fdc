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
import json
import re
import secrets
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from ..clock import clock
from . import cloudtrail, mfa, oidc, passkeys
from . import moto_bridge as mb
from .identity import root_principal, user_principal
from .passwords import check_new_password, may_change_own_password
from .signature import secret_for
from .state import AccountState, ConsoleSession
from .wire import AwsRequest, Response, json_response

if TYPE_CHECKING:
    from . import RealismLayer

__all__ = ["handle"]

MFA_GRACE_DAYS = 35
SIGN_IN_FAILED = "Your authentication information is incorrect. Please try again."
# The console's answer when a user without iam:ChangePassword (or with a password the policy
# refuses) tries to change her password. Source: AWS re:Post Knowledge Center,
# https://www.repost.aws/knowledge-center/iam-user-password-error
CHANGE_PASSWORD_REFUSED = (
    "Either user is not authorized to perform iam:ChangePassword or entered password does not "
    "comply with account password policy set by administrator."
)


def _fail(message: str = SIGN_IN_FAILED, status: int = 401, aws: bool = True) -> Response:
    """A refusal. ``aws`` says whether the words are AWS's own (sourced) or the sandbox's."""
    return json_response({"error": message, "said_by": "AWS" if aws else "labkit's console"}, status)


def _signed_in(state: AccountState, principal: str, must_change: bool, with_mfa: bool) -> Response:
    session = ConsoleSession(secrets.token_urlsafe(16), principal, must_change, with_mfa)
    state.console[session.session_id] = session
    if principal == "root":
        arn = f"arn:aws:iam::{mb.ACCOUNT_ID}:root"
    else:
        user = mb.user(principal)
        assert user is not None, "signed in as a user who does not exist"
        arn = user.arn
    status = "password-change-required" if must_change else "signed-in"
    return json_response({"status": status, "session": session.session_id, "arn": arn, "mfa": with_mfa})


def sign_in(state: AccountState, data: dict[str, Any]) -> Response:
    account = str(data.get("account", ""))
    if account not in (mb.ACCOUNT_ID, *mb.iam().account_aliases):
        return _fail()
    name = str(data.get("user", ""))
    owner = mb.user(name)
    who = user_principal(name) if owner is not None else None
    if owner is None or mb.user_password(owner) is None or mb.user_password(owner) != data.get("password"):
        cloudtrail.record_console_login(state.trail, who, name, False, False)
        return _fail()
    seeds = mfa.user_mfa_seeds(name)
    second = _second_factor(state, name, seeds, data)
    if second is not None and second.status != 200:
        cloudtrail.record_console_login(state.trail, who, name, False, True)
        return second
    if second is not None:
        return second  # asks for the code or the passkey
    has_mfa = bool(seeds or state.passkeys.get(name))
    cloudtrail.record_console_login(state.trail, who, name, True, has_mfa)
    mb.set_password_last_used(owner, clock.utcnow())
    return _signed_in(state, name, mb.reset_required(owner), has_mfa)


def sign_in_root(state: AccountState, data: dict[str, Any]) -> Response:
    root = state.root
    if str(data.get("email", "")).lower() != root.email.lower():
        return _fail()
    if data.get("password") != root.password:
        cloudtrail.record_console_login(state.trail, root_principal(), "root", False, False)
        return _fail()
    totp_seeds = mfa.root_mfa_seeds(state)
    second = _second_factor(state, "root", totp_seeds, data)
    if second is not None and second.status != 200:
        cloudtrail.record_console_login(state.trail, root_principal(), "root", False, True)
        return second
    if second is not None:
        return second
    seeds = totp_seeds or state.passkeys.get("root") or []
    cloudtrail.record_console_login(state.trail, root_principal(), "root", True, bool(seeds))
    root.password_last_used = clock.utcnow()
    answer = _signed_in(state, "root", False, bool(seeds))
    if seeds:
        return answer
    # Root MFA is mandatory: "Users can postpone MFA registration for up to 35 days by skipping
    # the prompt. After 35 days, enabling MFA becomes mandatory to proceed with sign-in"
    # (since May 2024): https://docs.aws.amazon.com/IAM/latest/UserGuide/enable-mfa-for-root.html
    now = clock.utcnow()
    root.first_sign_in_without_mfa = root.first_sign_in_without_mfa or now
    deadline = root.first_sign_in_without_mfa + timedelta(days=MFA_GRACE_DAYS)
    payload = json.loads(answer.body)
    session = state.console[payload["session"]]
    session.must_register_mfa = now >= deadline
    payload.update({"status": "mfa-registration-required" if session.must_register_mfa else "signed-in",
                    "mfa_registration_deadline": deadline.isoformat()})
    return json_response(payload)


def _second_factor(state: AccountState, principal: str, seeds: list[str],
                   data: dict[str, Any]) -> Response | None:
    """None when the second factor is satisfied (or there is none); else the answer to send:
    a request for it (200, with a passkey challenge when she has passkeys) or a refusal."""
    keys = state.passkeys.get(principal, [])
    if not seeds and not keys:
        return None
    assertion = data.get("assertion")
    if isinstance(assertion, dict):
        return None if passkeys.verify_assertion(state, principal, assertion) else _fail()
    code = data.get("mfa_code")
    if code:
        return None if mfa.any_code_is_valid(seeds, str(code)) else _fail()  # any of her devices
    challenge = passkeys.new_challenge(state, principal, "sign-in") if keys else None
    return json_response({"status": "mfa-required", "passkey_challenge": challenge, "rp_id": passkeys.RP_ID,
                          "totp": bool(seeds)})


def passkey_register_begin(state: AccountState, data: dict[str, Any]) -> Response:
    """Start registering a passkey / security key for the signed-in identity."""
    session = _session(state, data)
    if session is None:
        return _fail("Your console session has expired. Please sign in again.", aws=False)
    if mfa.device_count(state, session.principal) >= mfa.MAX_DEVICES:
        return json_response({"error": mfa.TOO_MANY_DEVICES, "code": "LimitExceeded",
                              "said_by": "labkit's console"}, 409)
    challenge = passkeys.new_challenge(state, session.principal, "register")
    return json_response({"challenge": challenge, "rp_id": passkeys.RP_ID})


def passkey_register_finish(state: AccountState, data: dict[str, Any]) -> Response:
    session = _session(state, data)
    if session is None:
        return _fail("Your console session has expired. Please sign in again.", aws=False)
    name = str(data.get("name") or "security-key")
    if not re.fullmatch(r"[\w+=,.@-]{1,64}", name):  # it becomes part of the device's serial (an ARN)
        return _fail("The device name may use letters, digits and + = , . @ - _ (at most 64).", 400,
                     aws=False)
    problem = passkeys.register(state, session.principal, name, data.get("credential") or {})
    if problem is not None:
        return _fail(problem, 400, aws=False)
    session.must_register_mfa = False
    return json_response({"status": "registered", "name": name})


def _session(state: AccountState, data: dict[str, Any]) -> ConsoleSession | None:
    return state.console.get(str(data.get("session", "")))


def change_password(state: AccountState, data: dict[str, Any]) -> Response:
    session = _session(state, data)
    if session is None or session.principal == "root":
        return _fail("Your console session has expired. Please sign in again.", aws=False)
    owner = mb.user(session.principal)
    if owner is None or data.get("old_password") != mb.user_password(owner):
        return _fail("The old password is incorrect.", 400, aws=False)
    if state.enforce and not may_change_own_password(session.principal, session.mfa):
        return json_response({"error": CHANGE_PASSWORD_REFUSED, "code": "AccessDenied",
                              "said_by": "AWS"}, 403)
    new = str(data.get("new_password", ""))
    if new == data.get("old_password"):
        return _fail("The new password must be different from the old password.", 400, aws=False)
    refused = check_new_password(None, new, state, session.principal)
    if refused is not None:
        message = refused.text.split("<Message>")[1].split("</Message>")[0]
        return json_response({"error": message, "code": "PasswordPolicyViolation", "said_by": "AWS"}, 400)
    mb.set_user_password(owner, new, reset_required=False)
    state.remember_password(session.principal, new)
    session.must_change_password = False
    return json_response({"status": "signed-in", "session": session.session_id, "arn": owner.arn})


def _root_session(state: AccountState, data: dict[str, Any]) -> ConsoleSession | None:
    session = _session(state, data)
    return session if session is not None and session.principal == "root" else None


def root_mfa_create(state: AccountState, data: dict[str, Any]) -> Response:
    """Start assigning a virtual device to root, named as root chooses (up to 8 devices)."""
    if _root_session(state, data) is None:
        return _fail("Only the root user can assign an MFA device to the root user.", 403, aws=False)
    made = mfa.create_root_device(state, data.get("name"))
    if isinstance(made, str):
        limit = made == mfa.TOO_MANY_DEVICES
        return json_response({"error": made, "code": "LimitExceeded" if limit else "InvalidInput",
                              "said_by": "labkit's console"}, 409 if limit else 400)
    serial, seed = made
    uri = mfa.otpauth_uri(mfa.device_name_from_serial(serial), mb.ACCOUNT_ID, seed)
    return json_response({
        "serial": serial, "seed": seed, "uri": uri,
        "qr_png": base64.b64encode(mfa.qr_png(uri)).decode(),
    })


def root_mfa_activate(state: AccountState, data: dict[str, Any]) -> Response:
    """Finish root's device with two consecutive codes; the session now counts as MFA."""
    session = _root_session(state, data)
    if session is None:
        return _fail("Only the root user can assign an MFA device to the root user.", 403, aws=False)
    serial = str(data.get("serial") or "")
    problem = mfa.activate_root_device(state, serial, str(data.get("code1", "")), str(data.get("code2", "")))
    if problem == mfa.INVALID_CODE:
        return json_response({"error": problem, "code": "InvalidAuthenticationCode", "said_by": "AWS"}, 400)
    if problem is not None:
        return _fail(problem, 400, aws=False)
    session.must_register_mfa = False
    return json_response({"status": "assigned", "serial": serial})


def root_change_password(state: AccountState, data: dict[str, Any]) -> Response:
    """Root changes its own password in the console (Account settings; needs the current one).
    https://docs.aws.amazon.com/IAM/latest/UserGuide/root-user-password.html"""
    session = _root_session(state, data)
    if session is None:
        return _fail("Only the root user can change the root user's password.", 403, aws=False)
    if session.must_register_mfa:
        return _fail("Register an MFA device first: root MFA is required.", 403, aws=False)
    if data.get("old_password") != state.root.password:
        return _fail("The current password is incorrect.", 400, aws=False)
    new = str(data.get("new_password", ""))
    if new == state.root.password:
        return _fail("The new password must be different from the old password.", 400, aws=False)
    refused = check_new_password(None, new, state, None)
    if refused is not None:
        message = refused.text.split("<Message>")[1].split("</Message>")[0]
        return json_response({"error": message, "code": "PasswordPolicyViolation", "said_by": "AWS"}, 400)
    state.root.password = new
    return json_response({"status": "changed"})


def root_change_email(state: AccountState, data: dict[str, Any]) -> Response:
    """Root changes the account's e-mail address (the sign-in name; needs the password).
    AWS also sends a code to the new address to confirm it; the sandbox sends no e-mail.
    https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-update-root-user-email.html"""
    session = _root_session(state, data)
    if session is None:
        return _fail("Only the root user can change the account's e-mail address.", 403, aws=False)
    if session.must_register_mfa:
        return _fail("Register an MFA device first: root MFA is required.", 403, aws=False)
    if data.get("password") != state.root.password:
        return _fail("The password is incorrect.", 400, aws=False)
    new = str(data.get("new_email", "")).strip()
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", new):
        return _fail("Enter a valid e-mail address.", 400, aws=False)
    state.root.email = new
    return json_response({"status": "changed", "email": new})


def member_events(state: AccountState, data: dict[str, Any]) -> Response:
    """A member account's event history, newest first (the last 90 days), as ``LookupEvents``
    returns it. In AWS you would read it signed in to that account; the sandbox has no
    identities there but its root, so this window stands in for that sign-in."""
    from . import organizations

    member = organizations.member_root(state, str(data.get("account_id", "")))
    if member is None:
        return json_response({"error": f"{data.get('account_id')!r} is not a member account of "
                                       "this sandbox's organization"}, 400)
    oldest = clock.utcnow() - cloudtrail.RETENTION
    return json_response({"Events": [e.as_lookup_result() for e in reversed(member.trail)
                                     if e.event_time >= oldest]})


CONSOLE = {
    "sign-in": sign_in,
    "sign-in-root": sign_in_root,
    "change-password": change_password,
    "root-mfa/create": root_mfa_create,
    "root-mfa/activate": root_mfa_activate,
    "root/password": root_change_password,
    "passkey/register-begin": passkey_register_begin,
    "passkey/register-finish": passkey_register_finish,
    "root/email": root_change_email,
    "member-events": member_events,
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
            "email": root.email, "mfa": root.has_mfa,
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
        if "first_sign_in_without_mfa" in data:
            root.first_sign_in_without_mfa = _when(data["first_sign_in_without_mfa"])
    else:
        owner = mb.user(str(data.get("principal")))
        if owner is None:
            return json_response({"error": "no such user"}, 404)
        if (last_used := _when(data.get("password_last_used"))) is not None:
            mb.set_password_last_used(owner, last_used)
    return json_response({"status": "ok"})


def admin_history(layer: RealismLayer, data: dict[str, Any]) -> Response:
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


def admin_member_root(layer: RealismLayer, data: dict[str, Any]) -> Response:
    """Give a member account's root user what a predecessor left: an access key, an MFA device."""
    from .organizations import member_root
    from .state import AccessKeyRecord, new_key_id, new_secret

    root = member_root(layer.state, str(data.get("account_id", "")))
    if root is None:
        return json_response({"error": "not a member account of the organization"}, 404)
    if data.get("access_key"):
        root.keys.append(AccessKeyRecord(new_key_id(), new_secret()))
    if data.get("mfa"):
        root.mfa_devices[f"arn:aws:iam::{root.account_id}:mfa/root-account-mfa-device"] = clock.utcnow()
    return json_response({"account_id": root.account_id, "email": root.email,
                          "keys": [k.access_key_id for k in root.keys], "mfa": list(root.mfa_devices)})


def admin_set_root_password(layer: RealismLayer, data: dict[str, Any]) -> Response:
    layer.state.root.password = str(data["password"])
    return json_response({"status": "ok"})


def admin_castle(layer: RealismLayer, data: dict[str, Any]) -> Response:
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
    "history": admin_history,
    "member-root": admin_member_root,
}


def _holds_credentials(state: AccountState, key_id: str, secret: str) -> bool:
    """Does the caller hold an access key pair of this sandbox account (key id and secret)?"""
    stored = secret_for(state, key_id) if key_id and secret else None
    return stored is not None and secrets.compare_digest(stored, secret)


def ci_token(layer: RealismLayer, data: dict[str, Any]) -> Response:
    """A token from the simulated CI service (GitHub Actions) for a job of a repository.

    Only someone holding credentials of this sandbox may ask (so a neighbour on the same
    machine cannot mint tokens for your roles).
    """
    if not _holds_credentials(layer.state, str(data.get("access_key_id", "")),
                              str(data.get("secret_access_key", ""))):
        return json_response({"error": "The CI service needs this sandbox's credentials."}, 403)
    try:
        token = oidc.issue_token(str(data.get("repository", "")), str(data.get("ref") or "refs/heads/main"),
                                 str(data.get("audience") or oidc.GITHUB_AUDIENCE),
                                 str(data.get("event_name") or "push"), data.get("environment"))
    except ValueError as exc:
        return json_response({"error": str(exc)}, 400)
    return json_response({"token": token, "issuer": oidc.GITHUB_ISSUER})


def identity_center_console(state: AccountState, page: str, data: dict[str, Any]) -> Response:
    """The IAM Identity Center console's pages the API has no call for: the instance's facts,
    a user's one-time password, "Disable user access" / "Enable user access"."""
    from . import identity_center, portal_pages

    try:
        if not identity_center.enabled():
            return json_response({"error": "IAM Identity Center is not enabled in this account: the "
                                           "sandbox enables it in an organization "
                                           "(labkit.start(\"organization\"))."}, 400)
        if page == "":
            return json_response(identity_center.facts())
        if page == "one-time-password":
            password = portal_pages.one_time_password(state, str(data.get("user_name", "")))
            return json_response({"password": password})
        if page == "user":
            return json_response(portal_pages.sign_in_facts(state, str(data.get("user_name", ""))))
        if page == "user-access":
            portal_pages.set_user_access(state, str(data.get("user_name", "")), bool(data.get("enabled")))
            return json_response({"status": "enabled" if data.get("enabled") else "disabled"})
    except ValueError as err:
        return json_response({"error": str(err)}, 400)
    return json_response({"error": f"unknown Identity Center console page {page!r}"}, 404)


def handle(layer: RealismLayer, req: AwsRequest) -> Response:
    """Route ``/labkit/...`` requests."""
    path = req.path[len("/labkit/"):].strip("/")
    if path.startswith("portal/"):  # the AWS access portal is public: a person's password and MFA guard it
        from .portal_pages import portal_page

        return portal_page(layer.state, path[len("portal/"):], req.json())
    if path.startswith("admin/"):
        if not secrets.compare_digest(req.header("X-Labkit-Admin") or "", layer.state.admin_token):
            return json_response({"error": "the admin token is missing or wrong"}, 403)
    elif not secrets.compare_digest(req.header("X-Labkit-Token") or "", layer.state.owner_token):
        return json_response({"error": "this sandbox belongs to someone else: its owner token is "
                                       "missing or wrong"}, 403)
    data = req.json()
    if path == "health":
        return json_response({"ok": True, "account_id": mb.ACCOUNT_ID})
    if path == "ci/token":
        return ci_token(layer, data)
    if path.startswith("console/identity-center"):  # the Identity Center console (the administrator's)
        return identity_center_console(layer.state, path[len("console/identity-center"):].strip("/"), data)
    if path.startswith("console/") and path[len("console/"):] in CONSOLE:
        return CONSOLE[path[len("console/"):]](layer.state, data)
    if path.startswith("admin/") and path[len("admin/"):] in ADMIN:
        return ADMIN[path[len("admin/"):]](layer, data)
    return json_response({"error": f"unknown labkit endpoint /labkit/{path}"}, 404)
