"""The account's activity log: CloudTrail's event history of management events.

Every API call the sandbox answers is written down here as CloudTrail would record it
(who, when, from where, what, and the error if AWS refused), and ``aws cloudtrail
lookup-events`` / boto3's ``lookup_events`` read it back. This is how you prove that root
is *not* used: a deleted access key loses its "last used" date, the trail keeps every call.

What is recorded (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/view-cloudtrail-events.html):

* management events, read-only ones (``Get*``, ``List*``...) included, for 90 days;
* not data events (S3 object reads and writes);
* console sign-ins as ``ConsoleLogin`` events from ``signin.amazonaws.com``
  (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-aws-console-sign-in-events.html);
* not the sandbox's own control calls, nor the graders' read-only "auditor" view.

``LookupEvents`` as the CloudTrail API reference defines it
(https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_LookupEvents.html):
newest first, at most one lookup attribute (``EventId``, ``EventName``, ``ReadOnly``,
``Username``, ``ResourceType``, ``ResourceName``, ``EventSource``, ``AccessKeyId``),
``StartTime``/``EndTime`` inclusive, ``MaxResults`` 1-50 (default 50), ``NextToken``.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from ..clock import clock
from . import hooks
from . import moto_bridge as mb
from .errors import AwsError
from .identity import Principal, PrincipalKind
from .rs256 import JWTError, as_list, decode_claims_unverified
from .wire import AwsRequest, Response, json_response

if TYPE_CHECKING:
    from .hooks import Call

__all__ = ["TrailEvent", "record_call", "record_console_login", "record_web_identity", "lookup_events",
           "record_unsigned", "answer_lookup_events"]

RETENTION = timedelta(days=90)
LOOKUP_KEYS = ("EventId", "EventName", "ReadOnly", "Username", "ResourceType", "ResourceName",
               "EventSource", "AccessKeyId")
_READ_PREFIXES = ("Get", "List", "Describe", "Lookup", "Head")
# S3 requests that are data events (object level), which event history does not show.
_S3_DATA_EVENTS = {"GetObject", "PutObject", "DeleteObject", "ListBucket"}
_S3_NAMES = {"ListAllMyBuckets": "ListBuckets"}
SANDBOX_ADDRESS = "127.0.0.1"


@dataclass
class TrailEvent:
    """One recorded event, with CloudTrail's record (``detail``) as AWS writes it."""

    event_id: str
    event_time: datetime
    event_name: str
    event_source: str
    username: str
    access_key_id: str | None
    read_only: bool
    detail: dict[str, Any]
    resources: list[dict[str, str]] = field(default_factory=list)

    def as_lookup_result(self) -> dict[str, Any]:
        result: dict[str, Any] = {
            "EventId": self.event_id, "EventName": self.event_name,
            "ReadOnly": str(self.read_only).lower(), "EventTime": self.event_time.timestamp(),
            "EventSource": self.event_source, "Username": self.username,
            "Resources": self.resources, "CloudTrailEvent": json.dumps(self.detail),
        }
        if self.access_key_id:
            result["AccessKeyId"] = self.access_key_id
        return result


def _iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def user_identity(principal: Principal, access_key_id: str | None) -> tuple[dict[str, Any], str]:
    """CloudTrail's ``userIdentity`` block and the event's ``Username`` for ``principal``.

    https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-user-identity.html
    """
    account = principal.arn.split(":")[4]
    identity: dict[str, Any] = {"principalId": principal.user_id, "arn": principal.arn,
                                "accountId": account}
    if access_key_id:
        identity["accessKeyId"] = access_key_id
    if principal.kind is PrincipalKind.ROOT:
        identity["type"] = "Root"
        username = "root"
    elif principal.kind is PrincipalKind.ROLE:
        identity["type"] = "AssumedRole"
        role_name, session_name = principal.arn.split("/")[1:3]
        role_arn = f"arn:aws:iam::{account}:role/{role_name}"
        identity["sessionContext"] = {
            "sessionIssuer": {"type": "Role", "principalId": principal.user_id.split(":")[0],
                              "arn": role_arn, "accountId": account, "userName": role_name},
            "attributes": {"mfaAuthenticated": str(bool(principal.mfa)).lower()},
        }
        username = session_name
    else:
        identity["type"] = "IAMUser"
        identity["userName"] = principal.name
        username = principal.name
    if principal.temporary and principal.kind is not PrincipalKind.ROLE:
        identity["sessionContext"] = {"attributes": {"mfaAuthenticated": str(bool(principal.mfa)).lower()}}
    return identity, username


def _error_of(resp: Response) -> tuple[str | None, str | None]:
    if resp.status < 400:
        return None, None
    text = resp.text
    if text.lstrip().startswith("{"):
        try:
            data = json.loads(text)
        except ValueError:
            return "Error", None
        return str(data.get("__type", "Error")).split("#")[-1], data.get("message") or data.get("Message")
    code = text.split("<Code>")[1].split("</Code>")[0] if "<Code>" in text else "Error"
    message = text.split("<Message>")[1].split("</Message>")[0] if "<Message>" in text else None
    return code, message


def _event_name(req: AwsRequest, action: str) -> str | None:
    """The event name of a request, or None for what event history does not record."""
    if req.service == "s3":
        name = action.split(":", 1)[-1]
        return None if name in _S3_DATA_EVENTS else _S3_NAMES.get(name, name)
    return action.split(":", 1)[-1] or None


def _resources(req: AwsRequest) -> list[dict[str, str]]:
    p = req.params
    found = []
    if "UserName" in p:
        found.append({"ResourceType": "AWS::IAM::User", "ResourceName": p["UserName"]})
    if "RoleName" in p:
        found.append({"ResourceType": "AWS::IAM::Role", "ResourceName": p["RoleName"]})
    if "PolicyArn" in p:
        found.append({"ResourceType": "AWS::IAM::Policy", "ResourceName": p["PolicyArn"]})
    if "AccessKeyId" in p:
        found.append({"ResourceType": "AWS::IAM::AccessKey", "ResourceName": p["AccessKeyId"]})
    return found


def record_call(events: list[TrailEvent], req: AwsRequest, principal: Principal, action: str,
                resp: Response) -> None:
    """Write down one API call (``action`` like ``iam:CreateUser``) and AWS's answer."""
    name = _event_name(req, action)
    if name is None:
        return
    code, message = _error_of(resp)
    events.append(api_event(
        principal, name, action.split(":", 1)[0], clock.utcnow(), access_key_id=req.access_key,
        region=req.region, address=req.environ.get("REMOTE_ADDR") or SANDBOX_ADDRESS,
        user_agent=req.environ.get("HTTP_USER_AGENT", ""), parameters=_request_parameters(req),
        error=(code, message) if code else None, resources=_resources(req),
    ))


def api_event(principal: Principal, name: str, service: str, when: datetime, *,
              access_key_id: str | None = None, region: str = "us-east-1",
              address: str = SANDBOX_ADDRESS, user_agent: str = "", parameters: dict[str, Any] | None = None,
              error: tuple[str, str | None] | None = None,
              resources: list[dict[str, str]] | None = None) -> TrailEvent:
    """One ``AwsApiCall`` event as CloudTrail records it."""
    identity, username = user_identity(principal, access_key_id)
    global_service = service in ("iam", "sts", "organizations")
    detail: dict[str, Any] = {
        "eventVersion": "1.10", "userIdentity": identity, "eventTime": _iso(when),
        "eventSource": f"{service}.amazonaws.com", "eventName": name,
        "awsRegion": "us-east-1" if global_service else region,
        "sourceIPAddress": address, "userAgent": user_agent,
        "requestParameters": parameters, "responseElements": None,
        "requestID": str(uuid.uuid4()), "eventID": str(uuid.uuid4()),
        "readOnly": name.startswith(_READ_PREFIXES), "eventType": "AwsApiCall",
        "managementEvent": True, "recipientAccountId": identity["accountId"], "eventCategory": "Management",
    }
    if error:
        detail["errorCode"], detail["errorMessage"] = error
    return TrailEvent(detail["eventID"], when, name, detail["eventSource"], username, access_key_id,
                      detail["readOnly"], detail, resources or [])


def record_web_identity(events: list[TrailEvent], req: AwsRequest, resp: Response) -> None:
    """An ``AssumeRoleWithWebIdentity`` call: the caller is the token's subject, a
    ``WebIdentityUser`` of the OIDC provider (``Username`` is the token's ``sub``)."""
    try:
        claims = decode_claims_unverified(req.params.get("WebIdentityToken", ""))
    except JWTError:
        claims = {}
    subject = str(claims.get("sub", ""))
    host = str(claims.get("iss", "")).removeprefix("https://").rstrip("/")
    provider = f"arn:aws:iam::{mb.ACCOUNT_ID}:oidc-provider/{host}"
    audience = (as_list(claims.get("aud")) or [""])[0]
    identity = {"type": "WebIdentityUser", "principalId": f"{provider}:{audience}:{subject}",
                "userName": subject, "identityProvider": provider}
    now = clock.utcnow()
    code, message = _error_of(resp)
    detail: dict[str, Any] = {
        "eventVersion": "1.10", "userIdentity": identity, "eventTime": _iso(now),
        "eventSource": "sts.amazonaws.com", "eventName": "AssumeRoleWithWebIdentity",
        "awsRegion": req.region, "sourceIPAddress": req.environ.get("REMOTE_ADDR") or SANDBOX_ADDRESS,
        "userAgent": req.environ.get("HTTP_USER_AGENT", ""),
        "requestParameters": {"roleArn": req.params.get("RoleArn"),
                              "roleSessionName": req.params.get("RoleSessionName")},
        "responseElements": None, "eventID": str(uuid.uuid4()), "readOnly": True,
        "eventType": "AwsApiCall", "managementEvent": True, "recipientAccountId": mb.ACCOUNT_ID,
        "eventCategory": "Management",
    }
    if code:
        detail["errorCode"], detail["errorMessage"] = code, message
    role = str(req.params.get("RoleArn", "")).rsplit("/", 1)[-1]
    events.append(TrailEvent(detail["eventID"], now, "AssumeRoleWithWebIdentity", "sts.amazonaws.com",
                             subject, None, True, detail,
                             [{"ResourceType": "AWS::IAM::Role", "ResourceName": role}] if role else []))


# How each call taken before identification is recorded, by operation (its caller is its token's
# subject; the request may name no service).
_UNSIGNED_RECORDERS = {"AssumeRoleWithWebIdentity": record_web_identity}


def record_unsigned(events: list[TrailEvent], req: AwsRequest, resp: Response) -> None:
    """Write down a call answered before identification (``AssumeRoleWithWebIdentity``), if event
    history records it."""
    recorder = _UNSIGNED_RECORDERS.get(req.operation)
    if recorder is not None:
        recorder(events, req, resp)


_SECRET_PARAMS = {"Password", "OldPassword", "NewPassword", "SecretAccessKey", "WebIdentityToken",
                  "AuthenticationCode1", "AuthenticationCode2", "TokenCode"}


def _request_parameters(req: AwsRequest) -> dict[str, Any] | None:
    """The call's parameters, as CloudTrail shows them (secrets left out, as AWS does)."""
    skip = {"Action", "Version", *_SECRET_PARAMS}
    params = {k[0].lower() + k[1:]: v for k, v in req.params.items() if k not in skip and "." not in k}
    return params or None


def record_console_login(events: list[TrailEvent], who: Principal | None, typed_name: str,
                         success: bool, with_mfa: bool, address: str = SANDBOX_ADDRESS,
                         when: datetime | None = None) -> None:
    """A ``ConsoleLogin`` event (success or failure) from the simulated sign-in page.

    A failure for a user name that does not exist is recorded with the name hidden, as AWS
    does ("HIDDEN_DUE_TO_SECURITY_REASONS", per the console sign-in events page above);
    failures carry ``errorMessage`` "Failed authentication" (e.g. SigmaHQ's rule
    aws_cloudtrail_console_login_failed_authentication.yml).
    """
    now = when or clock.utcnow()
    if who is not None:
        identity, username = user_identity(who, None)
    else:
        identity = {"type": "IAMUser", "accountId": mb.ACCOUNT_ID, "principalId": "",
                    "userName": "HIDDEN_DUE_TO_SECURITY_REASONS"}
        username = "HIDDEN_DUE_TO_SECURITY_REASONS"
    detail: dict[str, Any] = {
        "eventVersion": "1.10", "userIdentity": identity, "eventTime": _iso(now),
        "eventSource": "signin.amazonaws.com", "eventName": "ConsoleLogin", "awsRegion": "us-east-1",
        "sourceIPAddress": address, "userAgent": "labkit.Console", "requestParameters": None,
        "responseElements": {"ConsoleLogin": "Success" if success else "Failure"},
        "additionalEventData": {"LoginTo": "https://console.aws.amazon.com/console/home",
                                "MobileVersion": "No", "MFAUsed": "Yes" if with_mfa else "No"},
        "eventID": str(uuid.uuid4()), "readOnly": False, "eventType": "AwsConsoleSignIn",
        "managementEvent": True, "recipientAccountId": mb.ACCOUNT_ID, "eventCategory": "Management",
    }
    if not success:
        detail["errorMessage"] = "Failed authentication"
    events.append(TrailEvent(detail["eventID"], now, "ConsoleLogin", "signin.amazonaws.com", username,
                             None, False, detail))


def _when(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, tz=UTC)
    try:
        return datetime.fromtimestamp(float(value), tz=UTC)
    except ValueError:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _matches(event: TrailEvent, key: str, value: str) -> bool:
    if key == "ResourceType":
        return any(r["ResourceType"] == value for r in event.resources)
    if key == "ResourceName":
        return any(r["ResourceName"] == value for r in event.resources)
    actual = {"EventId": event.event_id, "EventName": event.event_name,
              "ReadOnly": str(event.read_only).lower(), "Username": event.username,
              "EventSource": event.event_source, "AccessKeyId": event.access_key_id or ""}[key]
    return actual == value


@hooks.answer("cloudtrail:LookupEvents")
def answer_lookup_events(call: Call) -> Response:
    """``aws cloudtrail lookup-events``: the account's event history (moto keeps none)."""
    return json_response(lookup_events(call.state.trail, call.req))


def lookup_events(events: list[TrailEvent], req: AwsRequest) -> dict[str, Any]:
    """Answer ``LookupEvents`` from ``events`` (a JSON result; AWS's errors are raised)."""
    data = req.json()
    attributes = data.get("LookupAttributes") or []
    if len(attributes) > 1:
        raise AwsError("You cannot specify more than one lookup attribute.",
                       code="InvalidLookupAttributesException")
    for attribute in attributes:
        if attribute.get("AttributeKey") not in LOOKUP_KEYS:
            raise AwsError(f"Invalid attribute key: {attribute.get('AttributeKey')}",
                           code="InvalidLookupAttributesException")
    start, end = _when(data.get("StartTime")), _when(data.get("EndTime"))
    if start and end and start > end:
        raise AwsError("Start time must be before or equal to the end time.",
                       code="InvalidTimeRangeException")
    limit = int(data.get("MaxResults") or 50)
    if not 1 <= limit <= 50:
        raise AwsError("MaxResults must be between 1 and 50.", code="InvalidMaxResultsException")
    oldest = clock.utcnow() - RETENTION
    chosen = [
        e for e in reversed(events)
        if e.event_time >= oldest
        and (start is None or e.event_time >= start) and (end is None or e.event_time <= end)
        and all(_matches(e, a["AttributeKey"], str(a.get("AttributeValue", ""))) for a in attributes)
    ]
    offset = int(data.get("NextToken") or 0)
    page = chosen[offset:offset + limit]
    result: dict[str, Any] = {"Events": [e.as_lookup_result() for e in page]}
    if offset + limit < len(chosen):
        result["NextToken"] = str(offset + limit)
    return result
