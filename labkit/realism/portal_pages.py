"""The AWS access portal's sign-in pages, and the Identity Center console's user actions.

``/labkit/portal/...`` (used by :mod:`labkit.access_portal`): a person of the identity store signs in
with her user name and password, replaces a one-time password at her first sign-in, registers an
MFA device when she has none (an authenticator app or a passkey; MFA "every time they sign in"
and "require them to register a device at sign-in",
https://docs.aws.amazon.com/singlesignon/latest/userguide/mfa-configure.html), and approves the
code a device authorization showed, or allows the CLI's authorization code request
(:mod:`.sso_oidc`). Like AWS's portal these pages are public: her password and MFA (an
authenticator's code or a passkey) are what protect them. The refusals are the sandbox's
sentences, labelled "labkit's access portal".

The console's side (the administrator's, behind the sandbox owner's token): a one-time password
for a user, her sign-in facts (password, MFA devices), "Disable user access" -- which no
identity store API call does.
"""

from __future__ import annotations

import base64
import re
import secrets
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from ..clock import clock
from . import mfa, passkeys
from . import moto_bridge_sso as sso_mb
from .identity_center import Directory, PortalUser, directory
from .sso_oidc import SESSION_LIFETIME, approve, authorize
from .wire import Response, json_response

if TYPE_CHECKING:
    from .state import AccountState

__all__ = ["portal_page", "PORTAL_PAGES", "end_sessions", "set_user_access", "one_time_password",
           "sign_in_facts", "passkey_site"]

SIGN_IN_FAILED = "Incorrect username or password."  # the sandbox's wording
MFA_ATTEMPTS = 5
MFA_LOCKOUT = timedelta(minutes=15)
"""Wrong MFA answers in a row after the right password, and how long the MFA step then takes
none (not even the right one). The sandbox's rule: at a few hundred sign-ins a second a
six-digit code falls in minutes without one. AWS does not publish what its access portal does;
the numbers are Cognito's for MFA codes ("After five unsuccessful attempts to present an MFA
code, Amazon Cognito begins the exponential-timeout lockout process", up to about 15 minutes:
https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-settings-mfa.html).
Wrong *passwords* are not counted: a lockout there would let anyone who can reach the portal
lock a person out (see docs/differences.md)."""
TOO_MANY_MFA_FAILURES = "Too many incorrect MFA codes. Try again in 15 minutes."
_PASSWORD_RULE = ("Passwords must be 8 to 64 characters long and contain an uppercase letter, a lowercase "
                  "letter, a number and a non-alphanumeric character.")


def _fail(message: str, status: int = 401) -> Response:
    return json_response({"error": message, "said_by": "labkit's access portal"}, status)


def _find_user(name: str) -> str | None:
    _, store_id = sso_mb.instance()
    found = sso_mb.store_user_by_name(store_id, name)
    return found["UserId"] if found else None


def _password_ok(password: str) -> bool:
    """IAM Identity Center's password rules (identity store users):
    https://docs.aws.amazon.com/singlesignon/latest/userguide/password-requirements.html"""
    return (8 <= len(password) <= 64 and bool(re.search(r"[A-Z]", password))
            and bool(re.search(r"[a-z]", password)) and bool(re.search(r"\d", password))
            and bool(re.search(r"[^A-Za-z0-9]", password)))


def passkey_site() -> tuple[str, str]:
    """``(origin, relying party id)`` of the access portal's passkeys: the portal's own host
    (``d-….awsapps.com``; which relying party AWS's portal uses is not published)."""
    host = sso_mb.instance()[1] + ".awsapps.com"
    return f"https://{host}", host


def _principal(user_id: str) -> str:
    """The key of a portal user's passkeys beside IAM's (IAM names cannot hold a colon)."""
    return f"sso:{user_id}"


def _next_step(d: Directory, session_id: str, state: AccountState | None = None) -> Response:
    """Where a signed-in (password checked) person goes next."""
    entry = d.portal_sessions[session_id]
    user = d.user(entry["user_id"])
    if user.password_is_one_time:
        entry["stage"] = "new-password"
        return json_response({"status": "new-password-required", "session": session_id})
    has_passkey = state is not None and bool(state.passkeys.get(_principal(user.user_id)))
    if not user.mfa_seeds and not has_passkey:
        entry["stage"] = "register-mfa"
        return json_response({"status": "mfa-registration-required", "session": session_id})
    entry["stage"] = "signed-in"
    return json_response({"status": "signed-in", "session": session_id})


def sign_in(state: AccountState, data: dict[str, Any]) -> Response:
    """User name + password (+ an MFA code once she has a device)."""
    d = directory(state)
    user_id = _find_user(str(data.get("user_name", "")))
    user = d.users.get(user_id) if user_id else None
    if user is None or user.password is None or not secrets.compare_digest(
            user.password, str(data.get("password", ""))):
        return _fail(SIGN_IN_FAILED)
    if not user.enabled:
        return _fail("Your user is disabled. Contact your administrator.", 403)
    keys = state.passkeys.get(_principal(user.user_id), [])
    # Her MFA device is asked for whenever she has one -- also with a one-time password the
    # administrator generated ("every time they sign in", mfa-configure.html above): holding
    # the one-time password alone must not sign her in.
    if user.mfa_seeds or keys:
        code, assertion = str(data.get("mfa_code") or ""), data.get("assertion")
        origin, rp_id = passkey_site()
        now = clock.utcnow()
        if (code or isinstance(assertion, dict)) and user.mfa_locked_until is not None \
                and now < user.mfa_locked_until:
            return _fail(TOO_MANY_MFA_FAILURES, 429)
        if isinstance(assertion, dict):
            if not passkeys.verify_assertion(state, _principal(user.user_id), assertion, origin=origin,
                                             rp_id=rp_id):
                return _mfa_failed(user, "The passkey could not be verified. Try again.")
        elif not code:
            challenge = passkeys.new_challenge(state, _principal(user.user_id), "sign-in") if keys else None
            return json_response({"status": "mfa-required", "passkey_challenge": challenge,
                                  "rp_id": rp_id, "origin": origin, "totp": bool(user.mfa_seeds)})
        elif not mfa.any_code_is_valid(list(user.mfa_seeds.values()), code):
            return _mfa_failed(user, "The MFA code is not valid. Try again.")
        user.mfa_failures, user.mfa_locked_until = 0, None
    session_id = secrets.token_urlsafe(24)
    d.portal_sessions[session_id] = {"user_id": user.user_id, "stage": "password",
                                     "expires": clock.utcnow() + SESSION_LIFETIME}
    return _next_step(d, session_id, state)


def _mfa_failed(user: PortalUser, message: str) -> Response:
    """A wrong MFA answer (her password was right): counted; the :data:`MFA_ATTEMPTS`-th in a row
    locks her MFA step for :data:`MFA_LOCKOUT`."""
    user.mfa_failures += 1
    if user.mfa_failures >= MFA_ATTEMPTS:
        user.mfa_failures, user.mfa_locked_until = 0, clock.utcnow() + MFA_LOCKOUT
    return _fail(message)


def _session(d: Directory, data: dict[str, Any], stage: str) -> dict[str, Any] | None:
    """The portal session ``data`` names, if it is at ``stage`` and has not ended: it lasts the
    portal's session duration (8 hours by default,
    https://docs.aws.amazon.com/singlesignon/latest/userguide/configure-user-session.html) and
    ends at the portal API's ``Logout`` (:func:`end_sessions`)."""
    entry = d.portal_sessions.get(str(data.get("session", "")))
    if entry is None or entry["stage"] != stage:
        return None
    if entry["expires"] <= clock.utcnow():
        d.portal_sessions.pop(str(data["session"]), None)
        return None
    return entry


def end_sessions(d: Directory, user_id: str) -> None:
    """End every portal session of ``user_id`` (the portal API's ``Logout``: it "invalidates the
    corresponding server-side IAM Identity Center sign in session")."""
    for session_id, entry in list(d.portal_sessions.items()):
        if entry["user_id"] == user_id:
            del d.portal_sessions[session_id]


def new_password(state: AccountState, data: dict[str, Any]) -> Response:
    """The first sign-in: replace the one-time password."""
    d = directory(state)
    entry = _session(d, data, "new-password")
    if entry is None:
        return _fail("Your sign-in has expired. Sign in again.")
    password = str(data.get("new_password", ""))
    user = d.user(entry["user_id"])
    if not _password_ok(password):
        return _fail(_PASSWORD_RULE, 400)
    if user.password is not None and secrets.compare_digest(user.password, password):
        return _fail("Choose a password other than your one-time password.", 400)
    user.password, user.password_is_one_time = password, False
    return _next_step(d, str(data["session"]), state)


def register_mfa(state: AccountState, data: dict[str, Any]) -> Response:
    """MFA registration required: a new authenticator app's seed (and its ``otpauth://`` text)."""
    d = directory(state)
    entry = _session(d, data, "register-mfa")
    if entry is None:
        return _fail("Your sign-in has expired. Sign in again.")
    seed = base64.b32encode(secrets.token_bytes(20)).decode()
    entry["pending_seed"] = seed
    name = str(data.get("device_name") or "authenticator")
    entry["pending_name"] = name
    _, store_id = sso_mb.instance()
    person = (sso_mb.store_user(store_id, entry["user_id"]) or {}).get("UserName", "")
    uri = f"otpauth://totp/AWS%20IAM%20Identity%20Center:{person}?secret={seed}&issuer=AWS%20IAM%20Identity%20Center"
    return json_response({"status": "scan-the-code", "seed": seed, "otpauth": uri})


def confirm_mfa(state: AccountState, data: dict[str, Any]) -> Response:
    """The authenticator's current code proves she scanned it: the device is registered."""
    d = directory(state)
    entry = _session(d, data, "register-mfa")
    if entry is None or "pending_seed" not in entry:
        return _fail("Your sign-in has expired. Sign in again.")
    if not mfa.code_is_valid(entry["pending_seed"], str(data.get("mfa_code", ""))):
        return _fail("The MFA code is not valid. Try again.", 400)
    d.user(entry["user_id"]).mfa_seeds[entry.pop("pending_name")] = entry.pop("pending_seed")
    return _next_step(d, str(data["session"]), state)


def passkey_begin(state: AccountState, data: dict[str, Any]) -> Response:
    """MFA registration with a passkey / security key: a challenge for the portal's site."""
    d = directory(state)
    entry = _session(d, data, "register-mfa")
    if entry is None:
        return _fail("Your sign-in has expired. Sign in again.")
    origin, rp_id = passkey_site()
    challenge = passkeys.new_challenge(state, _principal(entry["user_id"]), "register")
    return json_response({"challenge": challenge, "rp_id": rp_id, "origin": origin})


def passkey_finish(state: AccountState, data: dict[str, Any]) -> Response:
    """The key's answer: the passkey is her MFA device, she is signed in."""
    d = directory(state)
    entry = _session(d, data, "register-mfa")
    if entry is None:
        return _fail("Your sign-in has expired. Sign in again.")
    origin, rp_id = passkey_site()
    name = str(data.get("name") or "passkey")
    problem = passkeys.register(state, _principal(entry["user_id"]), name, data.get("credential") or {},
                                origin=origin, rp_id=rp_id)
    if problem is not None:
        return _fail(problem, 400)
    return _next_step(d, str(data["session"]), state)


def approve_device(state: AccountState, data: dict[str, Any]) -> Response:
    """"Allow access": the signed-in person approves the CLI's user code."""
    d = directory(state)
    entry = _session(d, data, "signed-in")
    if entry is None:
        return _fail("Sign in to the access portal first.")
    if not d.user(entry["user_id"]).enabled:
        return _fail("Your user is disabled. Contact your administrator.", 403)
    try:
        approve(d, str(data.get("user_code", "")), entry["user_id"])
    except ValueError as err:
        return _fail(str(err), 400)
    return json_response({"status": "approved"})


def allow_access(state: AccountState, data: dict[str, Any]) -> Response:
    """"Allow access" for the authorization code grant (PKCE): where the browser goes next."""
    d = directory(state)
    entry = _session(d, data, "signed-in")
    if entry is None:
        return _fail("Sign in to the access portal first.")
    if not d.user(entry["user_id"]).enabled:
        return _fail("Your user is disabled. Contact your administrator.", 403)
    params = {k: str(v) for k, v in (data.get("params") or {}).items()}
    try:
        return json_response({"status": "approved", "redirect": authorize(d, entry["user_id"], params)})
    except ValueError as err:
        return _fail(str(err), 400)


PORTAL_PAGES = {
    "sign-in": sign_in,
    "new-password": new_password,
    "mfa/register": register_mfa,
    "mfa/confirm": confirm_mfa,
    "mfa/passkey-begin": passkey_begin,
    "mfa/passkey-finish": passkey_finish,
    "approve": approve_device,
    "authorize": allow_access,
}


def portal_page(state: AccountState, page: str, data: dict[str, Any]) -> Response:
    """Answer ``/labkit/portal/<page>`` (public, as the portal is)."""
    handler = PORTAL_PAGES.get(page)
    if handler is None:
        return json_response({"error": f"unknown portal page {page!r}"}, 404)
    return handler(state, data)


# -- what the administrator does in the Identity Center console ----------------------------------

def one_time_password(state: AccountState, user_name: str) -> str:
    """Console: "Reset password" -> "Generate a one-time password" for ``user_name``.

    The person must replace it at her next sign-in. Raises ValueError if there is no such user.
    """
    user_id = _find_user(user_name)
    if user_id is None:
        raise ValueError(f"There is no user {user_name!r} in the identity store.")
    password = "Tmp-" + secrets.token_urlsafe(9) + "-7a"
    user = directory(state).user(user_id)
    user.password, user.password_is_one_time = password, True
    return password


def sign_in_facts(state: AccountState, user_name: str) -> dict[str, Any]:
    """Console: a user's page (what the identity store API does not show): whether her own
    password is set, her MFA devices (authenticator apps and passkeys), whether she is enabled."""
    user_id = _find_user(user_name)
    if user_id is None:
        raise ValueError(f"There is no user {user_name!r} in the identity store.")
    user = directory(state).user(user_id)
    keys = state.passkeys.get(_principal(user_id), [])
    return {"user_name": user_name, "user_id": user_id, "enabled": user.enabled,
            "password": "own" if user.password and not user.password_is_one_time
            else ("one-time" if user.password else "none"),
            "mfa_devices": [*({"name": n, "type": "authenticator app"} for n in user.mfa_seeds),
                            *({"name": k.name, "type": "passkey"} for k in keys)]}


def set_user_access(state: AccountState, user_name: str, enabled: bool) -> None:
    """Console: "Disable user access" / "Enable user access" (no identity store API does it).

    A disabled person cannot sign in, and her tokens no longer get credentials."""
    user_id = _find_user(user_name)
    if user_id is None:
        raise ValueError(f"There is no user {user_name!r} in the identity store.")
    directory(state).user(user_id).enabled = enabled
