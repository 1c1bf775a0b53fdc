"""The console's side of passkeys / FIDO2 security keys: registration and sign-in checks.

The server keeps each registered credential's public key and relying party, hands out
single-use challenges, and accepts a sign-in only if the signature verifies over
``authenticatorData || SHA-256(clientDataJSON)``, the client data carries the challenge it
issued and the console's own origin, and the authenticator data starts with SHA-256 of the
console's relying party ID (W3C Web Authentication, "Verifying an Authentication
Assertion"). The client side is :mod:`labkit.passkey`.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ..clock import clock
from .rs256 import PublicKey, unb64url
from .state import AccountState

__all__ = ["CONSOLE_ORIGIN", "RP_ID", "PasskeyCredential", "new_challenge", "register", "verify_assertion"]

CONSOLE_ORIGIN = "https://signin.aws.amazon.com"
RP_ID = "signin.aws.amazon.com"
CHALLENGE_LIFETIME = timedelta(minutes=5)


@dataclass
class PasskeyCredential:
    """A registered passkey: listed with the identity's MFA devices."""

    name: str
    credential_id: str
    public_key: PublicKey
    registered: datetime = field(default_factory=clock.utcnow)
    sign_count: int = 0


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


def register(state: AccountState, principal: str, name: str, data: dict[str, Any]) -> str | None:
    """Store a new passkey for ``principal``; an error text, or None when registered."""
    decoded = _client_data(data)
    if decoded is None:
        return "The security key's answer could not be read."
    raw, client = decoded
    if client.get("type") != "webauthn.create" or client.get("origin") != CONSOLE_ORIGIN:
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
    if not key.verify(hashlib.sha256(RP_ID.encode()).digest() + hashlib.sha256(raw).digest(), signature):
        return "The security key's signature is not valid."
    state.passkeys.setdefault(principal, []).append(
        PasskeyCredential(name, str(data.get("credential_id", "")), key))
    return None


def verify_assertion(state: AccountState, principal: str, data: dict[str, Any]) -> bool:
    """True if ``data`` is a valid passkey sign-in for ``principal`` at the console's origin."""
    decoded = _client_data(data)
    if decoded is None:
        return False
    raw, client = decoded
    if client.get("type") != "webauthn.get" or client.get("origin") != CONSOLE_ORIGIN:
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
    if authenticator_data[:32] != hashlib.sha256(RP_ID.encode()).digest():
        return False
    counter = int.from_bytes(authenticator_data[33:37], "big")
    if not credential.public_key.verify(authenticator_data + hashlib.sha256(raw).digest(), signature):
        return False
    if counter <= credential.sign_count:  # a replayed or cloned authenticator
        return False
    credential.sign_count = counter
    return True
