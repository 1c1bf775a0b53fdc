"""The console's side of passkeys / FIDO2 security keys: registration and sign-in checks.

Each registered passkey is one of the identity's MFA devices, as on AWS: ``list-mfa-devices``
lists it with a ``u2f`` serial (:func:`serial_for`), it counts toward the eight devices an
identity may have, and ``deactivate-mfa-device`` with its serial removes it.

The server keeps each registered credential's public key and relying party, hands out
single-use challenges, and accepts a sign-in only if the signature verifies over
``authenticatorData || SHA-256(clientDataJSON)``, the client data carries the challenge it
issued and the console's own origin, and the authenticator data starts with SHA-256 of the
console's relying party ID (W3C Web Authentication, "Verifying an Authentication
Assertion"). The client side is :mod:`labkit.passkey`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ..clock import clock
from .moto_bridge import ACCOUNT_ID
from .rs256 import PublicKey, unb64url
from .state import AccountState

__all__ = ["CONSOLE_ORIGIN", "RP_ID", "PasskeyCredential", "new_challenge", "register", "verify_assertion",
           "serial_for", "of", "find", "remove"]

CONSOLE_ORIGIN = "https://signin.aws.amazon.com"
RP_ID = "signin.aws.amazon.com"
CHALLENGE_LIFETIME = timedelta(minutes=5)


def serial_for(principal: str, name: str) -> str:
    """The serial AWS gives a passkey / FIDO security key: an ARN under ``u2f/``.

    ``arn:aws:iam::<acct>:u2f/user/<user>/<name>-<26 characters>`` for an IAM user and
    ``arn:aws:iam::<acct>:u2f/root/<name>-<26 characters>`` for root, the tail being
    base32 (examples: the AWS CLI's ``list-mfa-devices`` example in the IAM User Guide,
    ``arn:aws:iam::123456789012:u2f/user/Bob/fidosecuritykey1-7XNL7NFNLZ123456789EXAMPLE``;
    the IAM API reference's GetMFADevice example, ``...:u2f/root/testFidoKey-R1234``).

    >>> serial = serial_for("alice-developer", "alice-key")
    >>> serial.rsplit("-", 1)[0], len(serial.rsplit("-", 1)[1])
    ('arn:aws:iam::123456789012:u2f/user/alice-developer/alice-key', 26)
    """
    tail = base64.b32encode(secrets.token_bytes(16)).decode().rstrip("=")
    owner = "root" if principal == "root" else f"user/{principal}"
    return f"arn:aws:iam::{ACCOUNT_ID}:u2f/{owner}/{name}-{tail}"


@dataclass
class PasskeyCredential:
    """A registered passkey: one of the identity's MFA devices (``list-mfa-devices`` lists it)."""

    name: str
    credential_id: str
    public_key: PublicKey
    registered: datetime = field(default_factory=clock.utcnow)  # AWS's EnableDate
    sign_count: int = 0
    serial: str = ""


def of(state: AccountState, principal: str) -> list[PasskeyCredential]:
    """The passkeys of ``principal`` ("root" or an IAM user name), oldest first."""
    return list(state.passkeys.get(principal, []))


def find(state: AccountState, principal: str, serial: str) -> PasskeyCredential | None:
    """``principal``'s passkey with this serial, if any."""
    return next((c for c in state.passkeys.get(principal, []) if c.serial == serial), None)


def remove(state: AccountState, principal: str, serial: str) -> bool:
    """Remove ``principal``'s passkey ``serial`` (``deactivate-mfa-device``); False if it has none."""
    credential = find(state, principal, serial)
    if credential is None:
        return False
    state.passkeys[principal].remove(credential)
    if not state.passkeys[principal]:
        del state.passkeys[principal]
    return True


def new_challenge(state: AccountState, principal: str, purpose: str) -> str:
    challenge = secrets.token_urlsafe(32)
    state.passkey_challenges[challenge] = (principal, purpose, clock.utcnow() + CHALLENGE_LIFETIME)
    return challenge


def _take_challenge(state: AccountState, client: dict[str, Any], principal: str, purpose: str) -> bool:
    entry = state.passkey_challenges.pop(str(client.get("challenge", "")), None)
    return entry is not None and entry[0] == principal and entry[1] == purpose and entry[2] > clock.utcnow()


def _client_data(data: dict[str, Any]) -> tuple[bytes, dict[str, Any]] | None:
    try:
        raw = unb64url(str(data.get("client_data", "")))
        parsed = json.loads(raw)
    except ValueError:
        return None
    return (raw, parsed) if isinstance(parsed, dict) else None


def register(state: AccountState, principal: str, name: str, data: dict[str, Any], *,
             origin: str = CONSOLE_ORIGIN, rp_id: str = RP_ID) -> str | None:
    """Store a new passkey for ``principal``; an error text, or None when registered.

    ``origin`` and ``rp_id``: the site the passkey belongs to (the console's, unless another
    sign-in page -- the IAM Identity Center access portal -- registers it)."""
    decoded = _client_data(data)
    if decoded is None:
        return "The security key's answer could not be read."
    raw, client = decoded
    if client.get("type") != "webauthn.create" or client.get("origin") != origin:
        return "The security key was registered for another site."
    if not _take_challenge(state, client, principal, "register"):
        return "The registration request expired. Try again."
    try:
        n_text, e_text = str(data["public_key"]["n"]), str(data["public_key"]["e"])
        if len(n_text) > 1300 or len(e_text) > 20:  # at most a 4096-bit key: no arithmetic bombs
            return "The security key's public key is too large."
        key = PublicKey(int(n_text), int(e_text))
        signature = unb64url(str(data.get("signature", "")))
    except (KeyError, TypeError, ValueError):
        return "The security key's answer could not be read."
    if not key.verify(hashlib.sha256(rp_id.encode()).digest() + hashlib.sha256(raw).digest(), signature):
        return "The security key's signature is not valid."
    state.passkeys.setdefault(principal, []).append(
        PasskeyCredential(name, str(data.get("credential_id", "")), key, serial=serial_for(principal, name)))
    return None


def verify_assertion(state: AccountState, principal: str, data: dict[str, Any], *,
                     origin: str = CONSOLE_ORIGIN, rp_id: str = RP_ID) -> bool:
    """True if ``data`` is a valid passkey sign-in for ``principal`` at ``origin`` (the console's)."""
    decoded = _client_data(data)
    if decoded is None:
        return False
    raw, client = decoded
    if client.get("type") != "webauthn.get" or client.get("origin") != origin:
        return False
    if not _take_challenge(state, client, principal, "sign-in"):
        return False
    credential = next((c for c in state.passkeys.get(principal, [])
                       if c.credential_id == data.get("credential_id")), None)
    if credential is None:
        return False
    try:
        authenticator_data = unb64url(str(data.get("authenticator_data", "")))
        signature = unb64url(str(data.get("signature", "")))
    except ValueError:
        return False
    if authenticator_data[:32] != hashlib.sha256(rp_id.encode()).digest():
        return False
    counter = int.from_bytes(authenticator_data[33:37], "big")
    if not credential.public_key.verify(authenticator_data + hashlib.sha256(raw).digest(), signature):
        return False
    if counter <= credential.sign_count:  # a replayed or cloned authenticator
        return False
    credential.sign_count = counter
    return True
