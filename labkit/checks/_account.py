"""Small readers of account state shared by the checks (auditor credentials).

Checks that *try* something as a user (a temporary key, a CI token) send their requests with
the user-agent mark :data:`PROBE_AGENT`, so that :func:`activity` can leave the checks' own
attempts out of the activity log and count only what the learner did.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from botocore.config import Config
from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from ..sandbox import Credentials, Lab

KEY_LIMIT = 2  # AWS allows at most two access keys per user
PROBE_AGENT = "labkit-check"  # appended to the user agent of every request a check makes as someone


class CannotProbe(Exception):
    """A check could not try a permission; the message says what to change."""


def iam(lab: Lab) -> Any:
    """An IAM client that sees everything and changes nothing it should not."""
    return lab.client("iam", credentials=lab.auditor())


def s3(lab: Lab) -> Any:
    """An S3 client with the auditor's credentials."""
    return lab.client("s3", credentials=lab.auditor())


def user(lab: Lab, name: str) -> dict[str, Any] | None:
    """``get-user`` for ``name``, or None if there is no such user."""
    try:
        return iam(lab).get_user(UserName=name)["User"]
    except ClientError:
        return None


def login_profile(lab: Lab, name: str) -> dict[str, Any] | None:
    """The user's console password settings, or None if they have no password."""
    try:
        return iam(lab).get_login_profile(UserName=name)["LoginProfile"]
    except ClientError:
        return None


def access_keys(lab: Lab, name: str) -> list[dict[str, Any]]:
    """The user's access keys (id, status, creation date); [] if there is no such user."""
    try:
        return iam(lab).list_access_keys(UserName=name)["AccessKeyMetadata"]
    except ClientError:
        return []


def mfa_devices(lab: Lab, name: str) -> list[dict[str, Any]]:
    """The MFA devices enabled for the user; [] if there is no such user."""
    try:
        return iam(lab).list_mfa_devices(UserName=name)["MFADevices"]
    except ClientError:
        return []


def attached_policy_arns(lab: Lab, name: str) -> list[str]:
    """ARNs of the managed policies attached to the user."""
    try:
        attached = iam(lab).list_attached_user_policies(UserName=name)["AttachedPolicies"]
        return [p["PolicyArn"] for p in attached]
    except ClientError:
        return []


class TemporaryKey:
    """A short-lived access key for ``user``, deleted again on exit (leaves no trace).

    Checks use it to *try* what a user may do, signed as that user. AWS allows
    two keys per user, so a user who already has two cannot be probed: that
    raises :class:`CannotProbe` with a message saying what to do.
    """

    def __init__(self, lab: Lab, user_name: str) -> None:
        self.lab, self.user_name = lab, user_name
        self.key_id: str | None = None

    def __enter__(self) -> Credentials:
        from ..sandbox import Credentials

        if len(access_keys(self.lab, self.user_name)) >= KEY_LIMIT:
            raise CannotProbe(
                f"{self.user_name} already has {KEY_LIMIT} access keys, the most AWS allows, so the "
                "check cannot borrow one to try their permissions: delete a key they do not use "
                f"(aws iam delete-access-key --user-name {self.user_name} --access-key-id ...)")
        data = iam(self.lab).create_access_key(UserName=self.user_name)["AccessKey"]
        self.key_id = data["AccessKeyId"]
        return Credentials.from_response(data)

    def __exit__(self, *exc: object) -> None:
        if self.key_id:
            iam(self.lab).delete_access_key(UserName=self.user_name, AccessKeyId=self.key_id)
            self.key_id = None


def probe_client(lab: Lab, service: str, credentials: Credentials | None = None) -> Any:
    """A client whose requests the activity log marks as a check's, not the learner's."""
    return lab.client(service, credentials=credentials, config=Config(user_agent_extra=PROBE_AGENT))


def activity(lab: Lab, username: str | None = None, event_name: str | None = None) -> list[dict[str, Any]]:
    """The learner's events in the activity log (CloudTrail event history), newest first.

    Each is the event's ``CloudTrailEvent`` record (``eventName``, ``userIdentity``,
    ``errorCode``...). Filter by ``username`` or ``event_name`` (one lookup attribute, as AWS
    allows); the checks' own probes are left out.
    """
    attrs = []
    if username:
        attrs = [{"AttributeKey": "Username", "AttributeValue": username}]
    elif event_name:
        attrs = [{"AttributeKey": "EventName", "AttributeValue": event_name}]
    trail = lab.client("cloudtrail", credentials=lab.auditor())
    events = []
    for page in trail.get_paginator("lookup_events").paginate(LookupAttributes=attrs):
        for event in page["Events"]:
            record = json.loads(event["CloudTrailEvent"])
            if PROBE_AGENT in str(record.get("userAgent", "")):
                continue
            if event_name and record.get("eventName") != event_name:
                continue
            events.append(record)
    return events


def allowed(lab: Lab, credentials: Credentials, service: str, operation: str, **params: Any) -> bool:
    """Try ``operation`` signed with ``credentials``: True if it succeeds, False on AccessDenied.

    Any other error (a missing bucket, say) propagates: it is not an answer.
    """
    client = probe_client(lab, service, credentials)
    try:
        getattr(client, operation)(**params)
        return True
    except ClientError as err:
        if err.response["Error"]["Code"] in ("AccessDenied", "AccessDeniedException"):
            return False
        raise
