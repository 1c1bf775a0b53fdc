"""A virtual phone: the authenticator app, inside your notebook.

Give it a device's secret seed (``Base32StringSeed``) or the ``otpauth://``
text of its QR code, and it shows the same 6-digit codes a phone app would.

>>> from labkit.clock import clock
>>> clock.freeze(1_700_000_000)
>>> phone = Authenticator("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
>>> phone.code()
'406058'
>>> phone.pair()                      # two consecutive codes, to enable a device
('797823', '406058')
>>> phone.seconds_left()
10
>>> clock.unfreeze()
"""

from __future__ import annotations

import base64
from urllib.parse import parse_qs, unquote, urlsplit

from .clock import clock

__all__ = ["Authenticator"]

STEP = 30


class Authenticator:
    """TOTP codes (RFC 6238, 6 digits, 30 seconds) from a seed or QR payload.

    Args:
        secret: the base32 seed, the seed as bytes (as boto3 returns it), or an
            ``otpauth://totp/...`` URI read from a QR code.
        label: a name shown in widgets (defaults to the URI's label).
    """

    def __init__(self, secret: str | bytes, label: str | None = None) -> None:
        if isinstance(secret, bytes):
            secret = secret.decode()
        secret = secret.strip()
        self.label = label or "MFA device"
        if secret.startswith("otpauth://"):
            parts = urlsplit(secret)
            self.label = label or unquote(parts.path.lstrip("/"))
            secret = parse_qs(parts.query)["secret"][0]
        base64.b32decode(secret + "=" * (-len(secret) % 8))  # fails early on a bad seed
        self.seed = secret

    def code_at(self, when: float) -> str:
        """The code shown at time ``when`` (seconds since the epoch)."""
        import pyotp

        return pyotp.TOTP(self.seed).at(int(when // STEP) * STEP)

    def code(self) -> str:
        """The code on the screen right now."""
        return self.code_at(clock.now())

    def previous_code(self) -> str:
        """The code that was on the screen 30 seconds ago."""
        return self.code_at(clock.now() - STEP)

    def next_code(self) -> str:
        """The code that will appear when the countdown reaches zero."""
        return self.code_at(clock.now() + STEP)

    def pair(self) -> tuple[str, str]:
        """Two consecutive codes, oldest first: what ``enable-mfa-device`` asks for.

        On a real phone you type the code you see, wait for the next one, and
        type that too; here the previous and the current code are consecutive
        codes that AWS still accepts, so you do not have to wait.
        """
        return self.previous_code(), self.code()

    def seconds_left(self) -> int:
        """Seconds until the current code changes."""
        return STEP - int(clock.now()) % STEP

    def __repr__(self) -> str:
        return f"<Authenticator {self.label!r}: {self.code()} ({self.seconds_left()}s left)>"
