"""The AWS Management Console, simulated: sign in with a password (and MFA).

The console is a web page, not an API, so labkit provides a small stand-in
that follows the same rules as the real sign-in page:

>>> import labkit
>>> lab = labkit.start("new-account")                          # doctest: +ELLIPSIS
IAM castle sandbox ...: account 123456789012, ...
>>> iam = lab.client("iam")
>>> _ = iam.create_user(UserName="alice-developer")
>>> _ = iam.create_login_profile(UserName="alice-developer", Password="TempPassword123!",
...                              PasswordResetRequired=True)
>>> console = labkit.Console(lab)
>>> s = console.sign_in("123456789012", "alice-developer", "TempPassword123!")
>>> s.must_change_password
True
>>> s.change_password("TempPassword123!", "A-much-longer-Passphrase-42")  # doctest: +ELLIPSIS
Traceback (most recent call last):
  ...
labkit.console.ConsoleError: Either user is not authorized to perform iam:ChangePassword or ...
>>> _ = iam.attach_user_policy(UserName="alice-developer",
...                            PolicyArn="arn:aws:iam::aws:policy/IAMUserChangePassword")
>>> s.change_password("TempPassword123!", "A-much-longer-Passphrase-42")
>>> s.must_change_password
False
>>> console.sign_in("123456789012", "alice-developer", "a-wrong-guess")
Traceback (most recent call last):
  ...
labkit.console.SignInFailed: Your authentication information is incorrect. Please try again.

* Wrong account, user name or password: one generic
  :class:`SignInFailed` ("Your authentication information is incorrect..."),
  so an attacker cannot tell which part was wrong.
* A user with an MFA device must also type the current code
  (:class:`MFACodeRequired` if it is missing).
* A password marked "reset required" must be changed before anything else, and
  changing it needs ``iam:ChangePassword``: attach the AWS managed policy
  ``IAMUserChangePassword`` (``aws iam create-login-profile`` does not) or set
  the password policy's ``AllowUsersToChangePassword``. Without either, AWS
  refuses with the text above.
* A user with several MFA devices may use any of them; a passkey or security
  key (:class:`labkit.SecurityKey`) is registered and used here only, as in AWS.
* The root user signs in with the account's e-mail address; root's MFA devices
  (up to 8, named as root chooses) are assigned here only, as in AWS. Root MFA is
  mandatory: after a 35-day grace period the console lets root do nothing
  before registering one.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .passkey import CONSOLE_ORIGIN, NoPasskeyForThisSite, SecurityKey, rp_id_for

if TYPE_CHECKING:
    from .sandbox import Lab

__all__ = ["Console", "ConsoleSession", "SignInFailed", "MFACodeRequired", "ConsoleError",
           "RootMFASetup"]


class ConsoleError(Exception):
    """The console refused an action; the message is what the page would show.

    ``said_by`` is ``"AWS"`` when the words are AWS's own console text (each sourced in
    :mod:`labkit.realism.console_api`), ``"labkit's console"`` when they are the sandbox's.
    """

    def __init__(self, message: str, said_by: str = "labkit's console") -> None:
        super().__init__(message)
        self.said_by = said_by


class SignInFailed(ConsoleError):
    """Wrong account, user name, password or MFA code (AWS does not say which)."""


class MFACodeRequired(ConsoleError):
    """The password was right, and the user has MFA: the code is needed too."""


@dataclass
class RootMFASetup:
    """A new virtual MFA device for root, shown in the console as a QR code."""

    serial: str
    seed: str
    uri: str
    qr_png: bytes = field(repr=False)

    def _repr_png_(self) -> bytes:
        return self.qr_png


@dataclass
class ConsoleSession:
    """You, signed in to the (simulated) console."""

    console: Console
    session_id: str
    arn: str
    mfa: bool
    must_change_password: bool
    must_register_mfa: bool = False
    mfa_registration_deadline: str | None = None
    _pending_serial: str | None = field(default=None, repr=False)

    @property
    def is_root(self) -> bool:
        return self.arn.endswith(":root")

    def change_password(self, old_password: str, new_password: str) -> None:
        """Choose a new password (required when the old one was temporary)."""
        self.console._post("change-password", {
            "session": self.session_id, "old_password": old_password, "new_password": new_password,
        })
        self.must_change_password = False

    def create_root_mfa_device(self, name: str | None = None) -> RootMFASetup:
        """Root only: start assigning a virtual MFA device; scan the QR code.

        Args:
            name: the device's name, which becomes its serial
                ``arn:aws:iam::<account>:mfa/<name>`` (default
                ``root-account-mfa-device``). Root may register up to 8 devices, each
                with its own name; at sign-in a code from any of them works.
        """
        data = self.console._post("root-mfa/create", {"session": self.session_id, "name": name})
        self._pending_serial = data["serial"]
        return RootMFASetup(data["serial"], data["seed"], data["uri"], base64.b64decode(data["qr_png"]))

    def activate_root_mfa_device(self, code1: str, code2: str, serial: str | None = None) -> None:
        """Root only: type two consecutive codes from the authenticator to finish.

        ``serial`` defaults to the device created last by :meth:`create_root_mfa_device`.
        """
        self.console._post("root-mfa/activate", {
            "session": self.session_id, "code1": code1, "code2": code2,
            "serial": serial or self._pending_serial,
        })
        self.must_register_mfa = False

    def register_passkey(self, key: SecurityKey, name: str = "security-key") -> None:
        """Register a passkey / FIDO2 security key as an MFA device (console only, as in AWS).

        It then signs you in instead of a 6-digit code: ``console.sign_in(..., passkey=key)``.
        It counts toward the 8 MFA devices an identity may have.
        """
        begin = self.console._post("passkey/register-begin", {"session": self.session_id})
        try:
            credential = key.create(str(begin["rp_id"]), str(begin["challenge"]), self.console.origin)
        except NoPasskeyForThisSite as err:
            raise ConsoleError(f"Your security key refused: {err}.") from None
        self.console._post("passkey/register-finish", {
            "session": self.session_id, "name": name, "credential": credential,
        })
        self.must_register_mfa = False

    def change_root_password(self, old_password: str, new_password: str) -> None:
        """Root only: choose a new root password (Account settings in the console).

        The sandbox then knows only the new one; ``lab.root_password`` is updated too.
        """
        self.console._post("root/password", {
            "session": self.session_id, "old_password": old_password, "new_password": new_password,
        })
        if getattr(self.console.lab, "root_password", None) == old_password:
            self.console.lab.root_password = new_password

    def change_root_email(self, new_email: str, password: str) -> None:
        """Root only: move the account (root's sign-in name) to ``new_email``.

        AWS confirms the new address with a code it e-mails there; the sandbox sends no
        e-mail. ``lab.root_email`` is updated too.
        """
        data = self.console._post("root/email", {
            "session": self.session_id, "new_email": new_email, "password": password,
        })
        self.console.lab.root_email = data["email"]

    def __repr__(self) -> str:
        state = "must change password" if self.must_change_password else "signed in"
        if self.must_register_mfa:
            state = "must register an MFA device"
        return f"<ConsoleSession {self.arn} ({state}, MFA {'yes' if self.mfa else 'no'})>"


class Console:
    """The sign-in page of your sandbox account, as a browser at ``origin`` sees it.

    ``origin`` is the page's address (``https://signin.aws.amazon.com``, the real one);
    :class:`labkit.phishing.PhishingProxy` plays a browser at a look-alike address.
    """

    def __init__(self, lab: Lab, origin: str = CONSOLE_ORIGIN) -> None:
        self.lab = lab
        self.origin = origin

    def _post(self, path: str, data: dict[str, Any]) -> dict[str, Any]:
        result = self.lab.request("POST", f"/labkit/console/{path}", data)
        if "error" in result:
            status = result.get("status")
            kind = SignInFailed if status == 401 else ConsoleError
            raise kind(result["error"], result.get("said_by", "labkit's console"))
        return result

    def _session(self, data: dict[str, Any]) -> ConsoleSession:
        if data.get("status") == "mfa-required":
            raise MFACodeRequired("This user has an MFA device: enter the current MFA code "
                                  "(or use a registered passkey).")
        return ConsoleSession(self, data["session"], data["arn"], bool(data.get("mfa")),
                              data["status"] == "password-change-required",
                              data["status"] == "mfa-registration-required",
                              data.get("mfa_registration_deadline"))

    def sign_in(self, account: str, user: str, password: str,
                mfa_code: str | None = None, passkey: SecurityKey | None = None) -> ConsoleSession:
        """Sign in as an IAM user: account id (or alias), user name, password, and, when she
        has MFA, either ``mfa_code`` (from any of her authenticators) or ``passkey`` (a
        :class:`labkit.SecurityKey` she registered)."""
        data = {"account": account, "user": user, "password": password, "mfa_code": mfa_code}
        return self._session(self._with_passkey("sign-in", data, passkey))

    def _with_passkey(self, path: str, data: dict[str, Any], passkey: SecurityKey | None) -> dict[str, Any]:
        """Post; if the page asks for the passkey, let the key answer for this page's origin."""
        answer = self._post(path, data)
        challenge = answer.get("passkey_challenge")
        if answer.get("status") == "mfa-required" and passkey is not None and challenge:
            try:
                assertion = passkey.get(rp_id_for(self.origin), str(challenge), self.origin)
            except NoPasskeyForThisSite as err:
                raise SignInFailed(f"Your security key did not answer: {err}.") from None
            answer = self._post(path, {**data, "assertion": assertion})
        return answer

    def sign_in_root(self, email: str, password: str, mfa_code: str | None = None,
                     passkey: SecurityKey | None = None) -> ConsoleSession:
        """Sign in as the root user with the account's e-mail address.

        Root MFA is mandatory (since May 2024): without a device, the first sign-in starts a
        35-day grace period (``session.mfa_registration_deadline``); after it,
        ``session.must_register_mfa`` is True and the console only lets root register a
        device (:meth:`ConsoleSession.create_root_mfa_device`).
        """
        return self._session(self._with_passkey("sign-in-root", {
            "email": email, "password": password, "mfa_code": mfa_code,
        }, passkey))
