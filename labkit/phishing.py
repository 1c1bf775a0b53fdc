"""A live phishing proxy, to see why passkeys resist phishing and 6-digit codes do not.

Mordred sends Alice a link to ``https://signin-aws.example``, a perfect copy of the sign-in
page. Behind it, his proxy relays everything she types to the real page at once and keeps
the console session it gets back:

>>> import labkit
>>> lab = labkit.start("new-account")                                  # doctest: +ELLIPSIS
IAM castle sandbox ...
>>> iam = lab.client("iam")
>>> _ = iam.create_user(UserName="alice-developer")
>>> _ = iam.create_login_profile(UserName="alice-developer", Password="Quill-Lantern-Moat-2024!")
>>> device = iam.create_virtual_mfa_device(VirtualMFADeviceName="alice")["VirtualMFADevice"]
>>> phone = labkit.Authenticator(device["Base32StringSeed"])
>>> code1, code2 = phone.pair()
>>> _ = iam.enable_mfa_device(UserName="alice-developer", SerialNumber=device["SerialNumber"],
...                           AuthenticationCode1=code1, AuthenticationCode2=code2)
>>> proxy = PhishingProxy(lab)
>>> stolen = proxy.victim_signs_in(lab.account_id, "alice-developer", "Quill-Lantern-Moat-2024!",
...                                mfa_code=phone.code())
>>> stolen.arn                          # Mordred now holds Alice's console session
'arn:aws:iam::123456789012:user/alice-developer'

With a passkey the same trick fails: her browser is at the proxy's address, so her key is
asked for a passkey of ``signin-aws.example`` (it has none), and a signature made there
would name the wrong site anyway:

>>> key = labkit.SecurityKey("alice's key")
>>> real = labkit.Console(lab).sign_in(lab.account_id, "alice-developer",
...                                     "Quill-Lantern-Moat-2024!", mfa_code=phone.code())
>>> real.register_passkey(key, name="alice-key")
>>> proxy.victim_signs_in(lab.account_id, "alice-developer", "Quill-Lantern-Moat-2024!",
...                       passkey=key)                              # doctest: +ELLIPSIS
Traceback (most recent call last):
  ...
labkit.console.SignInFailed: Your security key did not answer: ... has no passkey for signin-aws.example.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .console import Console, ConsoleSession
from .passkey import SecurityKey

if TYPE_CHECKING:
    from .sandbox import Lab

__all__ = ["PhishingProxy", "PHISHING_ORIGIN"]

PHISHING_ORIGIN = "https://signin-aws.example"


class PhishingProxy:
    """A look-alike sign-in page at ``origin`` that relays to the real console in real time.

    :meth:`victim_signs_in` plays the victim typing into the fake page; what it returns is
    the console session the attacker obtained (or the sign-in error when the relay fails).
    """

    def __init__(self, lab: Lab, origin: str = PHISHING_ORIGIN) -> None:
        self.lab = lab
        self.origin = origin
        # The victim's browser is at the proxy's origin; the proxy forwards its requests.
        self._victims_browser = Console(lab, origin=origin)
        self.stolen: list[ConsoleSession] = []

    def victim_signs_in(self, account: str, user: str, password: str, mfa_code: str | None = None,
                        passkey: SecurityKey | None = None) -> ConsoleSession:
        """The victim signs in on the fake page; the proxy relays at once and keeps the session."""
        session = self._victims_browser.sign_in(account, user, password, mfa_code=mfa_code, passkey=passkey)
        self.stolen.append(session)
        return session

    def __repr__(self) -> str:
        return f"<PhishingProxy at {self.origin}: {len(self.stolen)} session(s) stolen>"
