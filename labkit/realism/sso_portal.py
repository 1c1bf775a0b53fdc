"""The AWS access portal's API (``sso``): the CLI trades a person's token for role credentials.

Unsigned, the access token in the ``x-amz-sso_bearer_token`` header: ``ListAccounts``,
``ListAccountRoles``, ``GetRoleCredentials`` and ``Logout``, as botocore's SSO credential
provider calls them. ``GetRoleCredentials`` returns credentials of the reserved role in the
member account, valid for the permission set's session duration, and -- as AWS does -- the
member account's event history shows the person federated into that role (``AssumeRoleWithSAML``).
The person signs in on the portal's pages (:mod:`.portal_pages`) and gets her token from the
OIDC service (:mod:`.sso_oidc`).

Errors as AWS answers them: an expired, logged-out or unknown token, or a disabled person,
``UnauthorizedException`` "Session token not found or invalid" (401); a role she is not (or no
longer) assigned, ``ForbiddenException`` "No access" (403) -- both as the CLI prints them
(aws/aws-cli issue 7340; aws/aws-sam-cli issue 2129).
"""

from __future__ import annotations

import base64
import secrets
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from ..clock import clock
from . import hooks
from . import moto_bridge as mb
from . import moto_bridge_sso as sso_mb
from .errors import AwsError, UnauthorizedException
from .identity_center import RESERVED_PATH, Directory, assigned_roles, directory, permission_set_name
from .sso_oidc import user_for_token
from .state import TempSession, new_key_id, new_secret
from .wire import Response, json_response

if TYPE_CHECKING:
    from .state import AccountState

__all__ = ["list_accounts", "list_account_roles", "get_role_credentials", "logout", "ForbiddenException",
           "NO_SESSION", "NO_ACCESS"]

NO_SESSION = "Session token not found or invalid"
NO_ACCESS = "No access"


class ForbiddenException(AwsError):
    """The portal: the person has no access to this account and role."""

    code, status = "ForbiddenException", 403


# -- the portal API (sso) -----------------------------------------------------------------------

def _person(call: hooks.Call) -> tuple[Directory, str]:
    """The portal user behind the request's bearer token (refused as AWS refuses it)."""
    d = directory(call.state)
    token = call.req.header("x-amz-sso_bearer_token") or ""
    user_id = user_for_token(d, token)
    if user_id is None or not d.user(user_id).enabled:
        raise UnauthorizedException(NO_SESSION)
    _, store_id = sso_mb.instance()
    if sso_mb.store_user(store_id, user_id) is None:  # deleted from the identity store
        raise UnauthorizedException(NO_SESSION)
    return d, user_id


def _query(call: hooks.Call) -> dict[str, str]:
    from urllib.parse import parse_qsl

    return dict(parse_qsl(call.req.query))


def _account_names() -> dict[str, tuple[str, str]]:
    return {a.id: (a.name, a.email) for a in getattr(mb.organizations(), "accounts", [])}


@hooks.unsigned("sso:ListAccounts")
def list_accounts(call: hooks.Call) -> Response:
    """The accounts she has at least one role in."""
    _, user_id = _person(call)
    names = _account_names()
    accounts = sorted({account for account, _ in assigned_roles(call.state, user_id)})
    return json_response({"accountList": [
        {"accountId": a, "accountName": names.get(a, (a, ""))[0], "emailAddress": names.get(a, ("", ""))[1]}
        for a in accounts]})


@hooks.unsigned("sso:ListAccountRoles")
def list_account_roles(call: hooks.Call) -> Response:
    """Her roles (permission set names) in one account."""
    _, user_id = _person(call)
    account = _query(call).get("account_id", "")
    roles = [permission_set_name(r) for a, r in assigned_roles(call.state, user_id) if a == account]
    return json_response({"roleList": [{"roleName": r, "accountId": account} for r in roles]})


@hooks.unsigned("sso:GetRoleCredentials")
def get_role_credentials(call: hooks.Call) -> Response:
    """Credentials of the reserved role for permission set ``role_name`` in ``account_id``."""
    d, user_id = _person(call)
    q = _query(call)
    account, wanted = q.get("account_id", ""), q.get("role_name", "")
    role_name = next((r for a, r in assigned_roles(call.state, user_id)
                      if a == account and permission_set_name(r) == wanted), None)
    if role_name is None:
        raise ForbiddenException(NO_ACCESS)
    _, store_id = sso_mb.instance()
    person = sso_mb.store_user(store_id, user_id) or {"UserName": user_id}
    role = next((r for r in sso_mb.member_iam(account).get_roles() if r.name == role_name), None)
    seconds = int(getattr(role, "max_session_duration", None) or 3600)
    session = TempSession(
        access_key_id=new_key_id("ASIA"), secret_access_key=new_secret(),
        session_token=base64.b64encode(b"labkit-sso:" + secrets.token_bytes(96)).decode(),
        principal=role_name, expires=clock.utcnow() + timedelta(seconds=seconds), mfa=True,
        made_by="GetRoleCredentials", role_session=person["UserName"], account_id=account,
    )
    call.state.sessions[session.access_key_id] = session
    d.session_people[session.access_key_id] = user_id  # identitystore:UserId of its requests
    _record_federation(call.state, account, role_name, person["UserName"], session)
    return json_response({"roleCredentials": {
        "accessKeyId": session.access_key_id, "secretAccessKey": session.secret_access_key,
        "sessionToken": session.session_token, "expiration": int(session.expires.timestamp() * 1000)}})


def _record_federation(state: AccountState, account: str, role_name: str, user_name: str,
                       session: TempSession) -> None:
    """The member account's event history: ``AssumeRoleWithSAML`` by a ``SAMLUser``, the way
    Identity Center's role sessions begin (the portal federates her into the reserved role).

    The userIdentity shape is CloudTrail's for SAML federation
    (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-user-identity.html).
    """
    import uuid

    from .cloudtrail import SANDBOX_ADDRESS, TrailEvent
    from .organizations import member_root

    member = member_root(state, account)
    if member is None:
        return
    provider = next((f"arn:aws:iam::{account}:saml-provider/{name}"
                     for name in sso_mb.member_iam(account).saml_providers), "")
    when = clock.utcnow()
    role_arn = f"arn:aws:iam::{account}:role{RESERVED_PATH}{role_name}"
    detail: dict[str, Any] = {
        "eventVersion": "1.10", "eventTime": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "userIdentity": {"type": "SAMLUser", "principalId": f"{provider}:{user_name}",
                         "userName": user_name, "identityProvider": provider},
        "eventSource": "sts.amazonaws.com", "eventName": "AssumeRoleWithSAML",
        "awsRegion": sso_mb.HOME_REGION,
        "sourceIPAddress": SANDBOX_ADDRESS, "userAgent": "sso.amazonaws.com",
        "requestParameters": {"roleArn": role_arn, "principalArn": provider,
                              "durationSeconds": int((session.expires - when).total_seconds())},
        "responseElements": {"credentials": {
            "accessKeyId": session.access_key_id,
            "expiration": session.expires.strftime("%b %d, %Y, %I:%M:%S %p")}},
        "eventID": str(uuid.uuid4()), "readOnly": True, "eventType": "AwsApiCall", "managementEvent": True,
        "recipientAccountId": account, "eventCategory": "Management",
    }
    member.trail.append(TrailEvent(detail["eventID"], when, "AssumeRoleWithSAML", "sts.amazonaws.com",
                                   user_name, None, True, detail,
                                   [{"ResourceType": "AWS::IAM::Role", "ResourceName": role_arn}]))


@hooks.unsigned("sso:Logout")
def logout(call: hooks.Call) -> Response:
    """End her portal session: the access token and its refresh token stop working, and so does
    her sign-in at the portal's pages (role credentials already issued stay valid until they
    expire, as the Logout reference says)."""
    from .portal_pages import end_sessions

    d, user_id = _person(call)
    for record in [*d.tokens.values(), *d.refresh_tokens.values()]:
        if record.user_id == user_id:
            record.revoked = True
    end_sessions(d, user_id)  # her sign-in session at the portal ends too
    return json_response({})
