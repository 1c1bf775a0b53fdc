"""The simulated AWS Management Console: its small JSON API.

The console is not an AWS API, so the sandbox serves its own small JSON API
under ``/labkit/console/`` (used by :mod:`labkit.console`; routed by
:mod:`labkit.realism.endpoints`, which asks for the owner token):

* ``sign-in``: account id or alias + user name + password (+ MFA code);
* ``sign-in-root``: e-mail + password (+ MFA code);
* ``change-password``: the forced first-sign-in password change;
* ``root-mfa/create`` and ``root-mfa/activate``: assign root's MFA device,
  which real AWS only allows in the console;
* ``passkey/...``, ``root/password``, ``root/email``, ``member-events``, ``member-iam``.

A refusal says whose words it uses (``said_by``): AWS's own (sourced) or the
console's. Where the rule is one the API enforces too (the password policy),
the console catches the same :class:`~labkit.realism.errors.AwsError` the API
raises and shows its message.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
from datetime import timedelta
from typing import Any

from ..clock import clock
from . import cloudtrail, mfa, organizations, passkeys
from . import moto_bridge as mb
from .errors import AwsError
from .identity import root_principal, user_principal
from .passwords import check_new_password, may_change_own_password
from .state import AccountState, ConsoleSession
from .wire import Response, json_response

__all__ = ["CONSOLE"]

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


def _refused_by_aws(err: AwsError) -> Response:
    """The API's own refusal (the password policy's), shown in the console in AWS's words."""
    return json_response({"error": err.message, "code": err.code, "said_by": "AWS"}, err.status)


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
    try:
        check_new_password(new, state, session.principal)
    except AwsError as refused:
        return _refused_by_aws(refused)
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
    try:
        check_new_password(new, state, None)
    except AwsError as refused:
        return _refused_by_aws(refused)
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
    member = organizations.member_root(state, str(data.get("account_id", "")))
    if member is None:
        return json_response({"error": f"{data.get('account_id')!r} is not a member account of "
                                       "this sandbox's organization"}, 400)
    oldest = clock.utcnow() - cloudtrail.RETENTION
    return json_response({"Events": [e.as_lookup_result() for e in reversed(member.trail)
                                     if e.event_time >= oldest]})


def member_iam(state: AccountState, data: dict[str, Any]) -> Response:
    """A member account's IAM users (with their access keys) and roles (with their policies),
    as the IAM console shows them signed in to that account; the sandbox's window onto it, like
    ``member-events`` (see :func:`labkit.realism.moto_bridge_sso.member_iam_summary`)."""
    from .moto_bridge_sso import member_iam_summary

    account_id = str(data.get("account_id", ""))
    if organizations.member_root(state, account_id) is None:
        return json_response({"error": f"{data.get('account_id')!r} is not a member account of "
                                       "this sandbox's organization"}, 400)
    return json_response(member_iam_summary(account_id))


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
    "member-iam": member_iam,
}
