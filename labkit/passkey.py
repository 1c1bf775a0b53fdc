"""Passkeys and FIDO2 security keys, simulated for the console sign-in page.

A passkey is a key pair made by an authenticator (a security key, a phone, a laptop) for
one website. The public half is registered with the site; at sign-in the site sends a fresh
challenge and the authenticator signs it together with the site's identity. Two things make
it **phishing-resistant**, unlike a 6-digit code:

* the browser tells the authenticator which site is asking (the page's origin), and the
  authenticator only has a key for the site it registered with (its *relying party ID*);
* what is signed includes that origin, so a signature made for another site is useless.

A phishing proxy at ``https://signin-aws.example`` can relay a password and a TOTP code to
the real sign-in page within their 30 seconds; it cannot get a passkey signature for
``signin.aws.amazon.com``. See :class:`labkit.phishing.PhishingProxy` for the demo.

AWS supports passkeys and FIDO2 security keys for the root user and IAM users, registered
and used in the console only (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_mfa_enable_fido.html).

>>> key = SecurityKey("alice's key")
>>> key
<SecurityKey "alice's key": no passkeys yet>

The simulation follows WebAuthn's shape (W3C Web Authentication, level 2) with RSA
signatures (pure Python, 1024-bit keys so a key is made in a blink); real authenticators
mostly use ECDSA P-256 and add attestation, which the sandbox leaves out.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from .realism.passkeys import CONSOLE_ORIGIN
from .realism.rs256 import RSAKey, b64url

__all__ = ["SecurityKey", "rp_id_for", "CONSOLE_ORIGIN", "NoPasskeyForThisSite"]


class NoPasskeyForThisSite(Exception):
    """The authenticator has no passkey for the site the browser says is asking."""


def rp_id_for(origin: str) -> str:
    """The relying party ID a browser at ``origin`` may ask for: the page's own host name."""
    return urlsplit(origin).hostname or ""


@dataclass
class _Credential:
    credential_id: str
    key: RSAKey
    sign_count: int = 0


@dataclass
class SecurityKey:
    """A simulated FIDO2 security key (or a device holding passkeys).

    You do not call its methods yourself: the console's sign-in page (the "browser") does,
    when you pass ``passkey=key`` to :meth:`labkit.Console.sign_in` or register it with
    :meth:`labkit.console.ConsoleSession.register_passkey`.
    """

    label: str = "security key"
    _credentials: dict[str, _Credential] = field(default_factory=dict, repr=False)

    def create(self, rp_id: str, challenge: str, origin: str) -> dict[str, object]:
        """Registration (``navigator.credentials.create``): a new key pair for ``rp_id``."""
        if rp_id != rp_id_for(origin):
            raise NoPasskeyForThisSite(f"the browser at {origin} may not register a passkey for {rp_id}")
        key = RSAKey.generate(1024)
        credential = _Credential(b64url(secrets.token_bytes(16)), key)
        self._credentials[rp_id] = credential
        client_data = _client_data("webauthn.create", challenge, origin)
        signature = key.sign(hashlib.sha256(rp_id.encode()).digest() + hashlib.sha256(client_data).digest())
        return {"credential_id": credential.credential_id, "public_key": {"n": str(key.n), "e": str(key.e)},
                "client_data": b64url(client_data), "signature": b64url(signature)}

    def get(self, rp_id: str, challenge: str, origin: str) -> dict[str, object]:
        """Sign-in (``navigator.credentials.get``): sign the challenge, bound to ``origin``."""
        if rp_id != rp_id_for(origin):
            raise NoPasskeyForThisSite(f"the browser at {origin} may not ask for {rp_id}'s passkey")
        credential = self._credentials.get(rp_id)
        if credential is None:
            raise NoPasskeyForThisSite(f"{self.label} has no passkey for {rp_id}")
        credential.sign_count += 1
        authenticator_data = (hashlib.sha256(rp_id.encode()).digest() + b"\x05"
                              + credential.sign_count.to_bytes(4, "big"))
        client_data = _client_data("webauthn.get", challenge, origin)
        signature = credential.key.sign(authenticator_data + hashlib.sha256(client_data).digest())
        return {"credential_id": credential.credential_id, "authenticator_data": b64url(authenticator_data),
                "client_data": b64url(client_data), "signature": b64url(signature)}

    def __repr__(self) -> str:
        sites = ", ".join(sorted(self._credentials)) or "no passkeys yet"
        return f'<SecurityKey "{self.label}": {sites}>'


def _client_data(kind: str, challenge: str, origin: str) -> bytes:
    return json.dumps({"type": kind, "challenge": challenge, "origin": origin,
                       "crossOrigin": False}, separators=(",", ":")).encode()
