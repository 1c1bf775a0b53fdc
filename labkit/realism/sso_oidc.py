"""IAM Identity Center's OIDC service (``sso-oidc``): how the CLI gets a person's access token.

``aws sso login`` (and :func:`labkit.sso_login`) follow the OAuth 2.0 device authorization grant
(RFC 8628), as the service implements it
(https://docs.aws.amazon.com/singlesignon/latest/OIDCAPIReference/Welcome.html):

1. ``RegisterClient``: the CLI registers itself (a public client) and gets a ``clientId`` and a
   ``clientSecret``, valid for 90 days (``clientSecretExpiresAt``; botocore caches it as
   ``registrationExpiresAt`` and registers again when it has expired);
2. ``StartDeviceAuthorization``: a ``deviceCode`` for the CLI and a ``userCode`` for the person,
   with the verification URL to open; both expire after ``expiresIn`` (600 s);
3. the person signs in to the AWS access portal (password and MFA) and approves the code
   (:mod:`.portal_pages`);
   (Or, as CLI v2 does by default since late 2024, the authorization code grant with PKCE:
   ``RegisterClient`` with ``grantTypes`` and a loopback ``redirectUris``, the portal's
   "Allow access" redirects there with a ``code``, and ``CreateToken`` trades it with the
   ``codeVerifier`` whose S256 hash the request carried, RFC 7636.)
4. ``CreateToken`` with the device code: ``AuthorizationPendingException`` until approved, then
   an access token (``expiresIn`` 3600 s) and a refresh token; ``CreateToken`` with
   ``grant_type=refresh_token`` gives a new access token while the portal session lasts (8 hours
   by default: https://docs.aws.amazon.com/singlesignon/latest/userguide/configure-user-session.html).

Every call is unsigned (its ``auth`` is ``smithy.api#noAuth`` in botocore's model): the client
secret, device code or refresh token is the credential. Errors are the model's exception shapes
(``AuthorizationPendingException``, ``ExpiredTokenException``, ``InvalidGrantException``,
``InvalidClientException``, ``AccessDeniedException``), whose members are OAuth's ``error`` and
``error_description``; the sandbox sends the ``error`` only, so the CLI prints the code and
nothing after the colon, as users report it ("An error occurred (InvalidGrantException) when
calling the CreateToken operation: ", boto/boto3 issue 3785). (Each exception's sentence below
says why, for a reader of this module; it is not sent.)
"""

from __future__ import annotations

import functools
import json
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ..clock import clock
from . import hooks
from .errors import AwsError
from .identity_center import Directory, directory
from .wire import Response, json_response

__all__ = ["OidcClient", "DeviceAuthorization", "AccessToken", "AuthorizationCode", "approve", "authorize",
           "s256", "user_for_token",
           "CLIENT_LIFETIME", "DEVICE_CODE_LIFETIME", "ACCESS_TOKEN_LIFETIME", "SESSION_LIFETIME"]

CLIENT_LIFETIME = timedelta(days=90)
DEVICE_CODE_LIFETIME = timedelta(seconds=600)
ACCESS_TOKEN_LIFETIME = timedelta(hours=1)
SESSION_LIFETIME = timedelta(hours=8)  # the access portal's default session duration
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
VERIFICATION_URI = "https://device.sso.us-east-1.amazonaws.com/"
AUTHORIZE_URL = "https://oidc.us-east-1.amazonaws.com/authorize"
TOKEN_URL = "https://oidc.us-east-1.amazonaws.com/token"
AUTHORIZATION_CODE_LIFETIME = timedelta(minutes=10)
_USER_CODE_LETTERS = "BCDFGHJKLMNPQRSTVWXZ"  # no vowels: a code never spells a word


class OidcError(AwsError):
    """An error of the OIDC service (its exception shapes are HTTP 400 unless said otherwise)."""

    status = 400


def _oauth_code(code: str) -> str:
    """``AuthorizationPendingException`` -> ``authorization_pending`` (OAuth's ``error``)."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", code.removesuffix("Exception")).lower()


def _answers_oauth_errors(fn: Callable[[hooks.Call], Response]) -> Callable[[hooks.Call], Response]:
    """The hook, with its OidcError answered as the OIDC service does (``error`` and
    ``error_description``, the code in ``x-amzn-ErrorType``)."""
    @functools.wraps(fn)
    def answer(call: hooks.Call) -> Response:
        try:
            return fn(call)
        except OidcError as err:
            # The description stays here: no public source shows AWS sending one (boto3 issue 3785
            # shows the CLI printing nothing after the code), so the sandbox sends none either.
            body = json.dumps({"error": _oauth_code(err.code)}).encode()
            return Response(err.status, body, [("Content-Type", "application/json"),
                                               ("x-amzn-ErrorType", err.code)])
    return answer


class AuthorizationPendingException(OidcError):
    code = "AuthorizationPendingException"


class ExpiredTokenException(OidcError):
    code = "ExpiredTokenException"


class InvalidGrantException(OidcError):
    code = "InvalidGrantException"


class InvalidClientException(OidcError):
    code, status = "InvalidClientException", 401


class InvalidRequestException(OidcError):
    code = "InvalidRequestException"


class UnsupportedGrantTypeException(OidcError):
    code = "UnsupportedGrantTypeException"


class AccessDeniedException(OidcError):
    code = "AccessDeniedException"


@dataclass
class OidcClient:
    client_id: str
    client_secret: str
    name: str
    issued: datetime
    expires: datetime
    grant_types: tuple[str, ...] = ()  # for the authorization code grant: "authorization_code"...
    redirect_uris: tuple[str, ...] = ()


@dataclass
class AuthorizationCode:
    """A code the portal hands the CLI's redirect URI once the person allowed access (PKCE)."""

    code: str
    client_id: str
    redirect_uri: str
    challenge: str
    user_id: str
    expires: datetime
    used: bool = False


@dataclass
class DeviceAuthorization:
    device_code: str
    user_code: str
    client_id: str
    start_url: str
    expires: datetime
    user_id: str | None = None  # set when the person approves it at the portal
    denied: bool = False
    used: bool = False


@dataclass
class AccessToken:
    """An access token (or a refresh token: same record, ``refresh=True``) of one person."""

    token: str
    user_id: str
    client_id: str
    expires: datetime
    session_expires: datetime  # the portal session behind it: no refresh after this
    refresh: bool = False
    revoked: bool = False


def _epoch(when: datetime) -> int:
    return int(when.timestamp())


def _body(call: hooks.Call) -> dict[str, Any]:
    return call.req.json()


def _client(d: Directory, body: dict[str, Any]) -> OidcClient:
    client = d.clients.get(str(body.get("clientId", "")))
    if client is None or not secrets.compare_digest(client.client_secret, str(body.get("clientSecret", ""))):
        raise InvalidClientException("Invalid client credentials.")
    if client.expires <= clock.utcnow():
        raise InvalidClientException("The client registration has expired.")
    return client


def _is_loopback_redirect(uri: str) -> bool:
    """``http://127.0.0.1:<port>/…`` and nothing that merely starts like it: the URL's own host
    must be the loopback address (``http://127.0.0.1:1@evil.example/`` is evil.example's).

    >>> _is_loopback_redirect("http://127.0.0.1:43210/oauth/callback")
    True
    >>> _is_loopback_redirect("http://127.0.0.1:1@evil.example/cb")
    False
    """
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(uri)
        port = parts.port
    except ValueError:
        return False
    return (parts.scheme == "http" and parts.hostname == "127.0.0.1" and port is not None
            and parts.username is None and parts.password is None
            and parts.netloc == f"127.0.0.1:{port}")


@hooks.unsigned("sso-oauth:RegisterClient")
@_answers_oauth_errors
def register_client(call: hooks.Call) -> Response:
    """``RegisterClient``: a public client (the CLI), valid for 90 days."""
    body = _body(call)
    name = str(body.get("clientName", ""))
    if not name or body.get("clientType") != "public":
        raise InvalidRequestException("clientName is required and clientType must be 'public'.")
    grants = tuple(str(g) for g in body.get("grantTypes") or ())
    redirects = tuple(str(u) for u in body.get("redirectUris") or ())
    loopback = all(_is_loopback_redirect(u) for u in redirects or [""])
    if "authorization_code" in grants and not loopback:
        # CLI v2 listens on the loopback address for the code (RFC 8252).
        raise InvalidRequestException("The authorization code grant needs loopback redirect URIs.")
    now = clock.utcnow()
    client = OidcClient("labkit-" + secrets.token_urlsafe(16), "labkit-secret-" + secrets.token_urlsafe(48),
                        name, now, now + CLIENT_LIFETIME, grants, redirects)
    directory(call.state).clients[client.client_id] = client
    answer: dict[str, Any] = {"clientId": client.client_id, "clientSecret": client.client_secret,
                              "clientIdIssuedAt": _epoch(now),
                              "clientSecretExpiresAt": _epoch(client.expires)}
    if grants:
        answer.update(authorizationEndpoint=AUTHORIZE_URL, tokenEndpoint=TOKEN_URL)
    return json_response(answer)


def _user_code() -> str:
    letters = "".join(secrets.choice(_USER_CODE_LETTERS) for _ in range(8))
    return f"{letters[:4]}-{letters[4:]}"


@hooks.unsigned("sso-oauth:StartDeviceAuthorization")
@_answers_oauth_errors
def start_device_authorization(call: hooks.Call) -> Response:
    """``StartDeviceAuthorization``: a device code for the CLI, a user code for the person."""
    body = _body(call)
    d = directory(call.state)
    client = _client(d, body)
    auth = DeviceAuthorization(secrets.token_urlsafe(32), _user_code(), client.client_id,
                               str(body.get("startUrl", "")), clock.utcnow() + DEVICE_CODE_LIFETIME)
    d.devices[auth.device_code] = auth
    return json_response({
        "deviceCode": auth.device_code, "userCode": auth.user_code, "verificationUri": VERIFICATION_URI,
        "verificationUriComplete": f"{VERIFICATION_URI}?user_code={auth.user_code}",
        "expiresIn": int(DEVICE_CODE_LIFETIME.total_seconds()), "interval": 1})


def approve(d: Directory, user_code: str, user_id: str) -> DeviceAuthorization:
    """The person (signed in to the portal as ``user_id``) approves ``user_code``.

    A code is approved once: a second approval (another person signed in to the portal, before
    the CLI fetched its token) would hand that CLI her token instead, so it is refused, as is a
    code already denied or redeemed (the sandbox's rule: AWS does not publish what its portal
    answers a second approval; RFC 8628 lets one person's approval bind one device code).
    """
    code = user_code.strip().upper()
    auth = next((a for a in d.devices.values() if a.user_code == code), None)
    if (auth is None or auth.expires <= clock.utcnow() or auth.used or auth.denied
            or auth.user_id is not None):
        raise ValueError("This code is not valid or has expired. Start the sign-in again (labkit.sso_login).")
    auth.user_id = user_id
    return auth


def _issue(d: Directory, client: OidcClient, user_id: str, session_expires: datetime) -> dict[str, Any]:
    now = clock.utcnow()
    access = AccessToken("aoa" + secrets.token_urlsafe(64), user_id, client.client_id,
                         min(now + ACCESS_TOKEN_LIFETIME, session_expires), session_expires)
    refresh = AccessToken("aor" + secrets.token_urlsafe(64), user_id, client.client_id, session_expires,
                          session_expires, refresh=True)
    d.tokens[access.token] = access
    d.refresh_tokens[refresh.token] = refresh
    return {"accessToken": access.token, "tokenType": "Bearer",
            "expiresIn": int((access.expires - now).total_seconds()), "refreshToken": refresh.token}


@hooks.unsigned("sso-oauth:CreateToken")
@_answers_oauth_errors
def create_token(call: hooks.Call) -> Response:
    """``CreateToken``: the device code grant (once approved) and the refresh token grant."""
    body = _body(call)
    d = directory(call.state)
    client = _client(d, body)
    grant = str(body.get("grantType", ""))
    now = clock.utcnow()
    if grant == DEVICE_GRANT:
        auth = d.devices.get(str(body.get("deviceCode", "")))
        if auth is None or auth.client_id != client.client_id or auth.used:
            raise InvalidGrantException("Invalid grant provided.")
        if auth.expires <= now:
            raise ExpiredTokenException("The device code has expired.")
        if auth.denied:
            raise AccessDeniedException("The person denied this request.")
        if auth.user_id is None:
            raise AuthorizationPendingException("Authorization is still pending.")
        auth.used = True
        return json_response(_issue(d, client, auth.user_id, now + SESSION_LIFETIME))
    if grant == "authorization_code":  # PKCE (RFC 7636), what CLI v2 uses by default
        found = d.codes.get(str(body.get("code", "")))
        verifier = str(body.get("codeVerifier", ""))
        if (found is None or found.used or found.client_id != client.client_id or found.expires <= now
                or found.redirect_uri != str(body.get("redirectUri", ""))
                or not secrets.compare_digest(s256(verifier), found.challenge)):
            raise InvalidGrantException("Invalid grant provided.")
        found.used = True
        return json_response(_issue(d, client, found.user_id, now + SESSION_LIFETIME))
    if grant == "refresh_token":
        old = d.refresh_tokens.get(str(body.get("refreshToken", "")))
        if old is None or old.client_id != client.client_id or old.revoked:
            raise InvalidGrantException("Invalid grant provided.")
        if old.session_expires <= now:
            raise InvalidGrantException("The refresh token has expired: sign in again.")
        old.revoked = True  # a refresh token is used once; the answer carries the next one
        return json_response(_issue(d, client, old.user_id, old.session_expires))
    raise UnsupportedGrantTypeException(f"Unsupported grant type: {grant!r}.")


def s256(verifier: str) -> str:
    """PKCE's ``S256`` code challenge of ``verifier``: base64url(SHA-256), no padding (RFC 7636).

    >>> s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")  # RFC 7636, appendix B
    'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'
    """
    import base64
    import hashlib

    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")


def authorize(d: Directory, user_id: str, params: dict[str, str]) -> str:
    """The portal's "Allow access" for the authorization code grant: the redirect URL with the
    code (and the CLI's ``state``). Raises ValueError for a request the portal refuses."""
    client = d.clients.get(params.get("client_id", ""))
    redirect = params.get("redirect_uri", "")
    if (client is None or "authorization_code" not in client.grant_types
            or redirect not in client.redirect_uris):
        raise ValueError("This application is not registered for this sign-in.")
    if params.get("code_challenge_method") != "S256" or not params.get("code_challenge"):
        raise ValueError("The sign-in request must carry a S256 code challenge.")
    found = AuthorizationCode(secrets.token_urlsafe(32), client.client_id, redirect, params["code_challenge"],
                              user_id, clock.utcnow() + AUTHORIZATION_CODE_LIFETIME)
    d.codes[found.code] = found
    from urllib.parse import urlencode

    return f"{redirect}?{urlencode({'code': found.code, 'state': params.get('state', '')})}"


def user_for_token(d: Directory, token: str) -> str | None:
    """The identity store user id behind a valid (unexpired, not logged out) access token."""
    found = d.tokens.get(token)
    if found is None or found.revoked or found.expires <= clock.utcnow():
        return None
    return found.user_id
