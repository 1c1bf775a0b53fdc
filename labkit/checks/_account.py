"""Small readers of account state shared by the checks (auditor credentials).

Checks that *try* something as a user (a temporary key, a CI token) send their requests with
the user-agent mark :data:`PROBE_AGENT`, so that :func:`activity` can leave the checks' own
attempts out of the activity log and count only what the learner did.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
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


def _as_list(value: Any) -> list[str]:
    """A policy element (one string or a list of strings) as a list."""
    if value is None:
        return []
    return [value] if isinstance(value, str) else [str(v) for v in value]


def _document(raw: Any) -> dict[str, Any]:
    """A policy document as a dict (boto3 hands them over decoded; the CLI's JSON text too)."""
    return json.loads(raw) if isinstance(raw, str) else dict(raw)


def _managed(client: Any, arn: str) -> dict[str, Any]:
    version = client.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
    return _document(client.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]["Document"])


def granted_statements(lab: Lab, name: str, kind: str = "user") -> list[tuple[str, dict[str, Any]]]:
    """Every ``Allow`` statement that reaches the user (or role) ``name``, with where it comes from.

    A user's permissions come from their inline policies, the managed policies attached to
    them, and the same two kinds on every group they belong to; a role's from its inline and
    attached policies. Each item is ``(source, statement)``, e.g.
    ``("inline policy keys", {"Effect": "Allow", "Action": "s3:*", "Resource": "*"})``.
    """
    client = iam(lab)
    found: list[tuple[str, dict[str, Any]]] = []

    def add(source: str, document: dict[str, Any]) -> None:
        statements = document.get("Statement", [])
        for statement in [statements] if isinstance(statements, dict) else statements:
            if statement.get("Effect") == "Allow":
                found.append((source, statement))

    if kind == "role":
        for policy in client.list_role_policies(RoleName=name)["PolicyNames"]:
            add(f"inline policy {policy}",
                _document(client.get_role_policy(RoleName=name, PolicyName=policy)["PolicyDocument"]))
        for p in client.list_attached_role_policies(RoleName=name)["AttachedPolicies"]:
            add(f"attached policy {p['PolicyName']}", _managed(client, p["PolicyArn"]))
        return found
    for policy in client.list_user_policies(UserName=name)["PolicyNames"]:
        add(f"inline policy {policy}",
            _document(client.get_user_policy(UserName=name, PolicyName=policy)["PolicyDocument"]))
    for p in client.list_attached_user_policies(UserName=name)["AttachedPolicies"]:
        add(f"attached policy {p['PolicyName']}", _managed(client, p["PolicyArn"]))
    for group in client.list_groups_for_user(UserName=name)["Groups"]:
        g = group["GroupName"]
        for policy in client.list_group_policies(GroupName=g)["PolicyNames"]:
            add(f"group {g}'s inline policy {policy}",
                _document(client.get_group_policy(GroupName=g, PolicyName=policy)["PolicyDocument"]))
        for p in client.list_attached_group_policies(GroupName=g)["AttachedPolicies"]:
            add(f"group {g}'s policy {p['PolicyName']}", _managed(client, p["PolicyArn"]))
    return found


def _resource_fits(resource: str, allowed: tuple[str, ...]) -> bool:
    """True when ``resource`` is one of ``allowed``, or narrower than an allowed ``.../*``."""
    return any(resource == a or (a.endswith("/*") and resource.startswith(a[:-1])) for a in allowed)


def beyond_the_task(statements: list[tuple[str, dict[str, Any]]],
                    needed: Mapping[str, tuple[str, ...]]) -> list[str]:
    """What ``statements`` allow beyond ``needed`` (action → the resources it is needed on).

    Actions compare without regard to case, as in IAM; a wildcard action (``s3:*``,
    ``s3:Get*``) or resource (``*``, ``arn:aws:s3:::castle-*``) is more than the task needs even
    when it includes what is needed, and so is any ``NotAction``/``NotResource`` in an Allow
    (it allows everything else). Each finding reads like ``"iam:* on * (inline policy keys)"``.

    >>> beyond_the_task([("inline policy p", {"Action": ["s3:GetObject", "iam:*"], "Resource": "*"})],
    ...                 {"s3:GetObject": ("arn:aws:s3:::b/*",)})
    ['s3:GetObject on * (inline policy p)', 'iam:* on * (inline policy p)']
    """
    wanted = {action.lower(): resources for action, resources in needed.items()}
    extra: list[str] = []
    for source, statement in statements:
        resources = _as_list(statement.get("Resource"))
        if "NotAction" in statement:
            extra.append(f"every action except {', '.join(_as_list(statement['NotAction']))} "
                         f"on {', '.join(resources) or '*'} ({source})")
            continue
        if "NotResource" in statement:
            extra.append(f"{', '.join(_as_list(statement.get('Action')))} on every resource except "
                         f"{', '.join(_as_list(statement['NotResource']))} ({source})")
            continue
        for action in _as_list(statement.get("Action")):
            fits = wanted.get(action.lower())
            wrong = resources if fits is None else [r for r in resources if not _resource_fits(r, fits)]
            if wrong:
                extra.append(f"{action} on {', '.join(wrong)} ({source})")
    return extra


def ci_token(lab: Lab, repository: str, ref: str, audience: str = "sts.amazonaws.com") -> str:
    """A CI job's token (see :meth:`labkit.Lab.ci_token`), asked for with the auditor's credentials.

    The simulated CI service hands tokens only to holders of the sandbox's credentials; the
    learner may rightly have deleted root's key (the default caller), so a check asks as the
    auditor, and puts the caller back.
    """
    saved = lab.caller
    lab.caller = lab.auditor()
    try:
        return lab.ci_token(repository=repository, ref=ref, audience=audience)
    finally:
        lab.caller = saved


def in_words(findings: list[str], limit: int = 4) -> str:
    """Findings joined for a hint; past ``limit``, the first few and how many more.

    >>> in_words(["a", "b", "c", "d", "e", "f"])
    'a; b; c; and 3 more'
    """
    if len(findings) <= limit:
        return "; ".join(findings)
    return "; ".join(findings[:limit - 1]) + f"; and {len(findings) - limit + 1} more"
