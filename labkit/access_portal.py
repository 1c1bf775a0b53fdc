"""IAM Identity Center for people: the access portal, and ``aws sso login`` for the course's CLI.

People should not be IAM users. In an organization, IAM Identity Center keeps them in one
place (its identity store), and each sign-in gives them short-lived credentials of a role in
the account they work in -- no long-term access key anywhere.

The gatehouse (your sandbox's organization instance)::

    ic = lab.identity_center
    ic.instance_arn          # arn:aws:sso:::instance/ssoins-...
    ic.identity_store_id     # d-...
    ic.start_url             # https://d-....awsapps.com/start   (the AWS access portal)

Alice's first sign-in to the portal (a one-time password from the administrator, a password of
her own, then an MFA device -- IAM Identity Center requires one)::

    first_password = ic.one_time_password("alice")          # the console's "Reset password"
    portal = ic.portal()
    portal.sign_in("alice", first_password)                  # -> 'new-password-required'
    portal.set_password("Alice-Own-Passw0rd!")               # -> 'mfa-registration-required'
    phone = portal.register_authenticator()                  # her phone's authenticator app
    portal.confirm_authenticator(phone.code())               # -> 'signed-in'

The CLI sign-in, as ``aws sso login`` does it (AWS CLI v1, the course's, has no ``sso login``;
this performs the same flow and writes the same cache, ``~/.aws/sso/cache/<sha1>.json``)::

    labkit.sso_login("alice-dev", user="alice", password="Alice-Own-Passw0rd!", mfa=phone)
    # (labkit.sso_login is labkit.sso_cli.sso_login: this module's login() with the running lab)

Then a profile in the lab's AWS config file (``os.environ["AWS_CONFIG_FILE"]``; ``!aws configure
set sso_session alice-dev --profile alice-dev`` and so on write it) uses botocore's own SSO
credential provider::

    [profile alice-dev]
    sso_session = alice-dev
    sso_account_id = <the member account's id>
    sso_role_name = <the permission set's name>

and ``!aws --profile alice-dev sts get-caller-identity`` answers
``arn:aws:sts::<member>:assumed-role/AWSReservedSSO_<permission set>_<suffix>/alice``.
"""

from __future__ import annotations

import base64
import configparser
import hashlib
import json
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from .authenticator import Authenticator
from .passkey import SecurityKey

if TYPE_CHECKING:
    from .lab_api import LabApi as Lab

__all__ = ["IdentityCenter", "AccessPortal", "PortalError", "login", "cache_path"]


class PortalError(Exception):
    """The access portal refused a step (wrong password or MFA code, a disabled user...)."""


def _call(lab: Lab, path: str, data: dict[str, Any]) -> dict[str, Any]:
    answer = lab.request("POST", path, data)
    if "error" in answer:
        raise PortalError(answer["error"])
    return answer


class AccessPortal:
    """The AWS access portal's sign-in pages, as a person's browser sees them.

    Each method returns the next step: ``'new-password-required'``,
    ``'mfa-registration-required'``, ``'mfa-required'`` or ``'signed-in'``.
    """

    def __init__(self, lab: Lab) -> None:
        self._lab = lab
        self._session: str | None = None
        self.status = "signed-out"

    def _step(self, answer: dict[str, Any]) -> str:
        self._session = answer.get("session", self._session)
        self.status = str(answer["status"])
        return self.status

    def sign_in(self, user_name: str, password: str, mfa_code: str | None = None, *,
                passkey: SecurityKey | None = None) -> str:
        """Sign in with user name and password and, once she has an MFA device, its current code
        (``mfa_code``) or her passkey (``passkey``: the key signs the portal's challenge)."""
        data = {"user_name": user_name, "password": password, "mfa_code": mfa_code}
        answer = _call(self._lab, "/labkit/portal/sign-in", data)
        challenge = answer.get("passkey_challenge")
        if answer.get("status") == "mfa-required" and passkey is not None and challenge:
            assertion = passkey.get(str(answer["rp_id"]), str(challenge), str(answer["origin"]))
            answer = _call(self._lab, "/labkit/portal/sign-in", {**data, "assertion": assertion})
        return self._step(answer)

    def set_password(self, new_password: str) -> str:
        """First sign-in: choose her own password (8-64 characters, upper and lower case, a digit
        and a symbol) instead of the one-time password."""
        return self._step(_call(self._lab, "/labkit/portal/new-password",
                                {"session": self._session, "new_password": new_password}))

    def register_authenticator(self, device_name: str = "authenticator") -> Authenticator:
        """MFA registration: the QR code's secret, as a :class:`labkit.Authenticator` (her phone)."""
        answer = _call(self._lab, "/labkit/portal/mfa/register",
                       {"session": self._session, "device_name": device_name})
        return Authenticator(answer["otpauth"], label=device_name)

    def confirm_authenticator(self, code: str) -> str:
        """Type the authenticator's current code: the device is registered, she is signed in."""
        return self._step(_call(self._lab, "/labkit/portal/mfa/confirm",
                                {"session": self._session, "mfa_code": code}))

    def register_passkey(self, key: SecurityKey, name: str = "passkey") -> str:
        """MFA registration with a passkey or security key (instead of an authenticator app)."""
        begin = _call(self._lab, "/labkit/portal/mfa/passkey-begin", {"session": self._session})
        credential = key.create(str(begin["rp_id"]), str(begin["challenge"]), str(begin["origin"]))
        return self._step(_call(self._lab, "/labkit/portal/mfa/passkey-finish",
                                {"session": self._session, "name": name, "credential": credential}))

    def allow_access(self, params: dict[str, str]) -> str:
        """"Allow access" for the authorization code grant (PKCE): ``params`` are the authorize
        URL's query; returns the redirect URL the browser then opens (with ``code`` and ``state``)."""
        return str(_call(self._lab, "/labkit/portal/authorize", {"session": self._session, "params": params})
                   ["redirect"])

    def approve(self, user_code: str) -> None:
        """"Confirm and continue" / "Allow access": approve the code the CLI printed."""
        _call(self._lab, "/labkit/portal/approve", {"session": self._session, "user_code": user_code})

    def __repr__(self) -> str:
        return f"<AccessPortal {self.status}>"


@dataclass
class IdentityCenter:
    """Your organization's IAM Identity Center instance (``lab.identity_center``).

    Attributes:
        instance_arn: ``arn:aws:sso:::instance/ssoins-...`` (``aws sso-admin list-instances``).
        identity_store_id: ``d-...``: where people and groups live (``aws identitystore ...``).
        start_url: the AWS access portal, ``https://d-....awsapps.com/start``.
        region: the instance's Region (the ``sso_region`` of a CLI profile).
    """

    lab: Lab
    instance_arn: str
    identity_store_id: str
    start_url: str
    region: str

    @classmethod
    def of(cls, lab: Lab) -> IdentityCenter:
        facts = lab.request("POST", "/labkit/console/identity-center", {})
        if "error" in facts:
            raise PortalError(facts["error"])
        return cls(lab, facts["instance_arn"], facts["identity_store_id"], facts["start_url"],
                   facts["region"])

    def portal(self) -> AccessPortal:
        """A fresh browser at the access portal."""
        return AccessPortal(self.lab)

    def one_time_password(self, user_name: str) -> str:
        """Console: "Reset password" -> "Generate a one-time password" for a user of the identity
        store (the administrator passes it on; she replaces it at her first sign-in)."""
        return str(_call(self.lab, "/labkit/console/identity-center/one-time-password",
                         {"user_name": user_name})["password"])

    def user(self, user_name: str) -> dict[str, Any]:
        """Console: a user's page -- what the identity store API does not show: ``password``
        (``'none'``, ``'one-time'`` or ``'own'``), ``mfa_devices`` (name and type: authenticator
        app or passkey) and ``enabled``."""
        return _call(self.lab, "/labkit/console/identity-center/user", {"user_name": user_name})

    def disable_user(self, user_name: str) -> None:
        """Console: "Disable user access". She can no longer sign in, and her CLI token no longer
        gets role credentials. (The identity store API has no call for this: console only.)"""
        _call(self.lab, "/labkit/console/identity-center/user-access",
              {"user_name": user_name, "enabled": False})

    def enable_user(self, user_name: str) -> None:
        """Console: "Enable user access" (undo :meth:`disable_user`)."""
        _call(self.lab, "/labkit/console/identity-center/user-access",
              {"user_name": user_name, "enabled": True})

    def __repr__(self) -> str:
        return f"<IdentityCenter {self.identity_store_id} portal={self.start_url}>"


def cache_path(session_name: str) -> Path:
    """Where botocore looks for the token of SSO session ``session_name``:
    ``<folder>/<sha1 of the session name>.json`` (botocore's ``SSOTokenLoader``), the folder being
    the lab's private one (``LABKIT_SSO_CACHE``, see :func:`labkit.aws_environment.use_sso_cache`)
    or, outside a lab, botocore's own ``~/.aws/sso/cache``."""
    from botocore.credentials import SSOProvider

    from .aws_environment import use_sso_cache

    use_sso_cache()
    digest = hashlib.sha1(session_name.encode("utf-8")).hexdigest()
    return Path(SSOProvider._SSO_TOKEN_CACHE_DIR) / f"{digest}.json"


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _session_section(session_name: str, lab: Lab | None) -> tuple[str, str]:
    """``(sso_start_url, sso_region)`` of ``[sso-session NAME]`` in the AWS config file; written
    from the sandbox's instance if missing (as ``aws configure sso-session`` would)."""
    config_file = os.environ.get("AWS_CONFIG_FILE") or os.path.expanduser("~/.aws/config")
    parser = configparser.RawConfigParser()
    parser.read(config_file)
    section = f"sso-session {session_name}"
    if parser.has_section(section) and parser.has_option(section, "sso_start_url"):
        return parser.get(section, "sso_start_url"), parser.get(section, "sso_region", fallback="us-east-1")
    if lab is None:
        raise PortalError(f"There is no [{section}] in {config_file}, and no sandbox to take it from.")
    try:
        facts = IdentityCenter.of(lab)
        start_url, region = facts.start_url, facts.region
    except PortalError:  # a shell without the lab's owner token: ask sso-admin, as the caller
        import boto3

        instance = boto3.client("sso-admin", region_name="us-east-1").list_instances()["Instances"][0]
        start_url, region = f"https://{instance['IdentityStoreId']}.awsapps.com/start", "us-east-1"
    with open(config_file, "a", encoding="utf-8") as f:
        f.write(f"\n[{section}]\nsso_start_url = {start_url}\nsso_region = {region}\n"
                "sso_registration_scopes = sso:account:access\n")
    return start_url, region


def _s256(verifier: str) -> str:
    """PKCE's S256 challenge: base64url(SHA-256(verifier)) without padding (RFC 7636)."""
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")


def login(session_name: str, *, lab: Lab, user: str, password: str, mfa: Authenticator | SecurityKey | str,
          flow: str = "device", quiet: bool = False) -> dict[str, str]:
    """Sign in to IAM Identity Center as ``aws sso login --sso-session NAME`` does, and write
    botocore's token cache for ``session_name``; returns what was cached.

    The CLI's steps, against your sandbox: register the CLI as an OIDC client
    (``sso-oidc register-client``), start a device authorization (a user code and a URL,
    printed as the CLI prints them), then -- in the "browser" -- ``user`` signs in to the access
    portal with ``password`` and her MFA device (``mfa``: her :class:`labkit.Authenticator`, a
    current code, or her :class:`labkit.SecurityKey`) and approves the code, and the CLI fetches the token
    (``sso-oidc create-token``). The ``[sso-session NAME]`` section of the lab's AWS config file
    is written if missing.

    ``flow="pkce"``: the authorization code grant with PKCE that CLI v2 uses by default since
    late 2024 (``aws sso login --use-device-code`` still takes the device flow): the CLI registers
    with a loopback redirect URI, prints the portal's authorize URL, and trades the code the
    portal redirects with for the token, proving it holds the verifier of the code challenge.
    """
    if flow not in ("device", "pkce"):
        raise ValueError("flow is 'device' (the device authorization grant) or 'pkce'")
    _check_session_name(session_name)
    import boto3
    from botocore import UNSIGNED
    from botocore.config import Config

    start_url, region = _session_section(session_name, lab)
    oidc = boto3.session.Session().client("sso-oidc", region_name=region,
                                          config=Config(signature_version=UNSIGNED))
    portal = AccessPortal(lab)
    if flow == "pkce":
        token, client = _pkce(oidc, portal, session_name, start_url, region, user, password, mfa, quiet)
    else:
        token, client = _device(oidc, portal, session_name, start_url, user, password, mfa, quiet)
    now = datetime.now(UTC)  # botocore compares the cache's dates with this machine's clock
    cached = {
        "startUrl": start_url, "region": region, "accessToken": token["accessToken"],
        "expiresAt": _iso(now + timedelta(seconds=int(token["expiresIn"]))),
        "clientId": client["clientId"], "clientSecret": client["clientSecret"],
        "registrationExpiresAt": _iso(datetime.fromtimestamp(client["clientSecretExpiresAt"], UTC)),
        "refreshToken": token["refreshToken"],
    }
    _write_cache(cache_path(session_name), cached)
    if not quiet:
        print(f"Successfully logged into Start URL: {start_url}")
    return cached


def _check_session_name(session_name: str) -> None:
    """Refuse a session name that cannot be one ``[sso-session NAME]`` line of the config file
    (a bracket or a line break would end the section and start another: a profile of someone
    else's choosing). Raises ValueError."""
    if not session_name.strip() or session_name != session_name.strip() or any(
            c in session_name for c in "[]\r\n"):
        raise ValueError(f"{session_name!r} is not a session name: use letters, digits, '-' or '_' "
                         "(no brackets, no line breaks, no spaces at either end).")


def _write_cache(path: Path, cached: dict[str, str]) -> None:
    """Write the token cache as botocore's ``JSONFileCache`` does: a private (0600) temporary file
    in the same folder, renamed over the old one -- so the file is 0600 whatever was there before
    (a world-readable copy, broken JSON), and a failed write leaves the old file whole."""
    import tempfile

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")  # mkstemp makes it 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(cached, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _sign_in(portal: AccessPortal, user: str, password: str, mfa: Authenticator | SecurityKey | str) -> None:
    """The browser's part: the person signs in to the portal (password and MFA)."""
    if isinstance(mfa, SecurityKey):
        status = portal.sign_in(user, password, passkey=mfa)
    else:
        status = portal.sign_in(user, password, mfa.code() if isinstance(mfa, Authenticator) else str(mfa))
    if status != "signed-in":
        raise PortalError(f"{user} must finish her first sign-in to the access portal first "
                          f"(it asked for: {portal.status}).")


def _device(oidc: Any, portal: AccessPortal, session_name: str, start_url: str, user: str, password: str,
            mfa: Authenticator | SecurityKey | str, quiet: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    """The device authorization grant: a user code approved at the portal."""
    client = oidc.register_client(clientName=f"botocore-client-{session_name}", clientType="public",
                                  scopes=["sso:account:access"])
    device = oidc.start_device_authorization(clientId=client["clientId"], clientSecret=client["clientSecret"],
                                             startUrl=start_url)
    if not quiet:
        print("Attempting to automatically open the SSO authorization page in your default browser.\n"
              "If the browser does not open or you wish to use a different device to authorize this "
              "request, open the following URL:\n\n"
              f"{device['verificationUri']}\n\nThen enter the code:\n\n{device['userCode']}\n")
    _sign_in(portal, user, password, mfa)
    portal.approve(device["userCode"])
    token = oidc.create_token(clientId=client["clientId"], clientSecret=client["clientSecret"],
                              grantType="urn:ietf:params:oauth:grant-type:device_code",
                              deviceCode=device["deviceCode"])
    return token, client


def _pkce(oidc: Any, portal: AccessPortal, session_name: str, start_url: str, region: str, user: str,
          password: str, mfa: Authenticator | SecurityKey | str,
          quiet: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    """The authorization code grant with PKCE (RFC 7636), as CLI v2 runs it."""
    redirect = f"http://127.0.0.1:{secrets.randbelow(20000) + 40000}/oauth/callback"
    client = oidc.register_client(clientName=f"botocore-client-{session_name}", clientType="public",
                                  scopes=["sso:account:access"], redirectUris=[redirect], issuerUrl=start_url,
                                  grantTypes=["authorization_code", "refresh_token"])
    verifier, state = secrets.token_urlsafe(48), secrets.token_urlsafe(16)
    params = {"response_type": "code", "client_id": client["clientId"], "redirect_uri": redirect,
              "state": state, "code_challenge_method": "S256", "scopes": "sso:account:access",
              "code_challenge": _s256(verifier)}
    if not quiet:
        print("Attempting to automatically open the SSO authorization page in your default browser.\n"
              "If the browser does not open or you wish to use a different device to authorize this "
              "request, open the following URL:\n\n"
              f"https://oidc.{region}.amazonaws.com/authorize?{urlencode(params)}\n")
    _sign_in(portal, user, password, mfa)
    answer = dict(parse_qsl(urlsplit(portal.allow_access(params)).query))
    if answer.get("state") != state:  # the CLI checks the redirect answers its own request
        raise PortalError("The authorization answer does not match this sign-in (state).")
    token = oidc.create_token(clientId=client["clientId"], clientSecret=client["clientSecret"],
                              grantType="authorization_code", code=answer["code"], redirectUri=redirect,
                              codeVerifier=verifier)
    return token, client
